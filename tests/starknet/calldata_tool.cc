// Prints zkcc's calldata and receipts for the peer tests, which compare them with npm starknet and
// @scure/starknet (calldata_peer.mjs).
//   calldata_tool verify-and-pay ARGS_JSON      -> {"calldata": [...], "proof_id": "0x..."}
//   calldata_tool proof-calldata FELT FELT [FELT...] -> [statement, combined_hash, n, proof...]
//   calldata_tool receipt-v1|receipt-v2 FIELDS_JSON -> the receipt's JSON, fields given by name
//                                                      (every field but version and receipt_hash)
// Errors go to stderr with exit status 1.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/receipt/receipt.h"
#include "zkcc/starknet/calldata.h"

namespace {

using nlohmann::json;
using zkcc::Felt252;
using zkcc::Status;
using zkcc::StatusOr;

int fail(const Status& st) {
  std::fprintf(stderr, "%s\n", st.to_string().c_str());
  return 1;
}

int verify_and_pay(const std::string& args_json) {
  auto args = zkcc::starknet::verify_and_pay_args_from_json(args_json);
  if (!args.ok()) return fail(args.status());
  auto cd = zkcc::starknet::verify_and_pay_calldata(*args);
  if (!cd.ok()) return fail(cd.status());
  json out;
  out["calldata"] = json::parse(zkcc::starknet::felts_to_json(*cd));
  out["proof_id"] = zkcc::starknet::proof_id(*args).to_hex();
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int proof_calldata(const std::vector<std::string>& felts) {
  std::vector<Felt252> parsed;
  for (const std::string& s : felts) {
    auto f = Felt252::parse(s);
    if (!f.ok()) return fail(f.status());
    parsed.push_back(*f);
  }
  auto cd = zkcc::starknet::proof_calldata(parsed[0], parsed[1], std::span(parsed).subspan(2));
  if (!cd.ok()) return fail(cd.status());
  std::printf("%s\n", zkcc::starknet::felts_to_json(*cd).c_str());
  return 0;
}

// Sets the receipt's fields by name from a JSON object of strings (felts) and numbers (integers).
int receipt(bool v2, const std::string& fields_json) {
  zkcc::receipt::ReceiptV2 r;
  zkcc::receipt::ComputeReceipt& c = r.compute;
  std::map<std::string, Felt252*> felts = {
      {"job_id", &c.job_id}, {"worker_pubkey", &c.worker_pubkey}, {"input_commitment", &c.input_commitment},
      {"output_commitment", &c.output_commitment}, {"model_commitment", &c.model_commitment},
      {"prev_receipt_hash", &c.prev_receipt_hash}, {"tee_report_hash", &c.tee_report_hash}};
  std::map<std::string, uint64_t*> u64s = {{"gpu_time_ms", &c.gpu_time_ms},
                                           {"billing_amount_sage", &c.billing_amount_sage},
                                           {"billing_rate_per_sec", &c.billing_rate_per_sec},
                                           {"billing_rate_per_token", &c.billing_rate_per_token},
                                           {"tee_timestamp", &c.tee_timestamp},
                                           {"timestamp", &c.timestamp}};
  std::map<std::string, uint32_t*> u32s = {{"token_count", &c.token_count}, {"sequence_number", &c.sequence_number}};
  if (v2) {
    felts.insert({{"cpu_tee_report_hash", &r.cpu_tee_report_hash},
                  {"gpu_tee_report_hash", &r.gpu_tee_report_hash},
                  {"tee_attestation_hash", &r.tee_attestation_hash},
                  {"statement", &r.statement},
                  {"proof_digest", &r.proof_digest}});
  }
  json j = json::parse(fields_json, nullptr, false);
  if (!j.is_object()) return fail(zkcc::invalid_argument("fields must be a JSON object"));
  size_t set = 0;
  for (const auto& item : j.items()) {
    const std::string& k = item.key();
    if (felts.contains(k) && item.value().is_string()) {
      auto f = Felt252::parse(item.value().get<std::string>());
      if (!f.ok()) return fail(f.status().with_context(k));
      *felts[k] = *f;
    } else if (u64s.contains(k) && item.value().is_number_unsigned()) {
      *u64s[k] = item.value().get<uint64_t>();
    } else if (u32s.contains(k) && item.value().is_number_unsigned() && item.value().get<uint64_t>() <= UINT32_MAX) {
      *u32s[k] = item.value().get<uint32_t>();
    } else {
      return fail(zkcc::invalid_argument("field " + k + " is unknown or of the wrong type"));
    }
    ++set;
  }
  if (set != felts.size() + u64s.size() + u32s.size()) return fail(zkcc::invalid_argument("not every field is given"));
  // What is printed must also read back to the same receipt.
  if (v2) {
    std::string out = zkcc::receipt::to_json(r);
    auto back = zkcc::receipt::receipt_v2_from_json(out);
    if (!back.ok()) return fail(back.status());
    if (!(*back == r)) return fail(zkcc::internal_error("receipt v2 JSON does not read back"));
    std::printf("%s", out.c_str());
  } else {
    std::string out = zkcc::receipt::to_json(c);
    auto back = zkcc::receipt::compute_receipt_from_json(out);
    if (!back.ok()) return fail(back.status());
    if (!(*back == c)) return fail(zkcc::internal_error("receipt v1 JSON does not read back"));
    std::printf("%s", out.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "verify-and-pay") return verify_and_pay(args[1]);
  if (args.size() >= 3 && args[0] == "proof-calldata") return proof_calldata({args.begin() + 1, args.end()});
  if (args.size() == 2 && args[0] == "receipt-v1") return receipt(false, args[1]);
  if (args.size() == 2 && args[0] == "receipt-v2") return receipt(true, args[1]);
  std::fprintf(stderr,
               "usage: calldata_tool verify-and-pay ARGS_JSON | proof-calldata STATEMENT COMBINED [FELT...] |"
               " receipt-v1 FIELDS_JSON | receipt-v2 FIELDS_JSON\n");
  return 2;
}
