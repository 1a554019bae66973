#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench_util.h"
#include "zkcc/field/felt252.h"
#include "zkcc/field/m31_vec.h"
#include "zkcc/field/qm31.h"

namespace {

using zkcc::Felt252;
using zkcc::field::M31;
using zkcc::field::QM31;

using zkcc::bench::random_felt;
using zkcc::bench::random_m31s;

void BM_Felt252Mul(benchmark::State& state) {
  std::mt19937_64 rng(1);
  Felt252 a = random_felt(rng), b = random_felt(rng);
  for (auto _ : state) {
    a = a * b;  // a dependent chain measures latency
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Felt252Mul);

void BM_Felt252Add(benchmark::State& state) {
  std::mt19937_64 rng(2);
  Felt252 a = random_felt(rng), b = random_felt(rng);
  for (auto _ : state) {
    a = a + b;
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Felt252Add);

void BM_Felt252Inverse(benchmark::State& state) {
  std::mt19937_64 rng(3);
  Felt252 a = random_felt(rng);
  for (auto _ : state) {
    a = a.inverse() + Felt252::one();
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Felt252Inverse);

// Throughput over a vector: elements per second is the figure of merit.
template <void (*kMul)(std::span<const M31>, std::span<const M31>, std::span<M31>)>
void BM_M31MulVec(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(4);
  std::vector<M31> a = random_m31s(rng, n), b = random_m31s(rng, n), out(n);
  for (auto _ : state) {
    kMul(a, b, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
void BM_M31MulVec(benchmark::State& state) {
  BM_M31MulVec<zkcc::field::m31_mul>(state);
  state.SetLabel(zkcc::field::m31_vec_uses_avx2() ? "avx2" : "portable");
}
BENCHMARK(BM_M31MulVec)->Arg(1 << 12)->Arg(1 << 20);
void BM_M31MulVecPortable(benchmark::State& state) { BM_M31MulVec<zkcc::field::portable::m31_mul>(state); }
BENCHMARK(BM_M31MulVecPortable)->Arg(1 << 12);

void BM_M31InnerProduct(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  std::mt19937_64 rng(5);
  std::vector<M31> a = random_m31s(rng, n), b = random_m31s(rng, n);
  for (auto _ : state) benchmark::DoNotOptimize(zkcc::field::m31_inner_product(a, b));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_M31InnerProduct)->Arg(1 << 12);

void BM_QM31Mul(benchmark::State& state) {
  size_t n = 4096;
  std::mt19937_64 rng(6);
  std::vector<QM31> a(n), b(n), out(n);
  for (size_t i = 0; i < n; ++i) {
    a[i] = QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()));
    b[i] = QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()));
  }
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_QM31Mul);

}  // namespace
