// The prover's opening: batch the claims, run the sumcheck interleaved with the folds, commit the
// folded layers, grind, and open every layer at the queried cosets.
#include <algorithm>
#include <string>

#include "protocol.h"
#include "zkcc/base/parallel.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/pcs/rs_code.h"

namespace zkcc::proof {

using pcs_internal::Plan;

// Reaches into the prover data (its members are private so callers cannot break the invariants).
struct PcsOpener {
  static const PcsConfig& config(const PcsProverData& d) { return d.config_; }
  static std::span<const CM31> codeword(const PcsProverData& d) { return d.codeword_; }
  static const MerkleTree& tree(const PcsProverData& d) { return d.tree_; }
  static std::span<const M31> mask(const PcsProverData& d) { return d.mask_; }
  static const PcsBlinding& blinding(const PcsProverData& d) { return d.blinding_; }
};

namespace {

constexpr size_t kParallelMin = size_t{1} << 12;

bool same_shape(const PcsConfig& a, const PcsConfig& b) {
  const auto& [a0, a1, a2, a3, a4, a5, a6] = a;
  const auto& [b0, b1, b2, b3, b4, b5, b6] = b;
  return a0 == b0 && a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4 && a5 == b5 && a6 == b6;
}

// E = sum_i alpha^i [block of claim i] eq(point_i, .) over the table's first `live` values (every
// claim lies there), checking each claim's value on the way.
StatusOr<std::vector<QM31>> batched_eq(std::span<const M31> table, std::span<const PcsClaim> claims, const QM31& alpha,
                                       size_t live) {
  std::vector<QM31> e(live);
  QM31 power = QM31::one(), group_value, group_claimed;
  for (size_t i = 0; i < claims.size(); ++i) {
    const PcsClaim& c = claims[i];
    std::vector<QM31> eq = c.weights.empty() ? eq_table(c.point) : c.weights;
    if (c.weights.empty() && c.scale != QM31::one()) {
      for (QM31& v : eq) v *= c.scale;
    }
    std::vector<QM31> partial(parallel_chunks(eq.size(), kParallelMin));
    parallel_for(eq.size(), kParallelMin, [&](size_t chunk, size_t begin, size_t end) {
      QM31 acc;
      for (size_t x = begin; x < end; ++x) {
        acc += eq[x] * table[c.offset + x];
        e[c.offset + x] += power * eq[x];
      }
      partial[chunk] = acc;
    });
    for (const QM31& p : partial) group_value += p;
    group_claimed += c.value;
    if (c.joined) continue;  // a joined run is checked, and weighed, as one claim
    if (!(group_value == group_claimed)) return invalid_argument("pcs claim " + std::to_string(i) + " has the wrong value");
    group_value = group_claimed = QM31::zero();
    power *= alpha;
  }
  return e;
}

// Sums the partial messages of the chunks.
std::array<QM31, 2> total(std::span<const std::array<QM31, 2>> partial) {
  std::array<QM31, 2> g{};
  for (const auto& p : partial) {
    g[0] += p[0];
    g[1] += p[1];
  }
  return g;
}

// g(0) and g(2) of the round polynomial for the last variable of T E.
std::array<QM31, 2> round_message(const std::vector<QM31>& t, const std::vector<QM31>& e) {
  size_t half = t.size() / 2;
  std::vector<std::array<QM31, 2>> partial(parallel_chunks(half, kParallelMin));
  parallel_for(half, kParallelMin, [&](size_t chunk, size_t begin, size_t end) {
    QM31 g0, g2;
    for (size_t j = begin; j < end; ++j) {
      const QM31 &t0 = t[2 * j], &t1 = t[2 * j + 1], &e0 = e[2 * j], &e1 = e[2 * j + 1];
      g0 += t0 * e0;
      g2 += (t1 + t1 - t0) * (e1 + e1 - e0);
    }
    partial[chunk] = {g0, g2};
  });
  return total(partial);
}

// The first round of a hiding opening, on W = (D, H) interleaved with weight E(x) eq(rho, b):
// g(0) = (1 - rho) sum E D and g(2) = (3 rho - 1) sum E (2H - D).
std::array<QM31, 2> mask_round_message(std::span<const M31> d, std::span<const M31> h, const std::vector<QM31>& e,
                                       const QM31& rho) {
  std::vector<std::array<QM31, 2>> partial(parallel_chunks(d.size(), kParallelMin));
  parallel_for(d.size(), kParallelMin, [&](size_t chunk, size_t begin, size_t end) {
    QM31 s0, s2;
    for (size_t i = begin; i < end; ++i) {
      s0 += e[i] * d[i];
      s2 += e[i] * (h[i] + h[i] - d[i]);
    }
    partial[chunk] = {s0, s2};
  });
  const auto [s0, s2] = total(partial);
  const QM31 three = QM31::from_m31s(M31::from_u32(3), M31::zero(), M31::zero(), M31::zero());
  return {(QM31::one() - rho) * s0, (three * rho - QM31::one()) * s2};
}

// Binds b to r: t = (1 - r) D + r H and e scaled by eq(rho, r) (d.size() even); returns the next
// round's message on them, computed in the same pass.
std::array<QM31, 2> bind_mask(std::span<const M31> d, std::span<const M31> h, const QM31& r, const QM31& eq_rho_r,
                              std::vector<QM31>& t, std::vector<QM31>& e) {
  t.resize(d.size());
  std::vector<std::array<QM31, 2>> partial(parallel_chunks(d.size() / 2, kParallelMin));
  parallel_for(d.size() / 2, kParallelMin, [&](size_t chunk, size_t begin, size_t end) {
    QM31 g0, g2;
    for (size_t j = begin; j < end; ++j) {
      const size_t i = 2 * j;
      const QM31 t0 = r * (h[i] - d[i]) + QM31::from_m31(d[i]), t1 = r * (h[i + 1] - d[i + 1]) + QM31::from_m31(d[i + 1]);
      const QM31 e0 = e[i] * eq_rho_r, e1 = e[i + 1] * eq_rho_r;
      t[i] = t0;
      t[i + 1] = t1;
      e[i] = e0;
      e[i + 1] = e1;
      g0 += t0 * e0;
      g2 += (t1 + t1 - t0) * (e1 + e1 - e0);
    }
    partial[chunk] = {g0, g2};
  });
  return total(partial);
}

// Fixes the last variable of t and e at r (out[j] = v[2j] + r (v[2j+1] - v[2j])) and returns the next round's message on the
// results, computed in the same pass (an odd last value paired with zero, as the caller pads).
std::array<QM31, 2> fold_round(const std::vector<QM31>& t, const std::vector<QM31>& e, const QM31& r,
                               std::vector<QM31>& t_out, std::vector<QM31>& e_out) {
  const size_t n = t.size() / 2, quads = n / 2;
  t_out.resize(n);
  e_out.resize(n);
  std::vector<std::array<QM31, 2>> partial(parallel_chunks(quads, kParallelMin));
  parallel_for(quads, kParallelMin, [&](size_t chunk, size_t begin, size_t end) {
    QM31 g0, g2;
    for (size_t m = begin; m < end; ++m) {
      const QM31* tv = t.data() + 4 * m;
      const QM31* ev = e.data() + 4 * m;
      const QM31 a0 = tv[0] + r * (tv[1] - tv[0]), a1 = tv[2] + r * (tv[3] - tv[2]);
      const QM31 b0 = ev[0] + r * (ev[1] - ev[0]), b1 = ev[2] + r * (ev[3] - ev[2]);
      t_out[2 * m] = a0;
      t_out[2 * m + 1] = a1;
      e_out[2 * m] = b0;
      e_out[2 * m + 1] = b1;
      g0 += a0 * b0;
      g2 += (a1 + a1 - a0) * (b1 + b1 - b0);
    }
    partial[chunk] = {g0, g2};
  });
  std::array<QM31, 2> g = total(partial);
  if (n % 2 == 1) {
    const size_t l = n - 1;
    const QM31 a = t[2 * l] + r * (t[2 * l + 1] - t[2 * l]), b = e[2 * l] + r * (e[2 * l + 1] - e[2 * l]);
    t_out[l] = a;
    e_out[l] = b;
    g[0] += a * b;
    g[1] += a * b;  // (2 * 0 - a) (2 * 0 - b)
  }
  return g;
}

// The codeword of a folded layer. Folding a codeword with r gives the codeword of the folded
// message, (1 - r) c_even + r c_odd, the table the sumcheck has bound that variable of (fold_round);
// so each layer after the first is encoded from the sumcheck's table rather than folded from the
// layer before: a few NTTs of the (much shorter) message instead of a pass over a codeword
// 2^(folds + blowup) times longer. The code is CM31-linear, so a QM31 message is encoded as its
// two CM31 halves.
std::vector<QM31> encode_layer(const std::vector<QM31>& message, size_t log_blowup) {
  std::vector<CM31> a(message.size()), b(message.size());
  for (size_t i = 0; i < message.size(); ++i) {
    a[i] = message[i].a;
    b[i] = message[i].b;
  }
  const std::vector<CM31> ca = rs_encode(std::span<const CM31>(a), log_blowup);
  const std::vector<CM31> cb = rs_encode(std::span<const CM31>(b), log_blowup);
  std::vector<QM31> out(ca.size());
  parallel_for(out.size(), kParallelMin, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = QM31{ca[i], cb[i]};
  });
  return out;
}

template <class S>
StatusOr<PcsLayerOpening> open_layer(std::span<const S> cw, size_t log_coset, const MerkleTree& tree,
                                     std::span<const size_t> leaves) {
  PcsLayerOpening out;
  for (size_t leaf : leaves) pcs_internal::append_leaf_words(cw, log_coset, leaf, out.values);
  ZKCC_ASSIGN_OR_RETURN(out.merkle, tree.open(leaves));
  return out;
}

// The mask's value at each claim (hiding), after checking no claim reads the blinding segment.
StatusOr<std::vector<QM31>> mask_values(const PcsProverData& data, std::span<const PcsClaim> claims) {
  const PcsBlinding& b = PcsOpener::blinding(data);
  std::vector<QM31> out;
  for (size_t i = 0; i < claims.size(); ++i) {
    const PcsClaim& c = claims[i];
    size_t end = c.offset + c.block_size();
    if (c.offset < b.offset + b.size && b.offset < end) {
      return invalid_argument("pcs claim " + std::to_string(i) + " reads the blinding segment");
    }
    std::span<const M31> h = PcsOpener::mask(data).subspan(c.offset, end - c.offset);
    if (c.weights.empty()) {
      out.push_back(c.scale * evaluate_mle(h, c.point));
    } else {
      QM31 v;
      for (size_t j = 0; j < h.size(); ++j) v += c.weights[j] * h[j];
      out.push_back(v);
    }
  }
  return out;
}

}  // namespace

