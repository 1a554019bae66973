// prove-model attest and verify-bundle: a full-stack attestation for a statement, written as an
// evidence bundle, and its offline verification.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "progress.h"
#include "zkcc/base/bytes.h"
#include "zkcc/field/felt252.h"
#include "zkcc/pipeline/job.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/full_stack.h"

namespace zkcc::cli {

namespace fs = std::filesystem;

namespace {

// Every certificate in DIR (*.pem bundles, *.der and *.crt files), sorted by name.
StatusOr<std::vector<tee::Certificate>> certificates_in(const fs::path& dir) {
  std::vector<tee::Certificate> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return not_found("cannot read the roots directory " + dir.string() + ": " + ec.message());
  std::vector<fs::path> files;
  for (const auto& entry : it) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".pem" || ext == ".der" || ext == ".crt")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    ZKCC_ASSIGN_OR_RETURN(std::vector<tee::Certificate> certs, load_certs(f.string()));
    for (auto& c : certs) out.push_back(std::move(c));
  }
  return out;
}

constexpr const char* kRootsHint = " (--roots takes a certificate file, a folder of certificates, or a simulated "
                                   "platform's folder, whose roots/ subfolder is read)";

}  // namespace

StatusOr<std::vector<tee::Certificate>> load_roots(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return not_found("--roots: " + path + " does not exist" + kRootsHint);
  if (fs::is_regular_file(st)) {
    auto certs = load_certs(path);
    if (!certs.ok()) return certs.status().with_context("--roots");
    return certs;
  }
  if (!fs::is_directory(st)) return invalid_argument("--roots: " + path + " is neither a file nor a folder" + kRootsHint);
  ZKCC_ASSIGN_OR_RETURN(std::vector<tee::Certificate> certs, certificates_in(path));
  if (!certs.empty()) return certs;
  // A simulated platform's folder (prove --sim-dir) keeps its roots one level down.
  const fs::path sub = fs::path(path) / "roots";
  if (fs::is_directory(sub, ec)) {
    ZKCC_ASSIGN_OR_RETURN(certs, certificates_in(sub));
    if (!certs.empty()) return certs;
    return invalid_argument("--roots: neither " + path + " nor its roots/ subfolder holds a certificate" + kRootsHint);
  }
  return invalid_argument("--roots: " + path + " holds no certificate and no roots/ subfolder" + kRootsHint);
}

StatusOr<Trust> load_trust(const std::string& roots_dir, const std::string& policy_file, const std::string& at) {
  Trust t;
  ZKCC_ASSIGN_OR_RETURN(t.policy, load_policy(policy_file));
  ZKCC_ASSIGN_OR_RETURN(t.at, verification_time(at));
  std::vector<tee::Certificate> extra;
  if (!roots_dir.empty()) {
    ZKCC_ASSIGN_OR_RETURN(extra, load_roots(roots_dir));
  }
  t.roots = tee::roots_with_extra(extra);
  return t;
}

int verify_bundle(const BundleArgs& a) {
  auto trust = load_trust(a.roots_dir, a.policy_file, a.at);
  if (!trust.ok()) return fail(trust.status());
  auto policy = effective_policy(trust->policy, a.require_level);
  if (!policy.ok()) return fail(policy.status());
  // The proof directory's one limit: a bundle is its bundle.json.
  auto bytes = read_regular_file(a.bundle, pipeline::kMaxPackageFileBytes);
  if (!bytes.ok()) return fail(bytes.status());
  auto doc = tee::parse_bundle(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  if (!doc.ok()) return fail(doc.status().with_context(a.bundle));
  tee::Verdict v = tee::verify_bundle(*doc, trust->roots, &*policy, trust->at);
  if (a.json) {
    std::cout << verdict_json(v).dump(2) << "\n";
  } else {
    std::cout << v.summary();
    std::cout << "policy rules: " << policy->summary() << "\n";
  }
  return verdict_exit(v);
}

int attest(const AttestArgs& a) {
  auto statement = Felt252::parse(a.statement);
  if (!statement.ok()) return fail(statement.status().with_context("--statement"));
  auto level = tee::parse_security_level(a.level);
  if (!level.ok()) return fail(level.status());
  Progress progress(a.json);
  const std::string first_run = first_run_note(a);
  progress.stage(first_run.empty() ? "attesting" : "attesting: " + first_run);
  auto attesters = make_attesters(a);
  StatusOr<tee::FullStackAttestation> result = attesters.ok() ? tee::attest(*statement, *level, attesters->cpu.get(), attesters->gpu.get())
                                                      : StatusOr<tee::FullStackAttestation>(attesters.status());
  progress.done();  // before any message, which would otherwise follow the note on its line
  if (!result.ok()) return fail(result.status());
  nlohmann::json bundle = tee::bundle_to_json(*result);
  if (Status s = write_file_atomic(a.out, bundle.dump(2) + "\n"); !s.ok()) return fail(s);
  nlohmann::json summary = {{"bundle", a.out},
                            {"level", tee::security_level_name(result->level)},
                            {"cpu", result->cpu ? tee::cpu_platform_name(result->cpu->platform) : "none"},
                            {"gpus", result->gpus.size()},
                            {"statement", result->statement.to_hex()},
                            {"combined_hash", result->combined_hash.to_hex()}};
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    std::cout << "wrote " << a.out << ": level " << summary["level"].get<std::string>() << ", CPU "
              << summary["cpu"].get<std::string>() << ", " << result->gpus.size() << " GPU(s)\ncombined_hash "
              << result->combined_hash.to_hex() << "\n";
  }
  return 0;
}

}  // namespace zkcc::cli
