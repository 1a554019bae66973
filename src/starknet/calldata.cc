#include "zkcc/starknet/calldata.h"

#include <array>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "zkcc/base/json.h"
#include "zkcc/hash/poseidon.h"

namespace zkcc::starknet {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The ABI's parameter names, in calldata order.
constexpr std::array<std::string_view, 9> kArgNames = {
    "model_id", "proof_hash", "io_commitment", "weight_commitment", "num_layers",
    "job_id",   "worker",     "sage_amount",   "tee_attestation_hash"};

// Shortened user text for error messages.
std::string quote(std::string_view s) {
  return "'" + std::string(s.substr(0, s.size() > 80 ? 77 : s.size())) + (s.size() > 80 ? "...'" : "'");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string arg_name(std::string_view name) { return "verify_and_pay argument " + std::string(name); }

}  // namespace

Status check_contract_address(const Felt252& a, std::string_view what) {
  // 2^251 = bit 59 of the top limb.
  if ((a.to_limbs()[3] >> 59) != 0) {
    return out_of_range(std::string(what) + " " + a.to_hex() + " is not a ContractAddress: it must be below 2^251");
  }
  return ok_status();
}

StatusOr<std::vector<Felt252>> verify_and_pay_calldata(const VerifyAndPayArgs& args) {
  ZKCC_RETURN_IF_ERROR(check_contract_address(args.worker, arg_name("worker")));
  Serializer s;
  s.felt(args.model_id);
  s.felt(args.proof_hash);
  s.felt(args.io_commitment);
  s.felt(args.weight_commitment);
  s.u32(args.num_layers);
  s.felt(args.job_id);
  s.felt(args.worker);
  s.u256(args.sage_amount);
  s.felt(args.tee_attestation_hash);
  return s.take();
}

StatusOr<VerifyAndPayArgs> decode_verify_and_pay_calldata(std::span<const Felt252> calldata) {
  if (calldata.size() != kVerifyAndPayFelts) {
    return invalid_argument("verify_and_pay calldata has " + std::to_string(calldata.size()) + " felts, expected " +
                            std::to_string(kVerifyAndPayFelts));
  }
  Deserializer d(calldata);
  VerifyAndPayArgs a;
  // Each read names its argument, so a range error says which one is wrong.
  auto named = [](std::string_view name, auto result) {
    if (!result.ok()) return decltype(result)(result.status().with_context(arg_name(name)));
    return result;
  };
  ZKCC_ASSIGN_OR_RETURN(a.model_id, named("model_id", d.felt()));
  ZKCC_ASSIGN_OR_RETURN(a.proof_hash, named("proof_hash", d.felt()));
  ZKCC_ASSIGN_OR_RETURN(a.io_commitment, named("io_commitment", d.felt()));
  ZKCC_ASSIGN_OR_RETURN(a.weight_commitment, named("weight_commitment", d.felt()));
  ZKCC_ASSIGN_OR_RETURN(a.num_layers, named("num_layers", d.u32()));
  ZKCC_ASSIGN_OR_RETURN(a.job_id, named("job_id", d.felt()));
  ZKCC_ASSIGN_OR_RETURN(a.worker, named("worker", d.felt()));
  ZKCC_RETURN_IF_ERROR(check_contract_address(a.worker, arg_name("worker")));
  ZKCC_ASSIGN_OR_RETURN(a.sage_amount, named("sage_amount", d.u256()));
  ZKCC_ASSIGN_OR_RETURN(a.tee_attestation_hash, named("tee_attestation_hash", d.felt()));
  ZKCC_RETURN_IF_ERROR(d.finish());
  return a;
}

Felt252 proof_id(const Felt252& model_id, const Felt252& io_commitment, const Felt252& weight_commitment,
                 const Felt252& proof_hash) {
  std::array<Felt252, 4> in = {model_id, io_commitment, weight_commitment, proof_hash};
  return hash::poseidon_hash_many(in);
}

Felt252 proof_id(const VerifyAndPayArgs& args) {
  return proof_id(args.model_id, args.io_commitment, args.weight_commitment, args.proof_hash);
}

StatusOr<U256> parse_u256(std::string_view s) {
  if (s.empty()) return invalid_argument("u256 is empty");
  if (s[0] == '-') return invalid_argument("u256 " + quote(s) + " is negative");
  std::array<uint64_t, 4> v{};
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    std::string_view digits = s.substr(2);
    if (digits.empty()) return invalid_argument("u256 hex " + quote(s) + " has no digits");
    for (size_t i = 0; i < digits.size(); ++i) {
      if (hex_digit(digits[i]) < 0) {
        return invalid_argument("u256 hex " + quote(s) + " has an invalid digit at position " + std::to_string(i + 2));
      }
    }
    size_t first = digits.find_first_not_of('0');
    std::string_view sig = first == std::string_view::npos ? std::string_view() : digits.substr(first);
    if (sig.size() > 64) return out_of_range("u256 hex " + quote(s) + " does not fit in 256 bits");
    for (size_t i = 0; i < sig.size(); ++i) {
      size_t bit = 4 * (sig.size() - 1 - i);
      v[bit / 64] |= uint64_t(hex_digit(sig[i])) << (bit % 64);
    }
  } else {
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c < '0' || c > '9') {
        return invalid_argument("u256 decimal " + quote(s) + " has an invalid digit at position " + std::to_string(i));
      }
      Uint128 carry = static_cast<uint64_t>(c - '0');
      for (uint64_t& limb : v) {
        Uint128 t = Uint128(limb) * 10 + carry;
        limb = static_cast<uint64_t>(t);
        carry = t >> 64;
      }
      if (carry != 0) return out_of_range("u256 decimal " + quote(s) + " does not fit in 256 bits");
    }
  }
  return U256{(Uint128(v[1]) << 64) | v[0], (Uint128(v[3]) << 64) | v[2]};
}

