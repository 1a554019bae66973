#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench_util.h"
#include "zkcc/hash/poseidon.h"

namespace {

using zkcc::Felt252;
namespace hash = zkcc::hash;

using zkcc::bench::random_felt;

void BM_HadesPermutation(benchmark::State& state) {
  std::mt19937_64 rng(1);
  hash::PoseidonState s = {random_felt(rng), random_felt(rng), random_felt(rng)};
  for (auto _ : state) {
    hash::hades_permutation(s);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_HadesPermutation);

// The C++ path taken on CPUs without BMI2/ADX.
void BM_HadesPermutationPortable(benchmark::State& state) {
  std::mt19937_64 rng(1);
  hash::PoseidonState s = {random_felt(rng), random_felt(rng), random_felt(rng)};
  for (auto _ : state) {
    hash::hades_permutation_portable(s);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_HadesPermutationPortable);

void BM_PoseidonHash(benchmark::State& state) {
  std::mt19937_64 rng(2);
  Felt252 x = random_felt(rng), y = random_felt(rng);
  for (auto _ : state) {
    x = hash::poseidon_hash(x, y);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_PoseidonHash);

void BM_PoseidonHashMany(benchmark::State& state) {
  std::mt19937_64 rng(3);
  std::vector<Felt252> xs(static_cast<size_t>(state.range(0)));
  for (auto& x : xs) x = random_felt(rng);
  for (auto _ : state) benchmark::DoNotOptimize(hash::poseidon_hash_many(xs));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * xs.size()));
}
BENCHMARK(BM_PoseidonHashMany)->Arg(1000);

// 1,184 bytes is an SEV-SNP report; 5,006 bytes is the size of a GPU SPDM evidence blob.
void BM_ReportHashFelt(benchmark::State& state) {
  std::mt19937_64 rng(4);
  std::vector<uint8_t> bytes(static_cast<size_t>(state.range(0)));
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  for (auto _ : state) benchmark::DoNotOptimize(hash::report_hash_felt(bytes));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ReportHashFelt)->Arg(1184)->Arg(5006);

}  // namespace
