// The polynomial-commitment proof decoder and verifier on hostile proofs: the input is decoded as
// a binary PcsProof; one that decodes must re-encode to exactly the input (the encoding is
// canonical) and is then verified against a fixed hiding commitment (a 2^8 table at
// PcsConfig::for_tests() with hiding, a seeded blinding segment, two stacked claims) with a fresh
// transcript. The verifier must never
// crash, hang or allocate without bound, and a proof it accepts must not also pass for a claim
// with a different value. With ZKCC_PCS_PROOF_SEED=<file> in the environment the target writes an
// honest proof there at start-up (the natural seed).
#include <vector>

#include "seed_file.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/pcs/pcs.h"

namespace {

namespace proof = zkcc::proof;
using zkcc::field::M31;
using zkcc::field::QM31;

constexpr size_t kLogSize = 8;
const proof::PcsConfig kConfig = proof::PcsConfig::for_tests().with_hiding();

proof::Transcript fresh(const proof::Digest& root) {
  proof::Transcript t(*zkcc::Felt252::from_short_string("zkcc-fuzz-pcs"));
  proof::mix_root(t, root);
  return t;
}

struct Fixture {
  proof::Digest root;
  std::vector<proof::PcsClaim> claims;
  zkcc::Bytes valid;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    std::vector<M31> table(size_t{1} << kLogSize);
    for (size_t i = 0; i < table.size(); ++i) table[i] = M31::from_u64(i * 2654435761u + 7);
    auto point = [](size_t n, uint32_t seed) {
      std::vector<QM31> p;
      for (uint32_t i = 0; i < n; ++i) {
        p.push_back(QM31::from_m31s(M31::from_u32(seed + i), M31::from_u32(3 * i + 1), M31::from_u32(seed * i), M31::one()));
      }
      return p;
    };
    x.claims.push_back({0, point(kLogSize - 1, 5), {}});
    x.claims.push_back({128, point(6, 9), {}});
    for (auto& c : x.claims) {
      c.value = proof::evaluate_mle(std::span<const M31>(table).subspan(c.offset, size_t{1} << c.point.size()), c.point);
    }
    const size_t b = proof::pcs_blinding_size(kConfig);
    auto data = proof::pcs_commit(kConfig, table, proof::PcsBlinding{table.size() - b, b, std::array<uint8_t, 32>{7}, SIZE_MAX});
    if (!data.ok()) __builtin_trap();
    x.root = data->root();
    proof::Transcript t = fresh(x.root);
    auto pf = proof::pcs_open(kConfig, *data, x.claims, t);
    if (!pf.ok()) __builtin_trap();
    proof::Transcript tv = fresh(x.root);
    if (!proof::pcs_verify(kConfig, kLogSize, x.root, x.claims, *pf, tv).ok()) __builtin_trap();
    x.valid = proof::encode_pcs_proof(*pf);
    return x;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seed_if_requested("ZKCC_PCS_PROOF_SEED", fixture().valid);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = fixture();
  std::span<const uint8_t> in(data, size);
  auto pf = proof::decode_pcs_proof(in);
  if (!pf.ok()) return 0;
  if (proof::encode_pcs_proof(*pf) != zkcc::Bytes(in.begin(), in.end())) __builtin_trap();
  proof::Transcript t = fresh(f.root);
  if (!proof::pcs_verify(kConfig, kLogSize, f.root, f.claims, *pf, t).ok()) return 0;
  // An accepted proof must not also pass for a claim with another value.
  std::vector<proof::PcsClaim> other = f.claims;
  other[1].value += QM31::one();
  proof::Transcript t2 = fresh(f.root);
  if (proof::pcs_verify(kConfig, kLogSize, f.root, other, *pf, t2).ok()) __builtin_trap();
  return 0;
}
