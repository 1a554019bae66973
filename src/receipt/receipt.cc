#include "zkcc/receipt/receipt.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/json.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/tee/full_stack.h"

namespace zkcc::receipt {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Calls v(name, field) for every v1 field in hash order; R is ComputeReceipt, const or not.
template <typename R, typename V>
void visit_compute(R& r, V&& v) {
  v("job_id", r.job_id);
  v("worker_pubkey", r.worker_pubkey);
  v("input_commitment", r.input_commitment);
  v("output_commitment", r.output_commitment);
  v("model_commitment", r.model_commitment);
  v("prev_receipt_hash", r.prev_receipt_hash);
  v("gpu_time_ms", r.gpu_time_ms);
  v("token_count", r.token_count);
  v("billing_amount_sage", r.billing_amount_sage);
  v("billing_rate_per_sec", r.billing_rate_per_sec);
  v("billing_rate_per_token", r.billing_rate_per_token);
  v("tee_report_hash", r.tee_report_hash);
  v("tee_timestamp", r.tee_timestamp);
  v("timestamp", r.timestamp);
  v("sequence_number", r.sequence_number);
}

// The fields v2 appends, in hash order.
template <typename R, typename V>
void visit_v2_tail(R& r, V&& v) {
  v("cpu_tee_report_hash", r.cpu_tee_report_hash);
  v("gpu_tee_report_hash", r.gpu_tee_report_hash);
  v("tee_attestation_hash", r.tee_attestation_hash);
  v("statement", r.statement);
  v("proof_digest", r.proof_digest);
}

Felt252 as_felt(const Felt252& f) { return f; }
Felt252 as_felt(uint64_t v) { return Felt252::from_u64(v); }
Felt252 as_felt(uint32_t v) { return Felt252::from_u64(v); }

ordered_json as_json(const Felt252& f) { return f.to_hex(); }
ordered_json as_json(uint64_t v) { return v; }
ordered_json as_json(uint32_t v) { return v; }

Felt252 tag_felt() {
  // A fixed ASCII string of 15 bytes always fits a short string.
  return *Felt252::from_short_string(kReceiptV2Tag);
}

// DESIGN.md's combined hash, where a zero hash stands for absent evidence (report_hash_felt of a
// present report is a Poseidon output, zero only with negligible probability).
Felt252 combined_of(const Felt252& cpu_hash, const Felt252& gpu_hash) {
  auto present = [](const Felt252& h) { return h.is_zero() ? std::nullopt : std::optional<Felt252>(h); };
  return tee::combined_hash(present(cpu_hash), present(gpu_hash));
}

std::string field_name(std::string_view name) { return "receipt field \"" + std::string(name) + "\""; }

// Refuses keys outside `names` (in document order) and reports the first of `names` missing.
Status check_keys(const json& doc, const std::vector<std::string>& names) {
  std::set<std::string> known(names.begin(), names.end());
  for (const auto& item : doc.items()) {
    if (!known.contains(item.key())) {
      return invalid_argument("receipt JSON has an unknown field \"" + item.key() + "\"");
    }
  }
  for (const std::string& n : names) {
    if (!doc.contains(n)) return invalid_argument("receipt JSON lacks the field \"" + n + "\"");
  }
  return ok_status();
}

Status read_value(const json& v, std::string_view name, Felt252& out) {
  if (!v.is_string()) return invalid_argument(field_name(name) + " must be a 0x hex string");
  const std::string& s = v.get_ref<const std::string&>();
  auto f = Felt252::from_hex(s);
  if (!f.ok()) return f.status().with_context(field_name(name));
  // One spelling per value, so a receipt file is byte-for-byte reproducible from its fields.
  if (f->to_hex() != s) {
    return invalid_argument(field_name(name) + " is \"" + s.substr(0, 80) + "\", not the canonical spelling \"" +
                            f->to_hex() + "\" (lowercase, no leading zeros)");
  }
  out = *f;
  return ok_status();
}

Status read_unsigned(const json& v, std::string_view name, uint64_t max, std::string_view type, uint64_t& out) {
  // nlohmann reads non-negative integers as number_unsigned; negatives, fractions and exponents
  // (and integers past 2^64, read as floats) land elsewhere.
  if (!v.is_number_unsigned()) {
    return invalid_argument(field_name(name) + " must be an unsigned integer (" + std::string(type) + "), got " +
                            v.dump().substr(0, 80));
  }
  uint64_t x = v.get<uint64_t>();
  if (x > max) {
    return out_of_range(field_name(name) + " is " + std::to_string(x) + ", which does not fit in " + std::string(type));
  }
  out = x;
  return ok_status();
}

Status read_value(const json& v, std::string_view name, uint64_t& out) {
  return read_unsigned(v, name, std::numeric_limits<uint64_t>::max(), "u64", out);
}

Status read_value(const json& v, std::string_view name, uint32_t& out) {
  uint64_t x = 0;
  ZKCC_RETURN_IF_ERROR(read_unsigned(v, name, std::numeric_limits<uint32_t>::max(), "u32", x));
  out = static_cast<uint32_t>(x);
  return ok_status();
}

// Checked before the other keys, so a receipt of the other version is named as such.
Status check_version(const json& doc, uint64_t want) {
  if (!doc.contains("version")) return invalid_argument("receipt JSON lacks the field \"version\"");
  const json& v = doc["version"];
  if (!v.is_number_unsigned() || v.get<uint64_t>() != want) {
    return invalid_argument("receipt JSON \"version\" is " + v.dump().substr(0, 80) + ", expected " +
                            std::to_string(want));
  }
  return ok_status();
}

Status check_hash(const json& doc, const Felt252& computed) {
  Felt252 stated;
  ZKCC_RETURN_IF_ERROR(read_value(doc["receipt_hash"], "receipt_hash", stated));
  if (stated != computed) {
    return invalid_argument("receipt_hash " + stated.to_hex() + " is not the hash of the receipt's fields (" +
                            computed.to_hex() + ")");
  }
  return ok_status();
}

std::vector<std::string> key_list(bool v2) {
  std::vector<std::string> names = {"version"};
  auto add = [&](std::string_view name, const auto&) { names.emplace_back(name); };
  const ReceiptV2 r{};
  visit_compute(r.compute, add);
  if (v2) visit_v2_tail(r, add);
  names.emplace_back("receipt_hash");
  return names;
}

Status read_compute(const json& doc, ComputeReceipt& r) {
  Status st;
  visit_compute(r, [&](std::string_view name, auto& field) {
    if (st.ok()) st = read_value(doc[std::string(name)], name, field);
  });
  return st;
}

}  // namespace

