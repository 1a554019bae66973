// What the subcommands of prove-model share: exit codes, error printing, and the commands that
// live in their own files.
#ifndef ZKCC_APPS_PROVE_MODEL_CLI_H_
#define ZKCC_APPS_PROVE_MODEL_CLI_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/service/attesters.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/evidence.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::cli {

// The exit-code contract (README, "Exit codes"). Every failure that is not a verdict goes
// through fail(), and exit_code() is the only place a StatusCode becomes an exit code.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;     // a verification failed: the proof or the evidence is wrong
inline constexpr int kExitUsage = 2;        // bad flags, or an input that is missing, unreadable or malformed
inline constexpr int kExitEnvironment = 3;  // this machine lacks what was asked for (CC hardware, a device, access)

int exit_code(StatusCode code);

// How fail() reports besides the message on standard error: with --json, one JSON object on
// standard output, {"error", "exit_code"}, and for the verifying commands also "verified": false
// and "failed", so that a script reads the same fields whether verification ran or not.
enum class ErrorOutput { kText, kJson, kVerdictJson };
void set_error_output(ErrorOutput output);
// The JSON object of a failure, when set_error_output asked for one (fail() calls it; main calls
// it for the command-line parser's errors, whose message the parser prints itself).
void print_error_json(const std::string& message, int code);
// Prints the error and returns its exit code.
int fail(const Status& s);
// A usage error: message to standard error (and JSON when asked for), exit 2.
int usage_error(const std::string& message);

// A verdict as the verifying commands print it with --json: the verdict's own fields, plus
// "verified" and "failed" ("name: detail" of each failed check), the fields of the server's
// /api/v1/verify.
nlohmann::json verdict_json(const tee::Verdict& v);
// The exit code of a verdict: 0 when it holds, 1 otherwise.
int verdict_exit(const tee::Verdict& v);

struct EvidenceArgs {
  std::string file;
  std::string kind;  // "" = from the content
  std::vector<std::string> cert_files;
  std::string at;
  std::string nonce_hex;
  std::string collateral_file;
  std::string event_log_file;  // TDX: the CC event log to replay to the quote's RTMRs
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
// The certificates --roots names, to be trusted beside the vendor roots: a certificate file, a
// folder of them (*.pem bundles, *.der and *.crt files), or a simulated platform's folder, whose
// roots/ subfolder is taken.
StatusOr<std::vector<tee::Certificate>> load_roots(const std::string& path);
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
  std::string collateral_cache;   // auto, SEV-SNP: whose AMD CRL the bundle carries ("": none)
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
  std::string input_shape;   // "1,3,32,32"; empty: from the input JSON's nesting, else the model's
  std::string job_id, worker = "0x0", sage_amount = "0";
  std::string out;
  bool force = false;         // write into a non-empty --out
  bool public_input = false;  // write public_input.json and let the verifier check against it
  bool json = false;
};
int prove(const ProveArgs& args);

// Quantizes a model and commits to its weights once: writes the public commitment (what a
// verifier registers, model_commitment.bin of every proof directory) and prints the model commitment.
struct CommitArgs {
  std::string model, calibration;
  double input_range = 1.0;
  std::string input_shape;  // as for prove
  std::string out;
  bool json = false;
};
int commit(const CommitArgs& args);

struct VerifyArgs {
  std::string dir;
  std::string roots_dir, policy_file, at;
  std::string model_commitment;  // expected model commitment, or empty
  std::string require_level;     // zk-only, tee or full-cc; empty requires none beyond the policy's
  bool verbose = false;          // list every check, not only the failed ones
  bool json = false;
};
int verify(const VerifyArgs& args);

// Imports, calibrates (a JSON array of inputs in `calibration`, or the interval [-R, R]) and
// quantizes a model, checking that it can be proved.
// The importer's notes (a batch dimension set to 1, ...) go to `notes` when given.
StatusOr<model::QuantizedGraph> load_quantized(const std::string& model, const std::string& calibration,
                                               double input_range, const model::ImportOptions& import = {},
                                               std::vector<std::string>* notes = nullptr);

// --input-shape: comma-separated positive dimensions ("1,3,32,32").
StatusOr<model::Shape> parse_input_shape(const std::string& text);

// Lists the model's nodes, and whether it can be proved; when it can, the model commitment the
// options give (what a verifier registers). Lists every refusal, and exits 0 only when there is none.
int inspect_model(const std::string& path, const std::string& calibration, double input_range,
                  const std::string& input_shape, bool json);

// The operator table (docs/operators.md with --markdown).
int print_operators(bool markdown, bool json);

// The real collectors for what this machine has, or the simulated platform when asked for.
StatusOr<service::Attesters> make_attesters(const AttestArgs& args);
// What make_attesters is about to spend seconds on, for a person to be told: creating the
// simulated platform's keys on its first use; "" when it only loads them or uses no platform.
std::string first_run_note(const AttestArgs& args);

// Known answers this build must reproduce: Poseidon vectors, M31/QM31/Felt252 arithmetic, a small
// proof (accepted, and rejected once tampered with) and the compiled-in vendor certificates. Each
// check is printed by name; exits kExitRejected when one fails.
int self_check(bool json);

// The cache directory when none is given: $XDG_CACHE_HOME/zkcc/collateral or ~/.cache/...
std::string default_cache_dir();

}  // namespace zkcc::cli

#endif  // ZKCC_APPS_PROVE_MODEL_CLI_H_
