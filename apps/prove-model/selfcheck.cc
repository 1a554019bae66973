// prove-model selfcheck: known answers this build must reproduce before it proves anything. A
// miscompiled field, hash or prover, or a corrupted compiled-in vendor certificate, shows up here
// as a named failed check rather than as proofs nobody can verify.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/field/felt252.h"
#include "zkcc/field/m31.h"
#include "zkcc/field/qm31.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/proof/matmul.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/transcript.h"
#include "zkcc/tee/vendor_roots.h"
#include "zkcc/tee/x509.h"
#include "cli.h"

namespace zkcc::cli {
namespace {

using field::M31;
using field::QM31;

struct Check {
  std::string name;
  std::string got;
  std::string want;
  bool ok = false;
};

Check known(std::string name, std::string got, std::string want) {
  const bool ok = got == want;
  return {std::move(name), std::move(got), std::move(want), ok};
}

// Published answers: Starknet's Poseidon (starknet-crypto and cairo-lang give the same values).
void hash_checks(std::vector<Check>& out) {
  const std::vector<Felt252> four = {Felt252::from_u64(1), Felt252::from_u64(2), Felt252::from_u64(3),
                                     Felt252::from_u64(4)};
  out.push_back(known("hash: poseidon_hash(1, 2)", hash::poseidon_hash(four[0], four[1]).to_hex(),
                      "0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a"));
  out.push_back(known("hash: poseidon_hash_many([])", hash::poseidon_hash_many({}).to_hex(),
                      "0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc"));
  out.push_back(known("hash: poseidon_hash_many([1, 2, 3, 4])", hash::poseidon_hash_many(four).to_hex(),
                      "0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d"));
}

std::string qm31_text(QM31 x) {
  return "[" + std::to_string(x.a.a.value()) + ", " + std::to_string(x.a.b.value()) + ", " +
         std::to_string(x.b.a.value()) + ", " + std::to_string(x.b.b.value()) + "]";
}

// Answers that follow from the moduli alone: p = 2^31 - 1 for M31 (2^-1 = (p + 1) / 2, 3^-1 =
// (2p + 1) / 3, 2^32 = 2 * 2^31 = 2), p = 2^251 + 17 * 2^192 + 1 for Felt252 (2^-1 = (p + 1) / 2),
// and QM31 = CM31[u] / (u^2 - (2 + i)) over CM31 = M31[i] / (i^2 + 1).
void field_checks(std::vector<Check>& out) {
  const M31 two = M31::from_u32(2), three = M31::from_u32(3);
  out.push_back(known("field: M31 inverse of 2", std::to_string(two.inverse().value()), "1073741824"));
  out.push_back(known("field: M31 inverse of 3", std::to_string(three.inverse().value()), "1431655765"));
  out.push_back(known("field: M31 2^16 * 2^16",
                      std::to_string((M31::from_u32(1u << 16) * M31::from_u32(1u << 16)).value()), "2"));
  out.push_back(known("field: M31 (p - 1) * (p - 1)", std::to_string((M31::from_i64(-1) * M31::from_i64(-1)).value()), "1"));

  const QM31 u = QM31::from_m31s(M31::zero(), M31::zero(), M31::one(), M31::zero());
  const QM31 i = QM31::from_m31s(M31::zero(), M31::one(), M31::zero(), M31::zero());
  out.push_back(known("field: QM31 i * i", qm31_text(i * i), qm31_text(QM31::from_m31(M31::from_i64(-1)))));
  out.push_back(known("field: QM31 u * u", qm31_text(u * u), "[2, 1, 0, 0]"));
  const QM31 x = QM31::from_m31s(M31::from_u32(1), M31::from_u32(2), M31::from_u32(3), M31::from_u32(4));
  out.push_back(known("field: QM31 [1, 2, 3, 4] * " + qm31_text(x.inverse()) + " (its inverse)",
                      qm31_text(x * x.inverse()), "[1, 0, 0, 0]"));

  out.push_back(known("field: Felt252 inverse of 2", Felt252::from_u64(2).inverse().to_hex(),
                      "0x400000000000008800000000000000000000000000000000000000000000001"));
  const Felt252 seven = Felt252::from_u64(7);
  out.push_back(known("field: Felt252 inverse of 7 ((6p + 1) / 7)", seven.inverse().to_hex(),
                      "0x6db6db6db6db6ea000000000000000000000000000000000000000000000001"));
  out.push_back(known("field: Felt252 7 * " + seven.inverse().to_hex() + " (its inverse)",
                      (seven * seven.inverse()).to_hex(), "0x1"));
  // 2^256 = 32 * 2^251 = 32 * (-17 * 2^192 - 1) = p - 544 * 2^192 - 32 mod p.
  const Felt252 two_32 = Felt252::from_u64(uint64_t{1} << 32);
  const Felt252 two_128 = two_32 * two_32 * two_32 * two_32;
  out.push_back(known("field: Felt252 2^128 * 2^128", (two_128 * two_128).to_hex(),
                      "0x7fffffffffffdf0ffffffffffffffffffffffffffffffffffffffffffffffe1"));
}

// A 2x2 by 2x2 product proved and verified down to the claims on A and B, then one stated
// evaluation changed: the verifier must refuse it.
void proof_checks(std::vector<Check>& out) {
  auto m = [](std::vector<int64_t> v) {
    std::vector<M31> d;
    for (int64_t e : v) d.push_back(M31::from_i64(e));
    return *proof::make_matrix(2, 2, std::move(d));
  };
  const proof::Matrix a = m({1, -2, 3, 4}), b = m({5, 6, -7, 8});
  const proof::Matrix c = m({1 * 5 + -2 * -7, 1 * 6 + -2 * 8, 3 * 5 + 4 * -7, 3 * 6 + 4 * 8});
  const Felt252 tag = *Felt252::from_short_string("zkcc-selfcheck");
  // The claim C~(r, col) at a point both sides draw from the transcript.
  struct Claim {
    proof::Transcript t;
    std::vector<QM31> r, col;
    QM31 value;
  };
  auto claim = [&] {
    Claim k{proof::Transcript(tag), {}, {}, {}};
    k.r = k.t.draw_qm31s(1);
    k.col = k.t.draw_qm31s(1);
    k.value = proof::evaluate_mle(c.data, std::vector<QM31>{k.r[0], k.col[0]});
    return k;
  };
  auto verify = [&](const proof::MatmulProof& p) -> std::string {
    Claim k = claim();
    auto reduced = proof::matmul_verify(a.cols, k.r, k.col, k.value, p, k.t);
    if (!reduced.ok()) return "rejected: " + reduced.status().message();
    if (proof::evaluate_mle(a.data, reduced->a.point) != reduced->a.value) return "rejected: A~ claim";
    if (proof::evaluate_mle(b.data, reduced->b.point) != reduced->b.value) return "rejected: B~ claim";
    return "accepted";
  };
  Claim k = claim();
  auto proved = proof::matmul_prove(a, b, k.r, k.col, k.value, k.t);
  if (!proved.ok()) {
    out.push_back(known("proof: a 2x2 matrix product proves", "error: " + proved.status().message(), "a proof"));
    return;
  }
  out.push_back(known("proof: a 2x2 matrix product proves and verifies", verify(proved->proof), "accepted"));
  proof::MatmulProof tampered = proved->proof;
  tampered.a_eval += QM31::one();
  std::string verdict = verify(tampered);
  out.push_back(known("proof: the product's proof with A~(r, s) changed is rejected",
                      verdict.starts_with("rejected") ? "rejected" : verdict, "rejected"));
}

// Each compiled-in certificate parses as exactly one certificate with the pinned SHA-256, and is
// signed by its issuer: itself for a root, the product's ARK for an AMD ASK or ASVK.
void root_checks(std::vector<Check>& out) {
  const std::vector<tee::CompiledInCertificate> all = tee::compiled_in_certificates();
  auto parse = [](const tee::CompiledInCertificate& c) -> StatusOr<tee::Certificate> {
    ZKCC_ASSIGN_OR_RETURN(std::vector<tee::Certificate> certs, tee::Certificate::from_pem_bundle(c.pem));
    if (certs.size() != 1) return invalid_argument(std::to_string(certs.size()) + " certificates, not one");
    return certs[0];
  };
  for (const tee::CompiledInCertificate& c : all) {
    const std::string name = "root: " + c.name;
    auto cert = parse(c);
    if (!cert.ok()) {
      out.push_back(known(name + " parses", "error: " + cert.status().message(), "one certificate"));
      continue;
    }
    out.push_back(known(name + " SHA-256", cert->sha256_fingerprint(), c.sha256));
    std::string signer_name = c.issuer.empty() ? c.name : c.issuer;
    std::string got = "not signed by " + signer_name;
    for (const tee::CompiledInCertificate& s : all) {
      if (s.name != signer_name) continue;
      auto signer = parse(s);
      if (signer.ok() && cert->signed_by(*signer)) got = "signed by " + signer_name;
    }
    out.push_back(known(name + (c.issuer.empty() ? " is self-signed" : " is signed by its ARK"), got,
                        "signed by " + signer_name));
  }
}

}  // namespace

int self_check(bool json) {
  std::vector<Check> checks;
  hash_checks(checks);
  field_checks(checks);
  proof_checks(checks);
  root_checks(checks);
  bool all = true;
  nlohmann::json results = nlohmann::json::array();
  for (const Check& c : checks) {
    all = all && c.ok;
    results.push_back({{"name", c.name}, {"got", c.got}, {"want", c.want}, {"ok", c.ok}});
    if (!json) {
      std::cout << (c.ok ? "ok    " : "FAIL  ") << c.name << " = " << c.got;
      if (!c.ok) std::cout << " (want " << c.want << ")";
      std::cout << "\n";
    }
  }
  if (json) std::cout << nlohmann::json{{"self_check", results}, {"ok", all}}.dump(2) << "\n";
  if (!all) std::cerr << "prove-model: self-check FAILED: this build's hashes, field, prover or vendor roots are wrong\n";
  return all ? kExitOk : kExitRejected;
}

}  // namespace zkcc::cli
