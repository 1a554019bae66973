// What a relying party accepts, judged against a verdict's verified claims (the fourth concern
// beside layout, collection and cryptographic verification). Every rule that is set adds a
// "policy: ..." check to the verdict; unset rules accept anything.
#ifndef ZKCC_TEE_POLICY_H_
#define ZKCC_TEE_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee {

struct MinimumTcb {
  uint8_t boot_loader = 0, tee = 0, snp = 0, microcode = 0, fmc = 0;
};

struct Policy {
  // SNP MEASUREMENT or TDX MR_TD values (hex) that may run; empty accepts any.
  std::vector<std::string> allowed_measurements;
  bool allow_debug = false;                       // SNP policy DEBUG / TDX TD attribute DEBUG
  std::optional<uint32_t> vmpl;                   // SNP: the VMPL the report must come from
  bool allow_smt = true;                          // SNP policy SMT
  bool allow_migration_agent = false;             // SNP policy MIGRATE_MA
  std::optional<MinimumTcb> minimum_tcb;          // SNP REPORTED_TCB, per component
  std::vector<std::string> accepted_tdx_statuses = {"UpToDate"};
  std::optional<std::string> expected_report_data;  // hex: SNP/TDX report data, GPU nonce
  std::vector<std::string> allowed_gpu_drivers;   // driver versions; empty accepts any

  static StatusOr<Policy> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  std::string summary() const;
};

// Adds the policy's checks to a verified verdict (one whose cryptographic checks passed).
void apply_policy(const Policy& policy, Verdict& verdict);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_POLICY_H_
