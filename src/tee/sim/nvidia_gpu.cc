// The simulated NVIDIA device identity hierarchy and GPU attestation reports: an SPDM 1.1
// GET_MEASUREMENTS request and MEASUREMENTS response (DMTF DSP0274) with NVIDIA's opaque-data
// fields, shaped like an H100's in confidential-computing mode.
#include <algorithm>
#include <cstring>

#include "state.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/nvidia_gpu/report.h"

namespace zkcc::tee::sim {
namespace {

constexpr const char* kOidDiceTcbInfo = "2.23.133.5.4.1";
constexpr const char* kOidSha384 = "2.16.840.1.101.3.4.2.2";
constexpr size_t kBlocks = 64;

std::span<const uint8_t> text_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::vector<std::pair<std::string, std::string>> nvidia_name(const std::string& cn) {
  return {{"CN", cn}, {"O", kSimOrganization}, {"C", "US"}};
}

std::string hex_upper(std::span<const uint8_t> b) {
  std::string h = to_hex(b);
  for (char& c : h) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
  return h;
}

// The FMC firmware digest every simulated GPU reports (one firmware build for all of them).
Bytes fmc_fwid() {
  auto d = hash::sha384(text_bytes("zkcc simulated GH100 GSP FMC firmware"));
  return Bytes(d.begin(), d.end());
}

// NVIDIA's leaf extension under the TCG DICE OID, in the DICE composite device identifier form
// NVIDIA's certificates use: SEQUENCE { version 1, the device ID (issuer's) public key,
// FWID SEQUENCE { SHA-384 OID, digest } }.
StatusOr<Bytes> dice_extension(const pki::Key& device_id_key, const Bytes& fwid) {
  ZKCC_ASSIGN_OR_RETURN(Bytes spki, pki::public_key_der(device_id_key));
  ZKCC_ASSIGN_OR_RETURN(Bytes fwid_seq, pki::der_sequence({pki::der_oid(kOidSha384), pki::der_octets(fwid)}));
  return pki::der_sequence({pki::der_integer(1), spki, fwid_seq});
}

StatusOr<Bytes> fwid_of(const Certificate& leaf) {
  auto ext = leaf.extension(kOidDiceTcbInfo);
  if (!ext) return data_loss("the simulated GPU leaf has no DICE extension");
  ZKCC_ASSIGN_OR_RETURN(std::vector<Bytes> top, pki::der_sequence_elements(*ext));
  if (top.size() != 3) return data_loss("the simulated GPU leaf's DICE extension is not {version, key, FWID}");
  ZKCC_ASSIGN_OR_RETURN(std::vector<Bytes> fwid, pki::der_sequence_elements(top[2]));
  if (fwid.size() != 2) return data_loss("the simulated GPU leaf's FWID is not {algorithm, digest}");
  ZKCC_ASSIGN_OR_RETURN(Bytes digest, pki::der_octets_value(fwid[1]));
  if (digest.size() != 48) return data_loss("the simulated GPU leaf's FWID is not a SHA-384 digest");
  return digest;
}

pki::CertSpec ca_spec(int64_t now, const std::vector<std::pair<std::string, std::string>>& subject) {
  pki::CertSpec s;
  s.subject = subject;
  s.not_before = now - kDay;
  s.not_after = now + kCertificateLifetime;
  s.ca = true;
  s.key_usage = "critical,keyCertSign,cRLSign";
  return s;
}

void put_u16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void append(Bytes& b, std::span<const uint8_t> v) { b.insert(b.end(), v.begin(), v.end()); }

void opaque(Bytes& od, uint16_t type, std::span<const uint8_t> value) {
  put_u16(od, type);
  put_u16(od, value.size());
  append(od, value);
}
// A NUL-terminated string field padded with NULs to `width` bytes.
void opaque_text(Bytes& od, uint16_t type, std::string_view text, size_t width) {
  Bytes v(text.begin(), text.end());
  v.resize(std::max(width, text.size() + 1), 0);
  opaque(od, type, v);
}

}  // namespace

StatusOr<NvidiaAuthority> create_nvidia(int64_t now) {
  ZKCC_ASSIGN_OR_RETURN(pki::Key root_key, pki::generate_ec("P-384"));
  ZKCC_ASSIGN_OR_RETURN(Certificate root, pki::issue(ca_spec(now, nvidia_name("Simulated NVIDIA Device Identity CA")), root_key,
                                                     nullptr, root_key, pki::SigAlg::kEcdsaSha384));
  ZKCC_ASSIGN_OR_RETURN(pki::Key identity_key, pki::generate_ec("P-384"));
  ZKCC_ASSIGN_OR_RETURN(Certificate identity, pki::issue(ca_spec(now, nvidia_name("Simulated NVIDIA GH100 Identity")),
                                                         identity_key, &root, root_key, pki::SigAlg::kEcdsaSha384));
  ZKCC_ASSIGN_OR_RETURN(pki::Key provisioner_key, pki::generate_ec("P-384"));
  ZKCC_ASSIGN_OR_RETURN(Certificate provisioner,
                        pki::issue(ca_spec(now, nvidia_name("Simulated NVIDIA GH100 Provisioner ICA 1")), provisioner_key,
                                   &identity, identity_key, pki::SigAlg::kEcdsaSha384));
  return NvidiaAuthority{{root_key, root}, {identity_key, identity}, {provisioner_key, provisioner}};
}

Status save_nvidia(const std::filesystem::path& dir, const NvidiaAuthority& a) {
  std::filesystem::path d = dir / "nvidia";
  ZKCC_RETURN_IF_ERROR(save_key(d / "root.key.pem", a.root.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "identity.key.pem", a.identity.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "provisioner.key.pem", a.provisioner.key));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "identity.pem", a.identity.cert));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "provisioner.pem", a.provisioner.cert));
  return save_cert(dir / "roots" / "nvidia_root.pem", a.root.cert);
}

