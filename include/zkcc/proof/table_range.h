// Range proof over a committed table: every entry of each declared segment of a PCS-committed
// table lies in a signed range [-2^(bits-1), 2^(bits-1)), without revealing the table. A model's
// private parameters (weights, biases, constants) are committed in one stacked table; the proofs
// of its inferences are sound only when no accumulator can wrap modulo p, so each verifier of the
// model checks this proof once against the model's commitment.
//
// Protocol (the soundness argument and its error are in docs/soundness.md, "Range of committed
// parameters"). Entries are shifted to s = v + 2^(bits-1), which must lie in [0, 2^bits).
//   - A segment of at most 16 bits is looked up directly, 2^j entries per lookup row (j = 2 up to
//     4 bits, j = 1 up to 8 bits, j = 0 above, at most the segment's size, and lowered while the
//     segment has fewer rows than the packed table): row i holds
//     s[i 2^j + c] in column 1 + c, and the table of width w and packing j lists all 2^(w 2^j)
//     tuples of w-bit digits. Packing halves or quarters the lookup rows for narrow segments.
//   - A wider segment is split into limbs L (16 bits) and H (bits - 16), s = L + 2^16 H, committed
//     in the proof's region of the table; each limb is looked up with j = 0.
//   - Every lookup runs in ONE LogUp over 1 + K columns (K the largest packing, at most 4):
//     column 0 a tag naming the (width, packing) table. Pieces are stacked largest first at
//     aligned offsets; unused witness rows are all zero and matched by a one-row zero piece of
//     the table side, whose multiplicity counts them.
//   - The multiplicities and the limbs lie in the proof's region of the committed table (placed
//     by the caller, range_region_size and fill_range_region), so they are committed with the
//     table, before the lookup's challenges, and the proof opens one commitment once.
//   - With a hiding config the proof is zero knowledge: the region also holds a pool of random
//     words (sumcheck_mask.h), every sumcheck of the lookup is masked, and every value the proof
//     states (the lookup's column and multiplicity evaluations, each piece's column values) is a
//     masked value; identities between them are claims on the pool, and claims on the table with
//     a masked value are joined runs with their pool words (add_masked_claim).
// Transcript order, after the caller has mixed the table's root:
//   1. the statement as one M31 message: 2^table_log_size's log, the region's offset, the segment
//      count, then each segment's offset, size and bits;
//   2. the LogUp (logup.h), masked with a hiding config (its columns too);
//   3. the stated values: masked (each through SumcheckMasks::mask_value), or without hiding one
//      M31 message of QM31s; then two QM31 challenges r that reduce each packed piece's 2^j
//      column claims to one claim on its segment at (piece point, r[0..j));
//   4. with a hiding config, beta for the claim on the pool;
//   5. the opening of the table.
// The verifier computes the tags, the digit tables' extensions and the shifts itself; each claim
// on a witness column becomes a claim on the committed data (affine in the table's segment, or a
// limb), and all of them are proved by one batched pcs_open.
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
  LogupProof logup;
  std::vector<QM31> stated;     // without hiding: per witness piece, in piece order, each used column at its point
  std::vector<QM31> masks;      // hiding only: the masked sumchecks' and masked values' stated values (sumcheck_mask.h)
  PcsProof opening;
};

// Checks that segments are well formed, inside a table of 2^table_log_size entries and pairwise
// disjoint (the verifier's first step; the prover runs it too).
Status check_range_segments(size_t table_log_size, std::span<const RangeSegment> segments);

// The proof's region of the table for these segments (a power of two: the multiplicities, the
// limbs, with a hiding config the pool): the caller places it at a multiple of its size, apart
// from every segment, and fills it before committing.
StatusOr<size_t> range_region_size(const PcsConfig& config, std::span<const RangeSegment> segments);
// Writes the region at region_offset of the table from the segments' entries; with a hiding
// config the pool's words are ChaCha20's stream under mask_seed (the system's generator without
// one). Fails with the first out-of-range entry (its index and value).
Status fill_range_region(const PcsConfig& config, std::span<M31> table, size_t region_offset,
                         std::span<const RangeSegment> segments,
                         const std::optional<std::array<uint8_t, 32>>& mask_seed = std::nullopt);

// `config` must be the one the table was committed with, and the region filled before the commit.
StatusOr<TableRangeProof> prove_table_range(const PcsConfig& config, const PcsProverData& table,
                                            std::span<const RangeSegment> segments, size_t region_offset,
                                            Transcript& transcript);

// The config, table size, root, segments and region come from the verifier's own public data.
Status verify_table_range(const PcsConfig& config, size_t table_log_size, const Digest& table_root,
                          std::span<const RangeSegment> segments, size_t region_offset, const TableRangeProof& proof,
                          Transcript& transcript);

// Binary form: "ZKCCPF", version u16 (kProofEncodingVersion), kind u8 (= 6), then
//   u32 n, n bytes           the LogUp proof's binary form (encode_binary, encoding.h)
//   u32 n, n x QM31          stated values
//   u32 n, n x QM31          the masks' stated values
//   u32 n, n bytes           the opening's binary form (encode_pcs_proof)
// little endian. Decoding refuses truncation, trailing bytes (also inside the nested forms),
// counts larger than the bytes left and non-canonical field elements.
Bytes encode_table_range_proof(const TableRangeProof& proof);
StatusOr<TableRangeProof> decode_table_range_proof(std::span<const uint8_t> bytes);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_TABLE_RANGE_H_