std::string u256_to_hex(const U256& v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  bool started = false;
  for (int nibble = 63; nibble >= 0; --nibble) {
    Uint128 half = nibble >= 32 ? v.high : v.low;
    int d = static_cast<int>((half >> (4 * (nibble % 32))) & 0xf);
    if (d == 0 && !started) continue;
    started = true;
    out += kDigits[d];
  }
  if (!started) out += '0';
  return out;
}

namespace {

StatusOr<Felt252> felt_arg(const json& doc, std::string_view name) {
  const json& v = doc[std::string(name)];
  if (!v.is_string()) return invalid_argument(arg_name(name) + " must be a string (0x hex or decimal)");
  auto f = Felt252::parse(v.get_ref<const std::string&>());
  if (!f.ok()) return f.status().with_context(arg_name(name));
  return f;
}

// A JSON unsigned integer, or a string parse_u256 reads.
StatusOr<U256> integer_arg(const json& doc, std::string_view name) {
  const json& v = doc[std::string(name)];
  if (v.is_number_unsigned()) return U256{v.get<uint64_t>(), 0};
  if (v.is_string()) {
    auto u = parse_u256(v.get_ref<const std::string&>());
    if (!u.ok()) return u.status().with_context(arg_name(name));
    return u;
  }
  // Floats include integers past 2^64, which JSON numbers cannot carry exactly: those go as strings.
  return invalid_argument(arg_name(name) + " must be an unsigned integer or a string holding one, got " +
                          v.dump().substr(0, 80));
}

}  // namespace

