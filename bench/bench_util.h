// Deterministic random inputs shared by the benchmark suites.
#ifndef ZKCC_BENCH_BENCH_UTIL_H_
#define ZKCC_BENCH_BENCH_UTIL_H_

#include <random>
#include <vector>

#include "zkcc/field/felt252.h"
#include "zkcc/field/m31.h"

namespace zkcc::bench {

inline Felt252 random_felt(std::mt19937_64& rng) { return Felt252::reduce({rng(), rng(), rng(), rng()}); }

inline std::vector<field::M31> random_m31s(std::mt19937_64& rng, size_t n) {
  std::vector<field::M31> v(n);
  for (auto& x : v) x = field::M31::from_u64(rng());
  return v;
}

}  // namespace zkcc::bench

#endif  // ZKCC_BENCH_BENCH_UTIL_H_
