// prove-model: zkcc's command-line front end. Each subcommand is a thin shell over library calls.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/field/felt252.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/collateral.h"

namespace {

using zkcc::Felt252;

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

int fail(const zkcc::Status& s) {
  std::cerr << "prove-model: " << s.message() << "\n";
  return s.code() == zkcc::StatusCode::kInvalidArgument || s.code() == zkcc::StatusCode::kOutOfRange ? kExitUsage
                                                                                                      : kExitFailure;
}

zkcc::StatusOr<std::vector<Felt252>> parse_felts(const std::vector<std::string>& args) {
  std::vector<Felt252> out;
  for (size_t i = 0; i < args.size(); ++i) {
    auto f = Felt252::parse(args[i]);
    if (!f.ok()) return f.status().with_context("argument " + std::to_string(i + 1));
    out.push_back(*f);
  }
  return out;
}

void print_felt(const Felt252& f, bool json) {
  if (json) {
    std::cout << nlohmann::json{{"hash", f.to_hex()}}.dump() << "\n";
  } else {
    std::cout << f.to_hex() << "\n";
  }
}

// Hashes a vector pinned in the Starknet ecosystem and the published Poseidon fixed points, so a
// broken build or a miscompiled field is caught before any proof is made.
int self_check(bool json) {
  struct Case {
    const char* name;
    Felt252 got;
    const char* want;
  };
  std::vector<Felt252> four = {Felt252::from_u64(1), Felt252::from_u64(2), Felt252::from_u64(3), Felt252::from_u64(4)};
  Case cases[] = {
      {"poseidon_hash(1, 2)", zkcc::hash::poseidon_hash(four[0], four[1]),
       "0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a"},
      {"poseidon_hash_many([])", zkcc::hash::poseidon_hash_many({}),
       "0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc"},
      {"poseidon_hash_many([1, 2, 3, 4])", zkcc::hash::poseidon_hash_many(four),
       "0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d"},
  };
  bool all = true;
  nlohmann::json results = nlohmann::json::array();
  for (const Case& c : cases) {
    bool ok = c.got.to_hex() == c.want;
    all = all && ok;
    results.push_back({{"name", c.name}, {"got", c.got.to_hex()}, {"want", c.want}, {"ok", ok}});
    if (!json) std::cout << (ok ? "ok    " : "FAIL  ") << c.name << " = " << c.got.to_hex() << "\n";
  }
  if (json) std::cout << nlohmann::json{{"self_check", results}, {"ok", all}}.dump(2) << "\n";
  if (!all) std::cerr << "prove-model: self-check FAILED: this build computes wrong hashes\n";
  return all ? 0 : kExitFailure;
}

// Certificates from a PEM bundle or a single DER certificate.
zkcc::StatusOr<std::vector<zkcc::tee::Certificate>> load_certs(const std::string& path) {
  auto bytes = zkcc::read_file(path, 16 << 20);
  if (!bytes.ok()) return bytes.status();
  std::string text(bytes->begin(), bytes->end());
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
    auto certs = zkcc::tee::Certificate::from_pem_bundle(text);
    if (!certs.ok()) return certs.status().with_context(path);
    return certs;
  }
  auto cert = zkcc::tee::Certificate::from_der(*bytes);
  if (!cert.ok()) return cert.status().with_context(path);
  return std::vector<zkcc::tee::Certificate>{*cert};
}

// GPU reports are often stored as hex text; decode it when the file is nothing else.
void decode_hex_evidence(zkcc::Bytes& b) {
  std::string text(b.begin(), b.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() >= 4 && (text.rfind("11e0", 0) == 0 || text.rfind("11E0", 0) == 0)) {
    auto decoded = zkcc::from_hex(text);
    if (decoded.ok()) b = std::move(*decoded);
  }
}

// The kind of a piece of evidence, from its content.
std::string detect_kind(const zkcc::Bytes& b) {
  if (b.size() >= 8 && (b[0] == 4 || b[0] == 5) && b[1] == 0 && b[2] == 2 && b[3] == 0 && b[4] == 0x81) return "tdx";
  if (b.size() > 2 && b[0] == 0x11 && b[1] == 0xE0) return "gpu";
  if (b.size() == zkcc::tee::sev_snp::kReportSize) {
    uint32_t version = b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24;
    if (version == 2 || version == 3 || version == 5) return "snp";
  }
  return "";
}

