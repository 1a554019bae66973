#include "zkcc/tee/nvidia_gpu/verify.h"

#include <algorithm>

#include "nvidia_roots.h"
#include "zkcc/tee/nvidia_gpu/arch.h"
#include "zkcc/tee/chain.h"

namespace zkcc::tee::nvidia_gpu {
namespace {

const Certificate* nvidia_root() {
  static const std::optional<Certificate> root = pinned_certificate(kDeviceIdentityCaPem, kDeviceIdentityCaSha256);
  return root ? &*root : nullptr;
}


// NVIDIA's path, leaf first, including the trusted root where the chain stops below it.
std::vector<Certificate> full_path(std::span<const Certificate> chain, std::span<const Certificate> trusted) {
  std::vector<Certificate> path(chain.begin(), chain.end());
  const Certificate& last = chain.back();
  if (last.signed_by(last)) return path;
  for (const Certificate& t : trusted) {
    if (last.signed_by(t)) {
      path.push_back(t);
      break;
    }
  }
  return path;
}

// NVIDIA's path has a fixed shape of five: an end-entity leaf (the FMC alias key, no CA), then CAs
// (BROM, Provisioner ICA, GH100/GB100 Identity, Device Identity CA) that may sign certificates, none
// with a pathLenConstraint below the number of CAs under it. So a leaf issued by the root directly,
// or a certificate below the leaf, fails. "" when the path has that shape.
std::string nvidia_path_shape(std::span<const Certificate> path) {
  constexpr size_t kNvidiaPathLength = 5;
  for (size_t i = 0; i < path.size(); ++i) {
    const Certificate& c = path[i];
    if (!c.extensions_well_formed()) return c.common_name() + " has malformed basicConstraints or keyUsage";
    if (i == 0) {
      if (c.is_ca()) return "the leaf " + c.common_name() + " is a CA";
      continue;
    }
    if (!c.is_ca() || !c.may_sign_certificates()) return c.common_name() + " is not a CA that may sign certificates";
    auto limit = c.path_len();
    if (limit && static_cast<size_t>(*limit) < i - 1) {
      return c.common_name() + " allows " + std::to_string(*limit) + " CA(s) below it; the chain has " + std::to_string(i - 1);
    }
  }
  if (path.size() != kNvidiaPathLength) {
    return "the path has " + std::to_string(path.size()) +
           " certificates; NVIDIA's has five (leaf, BROM, Provisioner ICA, Identity CA, Device Identity CA)";
  }
  return "";
}

struct ArchJudgement {
  bool ok = false;                    // the evidence's architecture is the chain's
  bool known = false;                 // `arch` is set: the FWID is looked for where it says
  GpuArch arch = GpuArch::kHopper;    // the stated architecture, else the chain's
  std::string detail;
};

// The architecture decides where the FWID is; the evidence's word for it must be the chain's.
ArchJudgement judge_arch(std::span<const Certificate> chain, std::optional<std::string_view> stated) {
  ArchJudgement j;
  auto proven = chain_arch(chain);
  if (proven.ok()) {
    j.known = true;
    j.arch = *proven;
    j.detail = std::string(arch_name(*proven)) + " (" + std::string(arch_chip(*proven)) + ")";
  } else {
    j.detail = proven.status().message();
  }
  if (!stated) {
    j.ok = proven.ok();
    return j;
  }
  auto named = parse_arch(*stated);
  j.known = named.has_value();
  if (!named) {
    j.detail = "the evidence names architecture \"" + std::string(*stated) + "\", not HOPPER or BLACKWELL";
    return j;
  }
  j.arch = *named;
  j.ok = proven.ok() && *proven == *named;
  if (proven.ok() && !j.ok) {
    j.detail = "the evidence says " + std::string(arch_name(*named)) + " but the certificate chain is " +
               std::string(arch_chip(*proven)) + "'s (" + std::string(arch_name(*proven)) + ")";
  }
  return j;
}

}  // namespace

Verdict verify_gpu_report(std::span<const uint8_t> bytes, std::span<const Certificate> chain, const TrustRoots& roots,
                          const std::optional<std::array<uint8_t, 32>>& expected_nonce, int64_t at,
                          std::optional<std::string_view> stated_arch) {
  Verdict v;
  v.kind = "nvidia-gpu";
  auto parsed = parse_gpu_report(bytes);
  v.add("report parses", parsed.ok(), parsed.ok() ? std::to_string(parsed->blocks.size()) + " measurement blocks"
                                                  : parsed.status().message());
  if (!parsed.ok()) return v;
  const GpuReport& r = *parsed;

  nlohmann::json measurements = nlohmann::json::array();
  for (const auto& m : r.blocks) measurements.push_back({{"index", m.index}, {"value", to_hex(m.value)}});
  v.claims = {{"spdm_version", "1.1"},
              {"nonce", to_hex(r.requester_nonce)},
              {"driver_version", r.driver_version().value_or("")},
              {"vbios_version", r.vbios_version().value_or("")},
              {"project", r.project().value_or("")},
              {"project_sku", r.project_sku().value_or("")},
              {"chip_sku", r.chip_sku().value_or("")},
              {"measurements", measurements}};
  if (const OpaqueField* f = r.field(kFwid)) v.claims["fwid"] = to_hex(f->value);
  if (const OpaqueField* f = r.field(kFeatureFlag); f != nullptr && f->value.size() >= 2) {
    v.claims["feature_flag"] = f->value[0] | f->value[1] << 8;
  }

  v.add("certificate chain supplied", !chain.empty(), chain.empty() ? "no certificates" : "");
  if (chain.empty()) return v;
  const Certificate& leaf = chain.front();

  std::vector<Certificate> trusted;
  if (roots.nvidia && nvidia_root() != nullptr) trusted.push_back(*nvidia_root());
  trusted.insert(trusted.end(), roots.extra.begin(), roots.extra.end());
  check_chain(chain, trusted, at, v);
  std::string shape = nvidia_path_shape(full_path(chain, trusted));
  v.add("certificate path is NVIDIA's (basicConstraints, pathLen)", shape.empty(), shape);

  bool sig = verify_ecdsa_p384_sha384(leaf, bytes.first(r.signed_size), r.signature_r, r.signature_s);
  v.add("report signature", sig, sig ? "ECDSA P-384 / SHA-384 by " + leaf.common_name() : "signature does not verify");

  ArchJudgement arch = judge_arch(chain, stated_arch);
  v.add("architecture matches the certificate chain", arch.ok, arch.detail);
  if (arch.ok) v.claims["arch"] = std::string(arch_name(arch.arch));
  if (arch.known) v.gpu_models = {std::string(gpu_model(arch.arch))};
  if (const OpaqueField* fwid = r.field(kFwid)) {
    StatusOr<Bytes> cert_fwid = arch.known ? leaf_fwid(leaf, arch.arch) : StatusOr<Bytes>(invalid_argument("no architecture to locate the FWID by"));
    bool same = cert_fwid.ok() && constant_time_equal(*cert_fwid, fwid->value);
    v.add("FWID matches the leaf certificate", same,
          same ? "" : cert_fwid.ok() ? "the report states FWID " + to_hex(fwid->value) + ", the certificate " + to_hex(*cert_fwid)
                                     : cert_fwid.status().message());
  }
  if (expected_nonce) {
    bool same = constant_time_equal(r.requester_nonce, *expected_nonce);
    v.add("nonce", same, same ? "" : "the report answers nonce " + to_hex(r.requester_nonce) + ", not the expected one");
  }
  return v;
}

StatusOr<std::vector<Verdict>> verify_evidence_json(std::string_view text, const TrustRoots& roots, int64_t at,
                                                    const std::optional<std::array<uint8_t, 32>>& expected_nonce) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) return invalid_argument("GPU evidence is not a JSON array");
  std::vector<Verdict> out;
  std::vector<Bytes> reports;
  std::vector<std::string> leaves;
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& g = doc[i];
    std::string where = "GPU evidence entry " + std::to_string(i);
    for (const char* key : {"arch", "certificate", "evidence", "nonce"}) {
      if (!g.is_object() || !g.contains(key) || !g[key].is_string()) return invalid_argument(where + " lacks \"" + key + "\"");
    }
    auto pem = from_base64(g["certificate"].get<std::string>());
    if (!pem.ok()) return pem.status().with_context(where + " certificate");
    auto chain = Certificate::from_pem_bundle(std::string(pem->begin(), pem->end()));
    if (!chain.ok()) return chain.status().with_context(where + " certificate");
    auto report = from_base64(g["evidence"].get<std::string>());
    if (!report.ok()) return report.status().with_context(where + " evidence");
    auto nonce = from_hex(g["nonce"].get<std::string>());
    if (!nonce.ok() || nonce->size() != 32) return invalid_argument(where + ": nonce is not 32 bytes of hex");
    std::array<uint8_t, 32> n{};
    std::copy(nonce->begin(), nonce->end(), n.begin());
    Verdict v = verify_gpu_report(*report, *chain, roots, n, at, g["arch"].get<std::string>());
    v.claims["gpu_index"] = i;
    if (expected_nonce) {
      // The report answers the entry's nonce (checked above); that must be the one asked for.
      bool same = constant_time_equal(n, *expected_nonce);
      v.add("nonce is the expected one", same, same ? "" : "the entry states nonce " + to_hex(n));
    }
    std::string leaf = chain->empty() ? "" : chain->front().sha256_fingerprint();
    std::string repeat;
    for (size_t k = 0; k < reports.size(); ++k) {
      if (reports[k] == *report) repeat = "entry " + std::to_string(i) + " repeats entry " + std::to_string(k) + "'s report";
      if (repeat.empty() && !leaf.empty() && leaves[k] == leaf) {
        repeat = "entry " + std::to_string(i) + " is entry " + std::to_string(k) + "'s GPU again (same device certificate)";
      }
    }
    if (!repeat.empty()) v.add("GPU listed once", false, repeat);
    reports.push_back(*report);
    leaves.push_back(leaf);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace zkcc::tee::nvidia_gpu
