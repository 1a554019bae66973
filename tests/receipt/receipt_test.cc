#include "zkcc/receipt/receipt.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/hash/poseidon.h"

namespace zkcc::receipt {
namespace {

using ordered_json = nlohmann::ordered_json;

Felt252 hex(std::string_view s) { return *Felt252::from_hex(s); }

// The reference prover's test receipt (its billing: 5000 ms * 100 / 1000 + 512 * 10 = 5620).
ComputeReceipt reference_receipt() {
  ComputeReceipt r;
  r.job_id = Felt252::from_u64(1);
  r.worker_pubkey = Felt252::from_u64(42);
  r.input_commitment = Felt252::from_u64(100);
  r.output_commitment = Felt252::from_u64(200);
  r.model_commitment = Felt252::from_u64(300);
  r.prev_receipt_hash = Felt252::zero();
  r.gpu_time_ms = 5000;
  r.token_count = 512;
  r.billing_amount_sage = 5620;
  r.billing_rate_per_sec = 100;
  r.billing_rate_per_token = 10;
  r.tee_report_hash = Felt252::from_u64(500);
  r.tee_timestamp = 1700000000;
  r.timestamp = 1700000010;
  r.sequence_number = 0;
  return r;
}

const Felt252 kCpuHash = hex("0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcd");
const Felt252 kGpuHash = hex("0x7fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432");

// The v2 vector: the reference receipt with both TEE hashes, the largest felt as statement.
ReceiptV2 v2_receipt() {
  ReceiptV2 r;
  r.compute = reference_receipt();
  set_attestation(r, kCpuHash, kGpuHash);
  r.statement = -Felt252::one();
  r.proof_digest = Felt252::from_u64(0x5eed);
  return r;
}

std::string edit(const std::string& json, const std::function<void(ordered_json&)>& f) {
  ordered_json j = ordered_json::parse(json);
  f(j);
  return j.dump();
}

TEST(Receipt, ReferenceVectorPinsTheV1Order) {
  ComputeReceipt r = reference_receipt();
  auto felts = receipt_felts(r);
  const uint64_t want[] = {1, 42, 100, 200, 300, 0, 5000, 512, 5620, 100, 10, 500, 1700000000, 1700000010, 0};
  for (size_t i = 0; i < kComputeReceiptFelts; ++i) EXPECT_EQ(felts[i], Felt252::from_u64(want[i])) << i;
  EXPECT_EQ(receipt_hash(r), hex("0x11b2dde2251b5a27d9393438bac7a9b78cb221f51821140d7423c3dff823089"));
  EXPECT_EQ(receipt_hash(r), hash::poseidon_hash_many(felts));
}

TEST(Receipt, EveryV1FieldIsHashed) {
  const Felt252 base = receipt_hash(reference_receipt());
  auto changed = [&](auto mutate) {
    ComputeReceipt r = reference_receipt();
    mutate(r);
    return receipt_hash(r) != base;
  };
  EXPECT_TRUE(changed([](ComputeReceipt& r) { r.job_id = Felt252::from_u64(2); }));
  EXPECT_TRUE(changed([](ComputeReceipt& r) { std::swap(r.input_commitment, r.output_commitment); }));
  EXPECT_TRUE(changed([](ComputeReceipt& r) { r.prev_receipt_hash = Felt252::one(); }));
  EXPECT_TRUE(changed([](ComputeReceipt& r) { r.token_count = 513; }));
  EXPECT_TRUE(changed([](ComputeReceipt& r) { std::swap(r.tee_timestamp, r.timestamp); }));
  EXPECT_TRUE(changed([](ComputeReceipt& r) { r.sequence_number = 1; }));
}

TEST(Receipt, V2VectorComputedWithScureStarknet) {
  ReceiptV2 r = v2_receipt();
  const Felt252 combined = hex("0x30c48f41527ea5edbdbe8799171fdcb55c2a0c241633063e12e462b066f1a29");
  EXPECT_EQ(r.tee_attestation_hash, combined);
  EXPECT_EQ(r.compute.tee_report_hash, combined);
  auto felts = receipt_felts(r);
  EXPECT_EQ(felts[0], hex("0x7a6b63632d726563656970742d7632"));  // 'zkcc-receipt-v2'
  auto v1 = receipt_felts(r.compute);
  for (size_t i = 0; i < kComputeReceiptFelts; ++i) EXPECT_EQ(felts[1 + i], v1[i]) << i;
  EXPECT_EQ(felts[16], kCpuHash);
  EXPECT_EQ(felts[17], kGpuHash);
  EXPECT_EQ(felts[18], combined);
  EXPECT_EQ(felts[19], -Felt252::one());
  EXPECT_EQ(felts[20], Felt252::from_u64(0x5eed));
  EXPECT_EQ(receipt_hash(r), hex("0x2542418710f929fd6eb8664fdb1a8d7ce83d75e3791543db37145cc3ee131f"));
  EXPECT_TRUE(validate(r).ok());
}

TEST(Receipt, V2NeverHashesLikeV1) {
  ReceiptV2 r;
  r.compute = reference_receipt();
  r.compute.tee_report_hash = Felt252::zero();
  EXPECT_NE(receipt_hash(r), receipt_hash(r.compute));
  r.statement = Felt252::one();
  EXPECT_NE(receipt_hash(r), receipt_hash(v2_receipt()));
}

TEST(Receipt, SetAttestationFollowsTheCombinedHashFormula) {
  ReceiptV2 r;
  set_attestation(r, Felt252::zero(), Felt252::zero());
  EXPECT_EQ(r.tee_attestation_hash, Felt252::zero());
  set_attestation(r, Felt252::zero(), kGpuHash);
  EXPECT_EQ(r.tee_attestation_hash, kGpuHash);
  set_attestation(r, kCpuHash, Felt252::zero());
  EXPECT_EQ(r.tee_attestation_hash, hash::poseidon_hash(Felt252::zero(), kCpuHash));
  set_attestation(r, kCpuHash, kGpuHash);
  EXPECT_EQ(r.tee_attestation_hash, hash::poseidon_hash(kCpuHash, kGpuHash));
  EXPECT_EQ(r.compute.tee_report_hash, r.tee_attestation_hash);
  EXPECT_EQ(r.cpu_tee_report_hash, kCpuHash);
  EXPECT_EQ(r.gpu_tee_report_hash, kGpuHash);
  EXPECT_TRUE(validate(r).ok());
}

TEST(Receipt, ValidateRejectsInconsistentAttestationHashes) {
  ReceiptV2 r = v2_receipt();
  r.tee_attestation_hash = kGpuHash;  // the GPU hash alone, though there is CPU evidence too
  r.compute.tee_report_hash = kGpuHash;
  Status st = validate(r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not the combined hash"), std::string::npos) << st.message();

  r = v2_receipt();
  r.compute.tee_report_hash = kGpuHash;
  st = validate(r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("tee_report_hash"), std::string::npos) << st.message();
}

TEST(ReceiptJson, V1RoundTrip) {
  ComputeReceipt r = reference_receipt();
  r.gpu_time_ms = std::numeric_limits<uint64_t>::max();
  r.token_count = std::numeric_limits<uint32_t>::max();
  r.job_id = -Felt252::one();
  std::string json = to_json(r);
  auto back = compute_receipt_from_json(json);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(to_json(*back), json);
  ordered_json j = ordered_json::parse(json);
  EXPECT_EQ(j.begin().key(), "version");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["gpu_time_ms"], std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(j["receipt_hash"], receipt_hash(r).to_hex());
  EXPECT_EQ(j.size(), 17u);
}

TEST(ReceiptJson, V2RoundTripKeepsTheDocumentedKeyOrder) {
  ReceiptV2 r = v2_receipt();
  std::string json = to_json(r);
  auto back = receipt_v2_from_json(json);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(to_json(*back), json);
  ordered_json j = ordered_json::parse(json);
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "version", "job_id", "worker_pubkey", "input_commitment", "output_commitment",
                      "model_commitment", "prev_receipt_hash", "gpu_time_ms", "token_count", "billing_amount_sage",
                      "billing_rate_per_sec", "billing_rate_per_token", "tee_report_hash", "tee_timestamp",
                      "timestamp", "sequence_number", "cpu_tee_report_hash", "gpu_tee_report_hash",
                      "tee_attestation_hash", "statement", "proof_digest", "receipt_hash"}));
  EXPECT_EQ(j["statement"], "0x800000000000011000000000000000000000000000000000000000000000000");
  EXPECT_EQ(j["receipt_hash"], "0x2542418710f929fd6eb8664fdb1a8d7ce83d75e3791543db37145cc3ee131f");
}

