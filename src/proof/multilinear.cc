#include "zkcc/proof/multilinear.h"

#include <bit>
#include <cassert>

namespace zkcc::proof {

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
  for (size_t i = 0; i < half; ++i) table[i] += r * (table[i + half] - table[i]);
  table.resize(half);
}

std::vector<QM31> fix_first_variable(std::span<const M31> table, const QM31& r) {
  size_t half = table.size() / 2;
  std::vector<QM31> out(half);
  for (size_t i = 0; i < half; ++i) out[i] = QM31::from_m31(table[i]) + r * (table[i + half] - table[i]);
  return out;
}

QM31 evaluate_mle(std::span<const QM31> table, std::span<const QM31> point) {
  assert(table.size() == (size_t{1} << point.size()));
  std::vector<QM31> t(table.begin(), table.end());
  for (const QM31& r : point) fix_first_variable(t, r);
  return t[0];
}

QM31 evaluate_mle(std::span<const M31> table, std::span<const QM31> point) {
  assert(table.size() == (size_t{1} << point.size()));
  if (point.empty()) return QM31::from_m31(table[0]);
  std::vector<QM31> t = fix_first_variable(table, point[0]);
  for (size_t i = 1; i < point.size(); ++i) fix_first_variable(t, point[i]);
  return t[0];
}

std::vector<QM31> lift(std::span<const M31> table) {
  std::vector<QM31> out(table.size());
  for (size_t i = 0; i < table.size(); ++i) out[i] = QM31::from_m31(table[i]);
  return out;
}

}  // namespace zkcc::proof
