#include "circuit.h"

#include <algorithm>

#include "role.h"
#include "zkcc/proof/multilinear.h"

namespace zkcc::proof::gadgets {

Dims dims_of(const model::Shape& shape) {
  Dims d;
  d.cols = shape.empty() ? 1 : shape.back();
  d.rows = d.cols == 0 ? 0 : model::element_count(shape) / d.cols;
  d.prows = std::bit_ceil(d.rows);
  d.pcols = std::bit_ceil(d.cols);
  return d;
}

StatusOr<Table> make_table(int64_t lo, const std::vector<int64_t>& out) {
  if (out.empty()) return invalid_argument("empty table");
  const size_t n = std::bit_ceil(out.size());
  if (std::countr_zero(n) > static_cast<int>(kMaxTableVars)) {
    return invalid_argument("table of " + std::to_string(out.size()) + " rows is larger than 2^" +
                            std::to_string(kMaxTableVars));
  }
  Table t{lo, out.size(), Column(n), Column(n)};
  for (size_t j = 0; j < n; ++j) {
    const size_t k = std::min(j, out.size() - 1);
    t.in[j] = M31::from_i64(lo + static_cast<int64_t>(k));
    t.out[j] = M31::from_i64(out[k]);
  }
  return t;
}

const Table* table_of(const LayerPlan& lp) {
  if (const auto* p = std::get_if<RequantPlan>(&lp.gadget)) return &p->table;
  if (const auto* p = std::get_if<TableLookupPlan>(&lp.gadget)) return &p->table;
  if (const auto* p = std::get_if<RowDivPlan>(&lp.gadget)) return &p->table;
  return nullptr;
}

std::string at_layer(const QuantizedGraph& g, size_t l) {
  return "layer " + std::to_string(l) + " (" + model::layer_kind_name(g.layers[l].op) + " of node " + g.layers[l].node + ")";
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

M31 small_to_m31(int64_t x) {
  const int64_t p = M31::kModulus;
  return x > -p && x < p ? M31::from_canonical(static_cast<uint32_t>(x < 0 ? x + p : x)) : M31::from_i64(x);
}

Matrix pad_matrix(const IntTensor& t, const Dims& d) {
  Matrix m{d.prows, d.pcols, std::vector<M31>(d.size())};
  for (size_t r = 0; r < d.rows; ++r) {
    const int64_t* in = t.data.data() + r * d.cols;
    M31* out = m.data.data() + r * d.pcols;
    for (size_t c = 0; c < d.cols; ++c) out[c] = small_to_m31(in[c]);
  }
  return m;
}

StatusOr<Matrix> count_in_range(std::span<const M31> witness, int64_t lo, size_t rows, size_t table_size,
                                const char* what) {
  std::vector<uint32_t> counts(table_size);
  for (size_t i = 0; i < witness.size(); ++i) {
    const int64_t at = witness[i].to_signed() - lo;
    if (at < 0 || at >= static_cast<int64_t>(rows)) {
      return out_of_range(std::string(what) + ": value " + std::to_string(witness[i].to_signed()) + " at entry " +
                          std::to_string(i) + " is outside its table");
    }
    ++counts[static_cast<size_t>(at)];
  }
  Matrix m{1, table_size, std::vector<M31>(table_size)};
  for (size_t j = 0; j < table_size; ++j) m.data[j] = M31::from_u64(counts[j]);
  return m;
}

void apply_sparse(const Sparse& map, std::span<const Matrix* const> inputs, Matrix& y) {
  if (!map.constant.empty()) y.data = map.constant;
  for (const SparseTerm& t : map.terms) {
    const std::vector<M31>& x = inputs[t.input]->data;
    for (size_t k = 0; k < t.out.size(); ++k) y.data[t.out[k]] += t.coef[k] * x[t.in[k]];
  }
}

std::vector<QM31> concat(std::span<const QM31> a, std::span<const QM31> b) {
  std::vector<QM31> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}


QM31 prefix_mle(std::span<const QM31> point, size_t n) {
  std::vector<QM31> eq = eq_table(point);
  QM31 s = QM31::zero();
  for (size_t c = 0; c < n && c < eq.size(); ++c) s += eq[c];
  return s;
}

QM31 masked_eq(std::span<const QM31> a, std::span<const QM31> b, size_t n) {
  std::vector<QM31> ea = eq_table(a), eb = eq_table(b);
  QM31 s = QM31::zero();
  for (size_t x = 0; x < n && x < ea.size(); ++x) s += ea[x] * eb[x];
  return s;
}

QM31 dot(std::span<const QM31> a, std::span<const M31> b) {
  QM31 s = QM31::zero();
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

Status check_eval(std::span<const M31> table, std::span<const QM31> point, const QM31& value, const std::string& what) {
  if (table.size() != (size_t{1} << point.size())) return invalid_argument(what + ": the point does not fit");
  if (evaluate_mle(table, point) != value) return invalid_argument(what + " does not match the committed tensor");
  return ok_status();
}

}  // namespace zkcc::proof::gadgets