StatusOr<NvidiaAuthority> load_nvidia(const std::filesystem::path& dir) {
  std::filesystem::path d = dir / "nvidia";
  ZKCC_ASSIGN_OR_RETURN(KeyedCert root, load_keyed(d, "root", dir / "roots" / "nvidia_root.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert identity, load_keyed(d, "identity", d / "identity.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert provisioner, load_keyed(d, "provisioner", d / "provisioner.pem"));
  if (!root.cert.signed_by(root.cert) || !identity.cert.signed_by(root.cert) || !provisioner.cert.signed_by(identity.cert)) {
    return data_loss("the simulated NVIDIA chain in " + d.string() + " does not link");
  }
  return NvidiaAuthority{std::move(root), std::move(identity), std::move(provisioner)};
}

StatusOr<GpuIdentity> load_or_create_gpu(const std::filesystem::path& dir, const NvidiaAuthority& a, unsigned index,
                                         int64_t now) {
  std::filesystem::path d = dir / "nvidia" / ("gpu" + std::to_string(index));
  std::error_code ec;
  // The leaf is written last, so its presence marks a complete identity.
  if (std::filesystem::exists(d / "leaf.pem", ec)) {
    ZKCC_ASSIGN_OR_RETURN(KeyedCert brom, load_keyed(d, "brom", d / "brom.pem"));
    ZKCC_ASSIGN_OR_RETURN(KeyedCert leaf, load_keyed(d, "leaf", d / "leaf.pem"));
    if (!brom.cert.signed_by(a.provisioner.cert) || !leaf.cert.signed_by(brom.cert)) {
      return data_loss("the simulated GPU chain in " + d.string() + " does not link");
    }
    ZKCC_ASSIGN_OR_RETURN(Bytes fwid, fwid_of(leaf.cert));
    return GpuIdentity{std::move(brom), std::move(leaf), std::move(fwid)};
  }
  std::filesystem::create_directories(d, ec);
  if (ec) return unavailable("cannot create " + d.string() + ": " + ec.message());
  std::filesystem::permissions(d, std::filesystem::perms::owner_all, ec);

  // Per-device names carry a serial number, as NVIDIA's do.
  ZKCC_ASSIGN_OR_RETURN(Bytes brom_serial, pki::random_bytes(9));
  ZKCC_ASSIGN_OR_RETURN(Bytes leaf_serial, pki::random_bytes(20));
  auto device_name = [](const Bytes& serial, const std::string& cn) {
    return std::vector<std::pair<std::string, std::string>>{
        {"serialNumber", hex_upper(serial)}, {"C", "US"}, {"O", kSimOrganization}, {"CN", cn}};
  };
  ZKCC_ASSIGN_OR_RETURN(pki::Key brom_key, pki::generate_ec("P-384"));
  pki::CertSpec brom_spec = ca_spec(now, device_name(brom_serial, "Simulated GH100 A01 GSP BROM"));
  brom_spec.key_usage = "critical,keyCertSign";
  ZKCC_ASSIGN_OR_RETURN(Certificate brom, pki::issue(brom_spec, brom_key, &a.provisioner.cert, a.provisioner.key,
                                                     pki::SigAlg::kEcdsaSha384));
  ZKCC_ASSIGN_OR_RETURN(pki::Key leaf_key, pki::generate_ec("P-384"));
  Bytes fwid = fmc_fwid();
  ZKCC_ASSIGN_OR_RETURN(Bytes dice, dice_extension(brom_key, fwid));
  pki::CertSpec leaf_spec;
  leaf_spec.subject = device_name(leaf_serial, "Simulated GH100 A01 GSP FMC LF");
  leaf_spec.not_before = now - kDay;
  leaf_spec.not_after = now + kCertificateLifetime;
  leaf_spec.key_usage = "critical,digitalSignature";
  leaf_spec.extensions = {{kOidDiceTcbInfo, std::move(dice)}};
  ZKCC_ASSIGN_OR_RETURN(Certificate leaf, pki::issue(leaf_spec, leaf_key, &brom, brom_key, pki::SigAlg::kEcdsaSha384));

  ZKCC_RETURN_IF_ERROR(save_key(d / "brom.key.pem", brom_key));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "brom.pem", brom));
  ZKCC_RETURN_IF_ERROR(save_key(d / "leaf.key.pem", leaf_key));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "leaf.pem", leaf));
  return GpuIdentity{{brom_key, brom}, {leaf_key, leaf}, std::move(fwid)};
}

