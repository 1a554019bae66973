// What the subcommands of prove-model share: exit codes, error printing, and the commands that
// live in their own files.
#ifndef ZKCC_APPS_PROVE_MODEL_CLI_H_
#define ZKCC_APPS_PROVE_MODEL_CLI_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/service/attesters.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/evidence.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/x509.h"

namespace zkcc::cli {

inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 1;

// Prints the error and returns the exit code: 2 for bad input, 1 for anything else.
int fail(const Status& s);

struct EvidenceArgs {
  std::string file;
  std::string kind;  // "" = from the content
  std::vector<std::string> cert_files;
  std::string at;
  std::string nonce_hex;
  std::string collateral_file;
  std::string policy_file;
  std::string cache_dir;  // read (verify) or filled (fetch)
  std::string product;    // SEV-SNP reports older than v3 do not name it
  std::vector<std::string> rims;
  std::string require_level;  // verify-evidence: zk-only, tee or full-cc; empty requires none
  bool json = false;
};

// Certificates from a PEM bundle or a single DER certificate.
StatusOr<std::vector<tee::Certificate>> load_certs(const std::string& path);
// No policy when `path` is empty (the verifiers then apply the built-in production policy); a
// policy file without a "name" is named after its path.
StatusOr<std::optional<tee::Policy>> load_policy(const std::string& path);
// The policy to judge with: the file's, or the built-in production policy, with `require_level`
// (when not empty) as its minimum level.
StatusOr<tee::Policy> effective_policy(std::optional<tee::Policy> loaded, const std::string& require_level);
// RFC 3339 UTC, or now when `text` is empty.
StatusOr<int64_t> verification_time(const std::string& text);

int verify_evidence(const EvidenceArgs& args);
int fetch_collateral(const EvidenceArgs& args);
struct BundleArgs {
  std::string bundle;
  std::string roots_dir;  // extra trusted roots (e.g. a simulated platform's DIR/roots)
  std::string policy_file;
  std::string at;
  std::string require_level;  // zk-only, tee or full-cc; empty requires none beyond the policy's
  bool json = false;
};
int verify_bundle(const BundleArgs& args);
// Every certificate in DIR (*.pem bundles, *.der and *.crt files), to be trusted beside the vendor roots.
StatusOr<std::vector<tee::Certificate>> load_roots_dir(const std::string& dir);
// What an offline verification trusts: the vendor roots plus --roots, --policy, and the time --at.
struct Trust {
  tee::BundleRoots roots;
  std::optional<tee::Policy> policy;
  int64_t at = 0;
};
StatusOr<Trust> load_trust(const std::string& roots_dir, const std::string& policy_file, const std::string& at);

struct AttestArgs {
  std::string statement;
  std::string level = "auto";
  std::string platform = "auto";  // auto | sim
  std::string sim_dir;            // sim: where its keys and roots live
  std::string sim_cpu = "snp";    // sim: snp | tdx | none
  unsigned sim_gpus = 1;          // sim: how many GPUs
  std::string root = "/";         // auto: the system root devices are found under
  std::string out;
  bool json = false;
};
int attest(const AttestArgs& args);

struct ProveArgs {
  AttestArgs attest;         // level, platform and the simulated platform's settings
  std::string model;
  std::string input;
  std::string calibration;   // a JSON array of inputs; empty: the interval default
  double input_range = 1.0;  // the interval default's input range
  std::string job_id, worker = "0x0", sage_amount = "0";
  std::string out;
  bool public_input = false;  // write input.json and let the verifier check against it
  bool json = false;
};
int prove(const ProveArgs& args);

// Quantizes a model and commits to its weights once: writes the public commitment (what a
// verifier registers, model.zkq of every proof directory) and prints the model commitment.
struct CommitArgs {
  std::string model, calibration;
  double input_range = 1.0;
  std::string out;
  bool json = false;
};
int commit(const CommitArgs& args);

struct VerifyArgs {
  std::string dir;
  std::string roots_dir, policy_file, at;
  std::string model_commitment;  // expected model commitment, or empty
  bool json = false;
};
int verify(const VerifyArgs& args);

// Imports, calibrates (a JSON array of inputs in `calibration`, or the interval [-R, R]) and
// quantizes a model, checking that it can be proved.
StatusOr<model::QuantizedGraph> load_quantized(const std::string& model, const std::string& calibration,
                                               double input_range);

// Lists the model's nodes, and whether it can be proved; when it can, the model commitment the
// options give (what a verifier registers). Exits 0 only when every node is supported.
int inspect_model(const std::string& path, const std::string& calibration, double input_range, bool json);

// The real collectors for what this machine has, or the simulated platform when asked for.
StatusOr<service::Attesters> make_attesters(const AttestArgs& args);

// The cache directory when none is given: $XDG_CACHE_HOME/zkcc/collateral or ~/.cache/...
std::string default_cache_dir();

}  // namespace zkcc::cli

#endif  // ZKCC_APPS_PROVE_MODEL_CLI_H_
