// Range proof over a committed table: every entry of each declared segment of a PCS-committed
// table lies in a signed range [-2^(bits-1), 2^(bits-1)), without revealing the table. A model's
// private parameters (weights, biases, constants) are committed in one stacked table; the proofs
// of its inferences are sound only when no accumulator can wrap modulo p, so each verifier of the
// model checks this proof once against the model's commitment.
//
// Protocol (the soundness argument and its error are in docs/soundness.md, "Range of committed
// parameters"). Entries are shifted to s = v + 2^(bits-1), which must lie in [0, 2^bits).
//   - A segment of at most 16 bits is looked up directly, 2^j entries per lookup row (j = 2 up to
//     4 bits, j = 1 up to 8 bits, j = 0 above, at most the segment's size): row i holds
//     s[i 2^j + c] in column 1 + c, and the table of width w and packing j lists all 2^(w 2^j)
//     tuples of w-bit digits. Packing halves or quarters the lookup rows for narrow segments.
//   - A wider segment is split into limbs L (16 bits) and H (bits - 16), s = L + 2^16 H, committed
//     in an auxiliary table; each limb is looked up with j = 0.
//   - Every lookup runs in ONE LogUp over 1 + K columns (K the largest packing, at most 4):
//     column 0 a tag naming the (width, packing) table. Pieces are stacked largest first at
//     aligned offsets; unused witness rows are all zero and matched by a one-row zero piece of
//     the table side, whose multiplicity counts them.
//   - The multiplicities (and the limbs) are committed in the auxiliary table before the lookup's
//     challenges are drawn.
// Transcript order, after the caller has mixed the table's root:
//   1. the statement as one M31 message: 2^table_log_size's log, the segment count, then each
//      segment's offset, size and bits;
//   2. the auxiliary root (mix_root);
//   3. the LogUp (logup.h), its sumchecks masked with a hiding config (sumcheck_mask.h: the masks
//      are random words of the auxiliary table);
//   4. the stated values (one M31 message of QM31s); then two QM31 challenges r that reduce each
//      packed piece's 2^j column claims to one claim on its segment at (piece point, r[0..j));
//   5. with a hiding config, beta for the masks' claim on the auxiliary table;
//   6. the opening of the table, then the opening of the auxiliary table.
// The verifier computes the tags, the digit tables' extensions and the shifts itself; each claim
// on a witness column becomes a claim on the committed data (affine in the table's segment, or a
// limb), and all of them are proved by one batched pcs_open per commitment.
#ifndef ZKCC_PROOF_TABLE_RANGE_H_
#define ZKCC_PROOF_TABLE_RANGE_H_

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/proof/logup.h"
#include "zkcc/proof/pcs/pcs.h"

namespace zkcc::proof {

// The entries [offset, offset + size) of the table (size a power of two, offset a multiple of
// size) lie in [-2^(bits-1), 2^(bits-1)) as signed integers (residues above (p-1)/2 read as
// negative); 1 <= bits <= 30.
struct RangeSegment {
  size_t offset = 0;
  size_t size = 0;
  unsigned bits = 0;
};

inline constexpr unsigned kMaxRangeBits = 30;
// The most segments one proof covers (a model's tensors; the verifier refuses more).
// Each wide segment adds two claims to the aux opening, so this keeps it under kMaxPcsClaims.
inline constexpr size_t kMaxRangeSegments = size_t{1} << 15;

struct TableRangeProof {
  Digest aux_root;              // multiplicities and limbs
  LogupProof logup;
  std::vector<QM31> stated;     // per witness piece, in piece order, each used column at its point
  std::vector<QM31> masks;      // hiding only: each masked sumcheck's mask sum and value (sumcheck_mask.h)
  PcsProof table_opening;
  PcsProof aux_opening;
};

// Checks that segments are well formed, inside a table of 2^table_log_size entries and pairwise
// disjoint (the verifier's first step; the prover runs it too).
Status check_range_segments(size_t table_log_size, std::span<const RangeSegment> segments);

// Fails with the first out-of-range entry (its index and value) when the table breaks a segment's
// range. `config` must be the one the table was committed with. With a hiding config the aux
// table is hiding too, its randomness from `aux_seed` (PcsBlinding::seed) when given.
StatusOr<TableRangeProof> prove_table_range(const PcsConfig& config, const PcsProverData& table,
                                            std::span<const RangeSegment> segments, Transcript& transcript,
                                            const std::optional<std::array<uint8_t, 32>>& aux_seed = std::nullopt);

// The config, table size, root and segments come from the verifier's own public data.
Status verify_table_range(const PcsConfig& config, size_t table_log_size, const Digest& table_root,
                          std::span<const RangeSegment> segments, const TableRangeProof& proof,
                          Transcript& transcript);

// Binary form: "ZKCCPF", version u16 (= 1), kind u8 (= 6), then
//   32 bytes                 aux root
//   u32 n, n bytes           the LogUp proof's binary form (encode_binary, encoding.h)
//   u32 n, n x QM31          stated values
//   u32 n, n x QM31          the masks' stated values
//   u32 n, n bytes           the table opening's binary form (encode_pcs_proof)
//   u32 n, n bytes           the aux opening's binary form
// little endian. Decoding refuses truncation, trailing bytes (also inside the nested forms),
// counts larger than the bytes left and non-canonical field elements.
Bytes encode_table_range_proof(const TableRangeProof& proof);
StatusOr<TableRangeProof> decode_table_range_proof(std::span<const uint8_t> bytes);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_TABLE_RANGE_H_
