// Every lookup of the proof as one LogUp over three columns (lookup number, two values): the
// witnesses side by side, each at an offset aligned to its (power-of-two) size, and the tables
// likewise; the rows left over on the witness side are (0, 0, 0), a row the table holds once with
// that many uses. One fraction-sum GKR per side instead of two per lookup: the transcript work
// falls with the number of lookups. The LogUp leaves a claim on each combined column; the prover
// states each piece's committed columns at the piece's part of the point, the verifier computes
// the public ones (tags, tables, row numbers) and checks that the pieces add up, and the stated
// values become claims on the committed tensors.
#include "gadgets.h"

#include <algorithm>

namespace zkcc::proof::gadgets {
namespace {

struct Piece {
  size_t lookup;  // index into plan.lookups, or SIZE_MAX for the (0, 0, 0) row
  size_t offset, rows;
};

// Pieces sorted by size, largest first, so each offset is a multiple of its size.
std::vector<Piece> layout(const std::vector<LookupPlan>& lookups, bool witness_side, size_t extra_rows,
                          size_t& total) {
  std::vector<Piece> pieces;
  for (size_t i = 0; i < lookups.size(); ++i) {
    pieces.push_back({i, 0, witness_side ? lookups[i].witness_rows : lookups[i].table_rows});
  }
  if (extra_rows > 0) pieces.push_back({SIZE_MAX, 0, extra_rows});
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.rows > b.rows; });
  size_t at = 0;
  for (Piece& p : pieces) {
    p.offset = at;
    at += p.rows;
  }
  total = std::bit_ceil(std::max<size_t>(at, 2));
  return pieces;
}

// Both sides' pieces; the witness side's spare rows are (0, 0, 0), one table row with that count.
struct Sides {
  std::vector<Piece> w_pieces, t_pieces;
  size_t w_total = 0, t_total = 0, spare = 0;
};
Sides sides(const std::vector<LookupPlan>& lookups) {
  Sides s;
  size_t used = 0;
  for (const LookupPlan& lu : lookups) used += lu.witness_rows;
  s.w_pieces = layout(lookups, true, 0, s.w_total);
  s.spare = s.w_total - used;
  s.t_pieces = layout(lookups, false, s.spare > 0 ? 1 : 0, s.t_total);
  return s;
}


bool committed(const ColumnRef& c) { return c.kind == ColumnRef::Kind::kSlot || c.kind == ColumnRef::Kind::kValue; }

// Writes a piece's column into its place in the combined column (already zero).
void write_column(const Prover& r, const ColumnRef& c, std::span<M31> out) {
  auto copy = [&](const std::vector<M31>& v) { std::copy(v.begin(), v.end(), out.begin()); };
  switch (c.kind) {
    case ColumnRef::Kind::kZero:
      return;
    case ColumnRef::Kind::kSlot:
      return copy(r.slots[c.index]->data);
    case ColumnRef::Kind::kValue:
      return copy(r.w.values[c.index].data);
    case ColumnRef::Kind::kIota:
      for (size_t i = 0; i < out.size(); ++i) out[i] = M31::from_u64(i);
      return;
    case ColumnRef::Kind::kRowTag: {
      const Dims& xd = r.plan.dims[c.index];
      std::fill(out.begin(), out.end(), -M31::one());
      for (size_t row = 0; row < xd.prows; ++row) {
        std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(row * xd.pcols), xd.cols, M31::from_u64(row));
      }
      return;
    }
    case ColumnRef::Kind::kTableIn:
      return copy(table_of(r.plan.layers[c.index])->in);
    case ColumnRef::Kind::kTableOut:
      return copy(table_of(r.plan.layers[c.index])->out);
  }
}

// The extension of a public column at `point` (its own variables).
QM31 public_column_at(const Plan& plan, const ColumnRef& c, std::span<const QM31> point) {
  switch (c.kind) {
    case ColumnRef::Kind::kIota:
      return index_mle(point);
    case ColumnRef::Kind::kRowTag: {
      const Dims& xd = plan.dims[c.index];
      const QM31 mask = prefix_mle(point.subspan(xd.row_vars()), xd.cols);
      return mask * index_mle(point.first(xd.row_vars())) - (QM31::one() - mask);
    }
    case ColumnRef::Kind::kTableIn:
      return evaluate_mle(table_of(plan.layers[c.index])->in, point);
    case ColumnRef::Kind::kTableOut:
      return evaluate_mle(table_of(plan.layers[c.index])->out, point);
    default:
      return QM31::zero();
  }
}

// A committed column's value at the piece's point: stated by the prover (masked), then claimed.
template <typename R>
StatusOr<Masked> committed_column_at(R& r, const ColumnRef& c, std::span<const QM31> point, const std::string& what) {
  QM31 honest;
  if constexpr (R::kProver) {
    honest = evaluate_mle(c.kind == ColumnRef::Kind::kSlot ? r.slots[c.index]->data : r.w.values[c.index].data, point);
  }
  ZKCC_ASSIGN_OR_RETURN(Masked v, r.masks.mask_value(honest, r.t));
  std::vector<QM31> pt(point.begin(), point.end());
  Status s = c.kind == ColumnRef::Kind::kSlot ? open(r, c.index, pt, v, what) : claim(r, c.index, std::move(pt), v, what);
  if (!s.ok()) return s;
  return v;
}

