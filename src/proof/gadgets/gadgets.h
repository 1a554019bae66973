// The gadgets of the graph proof, one file each. Per gadget:
//   plan_*     the public description, built from the graph (adds the gadget's slots and lookups)
//   *_witness  the prover's values for it (its output and the slots it added)
//   the protocol, `template <class R> Status gadget(R&, ...)` for both roles (role.h), which
//              reduces a claim on the output (or the gadget's own relation) to claims on its inputs
#ifndef ZKCC_SRC_PROOF_GADGETS_GADGETS_H_
#define ZKCC_SRC_PROOF_GADGETS_GADGETS_H_

#include <span>
#include <string>

#include "circuit.h"
#include "role.h"

namespace zkcc::proof::gadgets {

// range_check.cc: t in [0, 2^bits); wider than 16 bits as two limbs, each looked up.
Status add_range(Plan& p, RangePlan& r, size_t tensor, unsigned bits);
Status range_witness(const RangePlan& r, Witness& w);
template <typename R>
Status range_check(R& r, const RangePlan& rp, const std::string& what);

// range_check.cc: the input within its bound (InputRangePlan).
Status plan_input_range(int64_t bound, Plan& p);
Status input_range_witness(const InputRangePlan& ip, const Matrix& x, Witness& w);
template <typename R>
Status input_range(R& r, const InputRangePlan& ip);

// product.cc: Y = X W + b (Thaler's product sumcheck).
Status plan_matmul(const model::MatMulLayer& op, const Dims& x, const Dims& y, Plan& p, ModelData& md, MatMulPlan& mp);
void matmul_witness(const MatMulPlan& mp, const ModelData& md, const Dims& yd, const Matrix& x, Matrix& y);
template <typename R>
Status matmul(R& r, const LayerPlan& lp, const MatMulPlan& mp, std::span<const QM31> z, const Masked& v,
              const std::string& what);

// sparse_map.cc: y = map(inputs), a linear map with public coefficients (Gather, Reshape,
// MulConst, RowSum, RowSub), and y = x + c.
Status plan_sparse(const model::Layer& layer, std::span<const Dims* const> in, const Dims& y, Plan& p, ModelData& md,
                   GadgetPlan& out);
template <typename R>
Status sparse(R& r, const Sparse& map, std::span<const size_t> inputs, std::span<const QM31> z, const Masked& v,
              const std::string& what);
template <typename R>
Status pass(R& r, const LayerPlan& lp, const PassPlan& pp, std::vector<QM31> z, const Masked& v, const std::string& what);

// requant.cc: y = clamp(floor((x + h) / 2^s)).
Status plan_requant(const model::RequantLayer& op, int64_t in_bound, const Dims& y, size_t y_slot, size_t layer,
                    Plan& p, RequantPlan& rp);
Status requant_witness(const RequantPlan& rp, const Matrix& x, Matrix& y, Witness& w);
template <typename R>
Status requant(R& r, const LayerPlan& lp, const RequantPlan& rp, const std::string& what);

// table_lookup.cc: y = f(x) by a public table.
Status plan_table_lookup(const model::LookupLayer& op, size_t x_value, const Dims& y, size_t y_slot, size_t layer,
                         Plan& p, TableLookupPlan& tp);
Status table_lookup_witness(const TableLookupPlan& tp, const Matrix& x, Matrix& y, Witness& w);

// row_max.cc: y[r] = max of x's real row r.
Status plan_row_max(size_t x_value, int64_t x_bound, const Dims& x, const Dims& y, size_t y_slot, Plan& p,
                    RowMaxPlan& mp);
Status row_max_witness(const RowMaxPlan& mp, const Dims& xd, const Matrix& x, Matrix& y, Witness& w);
template <typename R>
Status row_max(R& r, const LayerPlan& lp, const RowMaxPlan& mp, const std::string& what);

// row_div.cc: y = floor((e k + floor(s / 2)) / s) per row.
Status plan_row_div(const QuantizedGraph& g, size_t l, const model::RowDivLayer& op, Plan& p, RowDivPlan& dp);
Status row_div_witness(const RowDivPlan& dp, const Dims& ed, const Matrix& e, const Matrix& s, Matrix& y, Witness& w);
template <typename R>
Status row_div(R& r, const LayerPlan& lp, const RowDivPlan& dp, const std::string& what);

// sum.cc: Add (y = sum c_j x_j, operands broadcast) and Concat layers: a SumPlan when every
// operand has y's shape, else a sparse map.
Status plan_combine(const QuantizedGraph& g, size_t l, const Plan& p, GadgetPlan& out);
void sum_witness(const SumPlan& sp, std::span<const Matrix* const> in, Matrix& y);
template <typename R>
Status linear_sum(R& r, const LayerPlan& lp, const SumPlan& sp, std::span<const QM31> z, const Masked& v,
                  const std::string& what);

// hadamard.cc: y = a * b elementwise.
Status plan_hadamard(const Dims& a, const Dims& b, const Dims& y);
void hadamard_witness(const Matrix& a, const Matrix& b, Matrix& y);
template <typename R>
Status hadamard(R& r, const LayerPlan& lp, std::span<const QM31> z, const Masked& v, const std::string& what);

// lookup.cc: every lookup of the proof in one LogUp over tagged columns.
template <typename R>
Status batched_lookup(R& r);
// The pool words its masked sumchecks take (sumcheck_mask.h).
size_t lookup_mask_words(const Plan& p);

}  // namespace zkcc::proof::gadgets

#endif  // ZKCC_SRC_PROOF_GADGETS_GADGETS_H_