StatusOr<Certificate> reissue_provisioner(const NvidiaAuthority& a, int path_len) {
  pki::CertSpec spec = ca_spec(a.provisioner.cert.not_before() + kDay, nvidia_name("Simulated NVIDIA GH100 Provisioner ICA 1"));
  spec.not_after = a.provisioner.cert.not_after();
  spec.path_len = path_len;
  return pki::issue(spec, a.provisioner.key, &a.identity.cert, a.identity.key, pki::SigAlg::kEcdsaSha384);
}

StatusOr<Certificate> reissue_leaf(const GpuIdentity& gpu, const KeyedCert& by, const std::optional<Bytes>& fwid) {
  auto dice = gpu.leaf.cert.extension(kOidDiceTcbInfo);
  if (!dice) return data_loss("the simulated GPU leaf has no DICE extension");
  if (fwid) {
    ZKCC_ASSIGN_OR_RETURN(dice, dice_extension(gpu.brom.key, *fwid));
  }
  pki::CertSpec spec;
  spec.subject = nvidia_name(gpu.leaf.cert.common_name());
  spec.not_before = gpu.leaf.cert.not_before();
  spec.not_after = gpu.leaf.cert.not_after();
  spec.key_usage = "critical,digitalSignature";
  spec.extensions = {{kOidDiceTcbInfo, std::move(*dice)}};
  return pki::issue(spec, gpu.leaf.key, &by.cert, by.key, pki::SigAlg::kEcdsaSha384);
}

