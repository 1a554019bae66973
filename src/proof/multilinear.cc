#include "zkcc/proof/multilinear.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>

#include "zkcc/base/parallel.h"
#include "zkcc/field/m31_vec.h"

namespace zkcc::proof {
namespace {
// Below this many entries, threads cost more than they save.
constexpr size_t kParallelThreshold = 1 << 14;
}  // namespace

StatusOr<size_t> log2_exact(size_t n) {
  if (n == 0 || !std::has_single_bit(n)) {
    return invalid_argument("table size " + std::to_string(n) + " is not a power of two");
  }
  return static_cast<size_t>(std::countr_zero(n));
}

std::vector<QM31> eq_table(std::span<const QM31> r) {
  // Built variable by variable: each step splits every entry e into (e (1 - r_i), e r_i), so the
  // earliest variable ends up most significant.
  std::vector<QM31> t(size_t{1} << r.size());
  t[0] = QM31::one();
  size_t len = 1;
  for (const QM31& ri : r) {
    for (size_t j = len; j-- > 0;) {
      QM31 hi = t[j] * ri;
      t[2 * j] = t[j] - hi;
      t[2 * j + 1] = hi;
    }
    len *= 2;
  }
  return t;
}

QM31 eq_eval(std::span<const QM31> a, std::span<const QM31> b) {
  assert(a.size() == b.size());
  QM31 acc = QM31::one();
  for (size_t i = 0; i < a.size(); ++i) {
    // a b + (1 - a)(1 - b) = 1 - a - b + 2ab
    QM31 ab = a[i] * b[i];
    acc *= QM31::one() - a[i] - b[i] + ab + ab;
  }
  return acc;
}

void fix_first_variable(std::vector<QM31>& table, const QM31& r) {
  size_t half = table.size() / 2;
  parallel_for(half, kParallelThreshold, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) table[i] += r * (table[i + half] - table[i]);
  });
  table.resize(half);
}

std::vector<QM31> fix_first_variable(std::span<const M31> table, const QM31& r) {
  size_t half = table.size() / 2;
  std::vector<QM31> out(half);
  parallel_for(half, kParallelThreshold, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = QM31::from_m31(table[i]) + r * (table[i + half] - table[i]);
  });
  return out;
}

QM31 evaluate_mle(std::span<const QM31> table, std::span<const QM31> point) {
  assert(table.size() == (size_t{1} << point.size()));
  std::vector<QM31> t(table.begin(), table.end());
  for (const QM31& r : point) fix_first_variable(t, r);
  return t[0];
}

std::vector<QM31> fold_trailing(std::span<const M31> table, std::span<const QM31> lo) {
  std::vector<QM31> eq = eq_table(lo);
  size_t cols = eq.size();
  assert(table.size() % cols == 0);
  std::array<std::vector<M31>, 4> planes;
  for (auto& p : planes) p.resize(cols);
  for (size_t j = 0; j < cols; ++j) {
    auto m = eq[j].to_m31s();
    for (int k = 0; k < 4; ++k) planes[k][j] = m[k];
  }
  std::vector<QM31> rows(table.size() / cols);
  // Threads split the rows; each row is cols entries, so small tables stay on one thread.
  size_t min_rows = std::max<size_t>(2, kParallelThreshold / cols);
  parallel_for(rows.size(), min_rows, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      auto row = table.subspan(i * cols, cols);
      rows[i] = QM31::from_m31s(field::m31_inner_product(row, planes[0]), field::m31_inner_product(row, planes[1]),
                                field::m31_inner_product(row, planes[2]), field::m31_inner_product(row, planes[3]));
    }
  });
  return rows;
}

QM31 evaluate_mle(std::span<const M31> table, std::span<const QM31> point) {
  assert(table.size() == (size_t{1} << point.size()));
  // Half the variables go through fold_trailing's vectorised M31 inner products; only the short
  // outer fold needs QM31 products.
  size_t lo_vars = (point.size() + 1) / 2;
  std::vector<QM31> rows = fold_trailing(table, point.last(lo_vars));
  return evaluate_mle(std::span<const QM31>(rows), point.first(point.size() - lo_vars));
}

std::vector<QM31> lift(std::span<const M31> table) {
  std::vector<QM31> out(table.size());
  for (size_t i = 0; i < table.size(); ++i) out[i] = QM31::from_m31(table[i]);
  return out;
}

QM31 eq_index(std::span<const QM31> point, size_t index) {
  QM31 e = QM31::one();
  for (size_t j = 0; j < point.size(); ++j) {
    const bool bit = (index >> (point.size() - 1 - j)) & 1;
    e *= bit ? point[j] : QM31::one() - point[j];
  }
  return e;
}

QM31 index_mle(std::span<const QM31> point) {
  QM31 v = QM31::zero();
  for (const QM31& x : point) v = v + v + x;
  return v;
}

}  // namespace zkcc::proof
