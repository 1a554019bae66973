// prove-model: zkcc's command-line front end. Each subcommand is a thin shell over library calls.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <optional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/field/felt252.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/tee/capability.h"
#include "cli.h"
#include "../version.h"

namespace {

using zkcc::Felt252;

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
  std::cout << "\n          CC capable: " << (g.cc_capable ? "yes" : "no")
            << ", environment: " << (g.cc_supported ? "yes" : "no")
            << ", active: " << (g.cc_active ? "yes" : "no") << ", ready: " << (g.cc_ready ? "yes" : "no")
            << ", nvattest: " << (g.nvattest_available ? "found" : "not found") << "\n";
  std::cout << "Full-stack CC: " << (cap.full_stack() ? "yes" : "no") << "\n";
  zkcc::tee::LevelAdvice advice = zkcc::tee::recommend_level(cap);
  std::cout << "recommended level: " << advice.level << " (prove --level " << advice.level << ")\n"
            << "          " << advice.reason << "\n";
}

// The level, platform and simulated-platform flags that attest and prove share.
void add_attest_options(CLI::App* sub, zkcc::cli::AttestArgs& a) {
  sub->add_option("--level", a.level, "auto (whatever is present), zk-only, tee (CPU or GPU) or full-cc (both)")
      ->check(CLI::IsMember({"auto", "zk-only", "tee", "full-cc"}))
      ->capture_default_str();
  sub->add_option("--platform", a.platform, "auto (this machine's hardware) or sim (simulated, test keys)")
      ->check(CLI::IsMember({"auto", "sim"}))
      ->capture_default_str();
  sub->add_option("--sim-dir", a.sim_dir, "sim: the directory holding its keys, with the roots in DIR/roots (default: ./zkcc-sim)");
  sub->add_option("--sim-cpu", a.sim_cpu, "sim: the CPU TEE to simulate")
      ->check(CLI::IsMember({"snp", "tdx", "none"}))
      ->capture_default_str();
  sub->add_option("--sim-gpus", a.sim_gpus, "sim: how many GPUs to simulate")->check(CLI::Range(0u, 16u))->capture_default_str();
  sub->add_option("--root", a.root, "auto: the system root devices are looked up under")->capture_default_str();
  sub->add_option("--collateral-cache", a.collateral_cache,
                  "auto, SEV-SNP: a collateral cache filled by fetch-collateral; AMD's CRL from it goes into the bundle");
}

// The object a command acts on is positional; the flag spelling (`inspect --model M`) is kept as
// an alias. main checks that one of the two was given.
void add_object(CLI::App* sub, const std::string& positional, const std::string& flag, std::string& value,
                const std::string& help) {
  auto* p = sub->add_option(positional, value, help);
  auto* f = sub->add_option(flag, value, help + " (the same as " + positional + ")");
  p->excludes(f);
}

