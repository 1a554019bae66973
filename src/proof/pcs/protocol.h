// What the PCS prover and verifier share: the layer plan derived from (config, log_size), the
// claim checks and transcript steps, proof of work, and the fold arithmetic.
#ifndef ZKCC_SRC_PROOF_PCS_PROTOCOL_H_
#define ZKCC_SRC_PROOF_PCS_PROTOCOL_H_

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/proof/pcs/pcs.h"

namespace zkcc::proof::pcs_internal {

// The shape of an opening, from public data only.
struct Plan {
  size_t log_size = 0;                // n: the table has 2^n values
  size_t log_blowup = 0;
  size_t rounds = 0;                  // fold (and sumcheck) rounds: n - log_final
  size_t log_final = 0;               // the final message has 2^log_final coefficients
  std::vector<size_t> folds;          // folds per committed layer (one layer of 0 folds if rounds = 0)
  std::vector<size_t> log_codeword;   // log2 of each committed layer's codeword length

  size_t layers() const { return folds.size(); }
  size_t log_leaves(size_t layer) const { return log_codeword[layer] - folds[layer]; }
  // Words per leaf: 2^folds symbols of 2 (CM31, layer 0) or 4 (QM31) words.
  size_t leaf_width(size_t layer) const { return (size_t{1} << folds[layer]) * (layer == 0 ? 2 : 4); }
};
Plan make_plan(const PcsConfig& config, size_t log_size);

// Count, offsets, point sizes and alignment of the claims against a table of 2^log_size values.
Status check_claims(std::span<const PcsClaim> claims, size_t log_size);
void mix_claims(Transcript& transcript, std::span<const PcsClaim> claims);

bool pow_ok(const Felt252& digest, uint64_t nonce, uint32_t bits);
// The smallest nonce that passes (0 when bits = 0).
uint64_t pow_grind(const Felt252& digest, uint32_t bits);

// count indices below 2^log_range (at most 32), six per drawn felt (32-bit chunks below bit 192).
std::vector<size_t> draw_queries(Transcript& transcript, size_t count, size_t log_range);

// A layer's leaves: leaf t is the 2^log_coset symbols from t 2^log_coset on, each as its M31
// coordinates (2 for CM31, 4 for QM31).
std::vector<Digest> coset_leaf_hashes(std::span<const CM31> codeword, size_t log_coset);
std::vector<Digest> coset_leaf_hashes(std::span<const QM31> codeword, size_t log_coset);
void append_leaf_words(std::span<const CM31> codeword, size_t log_coset, size_t leaf, std::vector<uint32_t>& out);
void append_leaf_words(std::span<const QM31> codeword, size_t log_coset, size_t leaf, std::vector<uint32_t>& out);

// One fold of the symbols a = f(x), b = f(-x) with half_inv_x = 1 / (2x):
//   (1 - r) (a + b) / 2 + r (a - b) / (2x),
// the value at x^2 of the codeword of the folded message (1 - r) c_even + r c_odd.
inline constexpr M31 kHalf = M31::from_canonical((M31::kModulus + 1) / 2);
inline QM31 fold_pair(const QM31& a, const QM31& b, const CM31& half_inv_x, const QM31& r) {
  QM31 even = (a + b) * kHalf;
  QM31 odd = (a - b) * half_inv_x;
  return even + r * (odd - even);
}
inline QM31 fold_pair(const CM31& a, const CM31& b, const CM31& half_inv_x, const QM31& r) {
  CM31 even = (a + b) * kHalf;
  CM31 odd = (a - b) * half_inv_x;
  return QM31{even, CM31::zero()} + r * (odd - even);
}

// Folds one leaf (2^r.size() symbols, the coset at `leaf` of a layer whose codeword has
// 2^log_codeword symbols) with the challenges r in round order, down to one symbol.
QM31 fold_leaf(std::vector<QM31> symbols, size_t log_codeword, size_t leaf, std::span<const QM31> r);

// The value the last sumcheck claim must take: sum_i alpha^i A_i F(q_i), where F is the final
// message as a multilinear table over the first log_final variables, and claim i's eq factor
// splits into A_i over the bound variables (bound[j] for variable j >= log_final) and the point
// q_i over the rest.
QM31 final_claim(std::span<const PcsClaim> claims, const QM31& alpha, size_t log_size, std::span<const QM31> bound,
                 std::span<const QM31> final_message);

// Hiding commitments (pcs.h): fills `first` then `second` with uniform M31 values, from ChaCha20
// under the seed, or under a fresh one from the system's generator.
Status fill_random(const std::optional<std::array<uint8_t, 32>>& seed, std::span<M31> first, std::span<M31> second);
// The claims on the interleaved table W that stand for `claims` on the data, given the masks'
// values and the challenge rho: offset 2 offset_i, point (point_i, rho), value
// (1 - rho) value_i + rho mask_i.
std::vector<PcsClaim> hiding_claims(std::span<const PcsClaim> claims, std::span<const QM31> masks, const QM31& rho);

// The final message's polynomial at a CM31 point.
QM31 evaluate_final(std::span<const QM31> coefficients, const CM31& x);

}  // namespace zkcc::proof::pcs_internal

#endif  // ZKCC_SRC_PROOF_PCS_PROTOCOL_H_