StatusOr<PcsProof> pcs_open(const PcsConfig& config, const PcsProverData& data, std::span<const PcsClaim> data_claims,
                            Transcript& transcript) {
  if (!same_shape(config, PcsOpener::config(data))) return invalid_argument("pcs_open config differs from the commitment's");
  ZKCC_RETURN_IF_ERROR(pcs_internal::check_claims(data_claims, data.log_size()));
  PcsProof proof;
  std::span<const PcsClaim> claims = data_claims;
  std::span<const M31> table = data.table();
  std::vector<PcsClaim> w_claims;
  QM31 rho;
  if (config.hiding) {
    ZKCC_ASSIGN_OR_RETURN(proof.masks, mask_values(data, data_claims));
    transcript.mix_qm31s(proof.masks);
    rho = transcript.draw_qm31();
    w_claims = pcs_internal::hiding_claims(data_claims, proof.masks, rho);
    claims = w_claims;
  }
  const Plan plan = pcs_internal::make_plan(config, data.log_size() + (config.hiding ? 1 : 0));

  pcs_internal::mix_claims(transcript, claims);
  QM31 alpha = transcript.draw_qm31();
  // With hiding, W's weight is E(x) eq(rho, b), E being the data claims' (same powers of alpha):
  // the first round, which binds b, runs on D and H directly, so nothing of W's size is built.
  // The sumcheck and the folds run on the live prefix: past it the table, the mask and every
  // claim's weight are zero (the layout's padding, PcsBlinding::zero_from), and so are all their
  // folds; the folded tables are padded back when encoded or sent.
  size_t live = table.size();
  if (config.hiding) {
    live = std::min(live, PcsOpener::blinding(data).zero_from);
    for (const PcsClaim& c : data_claims) live = std::max(live, c.offset + c.block_size());
    live += live % 2;
  }
  ZKCC_ASSIGN_OR_RETURN(std::vector<QM31> e, batched_eq(table, data_claims, alpha, live));
  std::vector<QM31> t;
  if (!config.hiding) t = lift(table);
  auto padded = [](std::vector<QM31> v, size_t size) {
    v.resize(size);
    return v;
  };

  std::vector<std::vector<QM31>> layers(plan.layers());  // layers[0] stays empty: layer 0 is CM31
  std::vector<MerkleTree> trees;
  std::vector<QM31> t_next, e_next;
  size_t layer_rounds = 0;  // rounds done in the current layer
  size_t layer = 0;
  // Each fold also computes the next round's message (one pass over the tables per round).
  std::array<QM31, 2> g;
  if (plan.rounds > 0) {
    g = config.hiding ? mask_round_message(table.first(live), PcsOpener::mask(data).first(live), e, rho)
                      : round_message(t, e);
  }
  for (size_t round = 0; round < plan.rounds; ++round) {
    const bool mask_round = config.hiding && round == 0;
    proof.sumcheck.push_back(g);
    transcript.mix_qm31s(g);
    if (config.fold_pow_bits > 0) {
      uint64_t nonce = pcs_internal::pow_grind(transcript.digest(), config.fold_pow_bits);
      proof.fold_nonces.push_back(nonce);
      transcript.mix(Felt252::from_u64(nonce));
    }
    QM31 r = transcript.draw_qm31();
    if (mask_round) {
      g = bind_mask(table.first(live), PcsOpener::mask(data).first(live), r,
                    (QM31::one() - rho) * (QM31::one() - r) + rho * r, t, e);
    } else {
      g = fold_round(t, e, r, t_next, e_next);
      t.swap(t_next);
      e.swap(e_next);
    }
    if (t.size() % 2 == 1 && round + 1 < plan.rounds) {  // keep pairs whole for the next round
      t.push_back(QM31::zero());
      e.push_back(QM31::zero());
    }
    const size_t nominal = size_t{1} << (plan.log_size - round - 1);  // the folded table's size
    if (++layer_rounds < plan.folds[layer]) continue;
    // The layer's folds are all known: commit the next layer's codeword, unless this was the last
    // round (the final codeword is the final message's, never committed).
    ++layer;
    if (layer == plan.layers()) break;
    layers[layer] = encode_layer(padded(t, nominal), config.log_blowup);
    layer_rounds = 0;
    ZKCC_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::from_leaf_hashes(pcs_internal::coset_leaf_hashes(
                                               std::span<const QM31>(layers[layer]), plan.folds[layer])));
    mix_root(transcript, tree.root());
    proof.layer_roots.push_back(tree.root());
    trees.push_back(std::move(tree));
  }
  proof.final_message = padded(std::move(t), size_t{1} << plan.log_final);
  transcript.mix_qm31s(proof.final_message);

  proof.query_nonce = pcs_internal::pow_grind(transcript.digest(), config.query_pow_bits);
  transcript.mix(Felt252::from_u64(proof.query_nonce));
  std::vector<size_t> queries = pcs_internal::draw_queries(transcript, config.num_queries, plan.log_leaves(0));

  size_t shift = 0;
  for (size_t l = 0; l < plan.layers(); ++l) {
    if (l > 0) shift += plan.folds[l];
    std::vector<size_t> leaves;
    for (size_t q : queries) leaves.push_back(q >> shift);
    std::sort(leaves.begin(), leaves.end());
    leaves.erase(std::unique(leaves.begin(), leaves.end()), leaves.end());
    StatusOr<PcsLayerOpening> opened =
        l == 0 ? open_layer(PcsOpener::codeword(data), plan.folds[0], PcsOpener::tree(data), leaves)
               : open_layer(std::span<const QM31>(layers[l]), plan.folds[l], trees[l - 1], leaves);
    if (!opened.ok()) return opened.status();
    proof.layers.push_back(std::move(*opened));
  }
  return proof;
}

}  // namespace zkcc::proof
