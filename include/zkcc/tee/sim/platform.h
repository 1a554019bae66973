// The simulated confidential-computing platform: test roots and certificate chains shaped like
// AMD's, Intel's and NVIDIA's, and well-formed evidence signed with them (SEV-SNP reports, TDX
// quotes with their DCAP collateral, NVIDIA GPU SPDM reports). The production verifiers accept
// this evidence only when the simulated roots are passed to them explicitly as extra trust roots;
// nothing in the library selects this platform or its roots unless asked to.
//
// State lives in one directory, created on first use and reused afterwards (an exclusive flock on
// DIR/.lock serialises concurrent openers; DIR/sim.json is written last and marks it complete):
//   roots/amd_ark.pem, roots/intel_root.pem, roots/nvidia_root.pem   the roots, one PEM each
//   sev_snp/{ark,ask,vcek}.key.pem, sev_snp/{ask,vcek}.pem            ARK -> ASK -> VCEK
//   tdx/{root,pck_ca,pck,tcb_signing,attestation}.key.pem,
//   tdx/{pck_ca,pck,tcb_signing}.pem                                  Root -> PCK CA -> PCK, TCB signing
//   nvidia/{root,identity,provisioner}.key.pem, nvidia/{identity,provisioner}.pem,
//   nvidia/gpu<i>/{brom,leaf}.key.pem, nvidia/gpu<i>/{brom,leaf}.pem  created per GPU on first use
// Private keys are unencrypted PKCS#8 PEM with mode 0600; the directory is created with 0700.
// Certificates are valid from one day before their creation to ten years after it.
#ifndef ZKCC_TEE_SIM_PLATFORM_H_
#define ZKCC_TEE_SIM_PLATFORM_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/evidence.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::sim {

// The roots a verifier passes as TrustRoots::extra to accept simulated evidence.
struct SimRoots {
  std::vector<Certificate> amd;     // the simulated ARK, for sev_snp::TrustRoots
  std::vector<Certificate> intel;   // the simulated SGX Root CA, for tdx::TrustRoots
  std::vector<Certificate> nvidia;  // the simulated Device Identity CA, for nvidia_gpu::TrustRoots
};

// Reads DIR/roots/{amd_ark,intel_root,nvidia_root}.pem; each must hold exactly one self-signed
// certificate. Needs no private key, so a verifier can load the roots of a platform it never ran.
StatusOr<SimRoots> load_roots(const std::filesystem::path& dir);

// SHA-384 of a fixed label: the launch measurement (SNP) and MRTD (TDX) used unless one is chosen.
std::array<uint8_t, 48> default_measurement();

// The guest an SNP report describes.
struct SnpGuest {
  std::array<uint8_t, 48> measurement = default_measurement();
  std::array<uint8_t, 32> host_data{};
  // SMT allowed and the must-be-one bit 17; debug (bit 19) and migration agent (bit 18) off.
  uint64_t policy = 0x30000;
  uint32_t vmpl = 0;
  // What the firmware, not the guest, fills in, settable so tests can build correctly signed
  // reports that break one layout or consistency rule: PLATFORM_INFO (SMT enabled), CURRENT_TCB
  // and COMMITTED_TCB (unset: the VCEK's TCB), and single bytes written at offsets below 0x2A0
  // just before signing.
  uint64_t platform_info = 1;
  std::optional<uint64_t> current_tcb, committed_tcb;
  std::vector<std::pair<size_t, uint8_t>> raw_bytes;
};

// Another VCEK for the simulated chip's key, for tests of endorsement-key selection and of path
// rules: its SPLs from `tcb` (Milan layout; unset: the platform's), its hwID `chip_id` (unset: the
// chip's), signed by the ASK, or by the ARK directly when `signed_by_ark`.
struct SnpVcekOptions {
  std::optional<uint64_t> tcb;
  std::optional<std::array<uint8_t, 64>> chip_id;
  bool signed_by_ark = false;
};

// What the simulated AMD CRL says, settable so tests can build CRLs that break one rule: whether
// it lists the ASK, and whether the ASK rather than the ARK signs it (under the ARK's name).
struct SnpCrlOptions {
  bool revoke_ask = false;
  bool signed_by_ask = false;
};

// The trust domain a TDX quote describes.
struct TdxGuest {
  std::array<uint8_t, 48> mr_td = default_measurement();
  std::array<std::array<uint8_t, 48>, 4> rtmr{};
  uint64_t td_attributes = 0x10000000;  // SEPT_VE_DISABLE; DEBUG (bit 0) off
  uint64_t xfam = 0x61ae7;
  // When set, the quote is version 5 with a TDX 1.5 body (type 3) carrying this MR_SERVICETD
  // (TEE_TCB_SVN2 repeats TEE_TCB_SVN); otherwise version 4 with a type 2 body.
  std::optional<std::array<uint8_t, 48>> mr_servicetd;
  // TEE_TCB_SVN; unset: the simulated module's (SVN 5, loaded by the SEAM loader: byte 1 is 1).
  std::optional<std::array<uint8_t, 16>> tee_tcb_svn;
  // The header's QE vendor ID; unset: Intel's.
  std::optional<std::array<uint8_t, 16>> qe_vendor_id;
  // A CC event log (tdx/ccel.h's encoding): when set, the RTMRs are its replay (`rtmr` is not
  // used) and the attester hands it out with the quote.
  std::optional<Bytes> event_log;
};

