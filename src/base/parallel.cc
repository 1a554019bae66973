#include "zkcc/base/parallel.h"

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace zkcc {

size_t worker_count() {
  static const size_t n = [] {
    if (const char* env = std::getenv("ZKCC_THREADS")) {
      char* end = nullptr;
      unsigned long v = std::strtoul(env, &end, 10);
      if (end != env && *end == '\0' && v >= 1 && v <= 1024) return static_cast<size_t>(v);
    }
    unsigned hw = std::thread::hardware_concurrency();
    return static_cast<size_t>(hw == 0 ? 1 : hw);
  }();
  return n;
}

size_t parallel_chunks(size_t n, size_t min_parallel) {
  if (n < min_parallel || n < 2) return 1;
  size_t w = worker_count();
  return w < n ? w : n;
}

void parallel_for(size_t n, size_t min_parallel, const std::function<void(size_t, size_t, size_t)>& body) {
  size_t chunks = parallel_chunks(n, min_parallel);
  if (chunks <= 1) {
    body(0, 0, n);
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(chunks - 1);
  size_t per = (n + chunks - 1) / chunks;
  for (size_t c = 1; c < chunks; ++c) {
    size_t begin = c * per, end = begin + per < n ? begin + per : n;
    threads.emplace_back([&body, c, begin, end] { body(c, begin, end); });
  }
  body(0, 0, per < n ? per : n);
  for (auto& t : threads) t.join();
}

}  // namespace zkcc
