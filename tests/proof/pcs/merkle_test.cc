#include "zkcc/proof/pcs/merkle.h"

#include <gtest/gtest.h>

#include <random>

namespace zkcc::proof {
namespace {

constexpr size_t kWidth = 3;

std::vector<uint32_t> rows(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> v(n * kWidth);
  for (auto& w : v) w = static_cast<uint32_t>(rng());
  return v;
}

std::vector<uint32_t> opened_rows(const std::vector<uint32_t>& all, std::span<const size_t> indices) {
  std::vector<uint32_t> out;
  for (size_t i : indices) out.insert(out.end(), all.begin() + i * kWidth, all.begin() + (i + 1) * kWidth);
  return out;
}

TEST(Merkle, OpensAnySetOfLeaves) {
  for (size_t log = 0; log <= 5; ++log) {
    auto data = rows(size_t{1} << log, log);
    auto tree = MerkleTree::commit(data, kWidth);
    ASSERT_TRUE(tree.ok());
    EXPECT_EQ(tree->log_leaves(), log);
    std::vector<std::vector<size_t>> sets = {{0}, {(size_t{1} << log) - 1}};
    if (log >= 2) sets.push_back({0, 1, 3});
    if (log >= 4) sets.push_back({2, 5, 6, 7, 12});
    for (const auto& idx : sets) {
      auto op = tree->open(idx);
      ASSERT_TRUE(op.ok());
      EXPECT_TRUE(merkle_verify(tree->root(), log, kWidth, idx, opened_rows(data, idx), *op).ok()) << log;
    }
  }
}

TEST(Merkle, SiblingsAreSharedAcrossIndices) {
  auto data = rows(16, 1);
  auto tree = *MerkleTree::commit(data, kWidth);
  // Leaves 0 and 1 share every node above them: 3 siblings (levels 2..4), not 2 x 4.
  EXPECT_EQ(tree.open(std::vector<size_t>{0, 1})->nodes.size(), 3u);
  EXPECT_EQ(tree.open(std::vector<size_t>{0})->nodes.size(), 4u);
  // All leaves: nothing to send.
  std::vector<size_t> all(16);
  for (size_t i = 0; i < 16; ++i) all[i] = i;
  EXPECT_TRUE(tree.open(all)->nodes.empty());
}

TEST(Merkle, RejectsEveryTamperedNodeWordAndIndex) {
  auto data = rows(32, 2);
  auto tree = *MerkleTree::commit(data, kWidth);
  std::vector<size_t> idx = {3, 4, 17, 30};
  auto op = *tree.open(idx);
  auto opened = opened_rows(data, idx);
  ASSERT_TRUE(merkle_verify(tree.root(), 5, kWidth, idx, opened, op).ok());
  for (size_t i = 0; i < op.nodes.size(); ++i) {
    auto bad = op;
    bad.nodes[i][i % 32] ^= 1;
    EXPECT_EQ(merkle_verify(tree.root(), 5, kWidth, idx, opened, bad).message(), "merkle root mismatch") << i;
  }
  for (size_t i = 0; i < opened.size(); ++i) {
    auto bad = opened;
    bad[i] ^= 0x100;
    EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth, idx, bad, op).ok()) << i;
  }
  for (size_t i = 0; i < idx.size(); ++i) {
    for (size_t other : {idx[i] - 1, idx[i] + 1}) {
      auto bad = idx;
      bad[i] = other;
      Status s = merkle_verify(tree.root(), 5, kWidth, bad, opened, op);
      EXPECT_FALSE(s.ok()) << i << " -> " << other;
    }
  }
  auto root = tree.root();
  root[0] ^= 1;
  EXPECT_FALSE(merkle_verify(root, 5, kWidth, idx, opened, op).ok());
}

TEST(Merkle, RejectsWrongShapes) {
  auto data = rows(32, 3);
  auto tree = *MerkleTree::commit(data, kWidth);
  std::vector<size_t> idx = {1, 9};
  auto op = *tree.open(idx);
  auto opened = opened_rows(data, idx);
  auto extra = op;
  extra.nodes.push_back(op.nodes[0]);
  EXPECT_NE(merkle_verify(tree.root(), 5, kWidth, idx, opened, extra).message().find("expected"), std::string::npos);
  auto missing = op;
  missing.nodes.pop_back();
  EXPECT_EQ(merkle_verify(tree.root(), 5, kWidth, idx, opened, missing).message(), "merkle opening is missing nodes");
  EXPECT_FALSE(merkle_verify(tree.root(), 4, kWidth, idx, opened, op).ok());
  EXPECT_FALSE(merkle_verify(tree.root(), 6, kWidth, idx, opened, op).ok());
  EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth - 1, idx, opened, op).ok());
  opened.pop_back();
  EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth, idx, opened, op).ok());
  opened = opened_rows(data, idx);
  std::vector<size_t> unsorted = {9, 1};
  EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth, unsorted, opened, op).ok());
  std::vector<size_t> repeated = {1, 1};
  EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth, repeated, opened, op).ok());
  std::vector<size_t> out_of_range = {1, 32};
  EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth, out_of_range, opened, op).ok());
  EXPECT_FALSE(merkle_verify(tree.root(), 5, kWidth, {}, {}, op).ok());
  EXPECT_FALSE(tree.open(unsorted).ok());
  EXPECT_FALSE(tree.open(out_of_range).ok());
  EXPECT_FALSE(MerkleTree::commit(rows(3, 0), kWidth).ok());
}

// Leaves and nodes are hashed under different personalizations, so a node's two children
// presented as a two-digest row do not hash to the node.
TEST(Merkle, LeavesAndNodesAreSeparated) {
  Digest a{}, b{};
  a[0] = 1;
  b[0] = 2;
  std::vector<uint32_t> words(16);
  for (size_t i = 0; i < 8; ++i) {
    words[i] = uint32_t(a[4 * i]) | uint32_t(a[4 * i + 1]) << 8 | uint32_t(a[4 * i + 2]) << 16 | uint32_t(a[4 * i + 3]) << 24;
    words[8 + i] = uint32_t(b[4 * i]) | uint32_t(b[4 * i + 1]) << 8 | uint32_t(b[4 * i + 2]) << 16 | uint32_t(b[4 * i + 3]) << 24;
  }
  EXPECT_NE(merkle_leaf_hash(words), merkle_node_hash(a, b));
}

TEST(Merkle, MixRootBindsEveryByte) {
  auto tree = *MerkleTree::commit(rows(8, 4), kWidth);
  Transcript t1(Felt252::from_u64(1));
  mix_root(t1, tree.root());
  for (size_t i = 0; i < 32; i += 7) {
    Digest other = tree.root();
    other[i] ^= 0x80;
    Transcript t2(Felt252::from_u64(1));
    mix_root(t2, other);
    EXPECT_FALSE(t1.digest() == t2.digest()) << i;
  }
}

}  // namespace
}  // namespace zkcc::proof