StatusOr<GpuEvidence> build_gpu_evidence(const NvidiaAuthority& a, const GpuIdentity& gpu, unsigned index,
                                         std::span<const uint8_t, 32> nonce) {
  using namespace nvidia_gpu;
  Bytes r;
  // GET_MEASUREMENTS: SPDM 1.1, signature requested (param1 bit 0), all blocks (0xFF), slot 0.
  r = {0x11, 0xE0, 0x01, 0xFF};
  append(r, nonce);
  r.push_back(0x00);

  // MEASUREMENTS: one DMTF block (type 1, 48-byte SHA-384 value) per index 1..64.
  Bytes record;
  for (size_t i = 1; i <= kBlocks; ++i) {
    std::string label = "zkcc simulated GH100 measurement " + std::to_string(i);
    auto digest = hash::sha384(text_bytes(label));
    record.push_back(static_cast<uint8_t>(i));
    record.push_back(0x01);  // DMTF measurement specification
    put_u16(record, 3 + digest.size());
    record.push_back(0x01);  // DMTF value type: mutable firmware
    put_u16(record, digest.size());
    append(record, digest);
  }
  r.insert(r.end(), {0x11, 0x60, 0x00, 0x00, static_cast<uint8_t>(kBlocks)});
  r.push_back(static_cast<uint8_t>(record.size()));
  r.push_back(static_cast<uint8_t>(record.size() >> 8));
  r.push_back(static_cast<uint8_t>(record.size() >> 16));
  append(r, record);
  ZKCC_ASSIGN_OR_RETURN(Bytes responder_nonce, pki::random_bytes(32));
  append(r, responder_nonce);

  // Opaque data, in the order an H100 with driver 550 sends the fields the verifiers read.
  Bytes od;
  const uint8_t vbios[8] = {0x00, 0x9F, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00};  // 96.00.9F.00.01
  const uint8_t board_id[4] = {0xB1, 0x03, 0x00, 0x00};
  const uint8_t gpu_info[8] = {0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  const uint8_t project_sku_mod[2] = {0x00, 0x00};
  const uint8_t pcie_status[1] = {0x55};
  const uint8_t opaque_version[2] = {0x01, 0x00};
  const uint8_t feature_flag[2] = {0x00, 0x00};  // SPT: one GPU per confidential VM
  opaque(od, kVbiosVersion, vbios);
  opaque(od, kBoardId, board_id);
  opaque_text(od, kChipSku, "882", 9);
  opaque_text(od, kChipSkuMod, "0", 5);
  opaque_text(od, kProject, "1010", 5);
  opaque_text(od, kProjectSku, "0200", 5);
  opaque(od, kProjectSkuMod, project_sku_mod);
  opaque_text(od, kDriverVersion, "550.90.07", 10);
  opaque(od, kGpuInfo, gpu_info);
  opaque(od, kFwid, gpu.fwid);
  opaque(od, kProtectedPcieStatus, pcie_status);
  opaque(od, kOpaqueDataVersion, opaque_version);
  opaque(od, kFeatureFlag, feature_flag);
  put_u16(r, od.size());
  append(r, od);

  ZKCC_ASSIGN_OR_RETURN(Bytes sig, pki::sign_ecdsa_raw(gpu.leaf.key, "SHA384", r, 48));
  append(r, sig);

  GpuEvidence e;
  e.index = index;
  e.name = "NVIDIA H100 80GB HBM3 (simulated)";
  e.report = std::move(r);
  e.certificate_chain_pem = pki::certificate_pem(gpu.leaf.cert) + pki::certificate_pem(gpu.brom.cert) +
                            pki::certificate_pem(a.provisioner.cert) + pki::certificate_pem(a.identity.cert) +
                            pki::certificate_pem(a.root.cert);
  e.source = "sim";
  return e;
}

}  // namespace zkcc::tee::sim
