// Felt252 against GMP on 100,000 random inputs per operation (plus edge values).
#include <gmp.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "zkcc/field/felt252.h"

namespace zkcc::field {
namespace {

constexpr int kCases = 100000;

class Mpz {
 public:
  Mpz() { mpz_init(v_); }
  explicit Mpz(const char* hex) { mpz_init_set_str(v_, hex, 16); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
  ~Mpz() { mpz_clear(v_); }
  mpz_ptr get() { return v_; }
  mpz_srcptr get() const { return v_; }

 private:
  mpz_t v_;
};

const Mpz& prime() {
  static const Mpz p("800000000000011000000000000000000000000000000000000000000000001");
  return p;
}

void to_mpz(const Felt252::Limbs& l, Mpz& out) { mpz_import(out.get(), 4, -1, sizeof(uint64_t), 0, 0, l.data()); }

Felt252::Limbs from_mpz(const Mpz& v) {
  Felt252::Limbs l{};
  size_t count = 0;
  mpz_export(l.data(), &count, -1, sizeof(uint64_t), 0, 0, v.get());
  return l;
}

// Uniform below p by rejection, with a share of edge values mixed in.
class Source {
 public:
  explicit Source(uint64_t seed) : rng_(seed) {}
  Felt252::Limbs next() {
    uint64_t pick = rng_() % 16;
    if (pick == 0) return edge();
    for (;;) {
      Felt252::Limbs l = {rng_(), rng_(), rng_(), rng_() & ((uint64_t{1} << 60) - 1)};
      if (Felt252::from_canonical(l).ok()) return l;
    }
  }

