// The prover's commitment: encode, hash the cosets of layer 0, build the tree.
#include <algorithm>
#include <numeric>
#include <string>

#include "protocol.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/pcs/rs_code.h"

namespace zkcc::proof {

StatusOr<PcsStackLayout> pcs_stack_layout(std::span<const size_t> sizes) {
  std::vector<size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t s : sizes) {
    if (s == 0 || (s & (s - 1)) != 0) return invalid_argument("stacked size " + std::to_string(s) + " is not a power of two");
    if (s > (size_t{1} << kMaxPcsLogSize)) return out_of_range("stacked size " + std::to_string(s) + " is too large");
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  PcsStackLayout out;
  out.offsets.resize(sizes.size());
  size_t at = 0;
  for (size_t i : order) {
    out.offsets[i] = at;  // a multiple of sizes[i]: every earlier size is a larger power of two
    at += sizes[i];
    if (at > (size_t{1} << kMaxPcsLogSize)) return out_of_range("stacked tensors exceed 2^" + std::to_string(kMaxPcsLogSize));
  }
  while ((size_t{1} << out.log_size) < at) ++out.log_size;
  out.used = at;
  return out;
}

StatusOr<PcsProverData> pcs_commit(const PcsConfig& config, std::vector<M31> table, const PcsBlinding& blinding) {
  ZKCC_RETURN_IF_ERROR(config.validate());
  size_t n = table.size();
  if (n == 0 || (n & (n - 1)) != 0) return invalid_argument("pcs table size " + std::to_string(n) + " is not a power of two");
  size_t log_size = 0;
  while ((size_t{1} << log_size) < n) ++log_size;
  const size_t log_committed = log_size + (config.hiding ? 1 : 0);
  if (log_committed > kMaxPcsLogSize) return out_of_range("pcs table of 2^" + std::to_string(log_size) + " values is too large");

  std::vector<M31> mask;
  std::span<const M31> committed = table;
  std::vector<M31> interleaved;
  if (config.hiding) {
    // The first fold must mix in the mask before anything is sent in the clear.
    if (log_committed <= config.log_final_size) {
      return invalid_argument("a hiding pcs table needs more than 2^" + std::to_string(config.log_final_size - 1) + " values");
    }
    const size_t b = blinding.size;
    if (b < pcs_blinding_size(config) || (b & (b - 1)) != 0 || blinding.offset % b != 0 || blinding.offset >= n ||
        n - blinding.offset < b) {
      return invalid_argument("a hiding pcs table needs an aligned blinding segment of a power of two, at least " +
                              std::to_string(pcs_blinding_size(config)) + " values, inside the table");
    }
    const size_t live = std::min(n, blinding.zero_from);
    if (blinding.offset + b > live) return invalid_argument("the blinding segment lies in the table's zero padding");
    if (std::any_of(table.begin() + static_cast<std::ptrdiff_t>(live), table.end(), [](M31 v) { return !v.is_zero(); })) {
      return invalid_argument("a pcs table is not zero where its padding was declared");
    }
    mask.resize(n);
    ZKCC_RETURN_IF_ERROR(pcs_internal::fill_random(blinding.seed, std::span<M31>(table).subspan(blinding.offset, b),
                                                   std::span<M31>(mask).first(live)));
    interleaved.resize(2 * n);
    for (size_t i = 0; i < n; ++i) {
      interleaved[2 * i] = table[i];
      interleaved[2 * i + 1] = mask[i];
    }
    committed = interleaved;
  } else if (blinding.size != 0 || blinding.seed) {
    return invalid_argument("a blinding segment is only for a hiding pcs config");
  }
  pcs_internal::Plan plan = pcs_internal::make_plan(config, log_committed);
  std::vector<CM31> codeword = rs_encode(committed, config.log_blowup);
  interleaved = {};
  ZKCC_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::from_leaf_hashes(pcs_internal::coset_leaf_hashes(codeword, plan.folds[0])));
  PcsBlinding kept{blinding.offset, blinding.size, std::nullopt, blinding.zero_from};  // the seed is not kept
  return PcsProverData(config, log_size, std::move(table), std::move(mask), kept, std::move(codeword), std::move(tree));
}

}  // namespace zkcc::proof