StatusOr<VerifyAndPayArgs> verify_and_pay_args_from_json(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json doc, parse_strict_object(text, "verify_and_pay arguments"));
  for (const auto& item : doc.items()) {
    bool known = false;
    for (std::string_view n : kArgNames) known = known || n == item.key();
    if (!known) return invalid_argument("verify_and_pay has no argument \"" + item.key() + "\"");
  }
  for (std::string_view n : kArgNames) {
    if (!doc.contains(std::string(n))) {
      return invalid_argument("verify_and_pay arguments lack \"" + std::string(n) + "\"");
    }
  }
  VerifyAndPayArgs a;
  ZKCC_ASSIGN_OR_RETURN(a.model_id, felt_arg(doc, "model_id"));
  ZKCC_ASSIGN_OR_RETURN(a.proof_hash, felt_arg(doc, "proof_hash"));
  ZKCC_ASSIGN_OR_RETURN(a.io_commitment, felt_arg(doc, "io_commitment"));
  ZKCC_ASSIGN_OR_RETURN(a.weight_commitment, felt_arg(doc, "weight_commitment"));
  ZKCC_ASSIGN_OR_RETURN(U256 layers, integer_arg(doc, "num_layers"));
  if (layers.high != 0 || layers.low > std::numeric_limits<uint32_t>::max()) {
    bool small = layers.high == 0 && (layers.low >> 64) == 0;
    return out_of_range(arg_name("num_layers") + " " +
                        (small ? std::to_string(static_cast<uint64_t>(layers.low)) : u256_to_hex(layers)) +
                        " does not fit in u32");
  }
  a.num_layers = static_cast<uint32_t>(layers.low);
  ZKCC_ASSIGN_OR_RETURN(a.job_id, felt_arg(doc, "job_id"));
  ZKCC_ASSIGN_OR_RETURN(a.worker, felt_arg(doc, "worker"));
  ZKCC_RETURN_IF_ERROR(check_contract_address(a.worker, arg_name("worker")));
  ZKCC_ASSIGN_OR_RETURN(a.sage_amount, integer_arg(doc, "sage_amount"));
  ZKCC_ASSIGN_OR_RETURN(a.tee_attestation_hash, felt_arg(doc, "tee_attestation_hash"));
  return a;
}

std::string verify_and_pay_args_to_json(const VerifyAndPayArgs& a) {
  ordered_json j;
  j["model_id"] = a.model_id.to_hex();
  j["proof_hash"] = a.proof_hash.to_hex();
  j["io_commitment"] = a.io_commitment.to_hex();
  j["weight_commitment"] = a.weight_commitment.to_hex();
  j["num_layers"] = a.num_layers;
  j["job_id"] = a.job_id.to_hex();
  j["worker"] = a.worker.to_hex();
  j["sage_amount"] = u256_to_hex(a.sage_amount);
  j["tee_attestation_hash"] = a.tee_attestation_hash.to_hex();
  return j.dump();
}

StatusOr<std::vector<Felt252>> proof_calldata(const Felt252& statement, const Felt252& combined_hash,
                                              std::span<const Felt252> proof) {
  if (proof.size() > std::numeric_limits<uint32_t>::max()) {
    return out_of_range("proof of " + std::to_string(proof.size()) +
                        " felts is too long for a Cairo Array (its length is a u32)");
  }
  Serializer s;
  s.felt(statement);
  s.felt(combined_hash);
  s.felts(proof);
  return s.take();
}

StatusOr<ProofCalldata> decode_proof_calldata(std::span<const Felt252> calldata) {
  Deserializer d(calldata);
  ProofCalldata out;
  auto in_context = [](const Status& st) { return st.with_context("proof calldata"); };
  auto statement = d.felt();
  if (!statement.ok()) return in_context(statement.status());
  auto combined = d.felt();
  if (!combined.ok()) return in_context(combined.status());
  auto proof = d.felts();
  if (!proof.ok()) return in_context(proof.status());
  Status done = d.finish();
  if (!done.ok()) return in_context(done);
  out.statement = *statement;
  out.combined_hash = *combined;
  out.proof = std::move(*proof);
  return out;
}

}  // namespace zkcc::starknet
