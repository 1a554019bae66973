// A minimal fork-join over index ranges for the prover's data-parallel loops.
#ifndef ZKCC_BASE_PARALLEL_H_
#define ZKCC_BASE_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace zkcc {

// Threads used by parallel_for: the hardware concurrency (at least 1), or ZKCC_THREADS if set.
size_t worker_count();

// Splits [0, n) into contiguous chunks and runs body(chunk_index, begin, end) on each, in
// parallel when n is at least min_parallel; returns when all have finished. The number of chunks
// is parallel_chunks(n, min_parallel).
void parallel_for(size_t n, size_t min_parallel, const std::function<void(size_t, size_t, size_t)>& body);
size_t parallel_chunks(size_t n, size_t min_parallel);

}  // namespace zkcc

#endif  // ZKCC_BASE_PARALLEL_H_
