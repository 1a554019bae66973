// Matrix-product proof against the plain product it proves, in one run, for n = 256 .. 2048:
//   baseline  int8 x int8 -> int32 product of two n x n matrices (AVX2 madd kernel, 4 x 16 blocks)
//   prove     the claim C~(r, c) from C, then the proof (row/column folds and the sumcheck)
//   verify    the sumcheck replay and the final product check (the protocol verifier)
//   evals     checking the two claims it leaves against A and B held in the clear
// Prints a table; peak RSS is reported at the end. Usage: matmul_bench [max_n]
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "zkcc/proof/matmul.h"
#include "zkcc/proof/multilinear.h"

namespace {

using zkcc::field::M31;
using zkcc::field::QM31;
namespace proof = zkcc::proof;

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Portable reference: C[i][j] = sum_k A[i][k] B[k][j].
void matmul_portable(const int8_t* a, const int8_t* b, int32_t* c, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    int32_t* row = c + i * n;
    for (size_t j = 0; j < n; ++j) row[j] = 0;
    for (size_t k = 0; k < n; ++k) {
      int32_t av = a[i * n + k];
      const int8_t* brow = b + k * n;
      for (size_t j = 0; j < n; ++j) row[j] += av * brow[j];
    }
  }
}

#if defined(__x86_64__)
// AVX2: B packed as int16 pairs (B[2p][j], B[2p+1][j]) so one vpmaddwd does 16 multiply-adds,
// laid out strip by strip (16 columns, all k) so the inner loop streams contiguous memory;
// 4 rows x 16 columns of C stay in registers across the whole k loop. n must be a multiple of 16.
__attribute__((target("avx2"))) void matmul_avx2(const int8_t* a, const int8_t* b, int32_t* c, size_t n,
                                                std::vector<int16_t>& bp, std::vector<int32_t>& ap) {
  size_t pairs = n / 2;
  bp.resize(pairs * n * 2);
  for (size_t p = 0; p < pairs; ++p) {
    for (size_t j = 0; j < n; ++j) {
      size_t at = ((j / 16) * pairs + p) * 32 + (j % 16) * 2;
      bp[at] = b[(2 * p) * n + j];
      bp[at + 1] = b[(2 * p + 1) * n + j];
    }
  }
  ap.resize(n * pairs);
  for (size_t i = 0; i < n; ++i) {
    for (size_t p = 0; p < pairs; ++p) {
      auto lo = static_cast<uint16_t>(static_cast<int16_t>(a[i * n + 2 * p]));
      auto hi = static_cast<uint16_t>(static_cast<int16_t>(a[i * n + 2 * p + 1]));
      ap[i * pairs + p] = static_cast<int32_t>(static_cast<uint32_t>(lo) | (static_cast<uint32_t>(hi) << 16));
    }
  }
  for (size_t i = 0; i < n; i += 4) {
    for (size_t j = 0; j < n; j += 16) {
      __m256i acc[4][2];
      for (auto& r : acc) r[0] = r[1] = _mm256_setzero_si256();
      for (size_t p = 0; p < pairs; ++p) {
        const int16_t* bb = bp.data() + ((j / 16) * pairs + p) * 32;
        __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bb));
        __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bb + 16));
        for (int r = 0; r < 4; ++r) {
          __m256i av = _mm256_set1_epi32(ap[(i + r) * pairs + p]);
          acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, b0));
          acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, b1));
        }
      }
      for (int r = 0; r < 4; ++r) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + (i + r) * n + j), acc[r][0]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + (i + r) * n + j + 8), acc[r][1]);
      }
    }
  }
}
#endif

struct Row {
  size_t n;
  double baseline_ms, prove_ms, verify_ms, evals_ms;
  size_t proof_bytes;
  bool ok;
};

template <typename F>
double best_of(int reps, F f) {
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    auto t = Clock::now();
    f();
    best = std::min(best, ms_since(t));
  }
  return best;
}

Row run(size_t n, std::mt19937_64& rng) {
  std::vector<int8_t> a(n * n), b(n * n);
  for (auto& v : a) v = static_cast<int8_t>(rng());
  for (auto& v : b) v = static_cast<int8_t>(rng());
  std::vector<int32_t> c(n * n), check(n * n);
  std::vector<int16_t> bp;
  std::vector<int32_t> ap;
  int reps = n <= 512 ? 5 : 2;
  Row row{n, 0, 0, 0, 0, 0, false};
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) {
    row.baseline_ms = best_of(reps, [&] { matmul_avx2(a.data(), b.data(), c.data(), n, bp, ap); });
  } else
#endif
  {
    row.baseline_ms = best_of(reps, [&] { matmul_portable(a.data(), b.data(), c.data(), n); });
  }
  if (n <= 512) {  // cross-check the fast kernel against the plain loop
    matmul_portable(a.data(), b.data(), check.data(), n);
    if (check != c) {
      std::fprintf(stderr, "baseline kernel disagrees with the reference at n = %zu\n", n);
      std::exit(1);
    }
  }

  auto to_m31 = [](const auto& v) {
    std::vector<M31> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = M31::from_i64(v[i]);
    return out;
  };
  proof::Matrix am = *proof::make_matrix(n, n, to_m31(a));
  proof::Matrix bm = *proof::make_matrix(n, n, to_m31(b));
  std::vector<M31> cm = to_m31(c);
  size_t vars = *proof::log2_exact(n);
  auto tag = *zkcc::Felt252::from_short_string("zkcc-matmul-bench");

  proof::MatmulProof pf;
  row.prove_ms = best_of(reps, [&] {
    proof::Transcript t(tag);
    auto r = t.draw_qm31s(vars);
    auto col = t.draw_qm31s(vars);
    std::vector<QM31> point = r;
    point.insert(point.end(), col.begin(), col.end());
    QM31 value = proof::evaluate_mle(cm, point);
    pf = proof::matmul_prove(am, bm, r, col, value, t)->proof;
  });
  row.proof_bytes = 16 * (2 + 2 * pf.sumcheck.rounds.size());  // QM31 = 16 bytes

  proof::MatmulReduced reduced;
  proof::Transcript tv(tag);
  auto r = tv.draw_qm31s(vars);
  auto col = tv.draw_qm31s(vars);
  std::vector<QM31> point = r;
  point.insert(point.end(), col.begin(), col.end());
  QM31 value = proof::evaluate_mle(cm, point);
  row.verify_ms = best_of(reps, [&] {
    proof::Transcript t = tv;
    reduced = *proof::matmul_verify(n, r, col, value, pf, t);
  });
  bool evals_ok = false;
  row.evals_ms = best_of(reps, [&] {
    evals_ok = proof::evaluate_mle(am.data, reduced.a.point) == reduced.a.value &&
               proof::evaluate_mle(bm.data, reduced.b.point) == reduced.b.value;
  });
  row.ok = evals_ok;
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  size_t max_n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2048;
  std::mt19937_64 rng(2024);
  std::printf("%6s %13s %10s %12s %11s %13s %12s %s\n", "n", "baseline ms", "prove ms", "prove/base", "verify ms",
              "A,B evals ms", "proof bytes", "verified");
  for (size_t n = 256; n <= max_n; n *= 2) {
    Row r = run(n, rng);
    std::printf("%6zu %13.2f %10.2f %12.3f %11.3f %13.2f %12zu %s\n", r.n, r.baseline_ms, r.prove_ms,
                r.prove_ms / r.baseline_ms, r.verify_ms, r.evals_ms, r.proof_bytes, r.ok ? "yes" : "NO");
    if (!r.ok) return 1;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS: %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
