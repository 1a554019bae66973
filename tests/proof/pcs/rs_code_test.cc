#include "zkcc/proof/pcs/rs_code.h"

#include <gtest/gtest.h>

#include <random>

namespace zkcc::proof {
namespace {

CM31 naive_eval(std::span<const CM31> coeffs, const CM31& x) {
  CM31 acc, xp = CM31::one();
  for (const CM31& c : coeffs) {
    acc += c * xp;
    xp *= x;
  }
  return acc;
}

TEST(RsCode, RootsOfUnityHaveExactOrder) {
  CM31 g = cm31_root_of_unity(32);
  CM31 t = g;
  for (int i = 0; i < 31; ++i) t = t.square();
  EXPECT_EQ(t, -CM31::one());  // g^(2^31) = -1: order exactly 2^32
  EXPECT_EQ(t.square(), CM31::one());
  for (size_t k = 0; k <= 32; ++k) {
    CM31 w = cm31_root_of_unity(k);
    for (size_t i = 0; i < k; ++i) w = w.square();
    EXPECT_EQ(w, CM31::one()) << k;
  }
  EXPECT_EQ(cm31_root_of_unity(1), -CM31::one());
}

TEST(RsCode, BitReverse) {
  EXPECT_EQ(bit_reverse(0b0011, 4), 0b1100u);
  EXPECT_EQ(bit_reverse(1, 1), 1u);
  EXPECT_EQ(bit_reverse(5, 0), 0u);
}

TEST(RsCode, NttMatchesNaiveEvaluation) {
  std::mt19937_64 rng(11);
  for (size_t log = 0; log <= 7; ++log) {
    size_t n = size_t{1} << log;
    std::vector<CM31> coeffs(n);
    for (auto& c : coeffs) c = {M31::from_u32(static_cast<uint32_t>(rng())), M31::from_u32(static_cast<uint32_t>(rng()))};
    std::vector<CM31> values = coeffs;
    ntt_bit_reversed(values);
    for (size_t j = 0; j < n; ++j) EXPECT_EQ(values[j], naive_eval(coeffs, rs_domain_point(log, j))) << log << " " << j;
  }
}

// Large enough for the out-of-cache stages of the NTT.
TEST(RsCode, EncodeMatchesNaiveEvaluation) {
  std::mt19937_64 rng(12);
  for (auto [log_k, log_blowup] : {std::pair<size_t, size_t>{0, 1}, {3, 1}, {4, 2}, {5, 3}, {14, 1}}) {
    std::vector<M31> msg(size_t{1} << log_k);
    for (auto& c : msg) c = M31::from_u32(static_cast<uint32_t>(rng()));
    std::vector<CM31> lifted(msg.size());
    for (size_t i = 0; i < msg.size(); ++i) lifted[i] = CM31::from_m31(msg[i]);
    std::vector<CM31> cw = rs_encode(msg, log_blowup);
    ASSERT_EQ(cw.size(), msg.size() << log_blowup);
    size_t log_n = log_k + log_blowup;
    for (size_t j = 0; j < cw.size(); j += 1 + cw.size() / 64) {
      EXPECT_EQ(cw[j], naive_eval(lifted, rs_domain_point(log_n, j))) << log_k << " " << j;
    }
    // Neighbours are x and -x.
    EXPECT_EQ(rs_domain_point(log_n, 1), -rs_domain_point(log_n, 0));
  }
}

}  // namespace
}  // namespace zkcc::proof
