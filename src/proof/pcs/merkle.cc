#include "zkcc/proof/pcs/merkle.h"

#include <string>

#include "zkcc/base/parallel.h"
#include "zkcc/hash/blake2s.h"

namespace zkcc::proof {
namespace {

const hash::Blake2sState& leaf_init() {
  static const hash::Blake2sState s = hash::blake2s_init({'z', 'k', 'c', 'c', 'l', 'e', 'a', 'f'});
  return s;
}
const hash::Blake2sState& node_init() {
  static const hash::Blake2sState s = hash::blake2s_init({'z', 'k', 'c', 'c', 'n', 'o', 'd', 'e'});
  return s;
}

uint32_t load32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

Felt252 felt_from_be128(const uint8_t* p) {
  Felt252::Limbs l{};
  for (int i = 0; i < 16; ++i) l[1 - i / 8] |= uint64_t(p[i]) << (8 * (7 - i % 8));
  return *Felt252::from_canonical(l);  // below 2^128 < p
}

Status check_indices(std::span<const size_t> indices, size_t log_leaves) {
  if (indices.empty()) return invalid_argument("merkle opening needs at least one index");
  for (size_t i = 0; i < indices.size(); ++i) {
    if (log_leaves < 64 && indices[i] >> log_leaves != 0) {
      return out_of_range("merkle index " + std::to_string(indices[i]) + " is not below 2^" + std::to_string(log_leaves));
    }
    if (i > 0 && indices[i] <= indices[i - 1]) return invalid_argument("merkle indices are not sorted and unique");
  }
  return ok_status();
}

}  // namespace

Digest merkle_leaf_hash(std::span<const uint32_t> row) { return hash::blake2s_words(leaf_init(), row); }

Digest merkle_node_hash(const Digest& left, const Digest& right) {
  uint32_t m[16];
  for (int i = 0; i < 8; ++i) {
    m[i] = load32(left.data() + 4 * i);
    m[8 + i] = load32(right.data() + 4 * i);
  }
  hash::Blake2sState h = node_init();
  hash::blake2s_compress(h, m, 64, true);
  return hash::blake2s_digest(h);
}

void merkle_leaf_hashes(std::span<const uint32_t> rows, size_t width, std::span<Digest> out) {
  size_t i = 0;
  for (; i + 8 <= out.size(); i += 8) {
    hash::Blake2sState h[8];
    const uint32_t* m[8];
    for (int l = 0; l < 8; ++l) h[l] = leaf_init();
    // Full blocks straight from the rows; the last (partial or empty) block zero padded.
    size_t pos = 0;
    for (; width - pos > 16; pos += 16) {
      for (size_t l = 0; l < 8; ++l) m[l] = rows.data() + (i + l) * width + pos;
      hash::blake2s_compress_x8(h, m, 4 * uint64_t(pos + 16), false);
    }
    uint32_t tail[8][16] = {};
    for (size_t l = 0; l < 8; ++l) {
      std::copy(rows.begin() + static_cast<ptrdiff_t>((i + l) * width + pos),
                rows.begin() + static_cast<ptrdiff_t>((i + l + 1) * width), tail[l]);
      m[l] = tail[l];
    }
    hash::blake2s_compress_x8(h, m, 4 * uint64_t(width), true);
    for (size_t l = 0; l < 8; ++l) out[i + l] = hash::blake2s_digest(h[l]);
  }
  for (; i < out.size(); ++i) out[i] = merkle_leaf_hash(rows.subspan(i * width, width));
}

void merkle_node_hashes(std::span<const Digest> children, std::span<Digest> out) {
  size_t i = 0;
  for (; i + 8 <= out.size(); i += 8) {
    hash::Blake2sState h[8];
    uint32_t words[8][16];
    const uint32_t* m[8];
    for (size_t l = 0; l < 8; ++l) {
      h[l] = node_init();
      for (int w = 0; w < 8; ++w) {
        words[l][w] = load32(children[2 * (i + l)].data() + 4 * w);
        words[l][8 + w] = load32(children[2 * (i + l) + 1].data() + 4 * w);
      }
      m[l] = words[l];
    }
    hash::blake2s_compress_x8(h, m, 64, true);
    for (size_t l = 0; l < 8; ++l) out[i + l] = hash::blake2s_digest(h[l]);
  }
  for (; i < out.size(); ++i) out[i] = merkle_node_hash(children[2 * i], children[2 * i + 1]);
}

StatusOr<MerkleTree> MerkleTree::commit(std::span<const uint32_t> rows, size_t width) {
  if (width == 0 || rows.size() % width != 0) return invalid_argument("merkle rows are not a whole number of rows");
  size_t n = rows.size() / width;
  std::vector<Digest> leaves(n);
  parallel_for(n / 8, 64, [&](size_t, size_t begin, size_t end) {
    merkle_leaf_hashes(rows.subspan(8 * begin * width, 8 * (end - begin) * width), width,
                       std::span<Digest>(leaves).subspan(8 * begin, 8 * (end - begin)));
  });
  size_t done = n / 8 * 8;
  merkle_leaf_hashes(rows.subspan(done * width), width, std::span<Digest>(leaves).subspan(done));
  return from_leaf_hashes(std::move(leaves));
}

StatusOr<MerkleTree> MerkleTree::from_leaf_hashes(std::vector<Digest> leaves) {
  size_t n = leaves.size();
  if (n == 0 || (n & (n - 1)) != 0) return invalid_argument("merkle tree needs a power of two of leaves");
  MerkleTree t;
  while ((size_t{1} << t.log_leaves_) < n) ++t.log_leaves_;
  t.nodes_.resize(2 * n);
  std::copy(leaves.begin(), leaves.end(), t.nodes_.begin() + static_cast<ptrdiff_t>(n));
  leaves = {};
  for (size_t level = n / 2; level >= 1; level /= 2) {
    // Nodes [level, 2 level) from their children [2 level, 4 level).
    parallel_for(level, 1024, [&](size_t, size_t begin, size_t end) {
      merkle_node_hashes(std::span<const Digest>(t.nodes_).subspan(2 * (level + begin), 2 * (end - begin)),
                         std::span<Digest>(t.nodes_).subspan(level + begin, end - begin));
    });
  }
  return t;
}

StatusOr<MerkleOpening> MerkleTree::open(std::span<const size_t> indices) const {
  ZKCC_RETURN_IF_ERROR(check_indices(indices, log_leaves_));
  MerkleOpening out;
  std::vector<size_t> known(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) known[i] = num_leaves() + indices[i];
  std::vector<size_t> parents;
  while (known[0] > 1) {
    parents.clear();
    for (size_t i = 0; i < known.size(); ++i) {
      size_t sib = known[i] ^ 1;
      if (i + 1 < known.size() && known[i + 1] == sib) {
        ++i;  // both children known: nothing to send
      } else {
        out.nodes.push_back(nodes_[sib]);
      }
      parents.push_back(known[i] >> 1);
    }
    known.swap(parents);
  }
  return out;
}

Status merkle_verify(const Digest& root, size_t log_leaves, size_t width, std::span<const size_t> indices,
                     std::span<const uint32_t> rows, const MerkleOpening& opening) {
  if (log_leaves >= 48) return out_of_range("merkle tree of 2^" + std::to_string(log_leaves) + " leaves is too large");
  ZKCC_RETURN_IF_ERROR(check_indices(indices, log_leaves));
  if (width == 0 || rows.size() != indices.size() * width) {
    return invalid_argument("merkle opening has " + std::to_string(rows.size()) + " words for " +
                            std::to_string(indices.size()) + " rows of " + std::to_string(width));
  }
  struct Known {
    size_t node;
    Digest hash;
  };
  std::vector<Known> known(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    known[i] = {(size_t{1} << log_leaves) + indices[i], merkle_leaf_hash(rows.subspan(i * width, width))};
  }
  size_t used = 0;
  std::vector<Known> parents;
  while (known[0].node > 1) {
    parents.clear();
    for (size_t i = 0; i < known.size(); ++i) {
      size_t node = known[i].node;
      const Digest mine = known[i].hash;
      Digest sibling;
      if (i + 1 < known.size() && known[i + 1].node == (node ^ 1)) {
        sibling = known[++i].hash;
      } else {
        if (used == opening.nodes.size()) return invalid_argument("merkle opening is missing nodes");
        sibling = opening.nodes[used++];
      }
      parents.push_back({node >> 1, node & 1 ? merkle_node_hash(sibling, mine) : merkle_node_hash(mine, sibling)});
    }
    known.swap(parents);
  }
  if (used != opening.nodes.size()) {
    return invalid_argument("merkle opening has " + std::to_string(opening.nodes.size()) + " nodes, expected " +
                            std::to_string(used));
  }
  if (known[0].hash != root) return invalid_argument("merkle root mismatch");
  return ok_status();
}

void mix_root(Transcript& transcript, const Digest& root) {
  const Felt252 both[2] = {felt_from_be128(root.data()), felt_from_be128(root.data() + 16)};
  transcript.mix_felts(both);
}

}  // namespace zkcc::proof
