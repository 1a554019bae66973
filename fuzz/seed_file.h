// Fuzz targets whose natural seed is an honest proof write it to the file named by an
// environment variable at start-up, so a corpus can start from it.
#ifndef ZKCC_FUZZ_SEED_FILE_H_
#define ZKCC_FUZZ_SEED_FILE_H_

#include <cstdio>
#include <cstdlib>

#include "zkcc/base/bytes.h"

inline void write_seed_if_requested(const char* env, const zkcc::Bytes& seed) {
  const char* path = std::getenv(env);
  if (path == nullptr) return;
  std::FILE* out = std::fopen(path, "wb");
  if (out == nullptr || std::fwrite(seed.data(), 1, seed.size(), out) != seed.size()) __builtin_trap();
  std::fclose(out);
}

#endif  // ZKCC_FUZZ_SEED_FILE_H_