// Expects the decoder to refuse `json` with a message containing `needle`.
void expect_v2_rejects(const std::string& json, const std::string& needle) {
  auto r = receipt_v2_from_json(json);
  ASSERT_FALSE(r.ok()) << json;
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(ReceiptJson, RejectsUnknownMissingAndDuplicateFields) {
  const std::string good = to_json(v2_receipt());
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["peak_memory_mb"] = 1024; }), "unknown field \"peak_memory_mb\"");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j.erase("statement"); }), "lacks the field \"statement\"");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j.erase("receipt_hash"); }), "lacks the field \"receipt_hash\"");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j.erase("version"); }), "lacks the field \"version\"");
  std::string twice = good;
  twice.insert(twice.find('{') + 1, "\"job_id\": \"0x9\",");
  expect_v2_rejects(twice, "\"job_id\" twice");
  expect_v2_rejects("[1, 2]", "not an object");
  expect_v2_rejects("{\"version\": 2,", "does not parse");
}

TEST(ReceiptJson, RejectsNonCanonicalFelts) {
  const std::string good = to_json(v2_receipt());
  for (const char* spelling : {"0x01", "0X1", "1", "0x", "one"}) {
    expect_v2_rejects(edit(good, [&](ordered_json& j) { j["job_id"] = spelling; }), "job_id");
  }
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["job_id"] = "0x01"; }), "canonical spelling \"0x1\"");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["proof_digest"] = "0x5EED"; }), "canonical spelling \"0x5eed\"");
  // The Stark prime itself and 2^256 - 1 are not felts.
  const std::string prime = "0x800000000000011000000000000000000000000000000000000000000000001";
  expect_v2_rejects(edit(good, [&](ordered_json& j) { j["statement"] = prime; }), "not a canonical felt252");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["statement"] = "0x" + std::string(64, 'f'); }),
                    "not a canonical felt252");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["worker_pubkey"] = 42; }), "must be a 0x hex string");
}

