// Zero-knowledge sumchecks (Libra: Xie, Zhang, Zhang, Papamanthou, Song, CRYPTO 2019, section 4.1).
//
// Before any challenge the prover commits to a pool of random words. A masked sumcheck over n
// variables of degree d takes the next 4 n (d + 1) of them as the mask
//   g(x) = g_0(x_0) + ... + g_(n-1)(x_(n-1)),  each g_i of degree d with QM31 coefficients,
// a random rho is drawn, the prover states S = claim + rho G (G the sum of g over the hypercube,
// a linear function of the pool), and the sumcheck runs on f + rho g from S. Round i then carries
// rho 2^(n-i-1) g_i(X) on top of f's part: a uniformly random polynomial of degree d with the one
// sum the verifier checks, so the rounds show nothing of f. At the end the prover states g(point),
// the verifier takes rho g(point) off the final claim (what f's factors must give). Both
// rho G = S - claim and g(point) are claims on the committed pool; with every other claim on the
// pool of a proof they add up to one weighted claim (pool_claim).
//
// Masked values. A value the prover states may itself be hidden: it states v + m with m the next
// four pool words (a uniform QM31), and the verifier carries the value as Masked: known (v + m)
// plus a hidden part (-m) that only the pool's opening resolves. Masked values are linear, so a
// sumcheck may start from one (S = claim + rho G then hides it too: its hidden part joins rho G's
// claim), a claim on a committed tensor carries it into the opening (joined PCS claims), and an
// identity between masked values becomes a claim on the pool.
//
// Soundness: the pool is committed before rho and the rounds' challenges, and its opening binds
// rho G + hidden = S - known exactly, so the sumcheck proves sum f = known + hidden, the true
// claim; g(point) is bound by the opening too.
#ifndef ZKCC_PROOF_SUMCHECK_MASK_H_
#define ZKCC_PROOF_SUMCHECK_MASK_H_

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/sumcheck.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

// A value known up to a hidden linear function of the pool: known + sum_k c_k pool[word_k].
struct Masked {
  Masked() = default;
  Masked(const QM31& v) : known(v) {}  // NOLINT(google-explicit-constructor): public values hide nothing
  QM31 known;
  std::vector<std::pair<size_t, QM31>> hidden;  // (pool word, coefficient)
  bool is_public() const { return hidden.empty(); }
};
Masked operator+(Masked a, const Masked& b);
Masked operator-(Masked a, const Masked& b);
Masked operator*(Masked a, const QM31& s);
inline Masked operator*(Masked a, const M31& s) { return std::move(a) * QM31::from_m31(s); }

// A claim that the table's entries at `offset` take the value v at point: a plain claim when v is
// public, else a joined run (pcs.h) of that claim with v's known part and claims on v's hidden
// pool words (in aligned blocks of four, the pool at pool_offset of the same table), which adds
// up to v's value.
void add_masked_claim(std::vector<PcsClaim>& claims, size_t offset, std::vector<QM31> point, const Masked& v,
                      size_t pool_offset);

// Words of the pool one masked value takes.
inline constexpr size_t kMaskedValueWords = 4;
// c times the masked value whose words start at `at`, as a hidden part.
Masked mask_term(size_t at, const QM31& c);
// A masked factor's stated final value: f_j(point) + mask_weight(point[0]) m_j, m_j at `at`.
inline Masked masked_factor(const QM31& stated, size_t at, const QM31& first_challenge) {
  return Masked(stated) - mask_term(at, mask_weight(first_challenge));
}

// The shape of a sumcheck's mask: g_0 of degree `first` (the first round's degree, higher when
// the sumcheck's factors are masked, sumcheck.h), the other g_i of degree `degree`.
struct MaskShape {
  size_t vars = 0, degree = 0, first = 0;
  MaskShape(size_t vars_, size_t degree_, size_t first_ = 0)
      : vars(vars_), degree(degree_), first(first_ > degree_ ? first_ : degree_) {}
  size_t width(size_t i) const { return (i == 0 ? first : degree) + 1; }
  size_t offset(size_t i) const { return i == 0 ? 0 : first + 1 + (i - 1) * (degree + 1); }
  size_t coeffs() const { return vars == 0 ? 0 : offset(vars); }
};

// Words of the pool one masked sumcheck takes.
inline size_t sumcheck_mask_words(const MaskShape& shape) { return 4 * shape.coeffs(); }
inline size_t sumcheck_mask_words(size_t vars, size_t degree) { return sumcheck_mask_words(MaskShape(vars, degree)); }
// A masked fraction sum's layer over `vars` variables: degree 3, its first round of degree 5
// with its four children masked (one masked value each).
inline MaskShape layer_mask_shape(size_t vars) { return MaskShape(vars, 3, 5); }

