// LogUp throughput: 2^20 lookups into a 2^16 table (a 16-bit range check), in one run:
// multiplicities, proof, verification, and the column checks left to the caller.
// Usage: logup_bench [log2_lookups] [log2_table]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "zkcc/proof/logup.h"

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

int main(int argc, char** argv) {
  using namespace zkcc::proof;
  size_t log_n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20;
  size_t log_t = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 16;
  size_t n = size_t{1} << log_n, tsize = size_t{1} << log_t;
  std::mt19937_64 rng(7);
  std::vector<Column> table = {Column(tsize)}, witness = {Column(n)};
  for (size_t j = 0; j < tsize; ++j) table[0][j] = M31::from_u64(j);
  for (auto& v : witness[0]) v = M31::from_u64(rng() % tsize);
  auto tag = *zkcc::Felt252::from_short_string("zkcc-logup-bench");

  auto t0 = Clock::now();
  Column m = *logup_multiplicities(witness, table);
  double mult_ms = ms_since(t0);
  Transcript tp(tag);
  t0 = Clock::now();
  LogupProof proof = logup_prove(witness, table, m, tp)->proof;
  double prove_ms = ms_since(t0);
  Transcript tv(tag);
  t0 = Clock::now();
  auto claims = logup_verify(log_n, log_t, 1, proof, tv);
  double verify_ms = ms_since(t0);
  if (!claims.ok()) {
    std::fprintf(stderr, "verification failed: %s\n", claims.status().to_string().c_str());
    return 1;
  }
  t0 = Clock::now();
  bool ok = evaluate_mle(witness[0], claims->witness_point) == claims->witness_evals[0] &&
            evaluate_mle(table[0], claims->table_point) == claims->table_evals[0] &&
            evaluate_mle(m, claims->table_point) == claims->multiplicity_eval;
  double evals_ms = ms_since(t0);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("lookups 2^%zu into a table of 2^%zu\n", log_n, log_t);
  std::printf("%-28s %10.1f ms\n", "multiplicities", mult_ms);
  std::printf("%-28s %10.1f ms  (%.2f M lookups/s)\n", "prove", prove_ms, static_cast<double>(n) / prove_ms / 1e3);
  std::printf("%-28s %10.2f ms\n", "verify (protocol)", verify_ms);
  std::printf("%-28s %10.1f ms  %s\n", "column checks (in the clear)", evals_ms, ok ? "ok" : "FAILED");
  std::printf("peak RSS %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return ok ? 0 : 1;
}
