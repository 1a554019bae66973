// What the subcommands of prove-model share: exit codes, error printing, and the commands that
// live in their own files.
#ifndef ZKCC_APPS_PROVE_MODEL_CLI_H_
#define ZKCC_APPS_PROVE_MODEL_CLI_H_

#include <string>
#include <vector>

#include "zkcc/base/status.h"

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
  bool json = false;
};

int verify_evidence(const EvidenceArgs& args);
int fetch_collateral(const EvidenceArgs& args);
// The cache directory when none is given: $XDG_CACHE_HOME/zkcc/collateral or ~/.cache/...
std::string default_cache_dir();

}  // namespace zkcc::cli

#endif  // ZKCC_APPS_PROVE_MODEL_CLI_H_