TEST(ReceiptJson, RejectsIntegersOutOfRangeOrOfTheWrongKind) {
  const std::string good = to_json(v2_receipt());
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["token_count"] = 4294967296ull; }), "does not fit in u32");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["sequence_number"] = -1; }), "unsigned integer (u32)");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["gpu_time_ms"] = 1.5; }), "unsigned integer (u64)");
  expect_v2_rejects(edit(good, [](ordered_json& j) { j["timestamp"] = "1700000010"; }), "unsigned integer (u64)");
  // 2^64 does not fit a u64; the JSON reader sees a float.
  std::string big = good;
  big.replace(big.find("\"gpu_time_ms\": 5000"), 19, "\"gpu_time_ms\": 18446744073709551616");
  expect_v2_rejects(big, "gpu_time_ms");
}

TEST(ReceiptJson, RejectsAWrongVersionOrHash) {
  const std::string v2 = to_json(v2_receipt());
  const std::string v1 = to_json(reference_receipt());
  expect_v2_rejects(v1, "\"version\" is 1, expected 2");
  auto as_v1 = compute_receipt_from_json(v2);
  ASSERT_FALSE(as_v1.ok());
  EXPECT_NE(as_v1.status().message().find("\"version\" is 2, expected 1"), std::string::npos);
  // A field changed without its hash.
  expect_v2_rejects(edit(v2, [](ordered_json& j) { j["billing_amount_sage"] = 5621; }), "not the hash of the receipt");
  expect_v2_rejects(edit(v2, [](ordered_json& j) { j["receipt_hash"] = "0x0"; }), "not the hash of the receipt");
  auto bad_v1 = compute_receipt_from_json(edit(v1, [](ordered_json& j) { j["model_commitment"] = "0x12d"; }));
  ASSERT_FALSE(bad_v1.ok());
  EXPECT_NE(bad_v1.status().message().find("not the hash of the receipt"), std::string::npos);
}

TEST(ReceiptJson, RejectsAReceiptWhoseCombinedHashDisagrees) {
  ReceiptV2 r = v2_receipt();
  r.gpu_tee_report_hash = Felt252::from_u64(7);  // hashed consistently, but not what the combined hash covers
  expect_v2_rejects(to_json(r), "not the combined hash");
}

}  // namespace
}  // namespace zkcc::receipt
