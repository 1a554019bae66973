// A multilinear polynomial commitment: Basefold (eprint 2023/1705) over the Reed-Solomon code of
// rs_code.h, with Merkle trees of BLAKE2s (merkle.h) and challenges from the Poseidon transcript.
//
// A committed table T holds 2^n M31 values: a multilinear polynomial in evaluation form (variable
// 0 is the most significant index bit, as in multilinear.h). The code's message is T read as
// univariate coefficients (c_i = T[i]), so a fold (1 - r) c_2j + r c_2j+1 fixes the LAST variable
// to r, and the opening's sumcheck binds the variables from the last to the first.
//
// Opening. Claims sum_x eq(point, x) T[offset + x] = value (one tensor stacked at an aligned
// offset) are batched with powers of a challenge alpha into one sum over the whole table,
//   sum_x T(x) E(x) = sum_i alpha^i value_i,  E(x) = sum_i alpha^i [x selects claim i's block]
//                                                    eq(point_i, x's low bits),
// proved by a degree-2 sumcheck interleaved with the folds. Transcript order (both sides):
//   1. the claims as one M31 message: count, then per claim offset, point size (plus 128 when
//      joined, plus 256 when scaled), the point's coordinates, the scale's when scaled, and the
//      value's; then alpha is drawn;
//   2. per fold round: g(0), g(2) of the round polynomial; the fold nonce when fold_pow_bits > 0;
//      the challenge r; and when the round completes a layer's folds and another committed layer
//      follows, that next layer's root (mix_root);
//   3. the final message (2^min(n, log_final_size) QM31 coefficients);
//   4. the query nonce, then num_queries leaf indices of layer 0.
// Each committed layer folds fold_arity_log variables (the last one possibly fewer); its leaves
// are the cosets of 2^fold symbols that fold to one symbol of the next layer. Layer 0's symbols
// are CM31 (2 words each), later layers' QM31 (4 words each), in the coordinate order of
// QM31::to_m31s.
//
// Proof of work: a nonce such that BLAKE2s-256(digest || nonce) starts with `bits` zero bits,
// where digest is the transcript digest as 32 big-endian bytes and nonce 8 little-endian bytes;
// the nonce is then mixed as one felt. With 0 bits the nonce must be 0.
//
// The root of a commitment enters the transcript through mix_root, called once by the caller
// (at commit time, before any challenge that depends on the table is drawn); the PCS itself
// never mixes layer 0's root.
//
// Hiding (config.hiding). The committed table is W = (D[0], H[0], D[1], H[1], ...): the data D
// (2^n values, what claims speak of) interleaved with a uniformly random mask H, so W's last
// variable selects the mask. An opening first sends, per claim, the mask's value mu_i at the
// claim's point; then a challenge rho is drawn and the plain opening of W proves the claims
//   sum_x eq((point_i, rho), (x, b)) W[2 offset_i + 2x + b] = (1 - rho) value_i + rho mu_i,
// which for a random rho binds value_i to D and mu_i to H (a degree-1 identity in rho). The
// first fold fixes the mask variable, so every later message is a function of
// G = (1 - r) D + r H: uniform given the claims, whatever D is. The opened cosets of W's own
// codeword show D's code at a few points; a blinding segment of D (pcs_blinding_size values,
// filled with randomness at commit time, never claimed on) makes those uniform too. The argument
// and the budget of openings are in docs/soundness.md ("Zero knowledge").
#ifndef ZKCC_PROOF_PCS_PCS_H_
#define ZKCC_PROOF_PCS_PCS_H_

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/pcs/config.h"
#include "zkcc/proof/pcs/merkle.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

using field::CM31;

// A claim on the table T. With a point: sum over x in {0,1}^point.size() of eq(point, x)
// T[offset + x] = value. With weights instead (point empty): sum_j weights[j] T[offset + j] = value,
// for linear functionals the verifier computes itself (it costs the verifier one pass over them).
// The block (2^point.size() or weights.size() values, a power of two) lies inside the table and
// offset is a multiple of its size.
// Joined claims: a claim with `joined` set is summed with the next one, and a run of joined claims
// ending in one without the flag claims only the sum of its functionals to be the sum of its
// values (a value split between terms the verifier cannot separate, e.g. a tensor's evaluation and
// the mask hiding it). The run shares one power of the batching challenge.
struct PcsClaim {
  PcsClaim() = default;
  PcsClaim(size_t offset_, std::vector<QM31> point_, const QM31& value_)
      : offset(offset_), point(std::move(point_)), value(value_) {}
  static PcsClaim weighted(size_t offset, std::vector<QM31> weights, const QM31& value) {
    PcsClaim c(offset, {}, value);
    c.weights = std::move(weights);
    return c;
  }
  size_t offset = 0;
  std::vector<QM31> point;
  QM31 value;
  std::vector<QM31> weights;
  bool joined = false;
  QM31 scale = QM31::one();  // a point claim's factor: sum_x scale eq(point, x) T[offset + x] = value
  size_t block_size() const { return weights.empty() ? size_t{1} << point.size() : weights.size(); }
};

// Where tensors of power-of-two sizes go in one stacked table: placed largest first, so every
// offset is a multiple of its tensor's size. offsets[i] belongs to sizes[i]; the table has
// 2^log_size values (the total rounded up to a power of two; the tail is zero padding).
struct PcsStackLayout {
  std::vector<size_t> offsets;
  size_t log_size = 0;
  size_t used = 0;  // the end of the last tensor: from here on the table is zero padding
};
StatusOr<PcsStackLayout> pcs_stack_layout(std::span<const size_t> sizes);