struct SumcheckMask {
  MaskShape shape;
  std::vector<QM31> coeffs;  // coeffs[shape.offset(i) + k] multiplies x_i^k
  QM31 rho;                  // g's weight in the masked sumcheck
  std::span<const QM31> poly(size_t i) const { return std::span(coeffs).subspan(shape.offset(i), shape.width(i)); }
};

// rho g's part of each round's message, round after round (the prover's side).
class SumcheckMaskRounds {
 public:
  explicit SumcheckMaskRounds(const SumcheckMask& mask);
  // rho times the sum of g over the variables after the current one, at X for the current one.
  QM31 at(const QM31& x) const;
  // Binds the current variable to r and moves to the next.
  void bind(const QM31& r);

 private:
  const SumcheckMask& mask_;
  size_t round_ = 0;
  QM31 bound_;                // sum of g_j(r_j) over the bound variables
  std::vector<QM31> suffix_;  // suffix_[i] = sum over j >= i of g_j(0) + g_j(1)
};

// The value of g_i (coefficients c, lowest first) at x.
QM31 mask_poly_at(std::span<const QM31> c, const QM31& x);

// The masks of one proof, in protocol order, and the values the prover states for them: the
// prover appends to `stated`, the verifier reads from it at `*cursor` (the proof's stated values,
// shared with the rest of the protocol).
class SumcheckMasks {
 public:
  SumcheckMasks() = default;  // no masks: only sumchecks of no variables may run
  static SumcheckMasks for_prover(std::span<const M31> pool, std::vector<QM31>& stated);
  static SumcheckMasks for_verifier(size_t pool_words, std::span<const QM31> stated, size_t& cursor);

  // Starts a masked sumcheck of `vars` variables and degree `degree` on `claim`: takes the next
  // mask, rho is drawn, the prover states S = claim + rho G. Returns S, the claim to run. A
  // sumcheck of no variables has no rounds to hide: it takes a public claim as it is and refuses
  // a masked one (whose value it would have to state).
  StatusOr<QM31> begin(const MaskShape& shape, const Masked& claim, Transcript& t);
  StatusOr<QM31> begin(size_t vars, size_t degree, const Masked& claim, Transcript& t) {
    return begin(MaskShape(vars, degree), claim, t);
  }
  // The prover's mask for the sumcheck begun (null when it is not masked).
  const SumcheckMask* mask() const { return current_ ? &*current_ : nullptr; }
  // Ends it at its point: the prover states g(point). Returns final_claim - rho g(point), the value
  // the factors must give.
  StatusOr<QM31> end(std::span<const QM31> point, const QM31& final_claim, Transcript& t);

  // Takes the next masked value's words without stating anything (a masked factor's m_j,
  // sumcheck.h); returns where they are.
  StatusOr<size_t> take_value() { return take(kMaskedValueWords); }
  // The prover's QM31 at `at` (zero for the verifier).
  QM31 value_at(size_t at) const;
  // The factor masks of a sumcheck over `vars` variables whose polynomials `masked` are masked:
  // takes one masked value's words per masked polynomial (none when vars is 0, which leaves
  // nothing to mask). Returns the words' places and, for the prover, the masks.
  struct Factors {
    std::vector<std::optional<size_t>> at;  // per polynomial
    FactorMasks values;                     // the prover's
  };
  StatusOr<Factors> take_factors(size_t vars, const std::vector<bool>& masked);

  // The prover states honest + m, m the next masked value's words; returns it as Masked.
  StatusOr<Masked> mask_value(const QM31& honest, Transcript& t);
  // Checks that v equals `expected`: at once when v is public (the verifier; the prover has
  // nothing to check), else as a claim on the pool. `what` names the identity.
  Status require(const Masked& v, const QM31& expected, const std::string& what);
  // The prover's value of v (its pool known).
  QM31 reveal(const Masked& v) const;

  size_t words_used() const { return used_; }
  // The claim every g(point) makes on the pool, placed at `offset` in a block of `block` words (a
  // power of two at least words_used()): sum_s beta^s g_s(point_s) as one weighted claim. None
  // when no sumcheck was masked.
  std::optional<PcsClaim> pool_claim(size_t offset, size_t block, const QM31& beta) const;

 private:
  StatusOr<QM31> state(const QM31& honest);
  StatusOr<size_t> take(size_t words);

  bool prover_ = false;
  std::span<const M31> pool_;
  size_t pool_words_ = 0;
  std::vector<QM31>* out_ = nullptr;
  std::span<const QM31> in_;
  size_t* cursor_ = nullptr;
  size_t used_ = 0;
  struct Done {
    size_t at;
    MaskShape shape;
    std::vector<QM31> point;
    QM31 value;
  };
  std::vector<Done> done_;
  std::vector<Masked> zeros_;  // claims hidden = -known on the pool (known moved to the value side)
  // The sumcheck begun.
  std::optional<SumcheckMask> current_;
  size_t current_at_ = 0;
  MaskShape current_shape_{0, 0};
  QM31 current_rho_;
  bool open_ = false;
};

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_SUMCHECK_MASK_H_
