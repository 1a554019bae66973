#include "zkcc/starknet/calldata.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zkcc/hash/poseidon.h"

namespace zkcc::starknet {
namespace {

Felt252 hex(std::string_view s) { return *Felt252::from_hex(s); }
Felt252 f(uint64_t v) { return Felt252::from_u64(v); }

const Felt252 kMaxFelt = -Felt252::one();  // p - 1
const Felt252 kMaxAddress = hex("0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");  // 2^251 - 1
const Felt252 kTwoTo251 = hex("0x800000000000000000000000000000000000000000000000000000000000000");

VerifyAndPayArgs sample() {
  VerifyAndPayArgs a;
  a.model_id = f(1);
  a.proof_hash = f(2);
  a.io_commitment = f(3);
  a.weight_commitment = f(4);
  a.num_layers = 5;
  a.job_id = f(6);
  a.worker = f(7);
  a.sage_amount = U256{8, 9};
  a.tee_attestation_hash = f(10);
  return a;
}

std::vector<std::string> hexes(const std::vector<Felt252>& fs) {
  std::vector<std::string> out;
  for (const auto& x : fs) out.push_back(x.to_hex());
  return out;
}

void expect_error(const Status& st, const std::string& needle) {
  ASSERT_FALSE(st.ok()) << "expected an error containing: " << needle;
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

TEST(Calldata, ProofIdVector) {
  EXPECT_EQ(proof_id(f(1), f(2), f(3), f(4)), hex("0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d"));
  // proof_id takes the fields in its own order, not the calldata's.
  VerifyAndPayArgs a = sample();
  EXPECT_EQ(proof_id(a), hash::poseidon_hash_many(std::vector<Felt252>{f(1), f(3), f(4), f(2)}));
  EXPECT_NE(proof_id(f(1), f(2), f(3), f(4)), proof_id(f(1), f(3), f(2), f(4)));
}

TEST(Calldata, VerifyAndPayIsTenFeltsInAbiOrder) {
  auto cd = verify_and_pay_calldata(sample());
  ASSERT_TRUE(cd.ok()) << cd.status().to_string();
  ASSERT_EQ(cd->size(), kVerifyAndPayFelts);
  EXPECT_EQ(hexes(*cd), (std::vector<std::string>{"0x1", "0x2", "0x3", "0x4", "0x5", "0x6", "0x7", "0x8", "0x9", "0xa"}));
  EXPECT_EQ(felts_to_json(*cd), R"(["0x1","0x2","0x3","0x4","0x5","0x6","0x7","0x8","0x9","0xa"])");
}

TEST(Calldata, U256SplitsIntoLowThenHigh) {
  VerifyAndPayArgs a = sample();
  a.sage_amount = *parse_u256("0x5" + std::string(31, '0') + "7");  // 5 * 2^128 + 7
  auto cd = verify_and_pay_calldata(a);
  ASSERT_TRUE(cd.ok());
  EXPECT_EQ((*cd)[7], f(7));
  EXPECT_EQ((*cd)[8], f(5));
}

TEST(Calldata, ExtremeValuesRoundTrip) {
  VerifyAndPayArgs a;
  a.model_id = kMaxFelt;
  a.proof_hash = kMaxFelt;
  a.io_commitment = Felt252::zero();
  a.weight_commitment = kMaxFelt;
  a.num_layers = 0xffffffffu;
  a.job_id = kMaxFelt;
  a.worker = kMaxAddress;
  a.sage_amount = U256{~Uint128{0}, ~Uint128{0}};
  a.tee_attestation_hash = kMaxFelt;
  auto cd = verify_and_pay_calldata(a);
  ASSERT_TRUE(cd.ok()) << cd.status().to_string();
  auto back = decode_verify_and_pay_calldata(*cd);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, a);
  EXPECT_EQ((*cd)[7].to_hex(), "0xffffffffffffffffffffffffffffffff");
}

TEST(Calldata, RefusesAWorkerThatIsNotAContractAddress) {
  VerifyAndPayArgs a = sample();
  a.worker = kTwoTo251;
  expect_error(verify_and_pay_calldata(a).status(),
               "worker 0x800000000000000000000000000000000000000000000000000000000000000 is not a ContractAddress");
  EXPECT_TRUE(check_contract_address(kMaxAddress, "x").ok());
  expect_error(check_contract_address(kMaxFelt, "the address"), "the address");
}

TEST(Calldata, DecodeRangeChecksEachArgument) {
  std::vector<Felt252> cd = *verify_and_pay_calldata(sample());
  EXPECT_TRUE(decode_verify_and_pay_calldata(cd).ok());

  expect_error(decode_verify_and_pay_calldata(std::span(cd).first(9)).status(), "has 9 felts, expected 10");
  std::vector<Felt252> longer = cd;
  longer.push_back(f(0));
  expect_error(decode_verify_and_pay_calldata(longer).status(), "has 11 felts, expected 10");

  std::vector<Felt252> bad = cd;
  bad[4] = f(uint64_t{1} << 32);
  expect_error(decode_verify_and_pay_calldata(bad).status(), "num_layers");
  expect_error(decode_verify_and_pay_calldata(bad).status(), "does not fit in u32");

  bad = cd;
  bad[6] = kTwoTo251;
  expect_error(decode_verify_and_pay_calldata(bad).status(), "worker");

  bad = cd;
  bad[7] = Felt252::from_u128(~Uint128{0}) + Felt252::one();  // 2^128
  expect_error(decode_verify_and_pay_calldata(bad).status(), "sage_amount");
  bad = cd;
  bad[8] = kMaxFelt;
  expect_error(decode_verify_and_pay_calldata(bad).status(), "u256.high");
}

TEST(Calldata, ParseU256AcceptsHexAndDecimalUpTo2To256) {
  EXPECT_EQ(*parse_u256("0"), (U256{0, 0}));
  EXPECT_EQ(*parse_u256("0x0"), (U256{0, 0}));
  EXPECT_EQ(*parse_u256("0x0000ff"), (U256{255, 0}));
  EXPECT_EQ(*parse_u256("340282366920938463463374607431768211456"), (U256{0, 1}));  // 2^128
  U256 max{~Uint128{0}, ~Uint128{0}};
  EXPECT_EQ(*parse_u256("0x" + std::string(64, 'f')), max);
  EXPECT_EQ(*parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639935"), max);
  EXPECT_EQ(u256_to_hex(max), "0x" + std::string(64, 'f'));
  EXPECT_EQ(u256_to_hex(U256{0, 1}), "0x1" + std::string(32, '0'));
  EXPECT_EQ(u256_to_hex(U256{0x2a, 0}), "0x2a");
  EXPECT_EQ(u256_to_hex(U256{}), "0x0");

  expect_error(parse_u256("0x1" + std::string(64, '0')).status(), "does not fit in 256 bits");
  expect_error(parse_u256("115792089237316195423570985008687907853269984665640564039457584007913129639936").status(),
               "does not fit in 256 bits");
  expect_error(parse_u256("-1").status(), "negative");
  expect_error(parse_u256("").status(), "empty");
  expect_error(parse_u256("0x").status(), "no digits");
  expect_error(parse_u256("0x12g").status(), "invalid digit at position 4");
  expect_error(parse_u256("12 ").status(), "invalid digit at position 2");
}

constexpr const char* kArgsJson =
    R"({"model_id":"0x1","proof_hash":"2","io_commitment":"0x3","weight_commitment":"0x4","num_layers":5,)"
    R"("job_id":"0x6","worker":"0x7","sage_amount":"0x0900000000000000000000000000000008","tee_attestation_hash":"0xa"})";

TEST(CalldataJson, ArgsRoundTrip) {
  auto a = verify_and_pay_args_from_json(kArgsJson);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  VerifyAndPayArgs want = sample();
  want.sage_amount = U256{8, 9};
  EXPECT_EQ(*a, want);
  std::string out = verify_and_pay_args_to_json(*a);
  EXPECT_EQ(out,
            R"({"model_id":"0x1","proof_hash":"0x2","io_commitment":"0x3","weight_commitment":"0x4","num_layers":5,)"
            R"("job_id":"0x6","worker":"0x7","sage_amount":"0x900000000000000000000000000000008","tee_attestation_hash":"0xa"})");
  EXPECT_EQ(*verify_and_pay_args_from_json(out), want);
}

TEST(CalldataJson, NumLayersMayBeAString) {
  std::string j = kArgsJson;
  j.replace(j.find("\"num_layers\":5"), 14, R"("num_layers":"0xffffffff")");
  auto a = verify_and_pay_args_from_json(j);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->num_layers, 0xffffffffu);
}

void expect_args_rejected(const std::string& from, const std::string& to, const std::string& needle) {
  std::string j = kArgsJson;
  size_t at = j.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  j.replace(at, from.size(), to);
  expect_error(verify_and_pay_args_from_json(j).status(), needle);
}

TEST(CalldataJson, RangeChecksWithPreciseErrors) {
  expect_args_rejected("\"num_layers\":5", "\"num_layers\":4294967296", "num_layers 4294967296 does not fit in u32");
  expect_args_rejected("\"num_layers\":5", "\"num_layers\":\"0x100000000\"", "num_layers 4294967296 does not fit in u32");
  expect_args_rejected("\"num_layers\":5", "\"num_layers\":\"0x1" + std::string(40, '0') + "\"",
                       "num_layers 0x1" + std::string(40, '0') + " does not fit in u32");
  expect_args_rejected("\"num_layers\":5", "\"num_layers\":-1", "num_layers must be an unsigned integer");
  expect_args_rejected("\"num_layers\":5", "\"num_layers\":2.5", "num_layers must be an unsigned integer");
  expect_args_rejected("\"0x0900000000000000000000000000000008\"", "\"0x1" + std::string(64, '0') + "\"",
                       "sage_amount: u256 hex");
  expect_args_rejected("\"0x1\"", "\"0x800000000000011000000000000000000000000000000000000000000000001\"",
                       "model_id: hex");
  expect_args_rejected("\"0x1\"", "1", "model_id must be a string");
  expect_args_rejected("\"worker\":\"0x7\"", "\"worker\":\"0x800000000000000000000000000000000000000000000000000000000000000\"",
                       "worker 0x800000000000000000000000000000000000000000000000000000000000000 is not a ContractAddress");
  expect_args_rejected("\"job_id\":\"0x6\"", "\"job_id\":\"0x6\",\"job_id\":\"0x6\"", "\"job_id\" twice");
  expect_args_rejected("\"job_id\":\"0x6\",", "", "lack \"job_id\"");
  expect_args_rejected("\"job_id\":\"0x6\"", "\"job_id\":\"0x6\",\"fee\":\"0x1\"", "no argument \"fee\"");
  expect_error(verify_and_pay_args_from_json("[]").status(), "not an object");
  expect_error(verify_and_pay_args_from_json("{").status(), "does not parse");
}

TEST(ProofCalldata, LayoutIsStatementCombinedLengthFelts) {
  std::vector<Felt252> proof = {f(11), kMaxFelt, f(13)};
  auto cd = proof_calldata(f(1), f(2), proof);
  ASSERT_TRUE(cd.ok());
  EXPECT_EQ(*cd, (std::vector<Felt252>{f(1), f(2), f(3), f(11), kMaxFelt, f(13)}));
  auto back = decode_proof_calldata(*cd);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, (ProofCalldata{f(1), f(2), proof}));

  auto empty = proof_calldata(f(1), Felt252::zero(), {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, (std::vector<Felt252>{f(1), Felt252::zero(), Felt252::zero()}));
  EXPECT_TRUE(decode_proof_calldata(*empty)->proof.empty());
}

TEST(ProofCalldata, DecodeRefusesLengthsThatDisagree) {
  std::vector<Felt252> cd = *proof_calldata(f(1), f(2), std::vector<Felt252>{f(3), f(4)});
  std::vector<Felt252> bad = cd;
  bad[2] = f(3);  // claims three felts, two follow
  expect_error(decode_proof_calldata(bad).status(), "proof calldata: Cairo Serde at felt 2: length 3 exceeds the 2 felts");
  bad = cd;
  bad.push_back(f(5));
  expect_error(decode_proof_calldata(bad).status(), "trailing felts");
  expect_error(decode_proof_calldata(std::span(cd).first(2)).status(), "input ends");
  bad = cd;
  bad[2] = kMaxFelt;
  expect_error(decode_proof_calldata(bad).status(), "does not fit in u32");
}

}  // namespace
}  // namespace zkcc::starknet