// The randomness of a hiding commitment. The blinding segment [offset, offset + size) of the
// table is overwritten with random values; size is a power of two (at least pcs_blinding_size
// for the openings the commitment will see) and offset a multiple of it. With a seed the
// randomness (segment and mask) is ChaCha20's stream under it, so the commitment is a function
// of (table, seed); without one the seed is drawn from the system's generator.
// zero_from marks where the layout's zero padding begins (PcsStackLayout::used): public, so the
// mask is zero there too (what an opening shows of it is known to all) and openings skip it.
struct PcsBlinding {
  size_t offset = 0;
  size_t size = 0;
  std::optional<std::array<uint8_t, 32>> seed;
  size_t zero_from = SIZE_MAX;
};
// Uniform M31 values, from ChaCha20 under the seed, or under a fresh key from the system's
// generator.
Status pcs_random_words(std::span<M31> out, const std::optional<std::array<uint8_t, 32>>& seed = std::nullopt);

// The blinding segment that keeps `openings` openings of a table from revealing any of its
// data: 2^(fold_arity_log - 1) num_queries random values per opening, rounded up to a power of two.
size_t pcs_blinding_size(const PcsConfig& config, size_t openings = 1);

class PcsProverData {
 public:
  const Digest& root() const { return tree_.root(); }
  size_t log_size() const { return log_size_; }       // of the data (claims' table)
  std::span<const M31> table() const { return table_; }  // the data, blinding segment included
  bool hiding() const { return !mask_.empty(); }

 private:
  friend StatusOr<PcsProverData> pcs_commit(const PcsConfig& config, std::vector<M31> table,
                                            const PcsBlinding& blinding);
  friend struct PcsOpener;
  PcsProverData(const PcsConfig& config, size_t log_size, std::vector<M31> table, std::vector<M31> mask,
                PcsBlinding blinding, std::vector<CM31> codeword, MerkleTree tree)
      : config_(config), log_size_(log_size), table_(std::move(table)), mask_(std::move(mask)),
        blinding_(std::move(blinding)), codeword_(std::move(codeword)), tree_(std::move(tree)) {}

  PcsConfig config_;
  size_t log_size_;
  std::vector<M31> table_;
  std::vector<M31> mask_;       // hiding only: H
  PcsBlinding blinding_;        // hiding only: the segment no claim may touch
  std::vector<CM31> codeword_;  // layer 0 (of W when hiding), bit-reversed order
  MerkleTree tree_;
};

struct PcsLayerOpening {
  // The opened leaves in increasing index order (each index once), every leaf's words in order.
  std::vector<uint32_t> values;
  MerkleOpening merkle;
  friend bool operator==(const PcsLayerOpening&, const PcsLayerOpening&) = default;
};

struct PcsProof {
  std::vector<QM31> masks;                    // hiding only: the mask's value per claim
  std::vector<std::array<QM31, 2>> sumcheck;  // g(0), g(2) per fold round
  std::vector<uint64_t> fold_nonces;          // one per fold round when fold_pow_bits > 0
  std::vector<Digest> layer_roots;            // the committed layers after layer 0
  std::vector<QM31> final_message;            // the fully folded message, as coefficients
  uint64_t query_nonce = 0;
  std::vector<PcsLayerOpening> layers;        // one per committed layer, layer 0 first
  friend bool operator==(const PcsProof&, const PcsProof&) = default;
};

// Encodes the table (a power of two of values, at most 2^kMaxPcsLogSize; with hiding, at most
// half that, more than 2^(log_final_size - 1) values, and a blinding segment) and builds its
// Merkle tree. Does not touch any transcript: the caller mixes root() with mix_root.
StatusOr<PcsProverData> pcs_commit(const PcsConfig& config, std::vector<M31> table, const PcsBlinding& blinding = {});

// Proves all claims at once. `config` must be the one the data was committed with; the claims'
// values must be right (checked, since a wrong one would only produce a rejected proof), and
// with hiding no claim may touch the blinding segment.
StatusOr<PcsProof> pcs_open(const PcsConfig& config, const PcsProverData& data, std::span<const PcsClaim> claims,
                            Transcript& transcript);

// Checks a proof of `claims` against the root of a table of 2^log_size values. The config and
// log_size come from the verifier's own public data; every length in the proof is checked
// against what they imply.
Status pcs_verify(const PcsConfig& config, size_t log_size, const Digest& root, std::span<const PcsClaim> claims,
                  const PcsProof& proof, Transcript& transcript);

// Binary form: "ZKCCPF", version u16 (= 2), kind u8 (= 5), then
//   u32 n, n x QM31          masks
//   u32 n, n x (2 QM31)      sumcheck messages
//   u32 n, n x u64           fold nonces
//   u32 n, n x 32 bytes      layer roots
//   u32 n, n x QM31          final message
//   u64                      query nonce
//   u32 n, n x (u32 m, m x u32 words < p; u32 k, k x 32 bytes)   layer openings
// little endian, a QM31 as its four M31 coordinates. Decoding refuses truncation, trailing bytes,
// counts larger than the bytes left, non-canonical field elements, more than 64 entries in the
// per-round and per-layer lists, more masks than kMaxPcsClaims and a final message above 2^16
// values.
Bytes encode_pcs_proof(const PcsProof& proof);
StatusOr<PcsProof> decode_pcs_proof(std::span<const uint8_t> bytes);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_PCS_PCS_H_
