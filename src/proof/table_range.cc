// Range proof over a committed table (protocol in table_range.h). Prover and verifier derive the
// same plan from the public segments: the lookup pieces, their places and tags, and the layout of
// the proof's region of the table.
#include "zkcc/proof/table_range.h"

#include <algorithm>
#include <bit>
#include <numeric>
#include <string>

#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/sumcheck_mask.h"

namespace zkcc::proof {
namespace {

constexpr unsigned kLimbBits = 16;
constexpr size_t kMaxPack = 4;
constexpr size_t kNoLimb = SIZE_MAX;

enum class PieceKind { kDirect, kLow, kHigh };

// One block of lookup rows: a segment looked up directly, or one of its limbs.
struct Piece {
  size_t segment = 0;
  PieceKind kind = PieceKind::kDirect;
  unsigned width = 0;  // bits per looked-up value
  size_t pack = 1;     // values per row
  size_t rows = 0;
  size_t offset = 0;   // in the combined column
  size_t tag = 0;      // the table piece (index + 1) it is looked up in
  size_t aux_offset = kNoLimb;  // a limb's place in the aux table
};

// A (width, pack) table: every tuple of `pack` digits of `width` bits; width 0 is the zero row.
struct TablePiece {
  unsigned width = 0;
  size_t pack = 0;
  size_t rows = 0;
  size_t offset = 0;
  size_t tag = 0;
};

struct Plan {
  std::vector<Piece> witness;  // largest first: the order of the stated values
  size_t w_total = 0, spare = 0;
  std::vector<TablePiece> table;
  size_t t_total = 0;
  size_t columns = 0;  // 1 + the largest pack
  // The region of the committed table (range_region_size): absolute offsets.
  size_t region_offset = 0, region_size = 0;
  size_t m_offset = 0;
  size_t mask_offset = 0, mask_size = 0;  // a hiding config's pool
  size_t stated = 0;   // how many values the proof states
};

size_t pack_for(unsigned bits, size_t size) {
  size_t pack = bits <= 4 ? 4 : bits <= 8 ? 2 : 1;
  // Packing pays only for a segment with at least as many rows as the packed table has (its
  // multiplicities lie in the committed table, which every proof of a model opens).
  while (pack > 1 && size / pack < (size_t{1} << (bits * pack))) pack /= 2;
  return std::min(pack, size);
}

template <typename P>
size_t place(std::vector<P>& pieces) {
  std::stable_sort(pieces.begin(), pieces.end(), [](const P& a, const P& b) { return a.rows > b.rows; });
  size_t at = 0;
  for (P& p : pieces) {
    p.offset = at;  // a multiple of p.rows: every earlier size is a larger power of two
    at += p.rows;
  }
  return at;
}

StatusOr<Plan> make_plan(const PcsConfig& config, std::span<const RangeSegment> segments, size_t region_offset) {
  Plan plan;
  std::vector<std::pair<unsigned, size_t>> kinds;  // (width, pack), tag = index + 1
  auto tag_of = [&](unsigned width, size_t pack) {
    auto it = std::find(kinds.begin(), kinds.end(), std::make_pair(width, pack));
    if (it == kinds.end()) it = kinds.insert(kinds.end(), {width, pack});
    return static_cast<size_t>(it - kinds.begin()) + 1;
  };
  for (size_t k = 0; k < segments.size(); ++k) {
    const RangeSegment& s = segments[k];
    if (s.bits <= kLimbBits) {
      const size_t pack = pack_for(s.bits, s.size);
      plan.witness.push_back({k, PieceKind::kDirect, s.bits, pack, s.size / pack, 0, tag_of(s.bits, pack), kNoLimb});
    } else {
      plan.witness.push_back({k, PieceKind::kLow, kLimbBits, 1, s.size, 0, tag_of(kLimbBits, 1), kNoLimb});
      plan.witness.push_back({k, PieceKind::kHigh, s.bits - kLimbBits, 1, s.size, 0, tag_of(s.bits - kLimbBits, 1), kNoLimb});
    }
  }
  const size_t used = place(plan.witness);
  plan.w_total = std::bit_ceil(std::max<size_t>(used, 2));
  plan.spare = plan.w_total - used;

  size_t max_pack = 1;
  for (size_t t = 0; t < kinds.size(); ++t) {
    auto [width, pack] = kinds[t];
    plan.table.push_back({width, pack, size_t{1} << (width * pack), 0, t + 1});
    max_pack = std::max(max_pack, pack);
  }
  if (plan.spare > 0) plan.table.push_back({0, 0, 1, 0, 0});
  plan.t_total = std::bit_ceil(std::max<size_t>(place(plan.table), 2));
  plan.columns = 1 + max_pack;

  // The region: the multiplicities, then each limb, then a hiding config's pool.
  std::vector<size_t> sizes = {plan.t_total};
  for (const Piece& p : plan.witness) {
    if (p.kind != PieceKind::kDirect) sizes.push_back(p.rows);
    plan.stated += p.pack;
  }
  if (config.hiding) {
    // The lookup with its columns masked (each side's, the multiplicities) and the stated values.
    const size_t values = plan.stated + 2 * plan.columns + 1;
    plan.mask_size = std::bit_ceil(logup_mask_words(static_cast<size_t>(std::countr_zero(plan.w_total)),
                                                    static_cast<size_t>(std::countr_zero(plan.t_total))) +
                                   kMaskedValueWords * values);
    sizes.push_back(plan.mask_size);
  }
  ZKCC_ASSIGN_OR_RETURN(PcsStackLayout region, pcs_stack_layout(sizes));
  plan.region_offset = region_offset;
  plan.region_size = size_t{1} << region.log_size;
  if (config.hiding) plan.mask_offset = region_offset + region.offsets.back();
  plan.m_offset = region_offset + region.offsets[0];
  size_t next = 1;
  for (Piece& p : plan.witness) {
    if (p.kind != PieceKind::kDirect) p.aux_offset = region_offset + region.offsets[next++];
  }
  return plan;
}

void mix_statement(Transcript& t, size_t table_log_size, size_t region_offset, std::span<const RangeSegment> segments) {
  std::vector<M31> msg = {M31::from_u64(table_log_size), M31::from_u64(region_offset), M31::from_u64(segments.size())};
  for (const RangeSegment& s : segments) {
    msg.push_back(M31::from_u64(s.offset));
    msg.push_back(M31::from_u64(s.size));
    msg.push_back(M31::from_u64(s.bits));
  }
  t.mix_m31s(msg);
}

M31 shift_of(unsigned bits) { return M31::from_u64(uint64_t{1} << (bits - 1)); }

// A piece's selector at `point` and its own (trailing) coordinates.
struct Local {
  QM31 sel;
  std::span<const QM31> lo;
};
Local local(std::span<const QM31> point, size_t offset, size_t rows) {
  const size_t lo_vars = static_cast<size_t>(std::countr_zero(rows));
  return {eq_index(point.first(point.size() - lo_vars), offset / rows), point.subspan(point.size() - lo_vars)};
}

// v = expected: at once when public, else a claim on the pool.
Status require(SumcheckMasks* masks, const Masked& v, const QM31& expected, const std::string& what) {
  if (v.is_public()) return v.known == expected ? ok_status() : invalid_argument(what);
  if (!masks) return internal_error("table range: a masked value needs the masks");
  return masks->require(v, expected, what);
}

// Checks the LogUp's column claims against the stated values (witness side) and the tables the
// verifier knows (table side).
Status check_columns(const Plan& plan, const LogupClaims& c, std::span<const Masked> stated, SumcheckMasks* masks) {
  std::vector<Masked> want(plan.columns);
  size_t at = 0;
  for (const Piece& p : plan.witness) {
    const Local l = local(c.witness_point, p.offset, p.rows);
    want[0] = want[0] + Masked(l.sel * M31::from_u64(p.tag));
    for (size_t j = 0; j < p.pack; ++j) want[1 + j] = want[1 + j] + stated[at++] * l.sel;
  }
  for (size_t k = 0; k < plan.columns; ++k) {
    ZKCC_RETURN_IF_ERROR(require(masks, c.witness(k) - want[k], QM31::zero(),
                                 "table range: the stated values do not match the lookup's witness column " +
                                     std::to_string(k)));
  }
  std::vector<QM31> table_want(plan.columns);
  for (const TablePiece& p : plan.table) {
    const Local l = local(c.table_point, p.offset, p.rows);
    table_want[0] += l.sel * M31::from_u64(p.tag);
    for (size_t j = 0; j < p.pack; ++j) {
      // Digit j of a row index holds its bits w j .. w j + w - 1: w coordinates from the end.
      table_want[1 + j] += l.sel * index_mle(l.lo.subspan(l.lo.size() - p.width * (j + 1), p.width));
    }
  }
  for (size_t k = 0; k < plan.columns; ++k) {
    ZKCC_RETURN_IF_ERROR(require(masks, c.table(k), table_want[k],
                                 "table range: the lookup's table column " + std::to_string(k) + " claim is false"));
  }
  return ok_status();
}

// Turns the stated values into claims on the committed table: a packed piece's 2^j column values
// at its point z are the segment's extension at (z, c) for c < 2^j, folded with r into one claim
// at (z, r[0..j)); the limbs of a wide segment are claims on the region, and their sum at the
// common point a claim on the segment. Masked values become joined runs with their pool words.
std::vector<PcsClaim> make_claims(const Plan& plan, std::span<const RangeSegment> segments, const LogupClaims& c,
                                  std::span<const Masked> stated, std::span<const QM31> r) {
  std::vector<PcsClaim> out;
  auto add = [&](size_t offset, std::vector<QM31> point, const Masked& v) {
    add_masked_claim(out, offset, std::move(point), v, plan.mask_offset);
  };
  add(plan.m_offset, c.table_point, c.multiplicity());
  std::vector<Masked> low(segments.size()), high(segments.size());
  std::vector<std::vector<QM31>> limb_point(segments.size());
  size_t at = 0;
  for (const Piece& p : plan.witness) {
    const Local l = local(c.witness_point, p.offset, p.rows);
    const RangeSegment& s = segments[p.segment];
    if (p.kind == PieceKind::kDirect) {
      const size_t j = static_cast<size_t>(std::countr_zero(p.pack));
      auto rj = r.first(j);
      std::vector<QM31> eq = eq_table(rj);
      Masked v(-QM31::from_m31(shift_of(s.bits)));
      for (size_t k = 0; k < p.pack; ++k) v = v + stated[at + k] * eq[k];
      std::vector<QM31> point(l.lo.begin(), l.lo.end());
      point.insert(point.end(), rj.begin(), rj.end());
      add(s.offset, std::move(point), v);
    } else {
      add(p.aux_offset, std::vector<QM31>(l.lo.begin(), l.lo.end()), stated[at]);
      (p.kind == PieceKind::kLow ? low : high)[p.segment] = stated[at];
      limb_point[p.segment].assign(l.lo.begin(), l.lo.end());  // the same for both limbs (same rows)
    }
    at += p.pack;
  }
  for (size_t k = 0; k < segments.size(); ++k) {
    if (segments[k].bits <= kLimbBits) continue;
    const Masked v = low[k] + high[k] * M31::from_u64(uint64_t{1} << kLimbBits) -
                     Masked(QM31::from_m31(shift_of(segments[k].bits)));
    add(segments[k].offset, std::move(limb_point[k]), v);
  }
  return out;
}

int64_t as_signed(M31 v) {
  const uint32_t x = v.value();
  return x > (M31::kModulus - 1) / 2 ? static_cast<int64_t>(x) - M31::kModulus : static_cast<int64_t>(x);
}

}  // namespace

Status check_range_segments(size_t table_log_size, std::span<const RangeSegment> segments) {
  if (table_log_size > kMaxPcsLogSize) return out_of_range("table range: the table is larger than 2^" + std::to_string(kMaxPcsLogSize));
  if (segments.empty()) return invalid_argument("table range: no segments");
  if (segments.size() > kMaxRangeSegments) return out_of_range("table range: too many segments");
  const size_t n = size_t{1} << table_log_size;
  for (size_t k = 0; k < segments.size(); ++k) {
    const RangeSegment& s = segments[k];
    const std::string name = "table range: segment " + std::to_string(k);
    if (s.bits < 1 || s.bits > kMaxRangeBits) return invalid_argument(name + " has " + std::to_string(s.bits) + " bits (1 to 30)");
    if (s.size == 0 || !std::has_single_bit(s.size)) return invalid_argument(name + " size is not a power of two");
    if (s.offset % s.size != 0) return invalid_argument(name + " offset is not a multiple of its size");
    if (s.size > n || s.offset > n - s.size) return out_of_range(name + " lies outside the table");
  }
  std::vector<size_t> order(segments.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return segments[a].offset < segments[b].offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const RangeSegment& a = segments[order[i - 1]];
    if (a.offset + a.size > segments[order[i]].offset) {
      return invalid_argument("table range: segments " + std::to_string(order[i - 1]) + " and " + std::to_string(order[i]) +
                              " overlap");
    }
  }
  return ok_status();
}

namespace {

// The region lies inside the table at a multiple of its size and overlaps no segment.
Status check_region(const Plan& plan, size_t table_log_size, std::span<const RangeSegment> segments) {
  const size_t n = size_t{1} << table_log_size, at = plan.region_offset, size = plan.region_size;
  if (at % size != 0) return invalid_argument("table range: the region's offset is not a multiple of its size");
  if (size > n || at > n - size) return out_of_range("table range: the region lies outside the table");
  for (size_t k = 0; k < segments.size(); ++k) {
    if (segments[k].offset < at + size && at < segments[k].offset + segments[k].size) {
      return invalid_argument("table range: segment " + std::to_string(k) + " overlaps the region");
    }
  }
  return ok_status();
}

// The lookup's columns and the region's multiplicities and limbs, from the table's entries; fails
// on the first entry outside its segment's range.
struct Columns {
  std::vector<Column> witness, lut;
  Column m;
};

StatusOr<Columns> build_columns(const Plan& plan, std::span<const M31> data, std::span<const RangeSegment> segments) {
  Columns out{std::vector<Column>(plan.columns, Column(plan.w_total)), std::vector<Column>(plan.columns, Column(plan.t_total)),
              Column(plan.t_total)};
  std::vector<uint32_t> counts(plan.t_total);
  std::vector<size_t> table_offset(plan.table.size() + 1);
  for (const TablePiece& p : plan.table) table_offset[p.tag] = p.offset;
  for (const Piece& p : plan.witness) {
    const RangeSegment& s = segments[p.segment];
    const int64_t shift = int64_t{1} << (s.bits - 1);
    std::fill_n(out.witness[0].begin() + static_cast<std::ptrdiff_t>(p.offset), p.rows, M31::from_u64(p.tag));
    for (size_t row = 0; row < p.rows; ++row) {
      uint64_t index = 0;
      for (size_t j = 0; j < p.pack; ++j) {
        const size_t at = s.offset + row * p.pack + j;
        const int64_t v = as_signed(data[at]);
        const int64_t shifted = v + shift;
        if (shifted < 0 || shifted >= 2 * shift) {
          return out_of_range("table range: entry " + std::to_string(at) + " = " + std::to_string(v) + " is outside [" +
                              std::to_string(-shift) + ", " + std::to_string(shift) + ") of segment " +
                              std::to_string(p.segment));
        }
        uint64_t digit = static_cast<uint64_t>(shifted);
        if (p.kind == PieceKind::kLow) digit &= (uint64_t{1} << kLimbBits) - 1;
        if (p.kind == PieceKind::kHigh) digit >>= kLimbBits;
        out.witness[1 + j][p.offset + row] = M31::from_u64(digit);
        index |= digit << (p.width * j);
      }
      ++counts[table_offset[p.tag] + index];
    }
  }
  for (const TablePiece& p : plan.table) {
    std::fill_n(out.lut[0].begin() + static_cast<std::ptrdiff_t>(p.offset), p.rows, M31::from_u64(p.tag));
    const uint64_t mask = (uint64_t{1} << p.width) - 1;
    for (size_t x = 0; x < p.rows; ++x) {
      for (size_t j = 0; j < p.pack; ++j) out.lut[1 + j][p.offset + x] = M31::from_u64((x >> (p.width * j)) & mask);
    }
    if (p.tag == 0) counts[p.offset] = static_cast<uint32_t>(plan.spare);
  }
  for (size_t i = 0; i < out.m.size(); ++i) out.m[i] = M31::from_u32(counts[i]);
  return out;
}

// Where the region's data goes: the multiplicities, then each limb (a copy of its lookup column).
template <typename F>
void for_each_region_part(const Plan& plan, const Columns& c, F&& part) {
  part(plan.m_offset, std::span<const M31>(c.m));
  for (const Piece& p : plan.witness) {
    if (p.kind != PieceKind::kDirect) part(p.aux_offset, std::span<const M31>(c.witness[1]).subspan(p.offset, p.rows));
  }
}

// The stated values: each piece's used columns at its point, masked with a hiding config.
StatusOr<std::vector<Masked>> state_values(const Plan& plan, const Columns* c, const LogupClaims& claims,
                                           SumcheckMasks* masks, TableRangeProof& proof, Transcript& transcript) {
  std::vector<Masked> out;
  for (const Piece& p : plan.witness) {
    const Local l = local(claims.witness_point, p.offset, p.rows);
    for (size_t j = 0; j < p.pack; ++j) {
      QM31 v;
      if (c) v = fold_trailing(std::span<const M31>(c->witness[1 + j]).subspan(p.offset, p.rows), l.lo)[0];
      if (masks) {
        ZKCC_ASSIGN_OR_RETURN(Masked m, masks->mask_value(v, transcript));
        out.push_back(std::move(m));
      } else {
        out.emplace_back(v);
      }
    }
  }
  if (!masks) {
    if (c) {
      for (const Masked& m : out) proof.stated.push_back(m.known);
    } else if (proof.stated.size() != plan.stated) {
      return invalid_argument("table range: the proof states " + std::to_string(proof.stated.size()) + " values, expected " +
                              std::to_string(plan.stated));
    } else {
      for (size_t k = 0; k < out.size(); ++k) out[k] = Masked(proof.stated[k]);
    }
    transcript.mix_qm31s(proof.stated);
  } else if (!proof.stated.empty()) {
    return invalid_argument("table range: a hiding proof states values in the clear");
  }
  return out;
}

// The claims on the table: the stated values' (with two challenges r) and the pool's.
std::vector<PcsClaim> all_claims(const Plan& plan, std::span<const RangeSegment> segments, const LogupClaims& c,
                                 std::span<const Masked> stated, const SumcheckMasks* masks, Transcript& transcript) {
  const std::vector<QM31> r = transcript.draw_qm31s(2);
  std::vector<PcsClaim> claims = make_claims(plan, segments, c, stated, r);
  if (masks) {
    const QM31 beta = transcript.draw_qm31();
    if (auto pool = masks->pool_claim(plan.mask_offset, plan.mask_size, beta)) claims.push_back(std::move(*pool));
  }
  return claims;
}

}  // namespace

StatusOr<size_t> range_region_size(const PcsConfig& config, std::span<const RangeSegment> segments) {
  ZKCC_ASSIGN_OR_RETURN(Plan plan, make_plan(config, segments, 0));
  return plan.region_size;
}

Status fill_range_region(const PcsConfig& config, std::span<M31> table, size_t region_offset,
                         std::span<const RangeSegment> segments, const std::optional<std::array<uint8_t, 32>>& mask_seed) {
  if (!std::has_single_bit(table.size())) return invalid_argument("table range: the table's size is not a power of two");
  const auto log_size = static_cast<size_t>(std::countr_zero(table.size()));
  ZKCC_RETURN_IF_ERROR(check_range_segments(log_size, segments));
  ZKCC_ASSIGN_OR_RETURN(Plan plan, make_plan(config, segments, region_offset));
  ZKCC_RETURN_IF_ERROR(check_region(plan, log_size, segments));
  ZKCC_ASSIGN_OR_RETURN(Columns c, build_columns(plan, table, segments));
  std::fill_n(table.begin() + static_cast<std::ptrdiff_t>(region_offset), plan.region_size, M31::zero());
  for_each_region_part(plan, c, [&](size_t at, std::span<const M31> part) {
    std::copy(part.begin(), part.end(), table.begin() + static_cast<std::ptrdiff_t>(at));
  });
  if (!config.hiding) return ok_status();
  return pcs_random_words(table.subspan(plan.mask_offset, plan.mask_size), mask_seed);
}

StatusOr<TableRangeProof> prove_table_range(const PcsConfig& config, const PcsProverData& table,
                                            std::span<const RangeSegment> segments, size_t region_offset,
                                            Transcript& transcript) {
  ZKCC_RETURN_IF_ERROR(check_range_segments(table.log_size(), segments));
  ZKCC_ASSIGN_OR_RETURN(Plan plan, make_plan(config, segments, region_offset));
  ZKCC_RETURN_IF_ERROR(check_region(plan, table.log_size(), segments));
  const std::span<const M31> data = table.table();
  ZKCC_ASSIGN_OR_RETURN(Columns c, build_columns(plan, data, segments));
  Status region = ok_status();
  for_each_region_part(plan, c, [&](size_t at, std::span<const M31> part) {
    if (!std::equal(part.begin(), part.end(), data.begin() + static_cast<std::ptrdiff_t>(at))) {
      region = failed_precondition("table range: the committed region does not hold the table's multiplicities and limbs");
    }
  });
  ZKCC_RETURN_IF_ERROR(region);

  mix_statement(transcript, table.log_size(), region_offset, segments);
  TableRangeProof proof;
  SumcheckMasks pool = SumcheckMasks::for_prover(data.subspan(plan.mask_offset, plan.mask_size), proof.masks);
  SumcheckMasks* masks = config.hiding ? &pool : nullptr;
  ZKCC_ASSIGN_OR_RETURN(LogupProverResult lu, logup_prove(c.witness, c.lut, c.m, transcript, masks, config.hiding));
  proof.logup = std::move(lu.proof);
  ZKCC_ASSIGN_OR_RETURN(std::vector<Masked> stated, state_values(plan, &c, lu.claims, masks, proof, transcript));
  ZKCC_RETURN_IF_ERROR(check_columns(plan, lu.claims, stated, masks));  // the identities on the pool, as the verifier's
  const std::vector<PcsClaim> claims = all_claims(plan, segments, lu.claims, stated, masks, transcript);
  ZKCC_ASSIGN_OR_RETURN(proof.opening, pcs_open(config, table, claims, transcript));
  return proof;
}

Status verify_table_range(const PcsConfig& config, size_t table_log_size, const Digest& table_root,
                          std::span<const RangeSegment> segments, size_t region_offset, const TableRangeProof& proof,
                          Transcript& transcript) {
  ZKCC_RETURN_IF_ERROR(check_range_segments(table_log_size, segments));
  ZKCC_ASSIGN_OR_RETURN(Plan plan, make_plan(config, segments, region_offset));
  ZKCC_RETURN_IF_ERROR(check_region(plan, table_log_size, segments));
  mix_statement(transcript, table_log_size, region_offset, segments);
  size_t cursor = 0;
  SumcheckMasks pool = SumcheckMasks::for_verifier(plan.mask_size, proof.masks, cursor);
  SumcheckMasks* masks = config.hiding ? &pool : nullptr;
  auto lu = logup_verify(static_cast<size_t>(std::countr_zero(plan.w_total)),
                         static_cast<size_t>(std::countr_zero(plan.t_total)), plan.columns, proof.logup, transcript,
                         masks, config.hiding);
  if (!lu.ok()) return lu.status().with_context("table range");
  TableRangeProof replay;
  replay.stated = proof.stated;
  ZKCC_ASSIGN_OR_RETURN(std::vector<Masked> stated, state_values(plan, nullptr, *lu, masks, replay, transcript));
  if (cursor != proof.masks.size()) return invalid_argument("table range: the proof carries unused mask values");
  ZKCC_RETURN_IF_ERROR(check_columns(plan, *lu, stated, masks));
  const std::vector<PcsClaim> claims = all_claims(plan, segments, *lu, stated, masks, transcript);
  return pcs_verify(config, table_log_size, table_root, claims, proof.opening, transcript)
      .with_context("table range: opening");
}

}  // namespace zkcc::proof