int verify_evidence(const std::string& file, std::string kind, const std::vector<std::string>& cert_files,
                    const std::string& at_text, const std::string& nonce_hex, const std::string& collateral_file,
                    const std::string& policy_file, bool json) {
  std::optional<zkcc::tee::Policy> policy;
  if (!policy_file.empty()) {
    auto text = zkcc::read_file(policy_file, 1 << 20);
    if (!text.ok()) return fail(text.status());
    auto doc = nlohmann::json::parse(text->begin(), text->end(), nullptr, false);
    if (doc.is_discarded()) return fail(zkcc::invalid_argument("policy file '" + policy_file + "' is not JSON"));
    auto p = zkcc::tee::Policy::from_json(doc);
    if (!p.ok()) return fail(p.status().with_context(policy_file));
    policy = *p;
  }
  auto evidence = zkcc::read_file(file, 64 << 20);
  if (!evidence.ok()) return fail(evidence.status());
  decode_hex_evidence(*evidence);
  if (kind.empty()) kind = detect_kind(*evidence);
  if (kind.empty()) {
    return fail(zkcc::invalid_argument("cannot tell what kind of evidence '" + file + "' is; pass --kind"));
  }
  int64_t at = static_cast<int64_t>(std::time(nullptr));
  if (!at_text.empty()) {
    auto parsed = zkcc::tee::parse_rfc3339(at_text);
    if (!parsed.ok()) return fail(parsed.status());
    at = *parsed;
  }
  std::vector<zkcc::tee::Certificate> certs;
  for (const auto& f : cert_files) {
    auto c = load_certs(f);
    if (!c.ok()) return fail(c.status());
    certs.insert(certs.end(), c->begin(), c->end());
  }
  zkcc::tee::Verdict verdict;
  if (kind == "snp") {
    verdict = zkcc::tee::sev_snp::verify_report(*evidence, certs, zkcc::tee::sev_snp::TrustRoots{}, at);
  } else if (kind == "gpu") {
    std::optional<std::array<uint8_t, 32>> nonce;
    if (!nonce_hex.empty()) {
      auto n = zkcc::from_hex(nonce_hex);
      if (!n.ok() || n->size() != 32) return fail(zkcc::invalid_argument("--nonce must be 32 bytes of hex"));
      nonce.emplace();
      std::copy(n->begin(), n->end(), nonce->begin());
    }
    verdict = zkcc::tee::nvidia_gpu::verify_gpu_report(*evidence, certs, zkcc::tee::nvidia_gpu::TrustRoots{}, nonce, at);
  } else if (kind == "tdx") {
    if (collateral_file.empty()) {
      verdict = zkcc::tee::tdx::verify_quote_signatures(*evidence, zkcc::tee::tdx::TrustRoots{}, at);
      verdict.add("TCB judged against collateral", false, "no --collateral given: signatures only");
    } else {
      auto text = zkcc::read_file(collateral_file, 16 << 20);
      if (!text.ok()) return fail(text.status());
      auto collateral = zkcc::tee::tdx::parse_collateral_json(std::string(text->begin(), text->end()));
      if (!collateral.ok()) return fail(collateral.status().with_context(collateral_file));
      verdict = zkcc::tee::tdx::verify_quote(*evidence, *collateral, zkcc::tee::tdx::TrustRoots{}, at);
    }
  } else {
    return fail(zkcc::invalid_argument("unknown evidence kind '" + kind + "' (snp, gpu, tdx)"));
  }
  if (policy) apply_policy(*policy, verdict);
  if (json) {
    std::cout << verdict.to_json().dump(2) << "\n";
  } else {
    std::cout << verdict.summary();
    if (policy) std::cout << "policy: " << policy->summary() << "\n";
  }
  return verdict.ok() ? 0 : kExitFailure;
}

