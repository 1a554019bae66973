// The polynomial commitment at PcsConfig::standard() on random tables of 2^16, 2^20 and 2^22 M31
// values (or the sizes given as arguments, as log2):
//   commit  encode (CM31 NTT at rate 1/4) and Merkle tree of layer 0
//   open    four claims (the whole table, a half, a quarter and a 2^10 block) in one opening
//   verify  the verifier, median of 9 runs
//   proof   the encoded proof's size
// Also prints the hashing and NTT rates that bound the commit time. Usage: pcs_bench [log ...]
// `pcs_bench range [log ...]` (default 22) instead proves the ranges of a committed table of
// 2^log entries filled like a model's parameters: 8-bit tensors of 1/2, 1/4 and 1/8 of the table,
// then 4-, 20-, 12- and 16-bit tensors of 1/16, 1/32, 1/64 and 1/64.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/pcs/rs_code.h"
#include "zkcc/proof/table_range.h"

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

void or_die(const zkcc::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.message().c_str());
  std::exit(1);
}

// A table of 2^log_size entries of tensors in range, with the range proof's region beside them.
void range(size_t log_size) {
  const std::pair<size_t, unsigned> tensors[] = {{1, 8}, {2, 8}, {3, 8}, {4, 4}, {5, 20}, {6, 12}, {6, 16}};
  proof::PcsConfig config = proof::PcsConfig::standard();
  std::vector<size_t> sizes;
  std::vector<proof::RangeSegment> segments;
  for (auto [shift, bits] : tensors) {
    sizes.push_back(size_t{1} << (log_size - shift));
    segments.push_back({0, sizes.back(), bits});
  }
  auto region = proof::range_region_size(config, segments);
  or_die(region.status(), "range region");
  sizes.push_back(*region);
  auto layout = proof::pcs_stack_layout(sizes);
  std::mt19937_64 rng(log_size);
  std::vector<M31> table(size_t{1} << layout->log_size);
  for (size_t k = 0; k < segments.size(); ++k) {
    const unsigned bits = tensors[k].second;
    segments[k].offset = layout->offsets[k];
    const int64_t half = int64_t{1} << (bits - 1);
    for (size_t i = 0; i < sizes[k]; ++i) {
      table[layout->offsets[k] + i] = M31::from_i64(static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * half)) - half);
    }
  }
  const size_t region_offset = layout->offsets[segments.size()];
  or_die(proof::fill_range_region(config, table, region_offset, segments), "range region");
  auto t0 = Clock::now();
  auto data = proof::pcs_commit(config, table);
  double commit_ms = ms_since(t0);
  or_die(data.status(), "commit");
  proof::Transcript pt = fresh(data->root());
  t0 = Clock::now();
  auto pf = proof::prove_table_range(config, *data, segments, region_offset, pt);
  double prove_ms = ms_since(t0);
  or_die(pf.status(), "range prove");
  proof::Transcript vt = fresh(data->root());
  t0 = Clock::now();
  zkcc::Status s = proof::verify_table_range(config, layout->log_size, data->root(), segments, region_offset, *pf, vt);
  double verify_ms = ms_since(t0);
  or_die(s, "range verify");
  size_t bytes = proof::encode_table_range_proof(*pf).size();
  std::printf("2^%-3zu %10.1f %10.1f %10.2f %10.1f\n", log_size, commit_ms, prove_ms, verify_ms,
              static_cast<double>(bytes) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> logs;
  const bool ranges = argc > 1 && std::string(argv[1]) == "range";
  for (int i = ranges ? 2 : 1; i < argc; ++i) logs.push_back(std::strtoul(argv[i], nullptr, 10));
  if (ranges) {
    if (logs.empty()) logs = {22};
    std::printf("%-5s %10s %10s %10s %10s\n", "size", "commit ms", "range ms", "verify ms", "proof KiB");
    for (size_t log : logs) range(log);
    return 0;
  }
  if (logs.empty()) logs = {16, 20, 22};
  rates();
  std::printf("%-5s %10s %10s %10s %10s %8s\n", "size", "commit ms", "open ms", "verify ms", "proof KiB", "bits");
  for (size_t log : logs) run(log);
  return 0;
}
