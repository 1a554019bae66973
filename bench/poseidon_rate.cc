// Reads pairs of felts (one "x y" pair per line, 0x hex), hashes each pair with poseidon_hash for
// at least the given number of seconds, and prints JSON: the rate and a digest of the outputs
// (poseidon_hash_many of all results) so the caller can check both implementations agree.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "zkcc/hash/poseidon.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: poseidon_rate PAIRS_FILE MIN_SECONDS\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::vector<zkcc::Felt252> xs, ys;
  std::string a, b;
  while (in >> a >> b) {
    auto x = zkcc::Felt252::from_hex(a);
    auto y = zkcc::Felt252::from_hex(b);
    if (!x.ok() || !y.ok()) {
      std::cerr << "bad input line: " << a << " " << b << "\n";
      return 1;
    }
    xs.push_back(*x);
    ys.push_back(*y);
  }
  if (xs.empty()) {
    std::cerr << "no input pairs\n";
    return 1;
  }
  double min_seconds = std::stod(argv[2]);
  std::vector<zkcc::Felt252> out(xs.size());
  using clock = std::chrono::steady_clock;
  uint64_t hashes = 0;
  auto start = clock::now();
  double elapsed = 0;
  do {
    for (size_t i = 0; i < xs.size(); ++i) out[i] = zkcc::hash::poseidon_hash(xs[i], ys[i]);
    hashes += xs.size();
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < min_seconds);
  std::printf("{\"impl\":\"zkcc\",\"hashes\":%llu,\"seconds\":%.6f,\"per_second\":%.1f,\"digest\":\"%s\"}\n",
              static_cast<unsigned long long>(hashes), elapsed, static_cast<double>(hashes) / elapsed,
              zkcc::hash::poseidon_hash_many(out).to_hex().c_str());
  return 0;
}