// Each combined claim is the sum over pieces of selector x the piece's column there.
template <typename R>
Status split(R& r, std::span<const QM31> point, const std::vector<Piece>& pieces, bool witness_side, size_t spare,
             const LogupClaims& c, const char* side) {
  const std::vector<LookupPlan>& lookups = r.plan.lookups;
  Masked want[3];
  Masked m_want;
  for (const Piece& p : pieces) {
    const size_t lo_vars = static_cast<size_t>(std::countr_zero(p.rows));
    auto hi = point.first(point.size() - lo_vars);
    auto lo = point.subspan(point.size() - lo_vars);
    const QM31 sel = eq_index(hi, p.offset / p.rows);
    want[0] = want[0] + Masked(sel * (p.lookup == SIZE_MAX ? M31::zero() : M31::from_u64(p.lookup + 1)));
    if (p.lookup == SIZE_MAX) {
      m_want = m_want + Masked(sel * M31::from_u64(spare));
      continue;
    }
    const LookupPlan& lp = lookups[p.lookup];
    const std::string what = std::string("lookup ") + std::to_string(p.lookup) + " " + side;
    for (size_t k = 0; k < 2; ++k) {
      const ColumnRef& col = witness_side ? lp.witness[k] : lp.table[k];
      Masked v = public_column_at(r.plan, col, lo);
      if (committed(col)) {
        ZKCC_ASSIGN_OR_RETURN(v, committed_column_at(r, col, lo, what + " column"));
      }
      want[k + 1] = want[k + 1] + v * sel;
    }
    if (!witness_side) {
      ZKCC_ASSIGN_OR_RETURN(Masked m, committed_column_at(r, slot_col(lp.m_slot), lo, what + " multiplicities"));
      m_want = m_want + m * sel;
    }
  }
  const std::string columns = std::string("lookups: the ") + side + " columns' claim";
  for (size_t k = 0; k < 3; ++k) {
    ZKCC_RETURN_IF_ERROR(r.masks.require((witness_side ? c.witness(k) : c.table(k)) - want[k], QM31::zero(), columns));
  }
  if (!witness_side) {
    ZKCC_RETURN_IF_ERROR(r.masks.require(c.multiplicity() - m_want, QM31::zero(), "lookups: the multiplicities' claim"));
  }
  return ok_status();
}

}  // namespace

template <typename R>
Status batched_lookup(R& r) {
  const std::vector<LookupPlan>& lookups = r.plan.lookups;
  if (lookups.empty()) return ok_status();
  const auto [w_pieces, t_pieces, w_total, t_total, spare] = sides(lookups);
  auto tag = [](const Piece& p) { return p.lookup == SIZE_MAX ? M31::zero() : M31::from_u64(p.lookup + 1); };

  LogupClaims c;
  if constexpr (R::kProver) {
    std::vector<Column> witness(3, Column(w_total)), table(3, Column(t_total));
    Column m(t_total);
    for (const Piece& p : w_pieces) {
      std::fill_n(witness[0].begin() + static_cast<std::ptrdiff_t>(p.offset), p.rows, tag(p));
      for (size_t k = 0; k < 2; ++k) {
        write_column(r, lookups[p.lookup].witness[k], std::span(witness[k + 1]).subspan(p.offset, p.rows));
      }
    }
    for (const Piece& p : t_pieces) {
      std::fill_n(table[0].begin() + static_cast<std::ptrdiff_t>(p.offset), p.rows, tag(p));
      if (p.lookup == SIZE_MAX) {
        m[p.offset] = M31::from_u64(spare);
        continue;
      }
      for (size_t k = 0; k < 2; ++k) {
        write_column(r, lookups[p.lookup].table[k], std::span(table[k + 1]).subspan(p.offset, p.rows));
      }
      const Column& mp = r.slots[lookups[p.lookup].m_slot]->data;
      std::copy(mp.begin(), mp.end(), m.begin() + static_cast<std::ptrdiff_t>(p.offset));
    }
    ZKCC_ASSIGN_OR_RETURN(LogupProverResult lu, logup_prove(witness, table, m, r.t, &r.masks, true));
    r.out.logups.push_back(std::move(lu.proof));
    c = std::move(lu.claims);
  } else {
    ZKCC_ASSIGN_OR_RETURN(const LogupProof* proof, r.next(r.in.logups, r.logups, "lookups"));
    auto lu = logup_verify(std::countr_zero(w_total), std::countr_zero(t_total), 3, *proof, r.t, &r.masks, true);
    if (!lu.ok()) return lu.status().with_context("lookups");
    c = std::move(*lu);
  }
  ZKCC_RETURN_IF_ERROR(split(r, c.witness_point, w_pieces, true, spare, c, "witness"));
  return split(r, c.table_point, t_pieces, false, spare, c, "table");
}

size_t lookup_mask_words(const Plan& p) {
  if (p.lookups.empty()) return 0;
  const Sides s = sides(p.lookups);
  // The fraction sums, the three columns on each side and the multiplicities stated masked, and
  // each piece's committed columns (two, and the multiplicities on the table side).
  const size_t values = 3 + 3 + 1 + 2 * s.w_pieces.size() + 3 * s.t_pieces.size();
  return logup_mask_words(static_cast<size_t>(std::countr_zero(s.w_total)),
                          static_cast<size_t>(std::countr_zero(s.t_total))) +
         kMaskedValueWords * values;
}

template Status batched_lookup(Prover&);
template Status batched_lookup(Verifier&);

}  // namespace zkcc::proof::gadgets
