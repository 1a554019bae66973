#include "zkcc/tee/sev_snp/verify.h"

#include <algorithm>
#include <tuple>

#include "amd_roots.h"
#include "oids.h"
#include "zkcc/base/bytes.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/crl.h"

namespace zkcc::tee::sev_snp {
namespace {

struct Loaded {
  Product product;
  AmdRole role;
  Certificate cert;
};

// The compiled-in authorities whose DER matches its pinned fingerprint.
const std::vector<Loaded>& compiled_in() {
  static const std::vector<Loaded> certs = [] {
    std::vector<Loaded> out;
    for (const AmdAuthority& a : amd_authorities()) {
      if (auto cert = pinned_certificate(a.pem, a.sha256)) out.push_back({a.product, a.role, std::move(*cert)});
    }
    return out;
  }();
  return certs;
}

bool is_amd_root(const Certificate& c) {
  for (const AmdAuthority& a : amd_authorities()) {
    if (a.role == AmdRole::kArk && c.sha256_fingerprint() == a.sha256) return true;
  }
  return false;
}

// The product an AMD authority serves: the compiled-in table's for AMD's own certificates, else the
// one its common name ends with, as AMD names them ("ARK-Genoa", "SEV-VLEK-Genoa"; a simulated
// "Simulated SEV-Genoa" alike). kUnknown when neither says.
Product authority_product(const Certificate& c) {
  const std::string fingerprint = c.sha256_fingerprint();
  for (const AmdAuthority& a : amd_authorities()) {
    if (fingerprint == a.sha256) return a.product;
  }
  const std::string cn = c.common_name();
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    const std::string suffix = "-" + std::string(product_name(p));
    if (cn.size() > suffix.size() && cn.compare(cn.size() - suffix.size(), suffix.size(), suffix) == 0) return p;
  }
  return Product::kUnknown;
}

std::string hex(std::span<const uint8_t> b) { return to_hex(b); }

// The issuer of `c` among the candidates, if one signed it.
const Certificate* find_issuer(const Certificate& c, std::span<const Certificate> candidates) {
  for (const Certificate& k : candidates) {
    if (c.signed_by(k)) return &k;
  }
  return nullptr;
}

uint8_t spl_of(const Tcb& t, std::string_view name) {
  if (name == "boot loader") return t.boot_loader;
  if (name == "TEE") return t.tee;
  if (name == "SNP") return t.snp;
  if (name == "microcode") return t.microcode;
  return t.fmc;
}

// The hwID a VCEK certifies, for its product (64 bytes; 8 on Turin); AMD stores it as the raw
// extension value, and a DER OCTET STRING wrapping is accepted too.
std::optional<Bytes> hwid_of(const Certificate& key, Product product) {
  size_t n = product == Product::kTurin ? 8 : 64;
  auto hwid = key.extension(oid::kHwId);
  if (hwid && hwid->size() != n) {
    auto unwrapped = key.extension_octets(oid::kHwId);
    if (unwrapped && unwrapped->size() == n) hwid = unwrapped;
  }
  return hwid;
}

bool hwid_matches(const Certificate& key, const Report& r, Product product) {
  auto hwid = hwid_of(key, product);
  return hwid && hwid->size() == (product == Product::kTurin ? 8u : 64u) && std::equal(hwid->begin(), hwid->end(), r.chip_id.begin());
}

// True when the key's hwID (VCEK) and SPLs are the report's.
bool describes(const Certificate& key, const Report& r) {
  Product product = product_of(key);
  if (r.signing_key != SigningKey::kVlek && !r.mask_chip_key && !hwid_matches(key, r, product)) return false;
  Tcb t = decode_tcb(r.reported_tcb, product);
  auto is = [&](const char* oid, uint8_t want) {
    auto ext = key.extension_integer(oid);
    return ext && *ext == want;
  };
  return is(oid::kBlSpl, t.boot_loader) && is(oid::kTeeSpl, t.tee) && is(oid::kSnpSpl, t.snp) && is(oid::kUcodeSpl, t.microcode) &&
         (product != Product::kTurin || is(oid::kFmcSpl, t.fmc));
}

void add_claims(Verdict& v, const Report& r, Product product) {
  Tcb tcb = decode_tcb(r.reported_tcb, product);
  v.claims = {
      {"version", r.version},
      {"product", std::string(product_name(product))},
      {"guest_svn", r.guest_svn},
      {"policy", r.policy},
      {"debug_allowed", r.debug_allowed()},
      {"migration_agent_allowed", r.migration_agent_allowed()},
      {"smt_allowed", r.smt_allowed()},
      {"vmpl", r.vmpl},
      {"signing_key", r.signing_key == SigningKey::kVlek ? "vlek" : r.signing_key == SigningKey::kVcek ? "vcek" : "none"},
      {"measurement", hex(r.measurement)},
      {"report_data", hex(r.report_data)},
      {"host_data", hex(r.host_data)},
      {"family_id", hex(r.family_id)},
      {"image_id", hex(r.image_id)},
      {"id_key_digest", hex(r.id_key_digest)},
      {"author_key_digest", hex(r.author_key_digest)},
      {"report_id", hex(r.report_id)},
      {"chip_id", hex(r.chip_id)},
      {"platform_info", r.platform_info},
      {"reported_tcb",
       {{"raw", tcb.raw}, {"boot_loader", tcb.boot_loader}, {"tee", tcb.tee}, {"snp", tcb.snp},
        {"microcode", tcb.microcode}, {"fmc", tcb.fmc}}},
      {"current_tcb", r.current_tcb},
      {"committed_tcb", r.committed_tcb},
      {"launch_tcb", r.launch_tcb},
  };
  if (r.version >= 3) {
    v.claims["cpuid"] = {{"family", r.cpuid_family}, {"model", r.cpuid_model}, {"stepping", r.cpuid_stepping}};
  }
  if (r.version >= 5) {
    v.claims["launch_mit_vector"] = r.launch_mit_vector;
    v.claims["current_mit_vector"] = r.current_mit_vector;
  }
}

// AMD's CRL for the path `inter` <- `ark`: signed by the ARK, current, and not listing the
// intermediate (go-sev-guest's CRL check; AMD KDS serves the CRL per product).
void check_crl(Verdict& v, std::span<const uint8_t> der, const Certificate& ark, const Certificate& inter, const char* role,
               int64_t at) {
  auto crl = Crl::from_der(der);
  v.add("AMD CRL parses", crl.ok(), crl.ok() ? "" : crl.status().message());
  if (!crl.ok()) return;
  bool signed_ok = crl->signed_by(ark);
  v.add("AMD CRL signed by the ARK", signed_ok, signed_ok ? ark.common_name() : "the CRL is not issued and signed by " + ark.common_name());
  std::string when = crl->validity_problem(at);
  v.add("AMD CRL current", when.empty(), when);
  // An unsigned list says nothing either way; the signature check above has already failed.
  if (!signed_ok) return;
  bool revoked = crl->lists(inter);
  v.add(std::string(role) + " not revoked", !revoked, revoked ? inter.common_name() + " is revoked by " + ark.common_name() + "'s CRL" : "");
}

}  // namespace

