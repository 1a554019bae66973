// Multilinear polynomials by their evaluation tables over the boolean hypercube {0,1}^n.
//
// Convention: variable 0 is the most significant bit of the table index, so fixing variable 0 to r
// folds the two halves: t'[i] = t[i] + r (t[i + half] - t[i]). A point is listed in variable
// order (point[0] is variable 0). Tables over M31 (data: weights, activations) fold into tables
// over QM31 (after the first random challenge).
#ifndef ZKCC_PROOF_MULTILINEAR_H_
#define ZKCC_PROOF_MULTILINEAR_H_

#include <cstddef>
#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"

namespace zkcc::proof {

using field::M31;
using field::QM31;

// log2 of a power of two; fails for other sizes.
StatusOr<size_t> log2_exact(size_t n);

// eq(r, x) = prod_i (r_i x_i + (1 - r_i)(1 - x_i)) for every x, in table order.
std::vector<QM31> eq_table(std::span<const QM31> r);
// eq(a, b) for two points of the same length.
QM31 eq_eval(std::span<const QM31> a, std::span<const QM31> b);
// eq(point, the bits of index): selects the block `index` of a table of 2^point.size() blocks
// (stacked tensors at aligned offsets).
QM31 eq_index(std::span<const QM31> point, size_t index);
// The extension of i -> i (an integer below 2^point.size()) at a point.
QM31 index_mle(std::span<const QM31> point);

// Fixes variable 0 to r, halving the table.
void fix_first_variable(std::vector<QM31>& table, const QM31& r);
std::vector<QM31> fix_first_variable(std::span<const M31> table, const QM31& r);

// Views the table as rows of 2^lo.size() entries and evaluates each row's extension at lo:
// out[i] = sum_j eq(lo, j) table[i][j], with vectorised M31 inner products per QM31 coordinate.
std::vector<QM31> fold_trailing(std::span<const M31> table, std::span<const QM31> lo);

// The multilinear extension at a point with one coordinate per variable.
QM31 evaluate_mle(std::span<const QM31> table, std::span<const QM31> point);
QM31 evaluate_mle(std::span<const M31> table, std::span<const QM31> point);

// Lifts an M31 table to QM31.
std::vector<QM31> lift(std::span<const M31> table);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_MULTILINEAR_H_