// What the simulated TDX collateral states, settable so tests can build correctly signed
// collateral that breaks one rule: the TCB level's status (also the TDX module level's), TCB
// Info's id, version, PCEID, FMSPC (hex; "" = the PCK's) and number of SGX components, the base
// TDX module's MRSIGNER (hex; "" = zero, the simulated module's) or no tdxModule at all, QE
// Identity's id, version, MRSIGNER (hex; "" = the simulated QE's) and TCB level status, whether
// the PCK CRL lists the PCK certificate and the Root CA CRL the PCK CA or the TCB Signing
// certificate, and whether the PCK CA rather than the TCB Signing certificate signs TCB Info and
// QE Identity.
struct TdxCollateralOptions {
  std::string tcb_status = "UpToDate";
  std::string tcb_info_id = "TDX";
  int tcb_info_version = 3;
  std::string pce_id = "0000";
  std::string fmspc;
  size_t sgx_components = 16;
  std::string tdx_module_mrsigner;
  bool omit_tdx_module = false;
  std::string qe_identity_id = "TD_QE";
  int qe_identity_version = 2;
  std::string qe_mrsigner;
  std::string qe_tcb_status = "UpToDate";
  bool revoke_pck = false;
  bool revoke_pck_ca = false;
  bool revoke_tcb_signing = false;
  bool signed_by_pck_ca = false;
};

struct GpuIdentity;  // defined in src/tee/sim

class SimPlatform {
 public:
  // Creates the keys and chains in `dir` on first use, or loads them (checking that every key
  // matches its certificate and every chain links) when `dir` already holds a platform.
  static StatusOr<SimPlatform> open(const std::filesystem::path& dir);
  // Whether `dir` already holds a complete platform, so that open() only loads it (creating the
  // keys takes seconds; callers tell a person at a terminal when that is about to happen).
  static bool is_created(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const;
  SimRoots roots() const;

  // A 1184-byte version 3 ATTESTATION_REPORT of a Milan-B0 part (CPUID family 0x19, model 0x01),
  // REPORT_DATA = `report_data`, signed by the VCEK (ECDSA P-384, little-endian r and s).
  StatusOr<Bytes> snp_report(std::span<const uint8_t, 64> report_data, const SnpGuest& guest = {}) const;
  // VCEK, ASK and ARK, DER, in that order (as an extended report's certificate table).
  std::vector<Bytes> snp_certificates() const;
  // A further VCEK certificate (DER) for the same key; see SnpVcekOptions.
  StatusOr<Bytes> snp_vcek(const SnpVcekOptions& options) const;
  // The TCB_VERSION the simulated firmware reports (Milan layout).
  uint64_t snp_tcb() const;
  // AMD's CRL as KDS serves it (DER, RSASSA-PSS/SHA-384 by the ARK), issued at `issued_at` (Unix
  // seconds) and current for 30 days; it lists nothing unless `options` says so.
  StatusOr<Bytes> snp_crl(int64_t issued_at, const SnpCrlOptions& options = {}) const;

  // A version 4 DCAP quote (TD report body type 2) with REPORTDATA = `report_data`, signed by the
  // attestation key, whose QE report the PCK key signs; the PCK chain travels inside as PEM.
  StatusOr<Bytes> tdx_quote(std::span<const uint8_t, 64> report_data, const TdxGuest& guest = {}) const;
  // QuoteCollateralV3 JSON (the form tdx::parse_collateral_json reads) issued at `issued_at`
  // (Unix seconds): TCB Info and QE Identity dated issued_at .. issued_at + 30 days, each signed
  // over its exact text by the TCB signing key, and empty Root CA and PCK CRLs for the same window.
  // The quotes' TCB is UpToDate under it.
  StatusOr<std::string> tdx_collateral(int64_t issued_at, const TdxCollateralOptions& options = {}) const;

  // GPU `index`'s SPDM 1.1 GET_MEASUREMENTS request (carrying `nonce`) and signed response, with its
  // five-certificate chain (leaf first, up to the simulated Device Identity CA). Each GPU has its own
  // leaf and BROM keys, created in the directory on first use.
  StatusOr<GpuEvidence> gpu_evidence(unsigned index, std::span<const uint8_t, 32> nonce) const;
  // The Provisioner ICA reissued (same key and name, so the GPUs' BROM certificates still link to
  // it) with pathLenConstraint `path_len`, for tests of path rules.
  StatusOr<Certificate> nvidia_provisioner_with_path_len(int path_len) const;
  // GPU `index`'s leaf (its key, name and DICE extension) reissued by `issuer`, for tests of path
  // shape: kRoot issues it directly from the Device Identity CA; kLeaf from the GPU's own leaf, so
  // that the reissued certificate sits below a CA:FALSE certificate. Reports stay verifiable by it.
  enum class LeafIssuer { kRoot, kLeaf };
  StatusOr<Certificate> nvidia_leaf_reissued_by(unsigned index, LeafIssuer issuer) const;
  // GPU `index`'s leaf reissued by its BROM CA with a DICE extension stating `fwid` (48 bytes) in
  // place of the firmware's, so that the report's FWID no longer matches the certificate's.
  StatusOr<Certificate> nvidia_leaf_with_fwid(unsigned index, std::span<const uint8_t> fwid) const;

 private:
  struct State;  // defined in src/tee/sim
  // GPU `index`'s keys and certificates, created on first use.
  StatusOr<const GpuIdentity*> gpu(unsigned index) const;
  explicit SimPlatform(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;  // shared by copies; immutable but for the lazily created GPUs
};

// At most this many simulated GPUs per platform.
inline constexpr unsigned kMaxGpus = 64;

}  // namespace zkcc::tee::sim

#endif  // ZKCC_TEE_SIM_PLATFORM_H_
