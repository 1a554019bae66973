#include "zkcc/tee/tdx/verify.h"

#include <algorithm>

#include "intel_roots.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/capability.h"

namespace zkcc::tee::tdx {
namespace {

const Certificate* intel_root() {
  static const std::optional<Certificate> root = pinned_certificate(kIntelSgxRootCaPem, kIntelSgxRootCaSha256);
  return root ? &*root : nullptr;
}

void add_claims(Verdict& v, const Quote& q) {
  const TdReportBody& b = q.body;
  nlohmann::json rtmrs = nlohmann::json::array();
  for (const auto& r : b.rtmr) rtmrs.push_back(to_hex(r));
  v.claims = {{"version", q.version},
              {"body_type", q.body_type},
              {"tee_tcb_svn", to_hex(b.tee_tcb_svn)},
              {"mr_seam", to_hex(b.mr_seam)},
              {"mr_signer_seam", to_hex(b.mr_signer_seam)},
              {"td_attributes", b.td_attributes},
              {"debug", b.debug()},
              {"xfam", b.xfam},
              {"mr_td", to_hex(b.mr_td)},
              {"mr_config_id", to_hex(b.mr_config_id)},
              {"mr_owner", to_hex(b.mr_owner)},
              {"mr_owner_config", to_hex(b.mr_owner_config)},
              {"rtmr", rtmrs},
              {"report_data", to_hex(b.report_data)},
              {"qe_isv_svn", q.qe_report.isv_svn},
              {"declared_size", q.declared_size},
              {"trailing_bytes", q.trailing_bytes}};
  if (q.body_type == 3) {
    v.claims["tee_tcb_svn2"] = to_hex(b.tee_tcb_svn2);
    v.claims["mr_servicetd"] = to_hex(b.mr_servicetd);
  }
}

// The canonical PEM of a chain: 64-character lines, "\n" line ends. The quote's text must be
// exactly this (a trailing NUL, which Intel's QE appends, aside): OpenSSL's decoder tolerates
// other spellings of the same certificates, which would let anyone change the quote's bytes, and
// so its hash, without breaking a signature.
bool canonical_pem(const std::string& text, const std::vector<Certificate>& chain) {
  std::string want;
  for (const Certificate& c : chain) {
    std::string b64 = to_base64(c.der());
    want += "-----BEGIN CERTIFICATE-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) want += b64.substr(i, 64) + "\n";
    want += "-----END CERTIFICATE-----\n";
  }
  return text == want || text == want + std::string(1, '\0');
}

}  // namespace

Verdict verify_quote_signatures(std::span<const uint8_t> bytes, const TrustRoots& roots, int64_t at) {
  Verdict v;
  v.kind = "tdx";
  v.cpu_platform = cpu_platform_label(CpuPlatform::kTdx);
  auto parsed = parse_quote(bytes);
  v.add("quote parses", parsed.ok(), parsed.ok() ? "version " + std::to_string(parsed->version) : parsed.status().message());
  if (!parsed.ok()) return v;
  const Quote& q = *parsed;
  add_claims(v, q);

  auto chain = Certificate::from_pem_bundle(q.pck_chain_pem);
  bool three = chain.ok() && chain->size() == 3;
  v.add("PCK certificate chain present", three,
        chain.ok() ? std::to_string(chain->size()) + " certificates" : chain.status().message());
  if (!three) return v;
  bool canonical = canonical_pem(q.pck_chain_pem, *chain);
  v.add("PCK chain encoded canonically", canonical, canonical ? "" : "the PEM text is not the canonical encoding of its certificates");
  const Certificate& pck = (*chain)[0];
  const Certificate& inter = (*chain)[1];
  const Certificate& root = (*chain)[2];
  bool trusted = (roots.intel && intel_root() != nullptr && root.sha256_fingerprint() == intel_root()->sha256_fingerprint()) ||
                 std::any_of(roots.extra.begin(), roots.extra.end(),
                             [&](const Certificate& e) { return e.sha256_fingerprint() == root.sha256_fingerprint(); });
  bool links = pck.signed_by(inter) && inter.signed_by(root) && root.signed_by(root);
  v.add("PCK chain to a trusted root", links && trusted,
        !links ? "the chain's signatures do not link" : !trusted ? root.common_name() + " is not a trusted root"
                                                                 : pck.common_name() + " <- " + inter.common_name() + " <- " + root.common_name());
  std::string expired;
  for (const Certificate* c : {&pck, &inter, &root}) {
    if (!c->valid_at(at)) expired += c->validity_problem(at) + "; ";
  }
  v.add("certificates valid at the verification time", expired.empty(), expired);

  bool qe_sig = verify_ecdsa_p256_sha256(pck, q.qe_report_raw, q.qe_report_signature_r, q.qe_report_signature_s);
  v.add("QE report signature", qe_sig, qe_sig ? "ECDSA P-256 by the PCK key" : "signature does not verify");

  Bytes bound(q.attestation_key.begin(), q.attestation_key.end());
  bound.insert(bound.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  auto digest = hash::sha256(bound);
  bool binding = std::equal(digest.begin(), digest.end(), q.qe_report.report_data.begin()) &&
                 std::all_of(q.qe_report.report_data.begin() + 32, q.qe_report.report_data.end(), [](uint8_t b) { return b == 0; });
  v.add("attestation key bound by the QE report", binding,
        binding ? "" : "SHA-256(attestation key || QE auth data) differs from the QE report data");

  bool quote_sig = verify_ecdsa_p256_sha256_raw(q.attestation_key, bytes.first(q.signed_size), q.signature_r, q.signature_s);
  v.add("quote signature", quote_sig, quote_sig ? "ECDSA P-256 by the attestation key" : "signature does not verify");
  return v;
}

}  // namespace zkcc::tee::tdx
