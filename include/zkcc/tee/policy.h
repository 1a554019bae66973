// What a relying party accepts, judged against a verdict's verified claims (the fourth concern
// beside layout, collection and cryptographic verification). Every rule that is set adds a
// "policy: ..." check to the verdict; unset rules accept anything.
//
// A default-constructed Policy is the built-in production policy: VERIFIED under it means a
// production-grade guest. It refuses SNP guests that permit debugging or a migration agent, reports
// from a VMPL other than 0 (SNP and the Azure HCL report), and TDX TDs with DEBUG, with
// SEPT_VE_DISABLE clear, with reserved TD-attribute bits set or with a non-zero MR_SERVICETD. A
// policy file relaxes each rule by naming it (see docs/attestation.md).
#ifndef ZKCC_TEE_POLICY_H_
#define ZKCC_TEE_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"
#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee {

struct MinimumTcb {
  uint8_t boot_loader = 0, tee = 0, snp = 0, microcode = 0, fmc = 0;
};

// TD attribute bits the TDX module defines (Linux arch/x86/coco/tdx/debug.c names them): DEBUG 0,
// HGS_PLUS_PROF 4, PERF_PROF 5, PMT_PROF 6, ICSSD 16, LASS 27, SEPT_VE_DISABLE 28, MIGRATABLE 29,
// PKS 30, KL 31, TPA 62, PERFMON 63. Every other bit is reserved and must be zero.
inline constexpr uint64_t kTdAttributeDebug = uint64_t{1} << 0;
inline constexpr uint64_t kTdAttributeSeptVeDisable = uint64_t{1} << 28;
inline constexpr uint64_t kTdAttributesDefined = (uint64_t{1} << 0) | (uint64_t{7} << 4) | (uint64_t{1} << 16) |
                                                 (uint64_t{0x1F} << 27) | (uint64_t{3} << 62);

struct Policy {
  // Printed in verdicts: "built-in production default", or the file a policy came from.
  std::string name = "built-in production default";
  // SNP MEASUREMENT or TDX MR_TD values (hex) that may run; empty accepts any.
  std::vector<std::string> allowed_measurements;
  bool allow_debug = false;                       // SNP policy DEBUG / TDX TD attribute DEBUG
  std::optional<uint32_t> vmpl = 0;               // SNP and Azure HCL: the report's VMPL; nullopt accepts any
  bool allow_smt = true;                          // SNP policy SMT
  bool allow_migration_agent = false;             // SNP policy MIGRATE_MA
  std::optional<MinimumTcb> minimum_tcb;          // SNP REPORTED_TCB, per component
  std::vector<std::string> accepted_tdx_statuses = {"UpToDate"};
  std::optional<std::string> expected_report_data;  // hex: SNP/TDX report data, GPU nonce
  std::vector<std::string> allowed_gpu_drivers;   // driver versions; empty accepts any
  bool require_sept_ve_disable = true;            // TDX: TD attribute SEPT_VE_DISABLE must be set
  bool allow_reserved_td_attributes = false;      // TDX: reserved TD attribute bits may be set
  bool allow_mr_servicetd = false;                // TDX 1.5: MR_SERVICETD may be non-zero
  bool require_event_log = false;                 // TDX: the evidence must carry a CC event log (it then replays)
  // The level the evidence must reach (tee: CPU or GPU, full-cc: both); nullopt accepts any.
  std::optional<SecurityLevel> min_level;

  // Rules about CPU evidence or GPU evidence that this policy names explicitly: a policy that
  // names them fails evidence that lacks that platform rather than passing it vacuously.
  bool names_cpu_rules() const;
  bool names_gpu_rules() const;

  static StatusOr<Policy> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  std::string summary() const;
};

// Adds the policy's checks to a verified verdict (one whose cryptographic checks passed).
void apply_policy(const Policy& policy, Verdict& verdict);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_POLICY_H_