std::array<Felt252, kComputeReceiptFelts> receipt_felts(const ComputeReceipt& r) {
  std::array<Felt252, kComputeReceiptFelts> out;
  size_t i = 0;
  visit_compute(r, [&](std::string_view, const auto& field) { out[i++] = as_felt(field); });
  return out;
}

std::array<Felt252, kReceiptV2Felts> receipt_felts(const ReceiptV2& r) {
  std::array<Felt252, kReceiptV2Felts> out;
  out[0] = tag_felt();
  auto v1 = receipt_felts(r.compute);
  std::copy(v1.begin(), v1.end(), out.begin() + 1);
  size_t i = 1 + kComputeReceiptFelts;
  visit_v2_tail(r, [&](std::string_view, const Felt252& field) { out[i++] = field; });
  return out;
}

Felt252 receipt_hash(const ComputeReceipt& r) { return hash::poseidon_hash_many(receipt_felts(r)); }
Felt252 receipt_hash(const ReceiptV2& r) { return hash::poseidon_hash_many(receipt_felts(r)); }

void set_attestation(ReceiptV2& r, const Felt252& cpu_hash, const Felt252& gpu_hash) {
  r.cpu_tee_report_hash = cpu_hash;
  r.gpu_tee_report_hash = gpu_hash;
  r.tee_attestation_hash = combined_of(cpu_hash, gpu_hash);
  r.compute.tee_report_hash = r.tee_attestation_hash;
}

Status validate(const ReceiptV2& r) {
  Felt252 want = combined_of(r.cpu_tee_report_hash, r.gpu_tee_report_hash);
  if (r.tee_attestation_hash != want) {
    return invalid_argument("receipt tee_attestation_hash " + r.tee_attestation_hash.to_hex() +
                            " is not the combined hash of cpu_tee_report_hash and gpu_tee_report_hash (" +
                            want.to_hex() + ")");
  }
  if (r.compute.tee_report_hash != r.tee_attestation_hash) {
    return invalid_argument("receipt tee_report_hash " + r.compute.tee_report_hash.to_hex() +
                            " differs from tee_attestation_hash " + r.tee_attestation_hash.to_hex() +
                            " (a v2 receipt carries the combined hash in both)");
  }
  return ok_status();
}

std::string to_json(const ComputeReceipt& r) {
  ordered_json j;
  j["version"] = 1;
  visit_compute(r, [&](std::string_view name, const auto& field) { j[std::string(name)] = as_json(field); });
  j["receipt_hash"] = receipt_hash(r).to_hex();
  return j.dump(2) + "\n";
}

std::string to_json(const ReceiptV2& r) {
  ordered_json j;
  j["version"] = 2;
  auto put = [&](std::string_view name, const auto& field) { j[std::string(name)] = as_json(field); };
  visit_compute(r.compute, put);
  visit_v2_tail(r, put);
  j["receipt_hash"] = receipt_hash(r).to_hex();
  return j.dump(2) + "\n";
}

StatusOr<ComputeReceipt> compute_receipt_from_json(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json doc, parse_strict_object(text, "receipt"));
  ZKCC_RETURN_IF_ERROR(check_version(doc, 1));
  ZKCC_RETURN_IF_ERROR(check_keys(doc, key_list(false)));
  ComputeReceipt r;
  ZKCC_RETURN_IF_ERROR(read_compute(doc, r));
  ZKCC_RETURN_IF_ERROR(check_hash(doc, receipt_hash(r)));
  return r;
}

StatusOr<ReceiptV2> receipt_v2_from_json(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json doc, parse_strict_object(text, "receipt"));
  ZKCC_RETURN_IF_ERROR(check_version(doc, 2));
  ZKCC_RETURN_IF_ERROR(check_keys(doc, key_list(true)));
  ReceiptV2 r;
  ZKCC_RETURN_IF_ERROR(read_compute(doc, r.compute));
  Status st;
  visit_v2_tail(r, [&](std::string_view name, Felt252& field) {
    if (st.ok()) st = read_value(doc[std::string(name)], name, field);
  });
  ZKCC_RETURN_IF_ERROR(st);
  ZKCC_RETURN_IF_ERROR(check_hash(doc, receipt_hash(r)));
  ZKCC_RETURN_IF_ERROR(validate(r));
  return r;
}

}  // namespace zkcc::receipt
