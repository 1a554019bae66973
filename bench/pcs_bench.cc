// The polynomial commitment at PcsConfig::standard() on random tables of 2^16, 2^20 and 2^22 M31
// values (or the sizes given as arguments, as log2):
//   commit  encode (CM31 NTT at rate 1/4) and Merkle tree of layer 0
//   open    four claims (the whole table, a half, a quarter and a 2^10 block) in one opening
//   verify  the verifier, median of 9 runs
//   proof   the encoded proof's size
// Also prints the hashing and NTT rates that bound the commit time. Usage: pcs_bench [log ...]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "bench_util.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/pcs/rs_code.h"

namespace {

namespace proof = zkcc::proof;
using zkcc::field::M31;
using zkcc::field::QM31;

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

proof::Transcript fresh(const proof::Digest& root) {
  proof::Transcript t(zkcc::Felt252::from_u64(0x70637362656e6368));
  proof::mix_root(t, root);
  return t;
}

void run(size_t log_size) {
  std::mt19937_64 rng(log_size);
  std::vector<M31> table = zkcc::bench::random_m31s(rng, size_t{1} << log_size);
  proof::PcsConfig config = proof::PcsConfig::standard();

  std::vector<proof::PcsClaim> claims;
  for (size_t vars : {log_size, log_size - 1, log_size - 2, std::min<size_t>(10, log_size)}) {
    proof::PcsClaim c;
    c.offset = (size_t{1} << log_size) - (size_t{1} << vars);
    for (size_t i = 0; i < vars; ++i) {
      c.point.push_back(QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng())));
    }
    c.value = proof::evaluate_mle(std::span<const M31>(table).subspan(c.offset, size_t{1} << vars), c.point);
    claims.push_back(std::move(c));
  }

  auto t0 = Clock::now();
  auto data = proof::pcs_commit(config, table);
  double commit_ms = ms_since(t0);
  if (!data.ok()) {
    std::fprintf(stderr, "commit: %s\n", data.status().message().c_str());
    std::exit(1);
  }
  proof::Transcript pt = fresh(data->root());
  t0 = Clock::now();
  auto pf = proof::pcs_open(config, *data, claims, pt);
  double open_ms = ms_since(t0);
  if (!pf.ok()) {
    std::fprintf(stderr, "open: %s\n", pf.status().message().c_str());
    std::exit(1);
  }
  std::vector<double> verify_ms;
  for (int i = 0; i < 9; ++i) {
    proof::Transcript vt = fresh(data->root());
    t0 = Clock::now();
    zkcc::Status s = proof::pcs_verify(config, log_size, data->root(), claims, *pf, vt);
    verify_ms.push_back(ms_since(t0));
    if (!s.ok()) {
      std::fprintf(stderr, "verify: %s\n", s.message().c_str());
      std::exit(1);
    }
  }
  std::sort(verify_ms.begin(), verify_ms.end());
  size_t bytes = proof::encode_pcs_proof(*pf).size();
  std::printf("2^%-3zu %10.1f %10.1f %10.2f %10.1f %8.1f\n", log_size, commit_ms, open_ms, verify_ms[4], static_cast<double>(bytes) / 1024.0,
              config.security_bits(log_size));
}

void rates() {
  std::mt19937_64 rng(1);
  std::vector<uint32_t> words(size_t{1} << 24);
  for (auto& w : words) w = static_cast<uint32_t>(rng() % M31::kModulus);
  auto t0 = Clock::now();
  auto tree = proof::MerkleTree::commit(words, 32);
  double ms = ms_since(t0);
  std::printf("merkle: %zu leaves of 128 bytes in %.1f ms (%.0f MB/s)\n", words.size() / 32, ms,
              static_cast<double>(words.size()) * 4 / ms / 1e3);
  std::vector<M31> msg = zkcc::bench::random_m31s(rng, size_t{1} << 22);
  t0 = Clock::now();
  auto cw = proof::rs_encode(msg, 2);
  std::printf("rs_encode: 2^22 -> 2^24 CM31 in %.1f ms\n", ms_since(t0));
  (void)tree;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> logs;
  for (int i = 1; i < argc; ++i) logs.push_back(std::strtoul(argv[i], nullptr, 10));
  if (logs.empty()) logs = {16, 20, 22};
  rates();
  std::printf("%-5s %10s %10s %10s %10s %8s\n", "size", "commit ms", "open ms", "verify ms", "proof KiB", "bits");
  for (size_t log : logs) run(log);
  return 0;
}
