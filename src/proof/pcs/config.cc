#include "zkcc/proof/pcs/config.h"

#include <cmath>
#include <string>

namespace zkcc::proof {
namespace {
// log2 |QM31| = 4 log2(2^31 - 1).
const double kLog2Field = 4 * std::log2(2147483647.0);
}  // namespace

double PcsConfig::security_bits(size_t log_size) const {
  // Every field appears once below: a new field must be analysed before this compiles cleanly.
  const auto& [blowup, arity, queries, qpow, fpow, final_size, hide] = *this;
  (void)arity;  // the proven bound treats an arity-2^k fold as k binary folds on virtual words
  // A hiding commitment is a plain one of twice the size, and its claims are one random linear
  // combination of the data's and the mask's (1 / |F|, below the batching term counted here).
  double n = static_cast<double>(log_size) + (hide ? 1 : 0);
  double rounds = log_size > final_size ? n - final_size : 0.0;
  double log_domain = n + blowup;
  // Batching the claims with powers of alpha: (claims - 1) / |F|.
  double batch = std::exp2(std::log2(double(kMaxPcsClaims)) - kLog2Field);
  // One degree-2 sumcheck round per fold: 2 / |F| each.
  double sumcheck = rounds * std::exp2(1.0 - kLog2Field);
  // Fold i acts on a word over a domain of 2^(log_domain - i) points; unique-decoding proximity
  // gaps bound its error by that size over |F|, divided by the fold grinding. Summed: < 2 |D| / |F|.
  double fold = 0;
  for (double i = 0; i < rounds; ++i) fold += std::exp2(log_domain - i - kLog2Field - fpow);
  // Queries within the unique decoding radius delta = (1 - rho) / 2, after grinding.
  double rho = std::exp2(-double(blowup));
  double delta = (1 - rho) / 2;
  double query = std::exp2(queries * std::log2(1 - delta) - qpow);
  return -std::log2(batch + sumcheck + fold + query);
}

Status PcsConfig::validate() const {
  if (log_blowup < 1 || log_blowup > 4) {
    return invalid_argument("pcs log_blowup " + std::to_string(log_blowup) + " is outside 1..4 (rate 1 is not a code)");
  }
  if (fold_arity_log < 1 || fold_arity_log > 6) {
    return invalid_argument("pcs fold_arity_log " + std::to_string(fold_arity_log) + " is outside 1..6");
  }
  if (num_queries < 1 || num_queries > 1024) {
    return invalid_argument("pcs num_queries " + std::to_string(num_queries) + " is outside 1..1024");
  }
  if (query_pow_bits > 32 || fold_pow_bits > 32) return invalid_argument("pcs grinding above 32 bits");
  if (log_final_size > 16) return invalid_argument("pcs log_final_size " + std::to_string(log_final_size) + " is above 16");
  return ok_status();
}

PcsConfig PcsConfig::standard() { return PcsConfig{}; }

PcsConfig PcsConfig::compact() {
  return PcsConfig{.log_blowup = 3, .fold_arity_log = 4, .num_queries = 107, .query_pow_bits = 16, .fold_pow_bits = 10,
                   .log_final_size = 8};
}

PcsConfig PcsConfig::for_tests() {
  return PcsConfig{.log_blowup = 1, .fold_arity_log = 2, .num_queries = 12, .query_pow_bits = 2, .fold_pow_bits = 1,
                   .log_final_size = 2};
}

}  // namespace zkcc::proof