 private:
  Felt252::Limbs edge() {
    static const std::vector<Felt252::Limbs> kEdges = {
        {0, 0, 0, 0},
        {1, 0, 0, 0},
        {2, 0, 0, 0},
        {0, 0, 0, 0x0800000000000011ull},                      // p - 1
        {~0ull, ~0ull, ~0ull, 0x0800000000000010ull},          // p - 2
        {0, 0, 0, 0x0800000000000000ull},                      // 2^251
        {~0ull, ~0ull, ~0ull, 0x07ffffffffffffffull},          // 2^251 - 1
        {0, 0, 0, 0x0400000000000008ull},                      // (p - 1) / 2
        {~0ull, ~0ull, 0, 0},                                  // 2^128 - 1
        {0, 0, 1, 0},                                          // 2^128
        {~0ull, 0, 0, 0},
    };
    return kEdges[rng_() % kEdges.size()];
  }
  std::mt19937_64 rng_;
};

struct Pair {
  Felt252::Limbs a, b;
  Felt252 fa, fb;
  Mpz ma, mb;
};

void load(Source& src, Pair& p) {
  p.a = src.next();
  p.b = src.next();
  p.fa = *Felt252::from_canonical(p.a);
  p.fb = *Felt252::from_canonical(p.b);
  to_mpz(p.a, p.ma);
  to_mpz(p.b, p.mb);
}

std::string hex(const Felt252::Limbs& l) {
  return Felt252::from_canonical(l).ok() ? Felt252::from_canonical(l)->to_hex() : "(non-canonical)";
}

#define EXPECT_FELT_EQ_MPZ(felt, mpz, what)                                                     \
  ASSERT_EQ((felt).to_limbs(), from_mpz(mpz)) << what << " a=" << hex(p.a) << " b=" << hex(p.b)

TEST(Felt252Gmp, AddSubNeg) {
  Source src(1);
  Pair p;
  Mpz r;
  for (int i = 0; i < kCases; ++i) {
    load(src, p);
    mpz_add(r.get(), p.ma.get(), p.mb.get());
    mpz_mod(r.get(), r.get(), prime().get());
    EXPECT_FELT_EQ_MPZ(p.fa + p.fb, r, "add");
    mpz_sub(r.get(), p.ma.get(), p.mb.get());
    mpz_mod(r.get(), r.get(), prime().get());
    EXPECT_FELT_EQ_MPZ(p.fa - p.fb, r, "sub");
    mpz_neg(r.get(), p.ma.get());
    mpz_mod(r.get(), r.get(), prime().get());
    EXPECT_FELT_EQ_MPZ(-p.fa, r, "neg");
  }
}

TEST(Felt252Gmp, MulSquare) {
  Source src(2);
  Pair p;
  Mpz r;
  for (int i = 0; i < kCases; ++i) {
    load(src, p);
    mpz_mul(r.get(), p.ma.get(), p.mb.get());
    mpz_mod(r.get(), r.get(), prime().get());
    EXPECT_FELT_EQ_MPZ(p.fa * p.fb, r, "mul");
    mpz_mul(r.get(), p.ma.get(), p.ma.get());
    mpz_mod(r.get(), r.get(), prime().get());
    EXPECT_FELT_EQ_MPZ(p.fa.square(), r, "square");
  }
}

TEST(Felt252Gmp, Inverse) {
  Source src(3);
  Pair p;
  Mpz r;
  for (int i = 0; i < kCases; ++i) {
    load(src, p);
    if (p.fa.is_zero()) {
      ASSERT_TRUE(p.fa.inverse().is_zero());
      continue;
    }
    ASSERT_NE(mpz_invert(r.get(), p.ma.get(), prime().get()), 0);
    EXPECT_FELT_EQ_MPZ(p.fa.inverse(), r, "inverse");
  }
}

TEST(Felt252Gmp, Pow) {
  Source src(4);
  Pair p;
  Mpz r;
  std::mt19937_64 rng(44);
  for (int i = 0; i < kCases; ++i) {
    load(src, p);
    // Exponents are any 256-bit value, not only field elements.
    Felt252::Limbs e = {rng(), rng(), rng(), rng()};
    Mpz me;
    to_mpz(e, me);
    mpz_powm(r.get(), p.ma.get(), me.get(), prime().get());
    EXPECT_FELT_EQ_MPZ(p.fa.pow(e), r, "pow");
  }
}

TEST(Felt252Gmp, ComparisonAndEquality) {
  Source src(5);
  Pair p;
  for (int i = 0; i < kCases; ++i) {
    load(src, p);
    int want = mpz_cmp(p.ma.get(), p.mb.get());
    auto got = p.fa <=> p.fb;
    ASSERT_EQ(want < 0, got < 0) << hex(p.a) << " " << hex(p.b);
    ASSERT_EQ(want == 0, got == 0);
    ASSERT_EQ(want == 0, p.fa == p.fb);
  }
}

TEST(Felt252Gmp, ConversionsHexDecimalBytes) {
  Source src(6);
  Pair p;
  for (int i = 0; i < kCases; ++i) {
    load(src, p);
    char* hs = mpz_get_str(nullptr, 16, p.ma.get());
    char* ds = mpz_get_str(nullptr, 10, p.ma.get());
    std::string want_hex = std::string("0x") + hs, want_dec = ds;
    void (*freefunc)(void*, size_t);
    mp_get_memory_functions(nullptr, nullptr, &freefunc);
    freefunc(hs, std::char_traits<char>::length(hs) + 1);
    freefunc(ds, std::char_traits<char>::length(ds) + 1);
    ASSERT_EQ(p.fa.to_hex(), want_hex);
    ASSERT_EQ(p.fa.to_dec(), want_dec);
    ASSERT_EQ(*Felt252::from_hex(want_hex), p.fa);
    ASSERT_EQ(*Felt252::from_dec(want_dec), p.fa);
    ASSERT_EQ(*Felt252::from_bytes_be(p.fa.to_bytes_be()), p.fa);
    ASSERT_EQ(p.fa.to_limbs(), p.a);
  }
}

TEST(Felt252Gmp, ReduceArbitrary256BitValues) {
  std::mt19937_64 rng(7);
  Mpz v, r;
  for (int i = 0; i < kCases; ++i) {
    Felt252::Limbs l = {rng(), rng(), rng(), rng()};
    to_mpz(l, v);
    mpz_mod(r.get(), v.get(), prime().get());
    ASSERT_EQ(Felt252::reduce(l).to_limbs(), from_mpz(r));
    // Values >= p are refused by the canonical constructor exactly when GMP says so.
    ASSERT_EQ(Felt252::from_canonical(l).ok(), mpz_cmp(v.get(), prime().get()) < 0);
  }
}

}  // namespace
}  // namespace zkcc::field