std::vector<Certificate> amd_chain(Product product, SigningKey kind) {
  if (product == Product::kUnknown || kind == SigningKey::kNone) return {};
  std::vector<Certificate> out;
  for (AmdRole role : {kind == SigningKey::kVlek ? AmdRole::kAsvk : AmdRole::kAsk, AmdRole::kArk}) {
    for (const Loaded& l : compiled_in()) {
      if (l.product == product && l.role == role) out.push_back(l.cert);
    }
  }
  return out;
}

Product product_of(const Certificate& key) {
  auto name = key.extension_ia5(oid::kProductName);
  if (!name) return Product::kUnknown;
  if (name->rfind("Milan", 0) == 0) return Product::kMilan;
  if (name->rfind("Genoa", 0) == 0) return Product::kGenoa;
  if (name->rfind("Turin", 0) == 0) return Product::kTurin;
  return Product::kUnknown;
}

Verdict verify_report(std::span<const uint8_t> bytes, std::span<const Certificate> certs, const TrustRoots& roots,
                      int64_t at) {
  return verify_report(bytes, certs, Collateral{}, roots, at);
}

Verdict verify_report(std::span<const uint8_t> bytes, std::span<const Certificate> certs, const Collateral& collateral,
                      const TrustRoots& roots, int64_t at) {
  Verdict v;
  v.kind = "sev-snp";
  v.cpu_platform = cpu_platform_label(CpuPlatform::kSevSnp);
  auto parsed = parse_report(bytes);
  v.add("report parses", parsed.ok(), parsed.ok() ? "version " + std::to_string(parsed->version) : parsed.status().message());
  if (!parsed.ok()) return v;
  const Report& r = *parsed;

  bool vlek = r.signing_key == SigningKey::kVlek;
  v.add("report is signed", r.signing_key != SigningKey::kNone, r.signing_key == SigningKey::kNone ? "SIGNING_KEY is 7 (no key)" : "");
  const char* key_cn = vlek ? "SEV-VLEK" : "SEV-VCEK";
  // Of several endorsement keys supplied (a cache or a host may hold one per TCB), the one whose
  // hwID and SPLs describe this report; the first otherwise, so the mismatch is named below.
  const Certificate* key = nullptr;
  size_t candidates = 0;
  for (const Certificate& c : certs) {
    if (c.common_name() != key_cn) continue;
    ++candidates;
    if (key == nullptr) key = &c;
    if (describes(c, r)) {
      key = &c;
      break;
    }
  }
  v.add(std::string("endorsement key present"), key != nullptr,
        key != nullptr ? std::string(key_cn) + (candidates > 1 ? " (chosen of " + std::to_string(candidates) + " by hwID and TCB)" : "")
                       : std::string("no certificate with CN=") + key_cn + " was supplied: give it with --certs FILE, " +
                             "point --cache DIR at a collateral cache that holds it, or fetch it there first with " +
                             "`prove-model fetch-collateral`");
  if (key == nullptr) return v;
  for (const FieldRule& rule : field_rules(bytes, r)) v.add(rule.name, rule.violation.empty(), rule.violation);

  Product product = product_of(*key);
  Product cpuid = r.product_from_cpuid();
  // Version 3 and later reports state the CPUID; a family/model no known product has is refused,
  // not waved through. Version 2 reports state none, so the certificate's product stands alone.
  bool product_ok = product != Product::kUnknown && (r.version < 3 || cpuid == product);
  v.add("product", product_ok,
        std::string("certificate: ") + std::string(product_name(product)) +
            (r.version >= 3 ? std::string(", report CPUID: ") + std::string(product_name(cpuid)) : std::string()));
  add_claims(v, r, product);

  // Chain: key <- intermediate (ASK or ASVK) <- root (ARK), the root trusted by fingerprint. Of
  // the compiled-in authorities only the key's product's, for its kind, are candidates.
  std::vector<Certificate> amd = roots.amd ? amd_chain(product, r.signing_key) : std::vector<Certificate>{};
  std::vector<Certificate> pool(certs.begin(), certs.end());
  pool.insert(pool.end(), amd.begin(), amd.end());
  pool.insert(pool.end(), roots.extra.begin(), roots.extra.end());
  const Certificate* inter = find_issuer(*key, pool);
  const Certificate* root = inter != nullptr ? find_issuer(*inter, pool) : nullptr;
  auto trusted = [&](const Certificate& c) {
    if (roots.amd && is_amd_root(c)) return true;
    return std::any_of(roots.extra.begin(), roots.extra.end(),
                       [&](const Certificate& e) { return e.sha256_fingerprint() == c.sha256_fingerprint(); });
  };
  bool chain_ok = inter != nullptr && root != nullptr && root->signed_by(*root) && trusted(*root);
  std::string chain_detail;
  if (inter == nullptr) {
    chain_detail = "no supplied or known authority signed the " + std::string(key_cn);
    std::string role = vlek ? "ASVK" : "ASK";
    if (roots.amd && amd.size() == 2) {
      chain_detail += " (nor did " + std::string(product_name(product)) + "'s compiled-in " + role + ", " + amd[0].common_name() + ")";
    } else if (roots.amd) {
      chain_detail += " (no " + role + " is compiled in for product " + std::string(product_name(product)) + ")";
    }
  } else if (root == nullptr) {
    chain_detail = "no root signed " + inter->common_name();
  } else if (!trusted(*root)) {
    chain_detail = root->common_name() + " is not a trusted root";
  } else {
    chain_detail = std::string(key_cn) + " <- " + inter->common_name() + " <- " + root->common_name();
  }
  v.add("certificate chain", chain_ok, chain_detail);
  if (chain_ok) {
    // The path must have AMD's shape, not merely link: an end-entity key under an intermediate CA
    // (ASK/ASVK) under the self-signed ARK, each CA flagged as one and allowed to sign
    // certificates. A key signed by the ARK directly links (key <- ARK <- ARK) but is no AMD path.
    std::string shape;
    if (key->is_ca()) shape = std::string(key_cn) + " is a CA certificate";
    if (shape.empty() && inter->signed_by(*inter)) shape = "the " + std::string(key_cn) + " is signed by the self-signed " + inter->common_name() + " directly, not by an ASK/ASVK";
    for (const Certificate* ca : {inter, root}) {
      if (shape.empty() && (!ca->is_ca() || !ca->may_sign_certificates())) shape = ca->common_name() + " is not a CA that may sign certificates";
    }
    if (shape.empty() && inter->path_len() && *inter->path_len() < 0) shape = inter->common_name() + " has a negative path length";
    if (shape.empty() && root->path_len() && *root->path_len() < 1) shape = root->common_name() + " allows no intermediate CA";
    v.add("certificate path is AMD's (CA flags, key usage, issuers)", shape.empty(), shape);
    // Each product has its own ARK and ASK/ASVK; a key naming one product under another's
    // authorities links cryptographically only if a key was misused, and is refused.
    std::string other;
    for (const Certificate* ca : {inter, root}) {
      Product serves = authority_product(*ca);
      if (other.empty() && serves != product) {
        other = ca->common_name() + " serves " + std::string(product_name(serves)) + ", the " + key_cn + " names " +
                std::string(product_name(product));
      }
    }
    v.add("certificate chain is the product's", other.empty(),
          other.empty() ? inter->common_name() + " and " + root->common_name() + " serve " + std::string(product_name(product)) : other);
    std::string when;
    bool valid = true;
    for (const Certificate* c : {key, inter, root}) {
      if (!c->valid_at(at)) {
        valid = false;
        when += c->validity_problem(at) + "; ";
      }
    }
    v.add("certificates valid at the verification time", valid, when);
    if (!collateral.crl.empty()) check_crl(v, collateral.crl, *root, *inter, vlek ? "ASVK" : "ASK", at);
  }

  bool sig = verify_ecdsa_p384_sha384(*key, bytes.first(kSignedSize), r.signature_r, r.signature_s);
  v.add("report signature", sig, sig ? "ECDSA P-384 / SHA-384 by the " + std::string(key_cn) : "signature does not verify");

  // The key's extensions must describe this chip and this TCB.
  if (!vlek) {
    if (r.mask_chip_key) {
      v.add("hwID matches CHIP_ID", false, "MASK_CHIP_KEY is set: the report hides CHIP_ID, so the VCEK cannot be matched");
    } else {
      v.add("hwID matches CHIP_ID", hwid_matches(*key, r, product), hwid_of(*key, product) ? "" : "the VCEK has no hwID extension");
    }
  }
  Tcb tcb = decode_tcb(r.reported_tcb, product);
  struct Spl {
    const char* name;
    const char* oid;
    uint8_t value;
  };
  std::vector<Spl> spls = {{"boot loader", oid::kBlSpl, tcb.boot_loader},
                           {"TEE", oid::kTeeSpl, tcb.tee},
                           {"SNP", oid::kSnpSpl, tcb.snp},
                           {"microcode", oid::kUcodeSpl, tcb.microcode}};
  if (product == Product::kTurin) spls.push_back({"FMC", oid::kFmcSpl, tcb.fmc});
  for (const Spl& s : spls) {
    auto ext = key->extension_integer(s.oid);
    bool same = ext && *ext == s.value;
    v.add(std::string(s.name) + " SPL matches REPORTED_TCB", same,
          ext ? "certificate " + std::to_string(*ext) + ", report " + std::to_string(s.value)
              : std::string("the certificate has no ") + s.name + " SPL extension");
  }
  // The firmware cannot run below what it certifies or has committed to: the key's TCB (which
  // is REPORTED_TCB) and COMMITTED_TCB are each at most CURRENT_TCB, component by component.
  Tcb current = decode_tcb(r.current_tcb, product);
  std::string above;
  for (const Spl& s : spls) {
    auto ext = key->extension_integer(s.oid);
    uint8_t cur = spl_of(current, s.name);
    if (ext && *ext > cur) above += std::string(s.name) + " " + std::to_string(*ext) + " > " + std::to_string(cur) + "; ";
  }
  v.add("endorsement key TCB is at most CURRENT_TCB", above.empty(), above);
  Tcb committed = decode_tcb(r.committed_tcb, product);
  std::string ahead;
  for (const Spl& s : spls) {
    uint8_t com = spl_of(committed, s.name), cur = spl_of(current, s.name);
    if (com > cur) ahead += std::string(s.name) + " " + std::to_string(com) + " > " + std::to_string(cur) + "; ";
  }
  v.add("COMMITTED_TCB is at most CURRENT_TCB", ahead.empty(), ahead);
  // Likewise the firmware version it has committed to (major.minor.build, compared in that order)
  // is at most the version running.
  auto fw = [](uint8_t major, uint8_t minor, uint8_t build) {
    return std::to_string(major) + "." + std::to_string(minor) + " build " + std::to_string(build);
  };
  bool fw_ok = std::tie(r.committed_major, r.committed_minor, r.committed_build) <=
               std::tie(r.current_major, r.current_minor, r.current_build);
  v.add("COMMITTED firmware version is at most CURRENT", fw_ok,
        fw_ok ? "" : "committed " + fw(r.committed_major, r.committed_minor, r.committed_build) + " > current " +
                         fw(r.current_major, r.current_minor, r.current_build));
  return v;
}

}  // namespace zkcc::tee::sev_snp