void print_detect(const zkcc::tee::FullStackCapability& cap) {
  const auto& c = cap.cpu;
  const auto& g = cap.gpu;
  std::cout << "CPU TEE:  " << zkcc::tee::cpu_platform_name(c.platform);
  if (c.platform != zkcc::tee::CpuPlatform::kNone) {
    std::cout << " via " << zkcc::tee::cpu_interface_name(c.interface) << " (" << c.device << ", "
              << (c.device_available ? "available" : "not available") << ")";
  }
  std::cout << "\n";
  for (const auto& n : c.notes) std::cout << "          " << n << "\n";
  std::cout << "GPU:      NVML " << g.nvml_status << "; " << g.device_count << " device(s)";
  for (const auto& n : g.device_names) std::cout << " [" << n << "]";
  std::cout << "\n          CC supported: " << (g.cc_supported ? "yes" : "no")
            << ", active: " << (g.cc_active ? "yes" : "no") << ", ready: " << (g.cc_ready ? "yes" : "no")
            << ", nvattest: " << (g.nvattest_available ? "found" : "not found") << "\n";
  std::cout << "Full-stack CC: " << (cap.full_stack() ? "yes" : "no") << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zkcc prove-model: zero-knowledge proofs of quantized neural-network inference, attested by "
               "confidential-computing hardware"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("prove-model (zkcc) ") + ZKCC_VERSION);
  bool json = false;
  app.add_flag("--json", json, "Print machine-readable JSON");

  auto* detect = app.add_subcommand("detect", "Report the CPU TEE and GPU confidential-computing state");
  std::string root = "/";
  detect->add_option("--root", root, "System root to inspect (for testing against a prepared tree)")
      ->capture_default_str();

  auto* selfcheck = app.add_subcommand("selfcheck", "Hash known vectors and compare with published answers");

  auto* verify_ev = app.add_subcommand("verify-evidence", "Verify one piece of attestation evidence offline");
  std::string ev_file, ev_kind, ev_at, ev_nonce, ev_collateral, ev_policy;
  std::vector<std::string> ev_certs;
  verify_ev->add_option("FILE", ev_file, "The evidence: an SEV-SNP report, an NVIDIA GPU report (binary or hex) or a TDX quote")
      ->required();
  verify_ev->add_option("--kind", ev_kind, "snp, gpu or tdx (detected from the content when omitted)")
      ->check(CLI::IsMember({"snp", "gpu", "tdx"}));
  verify_ev->add_option("--collateral", ev_collateral, "TDX: DCAP collateral JSON (QuoteCollateralV3)");
  verify_ev->add_option("--policy", ev_policy, "A policy JSON file to judge the verified claims with");
  verify_ev->add_option("--certs", ev_certs,
                        "Certificates (PEM bundle or DER): the VCEK/VLEK and optionally its chain, or the GPU's chain");
  verify_ev->add_option("--nonce", ev_nonce, "GPU: the expected 32-byte nonce, hex");
  verify_ev->add_option("--at", ev_at, "Verification time, RFC 3339 UTC (default: now)");

  auto* hash = app.add_subcommand("hash", "Starknet Poseidon hashes, printed as 0x lowercase hex");
  hash->require_subcommand(1);
  auto* h_pos = hash->add_subcommand("poseidon", "poseidon_hash(X, Y): Starknet's two-input hash");
  std::vector<std::string> pos_args;
  h_pos->add_option("X Y", pos_args, "Two felts, 0x hex or decimal")->required()->expected(2);
  auto* h_single = hash->add_subcommand("single", "poseidon_hash_single(X)");
  std::string single_arg;
  h_single->add_option("X", single_arg, "A felt, 0x hex or decimal")->required();
  auto* h_many = hash->add_subcommand("many", "poseidon_hash_many(X...): zero or more felts");
  std::vector<std::string> many_args;
  h_many->add_option("X", many_args, "Felts, 0x hex or decimal");
  auto* h_report = hash->add_subcommand("report", "report_hash_felt(bytes of FILE): 31-byte big-endian chunks");
  std::string report_file;
  h_report->add_option("FILE", report_file, "File of raw bytes, or - for standard input")->required();

  for (auto* sub : {detect, selfcheck, verify_ev, hash, h_pos, h_single, h_many, h_report}) {
    sub->add_flag("--json", json, "Print machine-readable JSON");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; usage errors all exit 2, as in other command-line tools.
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }

  if (*detect) {
    zkcc::tee::DetectOptions opts;
    opts.root = root;
    opts.probe_nvml = root == "/";
    auto cap = zkcc::tee::detect(opts);
    if (json) {
      std::cout << zkcc::tee::capability_to_json(cap) << "\n";
    } else {
      print_detect(cap);
    }
    return 0;
  }
  if (*selfcheck) return self_check(json);
  if (*verify_ev) return verify_evidence(ev_file, ev_kind, ev_certs, ev_at, ev_nonce, ev_collateral, ev_policy, json);
  if (*h_pos) {
    auto felts = parse_felts(pos_args);
    if (!felts.ok()) return fail(felts.status());
    print_felt(zkcc::hash::poseidon_hash((*felts)[0], (*felts)[1]), json);
    return 0;
  }
  if (*h_single) {
    auto f = Felt252::parse(single_arg);
    if (!f.ok()) return fail(f.status());
    print_felt(zkcc::hash::poseidon_hash_single(*f), json);
    return 0;
  }
  if (*h_many) {
    auto felts = parse_felts(many_args);
    if (!felts.ok()) return fail(felts.status());
    print_felt(zkcc::hash::poseidon_hash_many(*felts), json);
    return 0;
  }
  if (*h_report) {
    auto bytes = zkcc::read_file(report_file);
    if (!bytes.ok()) return fail(bytes.status());
    print_felt(zkcc::hash::report_hash_felt(*bytes), json);
    return 0;
  }
  return 0;
}
