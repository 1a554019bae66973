#include "protocol.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <string>

#include "zkcc/base/parallel.h"
#include "zkcc/hash/blake2s.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/pcs/rs_code.h"

namespace zkcc::proof::pcs_internal {

Plan make_plan(const PcsConfig& config, size_t log_size) {
  Plan p;
  p.log_size = log_size;
  p.log_blowup = config.log_blowup;
  p.log_final = std::min<size_t>(log_size, config.log_final_size);
  p.rounds = log_size - p.log_final;
  size_t left = p.rounds;
  size_t log_cw = log_size + config.log_blowup;
  do {
    size_t k = std::min<size_t>(left, config.fold_arity_log);
    p.folds.push_back(k);
    p.log_codeword.push_back(log_cw);
    log_cw -= k;
    left -= k;
  } while (left > 0);
  return p;
}

Status check_claims(std::span<const PcsClaim> claims, size_t log_size) {
  if (claims.empty()) return invalid_argument("pcs opening needs at least one claim");
  if (claims.size() > kMaxPcsClaims) {
    return invalid_argument("pcs opening has " + std::to_string(claims.size()) + " claims, above the limit " +
                            std::to_string(kMaxPcsClaims));
  }
  for (size_t i = 0; i < claims.size(); ++i) {
    const PcsClaim& c = claims[i];
    std::string name = "pcs claim " + std::to_string(i);
    if (c.point.size() > log_size) return invalid_argument(name + " has more variables than the table");
    if (!c.weights.empty()) {
      if (!c.point.empty()) return invalid_argument(name + " has both a point and weights");
      if (c.scale != QM31::one()) return invalid_argument(name + " has weights and a scale");
      if (!std::has_single_bit(c.weights.size())) return invalid_argument(name + " has weights not a power of two long");
      if (c.weights.size() > (size_t{1} << log_size)) return invalid_argument(name + " has more weights than the table");
    }
    size_t block = c.block_size();
    if (c.offset % block != 0) return invalid_argument(name + " has an offset not aligned to its size");
    if (c.offset >= (size_t{1} << log_size) || (size_t{1} << log_size) - c.offset < block) {
      return out_of_range(name + " lies outside the table");
    }
  }
  if (claims.back().joined) return invalid_argument("the last pcs claim is joined to none");
  return ok_status();
}

void mix_claims(Transcript& transcript, std::span<const PcsClaim> claims) {
  std::vector<M31> msg;
  msg.push_back(M31::from_canonical(static_cast<uint32_t>(claims.size())));
  for (const PcsClaim& c : claims) {
    // Offsets are below 2^kMaxPcsLogSize < p and sizes below 32 (check_claims ran first); a
    // weighted claim is marked by 64 + log2 of its size and bound by a BLAKE2s digest of its
    // weights (thousands of them: cheaper than absorbing them one by one); a joined one by 128.
    msg.push_back(M31::from_canonical(static_cast<uint32_t>(c.offset)));
    const uint32_t joined = c.joined ? 128 : 0;
    if (c.weights.empty()) {
      const bool scaled = c.scale != QM31::one();
      msg.push_back(M31::from_canonical(joined + (scaled ? 256 : 0) + static_cast<uint32_t>(c.point.size())));
      for (const QM31& x : c.point) {
        for (M31 v : x.to_m31s()) msg.push_back(v);
      }
      if (scaled) {
        for (M31 v : c.scale.to_m31s()) msg.push_back(v);
      }
    } else {
      msg.push_back(M31::from_canonical(joined + 64 + static_cast<uint32_t>(std::countr_zero(c.weights.size()))));
      std::vector<uint32_t> words;
      words.reserve(4 * c.weights.size());
      for (const QM31& w : c.weights) {
        for (M31 v : w.to_m31s()) words.push_back(v.value());
      }
      hash::Blake2sDigest d = hash::blake2s_words(hash::blake2s_init(), words);
      for (size_t k = 0; k < d.size(); k += 4) {
        uint32_t word = uint32_t(d[k]) | uint32_t(d[k + 1]) << 8 | uint32_t(d[k + 2]) << 16 | uint32_t(d[k + 3] & 0x3f) << 24;
        msg.push_back(M31::from_canonical(word));  // 30 bits of each word: 240 bits in all
      }
    }
    for (M31 v : c.value.to_m31s()) msg.push_back(v);
  }
  transcript.mix_m31s(msg);
}

namespace {

// The one block BLAKE2s-256 hashes for a proof of work: the digest's 32 big-endian bytes, the
// nonce's 8 little-endian bytes, zero padding (40 bytes in all).
struct PowBlock {
  explicit PowBlock(const Felt252& digest) {
    auto d = digest.to_bytes_be();
    for (int i = 0; i < 8; ++i) {
      words[i] = uint32_t(d[4 * i]) | uint32_t(d[4 * i + 1]) << 8 | uint32_t(d[4 * i + 2]) << 16 | uint32_t(d[4 * i + 3]) << 24;
    }
  }
  bool passes(uint64_t nonce, uint32_t bits) const {
    uint32_t m[16];
    std::copy(words, words + 16, m);
    m[8] = static_cast<uint32_t>(nonce);
    m[9] = static_cast<uint32_t>(nonce >> 32);
    hash::Blake2sState h = hash::blake2s_init();
    hash::blake2s_compress(h, m, 40, true);
    return leading_zeros_ok(h, bits);
  }
  // The smallest of first .. first + 7 that passes, or UINT64_MAX.
  uint64_t first_passing8(uint64_t first, uint32_t bits) const {
    uint32_t m[8][16];
    const uint32_t* mp[8];
    hash::Blake2sState h[8];
    for (int l = 0; l < 8; ++l) {
      std::copy(words, words + 16, m[l]);
      m[l][8] = static_cast<uint32_t>(first + l);
      m[l][9] = static_cast<uint32_t>((first + l) >> 32);
      mp[l] = m[l];
      h[l] = hash::blake2s_init();
    }
    hash::blake2s_compress_x8(h, mp, 40, true);
    for (int l = 0; l < 8; ++l) {
      if (leading_zeros_ok(h[l], bits)) return first + l;
    }
    return UINT64_MAX;
  }
  // The digest's first bytes are h[0]'s low bytes; leading zero bits are read from byte 0's most
  // significant bit on.
  static bool leading_zeros_ok(const hash::Blake2sState& h, uint32_t bits) {
    uint64_t head = 0;
    for (int i = 0; i < 8; ++i) head = head << 8 | ((h[i / 4] >> (8 * (i % 4))) & 0xff);
    return bits == 0 || (head >> (64 - bits)) == 0;
  }
  uint32_t words[16] = {};
};

}  // namespace

bool pow_ok(const Felt252& digest, uint64_t nonce, uint32_t bits) { return PowBlock(digest).passes(nonce, bits); }

uint64_t pow_grind(const Felt252& digest, uint32_t bits) {
  if (bits == 0) return 0;
  const PowBlock block(digest);
  // Batches split among the workers, eight nonces per compression step; the smallest passing
  // nonce of the first batch that has one wins, so the result does not depend on the threads.
  constexpr uint64_t kBatch = uint64_t{1} << 16;
  for (uint64_t base = 0;; base += kBatch) {
    std::atomic<uint64_t> best{UINT64_MAX};
    parallel_for(kBatch / 8, 2, [&](size_t, size_t begin, size_t end) {
      for (size_t g = begin; g < end; ++g) {
        uint64_t first = base + 8 * g;
        if (first >= best.load()) return;
        uint64_t found = block.first_passing8(first, bits);
        if (found != UINT64_MAX) {
          uint64_t cur = best.load();
          while (found < cur && !best.compare_exchange_weak(cur, found)) {
          }
          return;
        }
      }
    });
    if (best.load() != UINT64_MAX) return best.load();
  }
}

std::vector<size_t> draw_queries(Transcript& transcript, size_t count, size_t log_range) {
  std::vector<size_t> out;
  out.reserve(count);
  uint64_t mask = (uint64_t{1} << log_range) - 1;
  while (out.size() < count) {
    Felt252::Limbs l = transcript.draw_felt().to_limbs();
    for (int c = 0; c < 6 && out.size() < count; ++c) out.push_back(static_cast<size_t>((l[c / 2] >> (32 * (c % 2))) & mask));
  }
  return out;
}

namespace {

void put_words(const CM31& c, uint32_t* out) {
  out[0] = c.a.value();
  out[1] = c.b.value();
}
void put_words(const QM31& q, uint32_t* out) {
  put_words(q.a, out);
  put_words(q.b, out + 2);
}

template <class S>
std::vector<Digest> leaf_hashes(std::span<const S> codeword, size_t log_coset) {
  constexpr size_t kWords = sizeof(S) / sizeof(uint32_t);
  size_t coset = size_t{1} << log_coset, width = coset * kWords;
  std::vector<Digest> out(codeword.size() >> log_coset);
  constexpr size_t kGroup = 64;  // leaves copied into a row buffer at a time
  parallel_for((out.size() + kGroup - 1) / kGroup, 4, [&](size_t, size_t begin, size_t end) {
    std::vector<uint32_t> rows(kGroup * width);
    for (size_t g = begin; g < end; ++g) {
      size_t first = g * kGroup, count = std::min(kGroup, out.size() - first);
      for (size_t s = 0; s < count * coset; ++s) put_words(codeword[first * coset + s], rows.data() + s * kWords);
      merkle_leaf_hashes(std::span<const uint32_t>(rows).first(count * width), width,
                         std::span<Digest>(out).subspan(first, count));
    }
  });
  return out;
}

template <class S>
void leaf_words(std::span<const S> codeword, size_t log_coset, size_t leaf, std::vector<uint32_t>& out) {
  constexpr size_t kWords = sizeof(S) / sizeof(uint32_t);
  size_t coset = size_t{1} << log_coset;
  size_t at = out.size();
  out.resize(at + coset * kWords);
  for (size_t s = 0; s < coset; ++s) put_words(codeword[leaf * coset + s], out.data() + at + s * kWords);
}

}  // namespace

std::vector<Digest> coset_leaf_hashes(std::span<const CM31> codeword, size_t log_coset) {
  return leaf_hashes(codeword, log_coset);
}
std::vector<Digest> coset_leaf_hashes(std::span<const QM31> codeword, size_t log_coset) {
  return leaf_hashes(codeword, log_coset);
}
void append_leaf_words(std::span<const CM31> codeword, size_t log_coset, size_t leaf, std::vector<uint32_t>& out) {
  leaf_words(codeword, log_coset, leaf, out);
}
void append_leaf_words(std::span<const QM31> codeword, size_t log_coset, size_t leaf, std::vector<uint32_t>& out) {
  leaf_words(codeword, log_coset, leaf, out);
}

QM31 fold_leaf(std::vector<QM31> symbols, size_t log_codeword, size_t leaf, std::span<const QM31> r) {
  size_t k = r.size();
  // Pair u' of fold j sits at x = w_{m-j}^bitrev(u') ... = zeta_j^bitrev_{k-j-1}(u') * base_j with
  // base_j = w_{m-j}^bitrev_{m-k}(leaf) and zeta_j of order 2^(k-j); base_{j+1} = base_j^2.
  CM31 inv_base = cm31_root_of_unity(log_codeword).pow(bit_reverse(leaf, log_codeword - k)).inverse();
  for (size_t j = 0; j < k; ++j) {
    size_t half = symbols.size() / 2;
    CM31 inv_zeta = cm31_root_of_unity(k - j).inverse();
    for (size_t u = 0; u < half; ++u) {
      CM31 half_inv_x = inv_base * inv_zeta.pow(bit_reverse(u, k - j - 1)) * kHalf;
      symbols[u] = fold_pair(symbols[2 * u], symbols[2 * u + 1], half_inv_x, r[j]);
    }
    symbols.resize(half);
    inv_base = inv_base.square();
  }
  return symbols[0];
}

namespace {

// A weighted claim's part of the final claim: its weights' multilinear extension, with the bound
// variables (the low ones) at `bound` and the final message's (the high ones) summed against it.
// The weights are folded over the bound variables they span, from the lowest; the block's offset
// bits among the bound variables give an eq factor; what is left of the weights multiplies the
// final message's entries at the block's place.
QM31 weighted_final_claim(const PcsClaim& c, size_t log_size, size_t log_final, std::span<const QM31> bound,
                          std::span<const QM31> final_message) {
  const size_t m = static_cast<size_t>(std::countr_zero(c.weights.size()));
  const size_t s = log_size - log_final;  // bound variables
  std::vector<QM31> w = c.weights;
  for (size_t j = log_size; j-- > log_size - std::min(m, s);) {
    const QM31& b = bound[j];
    for (size_t k = 0; k < w.size() / 2; ++k) w[k] = w[2 * k] + b * (w[2 * k + 1] - w[2 * k]);
    w.resize(w.size() / 2);
  }
  QM31 a = QM31::one();
  for (size_t j = log_final; j + m < log_size; ++j) {
    const bool bit = (c.offset >> (log_size - 1 - j)) & 1;
    a *= bit ? bound[j] : QM31::one() - bound[j];
  }
  QM31 sum;
  const size_t first = c.offset >> s;
  for (size_t y = 0; y < w.size(); ++y) sum += w[y] * final_message[first + y];
  return a * sum;
}

}  // namespace

QM31 final_claim(std::span<const PcsClaim> claims, const QM31& alpha, size_t log_size, std::span<const QM31> bound,
                 std::span<const QM31> final_message) {
  size_t log_final = 0;
  while ((size_t{1} << log_final) < final_message.size()) ++log_final;
  QM31 acc, power = QM31::one();
  std::vector<QM31> q(log_final);
  for (const PcsClaim& c : claims) {
    if (!c.weights.empty()) {
      acc += power * weighted_final_claim(c, log_size, log_final, bound, final_message);
      if (!c.joined) power *= alpha;
      continue;
    }
    size_t base = log_size - c.point.size();
    QM31 a = QM31::one();
    for (size_t j = 0; j < log_size; ++j) {
      QM31 u = j < base ? ((c.offset >> (log_size - 1 - j)) & 1 ? QM31::one() : QM31::zero()) : c.point[j - base];
      if (j < log_final) {
        q[j] = u;
      } else {
        a *= u * bound[j] + (QM31::one() - u) * (QM31::one() - bound[j]);
      }
    }
    acc += power * c.scale * a * evaluate_mle(final_message, q);
    if (!c.joined) power *= alpha;
  }
  return acc;
}

QM31 evaluate_final(std::span<const QM31> coefficients, const CM31& x) {
  QM31 acc;
  for (size_t i = coefficients.size(); i-- > 0;) acc = acc * x + coefficients[i];
  return acc;
}

}  // namespace zkcc::proof::pcs_internal
