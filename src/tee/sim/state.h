// The simulated platform's keys and certificates per vendor, how each is created, stored and
// loaded, and the evidence each signs. Internal to src/tee/sim.
#ifndef ZKCC_SRC_TEE_SIM_STATE_H_
#define ZKCC_SRC_TEE_SIM_STATE_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "pki.h"
#include "zkcc/tee/sim/platform.h"
#include "zkcc/tee/tdx/collateral.h"

namespace zkcc::tee::sim {

// The subject organisation of every simulated certificate, so that nobody mistakes one for a
// vendor's.
inline constexpr const char* kSimOrganization = "zkcc simulated platform (test keys)";
inline constexpr int64_t kDay = 86400;
inline constexpr int64_t kCertificateLifetime = 3653 * kDay;  // ten years

inline constexpr unsigned kKeyMode = 0600;
inline constexpr unsigned kCertMode = 0644;

// Loads DIR/<name>.key.pem and DIR/<name>.pem and checks that the key is the certificate's.
struct KeyedCert {
  pki::Key key;
  Certificate cert;
};
StatusOr<KeyedCert> load_keyed(const std::filesystem::path& dir, const std::string& name,
                               const std::filesystem::path& cert_path);
Status save_key(const std::filesystem::path& path, const pki::Key& key);
Status save_cert(const std::filesystem::path& path, const Certificate& cert);
StatusOr<pki::Key> load_key(const std::filesystem::path& path);
StatusOr<Certificate> load_cert(const std::filesystem::path& path);

// ---- SEV-SNP: ARK (RSA-4096) -> ASK (RSA-4096) -> VCEK (P-384), RSASSA-PSS SHA-384 ----

// An AMD-style subject (OU, C, L, ST, the simulated organisation) with common name `cn`.
std::vector<std::pair<std::string, std::string>> amd_style_name(const std::string& cn);

// A simulated ARK (self-signed) and an intermediate it signs (an ASK or ASVK, pathLen 0), each
// RSA-4096 with RSASSA-PSS/SHA-384, valid from a day before `now` for ten years.
struct AmdCas {
  KeyedCert ark, intermediate;
};
StatusOr<AmdCas> create_amd_cas(int64_t now, const std::string& ark_cn, const std::string& intermediate_cn);

struct SnpAuthority {
  KeyedCert ark, ask, vcek;
  std::array<uint8_t, 64> chip_id{};  // the VCEK's hwID
  uint64_t tcb = 0;                   // REPORTED_TCB, as the VCEK's SPL extensions state it
};
StatusOr<SnpAuthority> create_snp(int64_t now);
Status save_snp(const std::filesystem::path& dir, const SnpAuthority& a);
StatusOr<SnpAuthority> load_snp(const std::filesystem::path& dir);
StatusOr<Bytes> build_snp_report(const SnpAuthority& a, std::span<const uint8_t, 64> report_data, const SnpGuest& guest);
// What a report is signed as: the endorsement key, the chip and TCB it certifies, the part's CPUID
// (family, model, stepping) and whether the key is a VLEK (SIGNING_KEY 1) rather than a VCEK.
struct SnpSigner {
  const pki::Key* key;
  std::array<uint8_t, 64> chip_id;
  uint64_t tcb;
  std::array<uint8_t, 3> cpuid;
  bool vlek;
};
StatusOr<Bytes> build_snp_report(const SnpSigner& signer, std::span<const uint8_t, 64> report_data, const SnpGuest& guest);
StatusOr<Bytes> build_snp_vcek(const SnpAuthority& a, const SnpVcekOptions& options);
StatusOr<Bytes> build_snp_crl(const SnpAuthority& a, int64_t issued_at, const SnpCrlOptions& options);

// ---- TDX: Root -> PCK CA -> PCK, Root -> TCB signing (all P-256), and the QE attestation key ----

struct TdxAuthority {
  KeyedCert root, pck_ca, pck, tcb_signing;
  pki::Key attestation_key;
  tdx::PckExtensions pck_ext;
};
StatusOr<TdxAuthority> create_tdx(int64_t now);
Status save_tdx(const std::filesystem::path& dir, const TdxAuthority& a);
StatusOr<TdxAuthority> load_tdx(const std::filesystem::path& dir);
StatusOr<Bytes> build_tdx_quote(const TdxAuthority& a, std::span<const uint8_t, 64> report_data, const TdxGuest& guest);
StatusOr<std::string> build_tdx_collateral(const TdxAuthority& a, int64_t issued_at, const TdxCollateralOptions& options);

// ---- NVIDIA: Device Identity CA -> GH100 Identity -> Provisioner ICA -> (per GPU) BROM -> leaf ----

struct NvidiaAuthority {
  KeyedCert root, identity, provisioner;
};
struct GpuIdentity {
  KeyedCert brom, leaf;
  Bytes fwid;  // from the leaf's DICE extension
};
StatusOr<NvidiaAuthority> create_nvidia(int64_t now);
Status save_nvidia(const std::filesystem::path& dir, const NvidiaAuthority& a);
StatusOr<NvidiaAuthority> load_nvidia(const std::filesystem::path& dir);
// Loads DIR/nvidia/gpu<index>/, creating it when it is absent or incomplete.
StatusOr<GpuIdentity> load_or_create_gpu(const std::filesystem::path& dir, const NvidiaAuthority& a, unsigned index,
                                         int64_t now);
StatusOr<GpuEvidence> build_gpu_evidence(const NvidiaAuthority& a, const GpuIdentity& gpu, unsigned index,
                                         std::span<const uint8_t, 32> nonce);
StatusOr<Certificate> reissue_provisioner(const NvidiaAuthority& a, int path_len);
// The GPU's leaf (key, subject, DICE extension, validity) issued again by `by`; with `fwid`, its
// DICE extension states that FWID instead.
StatusOr<Certificate> reissue_leaf(const GpuIdentity& gpu, const KeyedCert& by, const std::optional<Bytes>& fwid = {});

struct SimPlatform::State {
  std::filesystem::path dir;
  SnpAuthority snp;
  TdxAuthority tdx;
  NvidiaAuthority nvidia;
  std::mutex gpu_mu;  // guards gpus
  std::map<unsigned, GpuIdentity> gpus;
};

}  // namespace zkcc::tee::sim

#endif  // ZKCC_SRC_TEE_SIM_STATE_H_