// What an offline verification trusts: verify and verify-bundle take the same flags.
void add_trust_options(CLI::App* sub, std::string& roots, std::string& policy, std::string& at) {
  sub->add_option("--roots", roots,
                  "Also trust these certificates: a file, a folder of them, or a simulated platform's folder (its roots/ is read)");
  sub->add_option("--policy", policy, "A policy JSON file to judge the attestation's claims with");
  sub->add_option("--at", at, "Verification time, RFC 3339 UTC (default: now)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zkcc prove-model: zero-knowledge proofs of quantized neural-network inference, attested by "
               "confidential-computing hardware"};
  app.require_subcommand(1);
  app.set_version_flag("--version", zkcc::apps::version_line("prove-model"));
  bool json = false;
  app.add_flag("--json", json, "Print machine-readable JSON");

  auto* detect = app.add_subcommand("detect", "Report the CPU TEE and GPU confidential-computing state");
  std::string root = "/";
  detect->add_option("--root", root, "System root to inspect (for testing against a prepared tree)")
      ->capture_default_str();

  auto* selfcheck = app.add_subcommand("selfcheck", "Check known answers: hashes, field arithmetic, a small proof and the compiled-in vendor roots");

  auto* verify_ev = app.add_subcommand("verify-evidence", "Verify one piece of attestation evidence offline");
  zkcc::cli::EvidenceArgs ev;
  verify_ev->add_option("FILE", ev.file, "The evidence: an SEV-SNP report, an NVIDIA GPU report (binary, hex or NVIDIA evidence JSON), a TDX quote, Azure vTPM evidence (JSON, or a bare SNP HCL report), or an NVIDIA RIM")
      ->required();
  verify_ev->add_option("--kind", ev.kind, "snp, gpu, tdx, azure or rim (detected from the content when omitted)")
      ->check(CLI::IsMember({"snp", "gpu", "tdx", "azure", "rim"}));
  verify_ev->add_option("--collateral", ev.collateral_file, "TDX and Azure TDX: DCAP collateral JSON (QuoteCollateralV3); SEV-SNP: AMD's CRL (DER, from KDS's crl endpoint)");
  verify_ev->add_option("--event-log", ev.event_log_file,
                        "TDX: the CC event log (/sys/firmware/acpi/tables/data/CCEL) to replay and compare with the quote's RTMRs");
  verify_ev->add_option("--policy", ev.policy_file, "A policy JSON file to judge the verified claims with");
  verify_ev->add_option("--certs", ev.cert_files,
                        "Certificates (PEM bundle or DER): the VCEK/VLEK and optionally its chain, or the GPU's chain");
  verify_ev->add_option("--nonce", ev.nonce_hex, "The expected nonce, hex: 32 bytes for a GPU report; the TPM quote's extraData for Azure");
  verify_ev->add_option("--at", ev.at, "Verification time, RFC 3339 UTC (default: now)");
  verify_ev->add_option("--cache", ev.cache_dir,
                        "A collateral cache (filled by fetch-collateral) to take the VCEK and AMD's CRL, or the TDX collateral, from");
  verify_ev->add_option("--rim", ev.rims, "GPU: a driver or VBIOS RIM (XML) to verify and compare the measurements with");
  verify_ev->add_option("--require-level", ev.require_level, "Fail unless the evidence reaches this level (zk-only, tee, full-cc)")
      ->check(CLI::IsMember({"zk-only", "tee", "full-cc"}));
  verify_ev->add_option("--product", ev.product, "SEV-SNP product for reports that do not name it (Milan, Genoa, Turin)");

  auto* fetch = app.add_subcommand("fetch-collateral",
                                   "Fetch what verifying a piece of evidence needs (AMD KDS: VCEK, chain and CRL; Intel PCS; NVIDIA RIM service) into the cache");
  zkcc::cli::EvidenceArgs fc;
  fetch->add_option("FILE", fc.file, "An SEV-SNP report or a TDX quote");
  fetch->add_option("--kind", fc.kind, "snp or tdx (detected from the content when omitted)")->check(CLI::IsMember({"snp", "tdx"}));
  fetch->add_option("--product", fc.product, "SEV-SNP product for reports that do not name it (Milan, Genoa, Turin)");
  fetch->add_option("--rim", fc.rims, "An NVIDIA RIM identifier to fetch (repeatable)");
  fetch->add_option("--cache", fc.cache_dir, "The cache directory (default: " + zkcc::cli::default_cache_dir() + ")");

  auto* attest = app.add_subcommand("attest", "Attest this machine's CPU TEE and GPUs for a statement; write an evidence bundle");
  zkcc::cli::AttestArgs at;
  add_object(attest, "STATEMENT", "--statement", at.statement, "The 32-byte statement: a felt252, 0x hex or decimal");
  add_attest_options(attest, at);
  attest->add_option("--out", at.out, "Where to write the evidence bundle (JSON)")->required();

  auto* prove = app.add_subcommand("prove", "Run a model on an input, attest this machine and prove the inference; write a proof directory");
  zkcc::cli::ProveArgs pr;
  add_object(prove, "MODEL", "--model", pr.model, "The ONNX model");
  prove->add_option("--input", pr.input, "The input: a JSON array of numbers, row-major in the model input's shape, or {\"input\": [...]}")->required();
  prove->add_option("--calibration", pr.calibration, "A JSON array of inputs to choose the quantization scales from (default: the interval [-R, R], see --input-range)");
  prove->add_option("--input-range", pr.input_range, "Without --calibration: the range R of the input's elements")->capture_default_str();
  prove->add_option("--input-shape", pr.input_shape,
                    "The input's shape, comma-separated (1,3,32,32), for a model with symbolic dimensions (default: the "
                    "input JSON's nesting, else a symbolic batch dimension set to 1)");
  add_attest_options(prove, pr.attest);
  prove->add_option("--job-id", pr.job_id, "The receipt's job id, a felt (default: a random felt below 2^248)");
  prove->add_option("--worker", pr.worker, "The worker's Starknet address for the receipt and verify_and_pay")->capture_default_str();
  prove->add_option("--sage-amount", pr.sage_amount, "verify_and_pay's sage_amount (u256)")->capture_default_str();
  prove->add_option("--out", pr.out, "The proof directory to write (created if missing; must be empty without --force)")->required();
  prove->add_flag("--force", pr.force, "Overwrite the proof files in a non-empty --out");
  prove->add_flag("--public-input", pr.public_input,
                  "Reveal the input (public_input.json) instead of committing to it; by default the input stays private");

  auto* commit = app.add_subcommand("commit", "Quantize a model and commit to its weights once; write the model commitment a verifier registers");
  zkcc::cli::CommitArgs cm;
  add_object(commit, "MODEL", "--model", cm.model, "The ONNX model");
  commit->add_option("--calibration", cm.calibration, "A JSON array of inputs to choose the quantization scales from (as for prove)");
  commit->add_option("--input-range", cm.input_range, "Without --calibration: the range R of the input's elements")->capture_default_str();
  commit->add_option("--input-shape", cm.input_shape, "As for prove (default: a symbolic batch dimension set to 1)");
  commit->add_option("--out", cm.out, "Where to write the model commitment (model_commitment.bin: no weight)")->required();

  auto* verify = app.add_subcommand("verify", "Verify a proof directory offline: the proof, the evidence, every binding, the receipt and the calldata");
  zkcc::cli::VerifyArgs vf;
  verify->add_option("DIR", vf.dir, "The proof directory (from prove), or a server's job result (JSON)")->required();
  add_trust_options(verify, vf.roots_dir, vf.policy_file, vf.at);
  verify->add_option("--model-commitment", vf.model_commitment, "Require this model commitment (prove --json prints it)");
  verify->add_option("--require-level", vf.require_level, "Fail unless the proof's evidence reaches this level (zk-only, tee, full-cc)")
      ->check(CLI::IsMember({"zk-only", "tee", "full-cc"}));
  verify->add_flag("-v,--verbose", vf.verbose, "List every check, not only the failed ones");

  auto* inspect = app.add_subcommand("inspect", "List an ONNX model's layers, shapes and parameters, and whether zkcc can prove each");
  std::string inspect_file, inspect_calibration;
  double inspect_range = 1.0;
  add_object(inspect, "MODEL", "--model", inspect_file, "The ONNX model");
  inspect->add_option("--calibration", inspect_calibration, "As for prove: the model commitment depends on the quantization");
  inspect->add_option("--input-range", inspect_range, "As for prove, without --calibration")->capture_default_str();
  std::string inspect_shape;
  inspect->add_option("--input-shape", inspect_shape, "As for prove (default: a symbolic batch dimension set to 1)");

  auto* operators = app.add_subcommand("operators", "List the ONNX operators zkcc imports: proved, folded at import, or passed through");
  bool operators_markdown = false;
  operators->add_flag("--markdown", operators_markdown, "Print docs/operators.md");

  auto* verify_b = app.add_subcommand("verify-bundle", "Verify an evidence bundle offline: every platform, binding and hash");
  zkcc::cli::BundleArgs vb;
  add_object(verify_b, "BUNDLE", "--bundle", vb.bundle, "The evidence bundle (JSON)");
  add_trust_options(verify_b, vb.roots_dir, vb.policy_file, vb.at);
  verify_b->add_option("--require-level", vb.require_level, "Fail unless the bundle's evidence reaches this level (zk-only, tee, full-cc)")
      ->check(CLI::IsMember({"zk-only", "tee", "full-cc"}));

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

  for (auto* sub : {detect, selfcheck, verify_ev, fetch, attest, prove, commit, verify, verify_b, inspect, operators, hash, h_pos, h_single, h_many, h_report}) {
    sub->add_flag("--json", json, "Print machine-readable JSON");
  }

  using zkcc::cli::ErrorOutput;
  auto error_output = [&](bool as_json) {
    if (!as_json) return ErrorOutput::kText;
    return verify->parsed() || verify_b->parsed() || verify_ev->parsed() ? ErrorOutput::kVerdictJson : ErrorOutput::kJson;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message; usage errors all exit 2, as in other command-line tools. --json
    // may not have been parsed yet, so it is looked for among the arguments.
    if (app.exit(e) == 0) return 0;
    bool as_json = false;
    for (int i = 1; i < argc; ++i) as_json = as_json || std::string_view(argv[i]) == "--json";
    zkcc::cli::set_error_output(error_output(as_json));
    zkcc::cli::print_error_json(e.what(), zkcc::cli::kExitUsage);
    return zkcc::cli::kExitUsage;
  }
  zkcc::cli::set_error_output(error_output(json));
  // The object of each command, given positionally or by its flag.
  struct Needed {
    CLI::App* sub;
    const std::string& value;
    const char* what;
  };
  for (const Needed& n : {Needed{attest, at.statement, "attest needs the statement: attest STATEMENT (or --statement STATEMENT)"},
                          Needed{prove, pr.model, "prove needs the model: prove MODEL.onnx (or --model MODEL.onnx)"},
                          Needed{commit, cm.model, "commit needs the model: commit MODEL.onnx (or --model MODEL.onnx)"},
                          Needed{inspect, inspect_file, "inspect needs the model: inspect MODEL.onnx (or --model MODEL.onnx)"},
                          Needed{verify_b, vb.bundle, "verify-bundle needs the bundle: verify-bundle BUNDLE (or --bundle BUNDLE)"}}) {
    if (*n.sub && n.value.empty()) return zkcc::cli::usage_error(n.what);
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
  if (*selfcheck) return zkcc::cli::self_check(json);
  ev.json = fc.json = at.json = vb.json = pr.json = vf.json = cm.json = json;
  if (*prove) return zkcc::cli::prove(pr);
  if (*commit) return zkcc::cli::commit(cm);
  if (*verify) return zkcc::cli::verify(vf);
  if (*attest) return zkcc::cli::attest(at);
  if (*inspect) return zkcc::cli::inspect_model(inspect_file, inspect_calibration, inspect_range, inspect_shape, json);
  if (*operators) return zkcc::cli::print_operators(operators_markdown, json);
  if (*verify_b) return zkcc::cli::verify_bundle(vb);
  if (*verify_ev) return zkcc::cli::verify_evidence(ev);
  if (*fetch) return zkcc::cli::fetch_collateral(fc);
  if (*h_pos) {
    auto felts = parse_felts(pos_args);
    if (!felts.ok()) return zkcc::cli::fail(felts.status());
    print_felt(zkcc::hash::poseidon_hash((*felts)[0], (*felts)[1]), json);
    return 0;
  }
  if (*h_single) {
    auto f = Felt252::parse(single_arg);
    if (!f.ok()) return zkcc::cli::fail(f.status());
    print_felt(zkcc::hash::poseidon_hash_single(*f), json);
    return 0;
  }
  if (*h_many) {
    auto felts = parse_felts(many_args);
    if (!felts.ok()) return zkcc::cli::fail(felts.status());
    print_felt(zkcc::hash::poseidon_hash_many(*felts), json);
    return 0;
  }
  if (*h_report) {
    auto bytes = zkcc::read_file(report_file);
    if (!bytes.ok()) return zkcc::cli::fail(bytes.status());
    print_felt(zkcc::hash::report_hash_felt(*bytes), json);
    return 0;
  }
  return 0;
}
