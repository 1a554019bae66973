// A binary Merkle tree over BLAKE2s-256 whose leaves are fixed-width rows of 32-bit words.
//
//   leaf  = BLAKE2s-256, personalization "zkccleaf", of the row's words as little-endian bytes
//   node  = BLAKE2s-256, personalization "zkccnode", of left || right (one compression)
// The two personalizations separate leaves from nodes, so no row can be passed off as a node.
// The number of leaves is a power of two (at least 1); with one leaf the root is the leaf hash.
//
// An opening of several leaves is one batched proof: walking up level by level over the sorted
// set of known nodes, it holds, left to right, each sibling that is not itself known (computed
// from the opened rows). The verifier derives the same walk from the indices alone, so it knows
// exactly how many nodes to expect and refuses any other count.
#ifndef ZKCC_PROOF_PCS_MERKLE_H_
#define ZKCC_PROOF_PCS_MERKLE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

using Digest = std::array<uint8_t, 32>;

// The hash of one row (a leaf).
Digest merkle_leaf_hash(std::span<const uint32_t> row);
// The hash of two children (an inner node).
Digest merkle_node_hash(const Digest& left, const Digest& right);
// Many at once (eight in lockstep where the CPU allows): out[i] hashes row i of `rows`
// (out.size() rows of `width` words), or the children 2i and 2i + 1.
void merkle_leaf_hashes(std::span<const uint32_t> rows, size_t width, std::span<Digest> out);
void merkle_node_hashes(std::span<const Digest> children, std::span<Digest> out);

struct MerkleOpening {
  std::vector<Digest> nodes;  // the siblings the verifier cannot recompute, in walk order
  friend bool operator==(const MerkleOpening&, const MerkleOpening&) = default;
};

class MerkleTree {
 public:
  // Commits to rows.size() / width rows (a power of two) of `width` words each, hashing the
  // leaves in parallel.
  static StatusOr<MerkleTree> commit(std::span<const uint32_t> rows, size_t width);
  // Builds the tree over leaf hashes computed elsewhere (a power of two of them).
  static StatusOr<MerkleTree> from_leaf_hashes(std::vector<Digest> leaves);

  const Digest& root() const { return nodes_[1]; }
  size_t log_leaves() const { return log_leaves_; }
  size_t num_leaves() const { return size_t{1} << log_leaves_; }

  // The batched proof for these leaves; indices must be sorted, unique and in range.
  StatusOr<MerkleOpening> open(std::span<const size_t> indices) const;

 private:
  MerkleTree() = default;
  size_t log_leaves_ = 0;
  // Heap layout: node 1 is the root, node i has children 2i and 2i+1, leaves at [n, 2n).
  std::vector<Digest> nodes_;
};

// Checks that `rows` (indices.size() rows of `width` words, in index order) are the leaves at
// `indices` (sorted, unique, below 2^log_leaves) of the tree with this root.
Status merkle_verify(const Digest& root, size_t log_leaves, size_t width, std::span<const size_t> indices,
                     std::span<const uint32_t> rows, const MerkleOpening& opening);

// The one place a Merkle root enters the Poseidon transcript: the 32 bytes are read as two
// big-endian 128-bit integers (bytes 0..15, then 16..31), each below p, and absorbed as the
// two-felt message [hi, lo] (with its length first, as Transcript::mix_felts does).
void mix_root(Transcript& transcript, const Digest& root);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_PCS_MERKLE_H_
