// The verifier: every shape comes from (config, log_size, claims); the proof only fills it in.
#include <algorithm>
#include <string>

#include "protocol.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/pcs/rs_code.h"
#include "zkcc/proof/sumcheck.h"

namespace zkcc::proof {
namespace {

using pcs_internal::Plan;

Status expect_count(std::string_view what, size_t got, size_t want) {
  if (got == want) return ok_status();
  return invalid_argument("pcs proof has " + std::to_string(got) + " " + std::string(what) + ", expected " +
                          std::to_string(want));
}

// The opened symbols of one leaf, lifted to QM31.
std::vector<QM31> leaf_symbols(std::span<const uint32_t> words, size_t layer, size_t count) {
  std::vector<QM31> out(count);
  for (size_t s = 0; s < count; ++s) {
    if (layer == 0) {
      out[s] = QM31::from_m31s(M31::from_canonical(words[2 * s]), M31::from_canonical(words[2 * s + 1]), M31::zero(),
                               M31::zero());
    } else {
      const uint32_t* w = words.data() + 4 * s;
      out[s] = QM31::from_m31s(M31::from_canonical(w[0]), M31::from_canonical(w[1]), M31::from_canonical(w[2]),
                               M31::from_canonical(w[3]));
    }
  }
  return out;
}

}  // namespace

Status pcs_verify(const PcsConfig& config, size_t data_log_size, const Digest& root, std::span<const PcsClaim> data_claims,
                  const PcsProof& proof, Transcript& transcript) {
  ZKCC_RETURN_IF_ERROR(config.validate());
  const size_t log_size = data_log_size + (config.hiding ? 1 : 0);
  if (log_size > kMaxPcsLogSize) return out_of_range("pcs table of 2^" + std::to_string(data_log_size) + " values is too large");
  ZKCC_RETURN_IF_ERROR(pcs_internal::check_claims(data_claims, data_log_size));
  std::span<const PcsClaim> claims = data_claims;
  std::vector<PcsClaim> w_claims;
  ZKCC_RETURN_IF_ERROR(expect_count("masks", proof.masks.size(), config.hiding ? data_claims.size() : 0));
  if (config.hiding) {
    transcript.mix_qm31s(proof.masks);
    QM31 rho = transcript.draw_qm31();
    w_claims = pcs_internal::hiding_claims(data_claims, proof.masks, rho);
    claims = w_claims;
  }
  const Plan plan = pcs_internal::make_plan(config, log_size);

  ZKCC_RETURN_IF_ERROR(expect_count("sumcheck rounds", proof.sumcheck.size(), plan.rounds));
  ZKCC_RETURN_IF_ERROR(expect_count("fold nonces", proof.fold_nonces.size(), config.fold_pow_bits > 0 ? plan.rounds : 0));
  ZKCC_RETURN_IF_ERROR(expect_count("layer roots", proof.layer_roots.size(), plan.layers() - 1));
  ZKCC_RETURN_IF_ERROR(expect_count("final message values", proof.final_message.size(), size_t{1} << plan.log_final));
  ZKCC_RETURN_IF_ERROR(expect_count("layer openings", proof.layers.size(), plan.layers()));

  pcs_internal::mix_claims(transcript, claims);
  QM31 alpha = transcript.draw_qm31();
  QM31 claim, power = QM31::one();
  for (const PcsClaim& c : claims) {
    claim += power * c.value;
    if (!c.joined) power *= alpha;
  }

  // Sumcheck and folds: round i binds variable log_size - 1 - i.
  std::vector<QM31> bound(log_size);
  std::vector<QM31> challenges;
  size_t layer = 0, done = 0;
  for (size_t round = 0; round < plan.rounds; ++round) {
    const auto& g = proof.sumcheck[round];
    transcript.mix_qm31s(g);
    if (config.fold_pow_bits > 0) {
      uint64_t nonce = proof.fold_nonces[round];
      if (!pcs_internal::pow_ok(transcript.digest(), nonce, config.fold_pow_bits)) {
        return invalid_argument("pcs fold nonce of round " + std::to_string(round) + " fails the proof of work");
      }
      transcript.mix(Felt252::from_u64(nonce));
    }
    QM31 r = transcript.draw_qm31();
    const QM31 values[3] = {g[0], claim - g[0], g[1]};
    claim = interpolate_at(values, r);
    bound[log_size - 1 - round] = r;
    challenges.push_back(r);
    if (++done == plan.folds[layer]) {
      ++layer;
      done = 0;
      if (layer < plan.layers()) mix_root(transcript, proof.layer_roots[layer - 1]);
    }
  }
  transcript.mix_qm31s(proof.final_message);
  if (!(claim == pcs_internal::final_claim(claims, alpha, log_size, bound, proof.final_message))) {
    return invalid_argument("pcs final message does not match the sumcheck claim");
  }

  if (config.query_pow_bits == 0 ? proof.query_nonce != 0
                                 : !pcs_internal::pow_ok(transcript.digest(), proof.query_nonce, config.query_pow_bits)) {
    return invalid_argument("pcs query nonce fails the proof of work");
  }
  transcript.mix(Felt252::from_u64(proof.query_nonce));
  std::vector<size_t> queries = pcs_internal::draw_queries(transcript, config.num_queries, plan.log_leaves(0));

  // Check every layer's opening, then fold each query's chain of leaves down to the final codeword.
  std::vector<std::vector<size_t>> leaves(plan.layers());
  size_t shift = 0;
  for (size_t l = 0; l < plan.layers(); ++l) {
    if (l > 0) shift += plan.folds[l];
    for (size_t q : queries) leaves[l].push_back(q >> shift);
    std::sort(leaves[l].begin(), leaves[l].end());
    leaves[l].erase(std::unique(leaves[l].begin(), leaves[l].end()), leaves[l].end());
    const PcsLayerOpening& o = proof.layers[l];
    std::string name = "pcs layer " + std::to_string(l);
    ZKCC_RETURN_IF_ERROR(expect_count(name + " words", o.values.size(), leaves[l].size() * plan.leaf_width(l)));
    for (uint32_t w : o.values) {
      if (w >= M31::kModulus) return invalid_argument(name + " opens a word that is not a canonical M31");
    }
    Status s = merkle_verify(l == 0 ? root : proof.layer_roots[l - 1], plan.log_leaves(l), plan.leaf_width(l), leaves[l],
                             o.values, o.merkle);
    if (!s.ok()) return s.with_context(name);
  }
  size_t log_final_codeword = plan.log_final + plan.log_blowup;
  for (size_t q : queries) {
    size_t position = q;  // of the folded symbol in the next layer's codeword
    size_t first_challenge = 0;
    QM31 folded;
    for (size_t l = 0; l < plan.layers(); ++l) {
      size_t leaf = l == 0 ? q : position >> plan.folds[l];
      size_t index = static_cast<size_t>(std::lower_bound(leaves[l].begin(), leaves[l].end(), leaf) - leaves[l].begin());
      size_t width = plan.leaf_width(l);
      std::vector<QM31> symbols = leaf_symbols(std::span<const uint32_t>(proof.layers[l].values).subspan(index * width, width),
                                               l, size_t{1} << plan.folds[l]);
      if (l > 0 && !(symbols[position & ((size_t{1} << plan.folds[l]) - 1)] == folded)) {
        return invalid_argument("pcs layer " + std::to_string(l) + " disagrees with the fold of layer " + std::to_string(l - 1));
      }
      folded = pcs_internal::fold_leaf(std::move(symbols), plan.log_codeword[l], leaf,
                                       std::span<const QM31>(challenges).subspan(first_challenge, plan.folds[l]));
      first_challenge += plan.folds[l];
      position = leaf;
    }
    if (!(folded == pcs_internal::evaluate_final(proof.final_message, rs_domain_point(log_final_codeword, position)))) {
      return invalid_argument("pcs final message disagrees with the folded queries");
    }
  }
  return ok_status();
}

}  // namespace zkcc::proof
