// The simulated AMD key hierarchy and SEV-SNP ATTESTATION_REPORTs (SEV-SNP ABI specification,
// "ATTESTATION_REPORT Structure"; VCEK extensions from AMD's "Versioned Chip Endorsement Key"
// specification).
#include <cstring>

#include "../sev_snp/oids.h"
#include "state.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/sev_snp/verify.h"

namespace zkcc::tee::sim {
namespace {

// Milan-B0: CPUID family 0x19, model 0x01, stepping 0 (the report's CPUID fields).
constexpr const char* kProductName = "Milan-B0";
constexpr uint8_t kCpuidFamily = 0x19, kCpuidModel = 0x01, kCpuidStepping = 0x00;
// The TCB the simulated firmware reports: boot loader, TEE, SNP and microcode SPLs (Milan layout:
// bytes 0, 1, 6 and 7 of TCB_VERSION).
constexpr uint8_t kBlSpl = 4, kTeeSpl = 0, kSnpSpl = 22, kUcodeSpl = 213;
// SNP firmware 1.55 build 21.
constexpr uint8_t kFwMajor = 1, kFwMinor = 55, kFwBuild = 21;

uint64_t tcb_of(uint8_t bl, uint8_t tee, uint8_t snp, uint8_t ucode) {
  return uint64_t{bl} | uint64_t{tee} << 8 | uint64_t{snp} << 48 | uint64_t{ucode} << 56;
}

void put_le32(Bytes& b, size_t off, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void put_le64(Bytes& b, size_t off, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void put(Bytes& b, size_t off, std::span<const uint8_t> v) { std::memcpy(b.data() + off, v.data(), v.size()); }

// Reads the chip and TCB the VCEK certifies; the report must repeat them.
Status read_vcek(SnpAuthority& a) {
  const Certificate& vcek = a.vcek.cert;
  auto hwid = vcek.extension(sev_snp::oid::kHwId);
  if (!hwid || hwid->size() != a.chip_id.size()) return data_loss("the simulated VCEK has no 64-byte hwID extension");
  std::copy(hwid->begin(), hwid->end(), a.chip_id.begin());
  if (sev_snp::product_of(vcek) != sev_snp::Product::kMilan) return data_loss("the simulated VCEK does not name a Milan product");
  uint8_t spl[4];
  const char* oids[4] = {sev_snp::oid::kBlSpl, sev_snp::oid::kTeeSpl, sev_snp::oid::kSnpSpl, sev_snp::oid::kUcodeSpl};
  for (size_t i = 0; i < 4; ++i) {
    auto v = vcek.extension_integer(oids[i]);
    if (!v || *v > 255) return data_loss(std::string("the simulated VCEK lacks SPL extension ") + oids[i]);
    spl[i] = static_cast<uint8_t>(*v);
  }
  a.tcb = tcb_of(spl[0], spl[1], spl[2], spl[3]);
  return ok_status();
}

pki::CertSpec vcek_spec(std::span<const uint8_t> chip_id, uint64_t tcb, int64_t not_before, int64_t not_after) {
  auto byte = [tcb](int i) { return static_cast<uint8_t>(tcb >> (8 * i)); };
  pki::CertSpec spec;
  // The verifier finds the endorsement key by this exact common name.
  spec.subject = amd_style_name("SEV-VCEK");
  spec.not_before = not_before;
  spec.not_after = not_after;
  // As AMD's KDS issues them: INTEGER SPLs, an IA5String product name, and the hwID as the raw
  // 64-byte extension value.
  spec.extensions = {
      {sev_snp::oid::kStructVersion, pki::der_integer(0)},
      {sev_snp::oid::kProductName, pki::der_ia5(kProductName)},
      {sev_snp::oid::kBlSpl, pki::der_integer(byte(0))},
      {sev_snp::oid::kTeeSpl, pki::der_integer(byte(1))},
      {"1.3.6.1.4.1.3704.1.3.4", pki::der_integer(0)},
      {"1.3.6.1.4.1.3704.1.3.5", pki::der_integer(0)},
      {"1.3.6.1.4.1.3704.1.3.6", pki::der_integer(0)},
      {"1.3.6.1.4.1.3704.1.3.7", pki::der_integer(0)},
      {sev_snp::oid::kSnpSpl, pki::der_integer(byte(6))},
      {sev_snp::oid::kUcodeSpl, pki::der_integer(byte(7))},
      {sev_snp::oid::kHwId, Bytes(chip_id.begin(), chip_id.end())},
  };
  return spec;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> amd_style_name(const std::string& cn) {
  return {{"OU", "Engineering"}, {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"}, {"O", kSimOrganization}, {"CN", cn}};
}

StatusOr<Bytes> build_snp_vcek(const SnpAuthority& a, const SnpVcekOptions& o) {
  std::span<const uint8_t> chip = o.chip_id ? std::span<const uint8_t>(*o.chip_id) : std::span<const uint8_t>(a.chip_id);
  pki::CertSpec spec = vcek_spec(chip, o.tcb.value_or(a.tcb), a.vcek.cert.not_before(), a.vcek.cert.not_after());
  const KeyedCert& issuer = o.signed_by_ark ? a.ark : a.ask;
  ZKCC_ASSIGN_OR_RETURN(Certificate cert, pki::issue(spec, a.vcek.key, &issuer.cert, issuer.key, pki::SigAlg::kRsaPssSha384));
  return cert.der();
}

StatusOr<Bytes> build_snp_crl(const SnpAuthority& a, int64_t issued_at, const SnpCrlOptions& o) {
  constexpr int64_t kCrlLifetime = 30 * kDay;
  constexpr int64_t kLastSecond = 253402300799;  // 9999-12-31T23:59:59Z, the last time X.509 can state
  if (issued_at < 0 || issued_at > kLastSecond - kCrlLifetime) {
    return invalid_argument("CRL issue time " + std::to_string(issued_at) + " is out of range");
  }
  std::vector<Certificate> revoked;
  if (o.revoke_ask) revoked.push_back(a.ask.cert);
  const pki::Key& signer = o.signed_by_ask ? a.ask.key : a.ark.key;
  uint64_t number = static_cast<uint64_t>(std::max<int64_t>(issued_at, 1));
  return pki::issue_crl(a.ark.cert, signer, issued_at, issued_at + kCrlLifetime, number, revoked, pki::SigAlg::kRsaPssSha384);
}

StatusOr<AmdCas> create_amd_cas(int64_t now, const std::string& ark_cn, const std::string& intermediate_cn) {
  pki::CertSpec ca;
  ca.not_before = now - kDay;
  ca.not_after = now + kCertificateLifetime;
  ca.ca = true;
  ca.key_usage = "critical,keyCertSign,cRLSign";

  ZKCC_ASSIGN_OR_RETURN(pki::Key ark_key, pki::generate_rsa(4096));
  pki::CertSpec ark_spec = ca;
  ark_spec.subject = amd_style_name(ark_cn);
  ZKCC_ASSIGN_OR_RETURN(Certificate ark, pki::issue(ark_spec, ark_key, nullptr, ark_key, pki::SigAlg::kRsaPssSha384));

  ZKCC_ASSIGN_OR_RETURN(pki::Key key, pki::generate_rsa(4096));
  pki::CertSpec spec = ca;
  spec.subject = amd_style_name(intermediate_cn);
  spec.path_len = 0;
  ZKCC_ASSIGN_OR_RETURN(Certificate intermediate, pki::issue(spec, key, &ark, ark_key, pki::SigAlg::kRsaPssSha384));
  return AmdCas{{ark_key, ark}, {key, intermediate}};
}

StatusOr<SnpAuthority> create_snp(int64_t now) {
  ZKCC_ASSIGN_OR_RETURN(AmdCas cas, create_amd_cas(now, "Simulated ARK-Milan", "Simulated SEV-Milan"));
  const Certificate& ask = cas.intermediate.cert;
  ZKCC_ASSIGN_OR_RETURN(pki::Key vcek_key, pki::generate_ec("P-384"));
  ZKCC_ASSIGN_OR_RETURN(Bytes chip_id, pki::random_bytes(64));
  pki::CertSpec spec = vcek_spec(chip_id, tcb_of(kBlSpl, kTeeSpl, kSnpSpl, kUcodeSpl), ask.not_before(), ask.not_after());
  ZKCC_ASSIGN_OR_RETURN(Certificate vcek, pki::issue(spec, vcek_key, &ask, cas.intermediate.key, pki::SigAlg::kRsaPssSha384));

  SnpAuthority a{std::move(cas.ark), std::move(cas.intermediate), {vcek_key, vcek}, {}, 0};
  ZKCC_RETURN_IF_ERROR(read_vcek(a));
  return a;
}

Status save_snp(const std::filesystem::path& dir, const SnpAuthority& a) {
  std::filesystem::path d = dir / "sev_snp";
  ZKCC_RETURN_IF_ERROR(save_key(d / "ark.key.pem", a.ark.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "ask.key.pem", a.ask.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "vcek.key.pem", a.vcek.key));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "ask.pem", a.ask.cert));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "vcek.pem", a.vcek.cert));
  return save_cert(dir / "roots" / "amd_ark.pem", a.ark.cert);
}

StatusOr<SnpAuthority> load_snp(const std::filesystem::path& dir) {
  std::filesystem::path d = dir / "sev_snp";
  ZKCC_ASSIGN_OR_RETURN(KeyedCert ark, load_keyed(d, "ark", dir / "roots" / "amd_ark.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert ask, load_keyed(d, "ask", d / "ask.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert vcek, load_keyed(d, "vcek", d / "vcek.pem"));
  if (!ark.cert.signed_by(ark.cert) || !ask.cert.signed_by(ark.cert) || !vcek.cert.signed_by(ask.cert)) {
    return data_loss("the simulated AMD chain in " + d.string() + " does not link (VCEK <- ASK <- ARK)");
  }
  SnpAuthority a{std::move(ark), std::move(ask), std::move(vcek), {}, 0};
  ZKCC_RETURN_IF_ERROR(read_vcek(a));
  return a;
}

SnpSigner signer_of(const SnpAuthority& a) {
  return {&a.vcek.key, a.chip_id, a.tcb, {kCpuidFamily, kCpuidModel, kCpuidStepping}, false};
}

StatusOr<Bytes> build_snp_report(const SnpAuthority& a, std::span<const uint8_t, 64> report_data, const SnpGuest& guest) {
  return build_snp_report(signer_of(a), report_data, guest);
}

StatusOr<Bytes> build_snp_report(const SnpSigner& a, std::span<const uint8_t, 64> report_data, const SnpGuest& guest) {
  if (guest.vmpl > 3) return invalid_argument("VMPL " + std::to_string(guest.vmpl) + " is not 0..3");
  Bytes r(sev_snp::kReportSize, 0);
  put_le32(r, 0x00, 3);  // version 3: carries the CPUID fields
  put_le32(r, 0x04, 1);  // GUEST_SVN
  put_le64(r, 0x08, guest.policy);
  put_le32(r, 0x30, guest.vmpl);
  put_le32(r, 0x34, 1);  // SIGNATURE_ALGO: ECDSA P-384 with SHA-384
  put_le64(r, 0x38, guest.current_tcb.value_or(a.tcb));  // CURRENT_TCB
  put_le64(r, 0x40, guest.platform_info);
  put_le32(r, 0x48, a.vlek ? 1u << 2 : 0);  // AUTHOR_KEY_EN 0, MASK_CHIP_KEY 0, SIGNING_KEY 0 (VCEK) or 1 (VLEK)
  put(r, 0x50, report_data);
  put(r, 0x90, guest.measurement);
  put(r, 0xC0, guest.host_data);
  // REPORT_ID: stable for one guest on one chip, as the firmware's per-guest identifier is.
  Bytes id_input(a.chip_id.begin(), a.chip_id.end());
  id_input.insert(id_input.end(), guest.measurement.begin(), guest.measurement.end());
  put(r, 0x140, hash::sha256(id_input));
  std::memset(r.data() + 0x160, 0xFF, 32);  // REPORT_ID_MA: no migration agent
  put_le64(r, 0x180, a.tcb);                // REPORTED_TCB
  std::copy(a.cpuid.begin(), a.cpuid.end(), r.begin() + 0x188);
  put(r, 0x1A0, a.chip_id);
  put_le64(r, 0x1E0, guest.committed_tcb.value_or(a.tcb));  // COMMITTED_TCB
  r[0x1E8] = kFwBuild;
  r[0x1E9] = kFwMinor;
  r[0x1EA] = kFwMajor;
  r[0x1EC] = kFwBuild;
  r[0x1ED] = kFwMinor;
  r[0x1EE] = kFwMajor;
  put_le64(r, 0x1F0, a.tcb);  // LAUNCH_TCB
  for (const auto& [offset, value] : guest.raw_bytes) {
    if (offset >= sev_snp::kSignedSize) return invalid_argument("raw report byte offset " + std::to_string(offset) + " is not in the signed part");
    r[offset] = value;
  }

  ZKCC_ASSIGN_OR_RETURN(Bytes sig, pki::sign_ecdsa_raw(*a.key, "SHA384",
                                                       std::span<const uint8_t>(r).first(sev_snp::kSignedSize), 48));
  // r and s are little endian, each in a 72-byte field whose top 24 bytes stay zero.
  for (size_t i = 0; i < 48; ++i) {
    r[0x2A0 + i] = sig[47 - i];
    r[0x2E8 + i] = sig[95 - i];
  }
  return r;
}

}  // namespace zkcc::tee::sim
