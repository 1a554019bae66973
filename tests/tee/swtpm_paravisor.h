// Test support for the Azure vTPM collector: a software TPM (swtpm) started and stopped by the
// test, and the part of the Azure paravisor a test plays through it (the attestation key, the NV
// indices, PCR extends), plus synthetic but well-formed HCL reports.
#ifndef ZKCC_TESTS_TEE_SWTPM_PARAVISOR_H_
#define ZKCC_TESTS_TEE_SWTPM_PARAVISOR_H_

#include <sys/types.h>
#include <tss2/tss2_esys.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/azure/tpm_quote.h"

namespace zkcc::tee::azure::testing {

// `swtpm socket --tpm2` on free loopback ports with a fresh state directory, already started
// (not-need-init, startup-clear). Killed and its directory removed on destruction.
class Swtpm {
 public:
  // Fails (never skips) when no swtpm binary is found: scripts/install-deps.sh installs it.
  static StatusOr<std::unique_ptr<Swtpm>> start();
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;
  ~Swtpm();

  // "swtpm:host=127.0.0.1,port=N".
  std::string tcti() const;

 private:
  Swtpm() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

// An ESYS connection acting as the paravisor. swtpm serves one client at a time: close it (let it
// go out of scope) before the collector connects.
class Paravisor {
 public:
  static StatusOr<std::unique_ptr<Paravisor>> connect(const std::string& tcti);
  Paravisor(const Paravisor&) = delete;
  Paravisor& operator=(const Paravisor&) = delete;
  ~Paravisor();

  // An RSA-2048 restricted signing key (RSASSA / SHA-256) in the owner hierarchy, persisted at
  // `handle`.
  StatusOr<RsaPublicKey> create_attestation_key(uint32_t handle);
  // Removes the persistent object at `handle`.
  Status evict(uint32_t handle);
  // An ordinary index with the given TPMA_NV attributes and an empty authValue.
  Status define_nv(uint32_t index, uint16_t size, TPMA_NV attributes);
  Status undefine_nv(uint32_t index);
  // Owner-authorized write, in chunks.
  Status write_nv(uint32_t index, std::span<const uint8_t> data);
  // Owner-authorized read of the whole index.
  StatusOr<Bytes> read_nv(uint32_t index);
  Status extend_pcr(uint32_t pcr, std::span<const uint8_t, 32> digest);

 private:
  Paravisor() = default;
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

// Runtime claims as the paravisor writes them: HCLAkPub = key, user-data = uppercase hex.
std::string runtime_claims(const RsaPublicKey& key, std::span<const uint8_t> user_data);

// "HCLA" header, the 1184-byte hardware area (an SNP report, or a TDREPORT padded with zeros),
// then the IGVM request data around `claims`.
Bytes build_hcl_report(HclReportType type, std::span<const uint8_t> hardware_area, const std::string& claims);

std::string base64url(std::span<const uint8_t> data);

}  // namespace zkcc::tee::azure::testing

#endif  // ZKCC_TESTS_TEE_SWTPM_PARAVISOR_H_
