#include "zkcc/proof/sumcheck_mask.h"

#include <map>
#include <string>

namespace zkcc::proof {
namespace {

M31 pow2(size_t k) { return M31::from_u32(uint32_t{1} << k); }  // k <= 30

// The QM31 coefficients of the mask at word `at` of the pool.
std::vector<QM31> read_coeffs(std::span<const M31> pool, size_t at, size_t count) {
  std::vector<QM31> out(count);
  for (size_t c = 0; c < count; ++c) {
    const M31* w = pool.data() + at + 4 * c;
    out[c] = QM31::from_m31s(w[0], w[1], w[2], w[3]);
  }
  return out;
}

const QM31 kBasis[4] = {QM31::from_m31s(M31::one(), M31::zero(), M31::zero(), M31::zero()),
                        QM31::from_m31s(M31::zero(), M31::one(), M31::zero(), M31::zero()),
                        QM31::from_m31s(M31::zero(), M31::zero(), M31::one(), M31::zero()),
                        QM31::from_m31s(M31::zero(), M31::zero(), M31::zero(), M31::one())};

}  // namespace

Masked operator+(Masked a, const Masked& b) {
  a.known += b.known;
  a.hidden.insert(a.hidden.end(), b.hidden.begin(), b.hidden.end());
  return a;
}

Masked operator-(Masked a, const Masked& b) {
  a.known -= b.known;
  for (const auto& [word, c] : b.hidden) a.hidden.emplace_back(word, -c);
  return a;
}

Masked operator*(Masked a, const QM31& s) {
  a.known *= s;
  for (auto& term : a.hidden) term.second *= s;
  return a;
}

Masked mask_term(size_t at, const QM31& c) {
  Masked out;
  for (size_t e = 0; e < 4; ++e) out.hidden.emplace_back(at + e, c * kBasis[e]);
  return out;
}

QM31 mask_poly_at(std::span<const QM31> c, const QM31& x) {
  QM31 acc;
  for (size_t k = c.size(); k-- > 0;) acc = acc * x + c[k];
  return acc;
}

SumcheckMaskRounds::SumcheckMaskRounds(const SumcheckMask& mask) : mask_(mask), suffix_(mask.shape.vars + 1) {
  for (size_t i = mask.shape.vars; i-- > 0;) {
    suffix_[i] = suffix_[i + 1] + mask_poly_at(mask.poly(i), QM31::zero()) + mask_poly_at(mask.poly(i), QM31::one());
  }
}

QM31 SumcheckMaskRounds::at(const QM31& x) const {
  const size_t free = mask_.shape.vars - round_ - 1;  // variables still summed over after this one
  QM31 v = (bound_ + mask_poly_at(mask_.poly(round_), x)) * pow2(free);
  if (free > 0) v += suffix_[round_ + 1] * pow2(free - 1);
  return mask_.rho * v;
}

void SumcheckMaskRounds::bind(const QM31& r) {
  bound_ += mask_poly_at(mask_.poly(round_), r);
  ++round_;
}

SumcheckMasks SumcheckMasks::for_prover(std::span<const M31> pool, std::vector<QM31>& stated) {
  SumcheckMasks m;
  m.prover_ = true;
  m.pool_ = pool;
  m.pool_words_ = pool.size();
  m.out_ = &stated;
  return m;
}

SumcheckMasks SumcheckMasks::for_verifier(size_t pool_words, std::span<const QM31> stated, size_t& cursor) {
  SumcheckMasks m;
  m.pool_words_ = pool_words;
  m.in_ = stated;
  m.cursor_ = &cursor;
  return m;
}

StatusOr<QM31> SumcheckMasks::state(const QM31& honest) {
  if (prover_) {
    out_->push_back(honest);
    return honest;
  }
  if (*cursor_ >= in_.size()) return invalid_argument("proof ends early: too few stated values");
  return in_[(*cursor_)++];
}

void add_masked_claim(std::vector<PcsClaim>& claims, size_t offset, std::vector<QM31> point, const Masked& v,
                      size_t pool_offset) {
  PcsClaim head(offset, std::move(point), v.known);
  if (v.is_public()) {
    claims.push_back(std::move(head));
    return;
  }
  std::map<size_t, std::vector<QM31>> blocks;
  for (const auto& [word, c] : v.hidden) {
    std::vector<QM31>& w = blocks[word / kMaskedValueWords];
    w.resize(kMaskedValueWords);
    w[word % kMaskedValueWords] -= c;
  }
  head.joined = true;
  claims.push_back(std::move(head));
  for (auto& [block, w] : blocks) {
    PcsClaim part = PcsClaim::weighted(pool_offset + block * kMaskedValueWords, std::move(w), QM31::zero());
    part.joined = true;
    claims.push_back(std::move(part));
  }
  claims.back().joined = false;
}

StatusOr<size_t> SumcheckMasks::take(size_t words) {
  if (words > pool_words_ - used_) {
    return invalid_argument("the proof runs more sumchecks and masked values than its circuit has masks for");
  }
  used_ += words;
  return used_ - words;
}

QM31 SumcheckMasks::reveal(const Masked& v) const {
  QM31 out = v.known;
  if (!prover_) return out;
  for (const auto& [word, c] : v.hidden) out += c * pool_[word];
  return out;
}

QM31 SumcheckMasks::value_at(size_t at) const { return prover_ ? read_coeffs(pool_, at, 1)[0] : QM31::zero(); }

StatusOr<SumcheckMasks::Factors> SumcheckMasks::take_factors(size_t vars, const std::vector<bool>& masked) {
  Factors out;
  out.at.resize(masked.size());
  if (prover_) out.values.resize(masked.size());
  if (vars == 0) return out;
  for (size_t j = 0; j < masked.size(); ++j) {
    if (!masked[j]) continue;
    ZKCC_ASSIGN_OR_RETURN(out.at[j], take_value());
    if (prover_) out.values[j] = value_at(*out.at[j]);
  }
  return out;
}

StatusOr<Masked> SumcheckMasks::mask_value(const QM31& honest, Transcript& t) {
  ZKCC_ASSIGN_OR_RETURN(const size_t at, take_value());
  ZKCC_ASSIGN_OR_RETURN(QM31 stated, state(honest + value_at(at)));
  const QM31 msg[] = {stated};
  t.mix_qm31s(msg);
  return Masked(stated) - mask_term(at, QM31::one());
}

Status SumcheckMasks::require(const Masked& v, const QM31& expected, const std::string& what) {
  if (v.is_public()) {
    if (!prover_ && v.known != expected) return invalid_argument(what + " does not hold");
    return ok_status();
  }
  zeros_.push_back(v - Masked(expected));
  return ok_status();
}

StatusOr<QM31> SumcheckMasks::begin(const MaskShape& shape, const Masked& claim, Transcript& t) {
  if (open_) return internal_error("a masked sumcheck begins before the last one ended");
  open_ = true;
  current_.reset();
  current_shape_ = shape;
  if (shape.vars == 0) {
    // Nothing to mask: the sumcheck would state the hidden claim's value. The gadgets pad every
    // masked sum to a variable at least (gadgets/circuit.h), so this is a protocol error.
    if (claim.is_public()) return claim.known;
    return internal_error("a masked claim reaches a sumcheck over no variables");
  }
  if (shape.vars > 30) return invalid_argument("a masked sumcheck has more than 30 variables");
  ZKCC_ASSIGN_OR_RETURN(current_at_, take(sumcheck_mask_words(shape)));
  current_rho_ = t.draw_qm31();
  // rho G as a function of the pool: G = 2^(vars-1) sum_i (2 c_i0 + c_i1 + ... + c_id).
  Masked rho_g;
  const QM31 scale = current_rho_ * pow2(shape.vars - 1);
  for (size_t i = 0, w = current_at_; i < shape.vars; ++i) {
    for (size_t k = 0; k < shape.width(i); ++k) {
      const QM31 c = k == 0 ? scale + scale : scale;
      for (const QM31& e : kBasis) rho_g.hidden.emplace_back(w++, c * e);
    }
  }
  if (prover_) current_ = SumcheckMask{shape, read_coeffs(pool_, current_at_, shape.coeffs()), current_rho_};
  ZKCC_ASSIGN_OR_RETURN(QM31 s, state(reveal(claim + rho_g)));
  const QM31 msg[] = {s};
  t.mix_qm31s(msg);
  zeros_.push_back(claim + rho_g - Masked(s));
  return s;
}

StatusOr<QM31> SumcheckMasks::end(std::span<const QM31> point, const QM31& final_claim, Transcript& t) {
  if (!open_) return internal_error("a masked sumcheck ends without beginning");
  open_ = false;
  const MaskShape shape = current_shape_;
  if (shape.vars == 0) return final_claim;
  if (point.size() != shape.vars) return internal_error("a masked sumcheck ends at a point of the wrong size");
  QM31 honest;
  if (current_) {
    for (size_t i = 0; i < shape.vars; ++i) honest += mask_poly_at(current_->poly(i), point[i]);
  }
  current_.reset();
  ZKCC_ASSIGN_OR_RETURN(QM31 value, state(honest));
  const QM31 msg[] = {value};
  t.mix_qm31s(msg);
  done_.push_back(Done{current_at_, shape, {point.begin(), point.end()}, value});
  return final_claim - current_rho_ * value;
}

std::optional<PcsClaim> SumcheckMasks::pool_claim(size_t offset, size_t block, const QM31& beta) const {
  if (done_.empty() && zeros_.empty()) return std::nullopt;
  PcsClaim c = PcsClaim::weighted(offset, std::vector<QM31>(block), QM31::zero());
  QM31 power = QM31::one();
  for (const Done& d : done_) {
    size_t w = d.at;
    for (size_t i = 0; i < d.shape.vars; ++i) {
      QM31 x_k = power;  // beta^s r_i^k
      for (size_t k = 0; k < d.shape.width(i); ++k) {
        for (const QM31& e : kBasis) c.weights[w++] += x_k * e;
        x_k *= d.point[i];
      }
    }
    c.value += power * d.value;
    power *= beta;
  }
  for (const Masked& z : zeros_) {  // hidden(pool) = -known
    for (const auto& [word, coeff] : z.hidden) c.weights[word] += power * coeff;
    c.value -= power * z.known;
    power *= beta;
  }
  return c;
}

}  // namespace zkcc::proof
