#include "zkcc/starknet/serde.h"

#include <nlohmann/json.hpp>

namespace zkcc::starknet {
namespace {

constexpr size_t kWordBytes = 31;

// Big-endian bytes of a felt known to be below 2^(8 * len).
std::string felt_bytes(const Felt252& f, size_t len) {
  auto b = f.to_bytes_be();
  return std::string(reinterpret_cast<const char*>(b.data()) + (32 - len), len);
}

// Number of significant bytes of a canonical felt.
size_t byte_length(const Felt252& f) {
  auto b = f.to_bytes_be();
  size_t i = 0;
  while (i < 32 && b[i] == 0) ++i;
  return 32 - i;
}

}  // namespace

Status Serializer::short_string(std::string_view s) {
  ZKCC_ASSIGN_OR_RETURN(Felt252 f, Felt252::from_short_string(s));
  out_.push_back(f);
  return ok_status();
}

void Serializer::byte_array(std::string_view bytes) {
  size_t full = bytes.size() / kWordBytes;
  length(full);
  auto data = std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  for (size_t w = 0; w < full; ++w) out_.push_back(*Felt252::from_bytes_be_var(data.subspan(w * kWordBytes, kWordBytes)));
  size_t pending = bytes.size() - full * kWordBytes;
  out_.push_back(*Felt252::from_bytes_be_var(data.subspan(full * kWordBytes, pending)));
  u64(pending);
}

Status Deserializer::error_at(size_t pos, std::string message) const {
  return invalid_argument("Cairo Serde at felt " + std::to_string(pos) + ": " + message);
}

StatusOr<Felt252> Deserializer::felt() {
  if (pos_ >= in_.size()) {
    return Status(StatusCode::kOutOfRange,
                  "Cairo Serde at felt " + std::to_string(pos_) + ": input ends (" + std::to_string(in_.size()) +
                      " felts) where another value was expected");
  }
  return in_[pos_++];
}

StatusOr<Uint128> Deserializer::bounded(std::string_view type, int bits) {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(Felt252 f, felt());
  Felt252::Limbs l = f.to_limbs();
  bool fits = (l[2] | l[3]) == 0;
  if (bits <= 64) {
    fits = fits && l[1] == 0 && (bits == 64 || (l[0] >> bits) == 0);
  } else if (bits < 128) {
    fits = fits && (l[1] >> (bits - 64)) == 0;
  }
  if (!fits) return error_at(at, f.to_hex() + " does not fit in " + std::string(type));
  return (Uint128(l[1]) << 64) | l[0];
}

StatusOr<bool> Deserializer::boolean() {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(Uint128 v, bounded("bool", 1));
  if (v > 1) return error_at(at, "bool must be 0 or 1");
  return v == 1;
}
StatusOr<uint8_t> Deserializer::u8() {
  ZKCC_ASSIGN_OR_RETURN(Uint128 v, bounded("u8", 8));
  return static_cast<uint8_t>(v);
}
StatusOr<uint16_t> Deserializer::u16() {
  ZKCC_ASSIGN_OR_RETURN(Uint128 v, bounded("u16", 16));
  return static_cast<uint16_t>(v);
}
StatusOr<uint32_t> Deserializer::u32() {
  ZKCC_ASSIGN_OR_RETURN(Uint128 v, bounded("u32", 32));
  return static_cast<uint32_t>(v);
}
StatusOr<uint64_t> Deserializer::u64() {
  ZKCC_ASSIGN_OR_RETURN(Uint128 v, bounded("u64", 64));
  return static_cast<uint64_t>(v);
}
StatusOr<Uint128> Deserializer::u128() { return bounded("u128", 128); }

StatusOr<U256> Deserializer::u256() {
  U256 v;
  ZKCC_ASSIGN_OR_RETURN(v.low, bounded("u256.low (u128)", 128));
  ZKCC_ASSIGN_OR_RETURN(v.high, bounded("u256.high (u128)", 128));
  return v;
}

StatusOr<size_t> Deserializer::length(size_t min_item_felts) {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(uint32_t n, u32());
  // Checking against what is left stops a forged length from reserving unbounded memory.
  if (min_item_felts > 0 && n > remaining() / min_item_felts) {
    return error_at(at, "length " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) +
                            " felts that follow");
  }
  return static_cast<size_t>(n);
}

StatusOr<std::vector<Felt252>> Deserializer::felts() {
  ZKCC_ASSIGN_OR_RETURN(size_t n, length());
  std::vector<Felt252> out(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
                           in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return out;
}

StatusOr<bool> Deserializer::option() {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(uint64_t tag, u64());
  if (tag > kOptionNone) return error_at(at, "Option tag must be 0 (Some) or 1 (None), got " + std::to_string(tag));
  return tag == kOptionSome;
}

StatusOr<uint64_t> Deserializer::variant(uint64_t num_variants) {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(uint64_t v, u64());
  if (v >= num_variants) {
    return error_at(at, "enum variant " + std::to_string(v) + " is out of range (" + std::to_string(num_variants) +
                            " variants)");
  }
  return v;
}

StatusOr<std::string> Deserializer::short_string() {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(Felt252 f, felt());
  auto s = f.to_short_string();
  if (!s.ok()) return error_at(at, s.status().message());
  return s;
}

StatusOr<std::string> Deserializer::byte_array() {
  size_t at = pos_;
  ZKCC_ASSIGN_OR_RETURN(size_t words, length());
  std::string out;
  out.reserve(words * kWordBytes + kWordBytes);
  for (size_t w = 0; w < words; ++w) {
    size_t wat = pos_;
    ZKCC_ASSIGN_OR_RETURN(Felt252 f, felt());
    if (byte_length(f) > kWordBytes) return error_at(wat, "ByteArray word " + f.to_hex() + " is wider than 31 bytes");
    out += felt_bytes(f, kWordBytes);
  }
  size_t pat = pos_;
  ZKCC_ASSIGN_OR_RETURN(Felt252 pending, felt());
  ZKCC_ASSIGN_OR_RETURN(uint64_t pending_len, u64());
  if (pending_len >= kWordBytes) {
    return error_at(at, "ByteArray pending length " + std::to_string(pending_len) + " must be below 31");
  }
  if (byte_length(pending) > pending_len) {
    return error_at(pat, "ByteArray pending word " + pending.to_hex() + " is wider than its stated " +
                             std::to_string(pending_len) + " bytes");
  }
  out += felt_bytes(pending, pending_len);
  return out;
}

Status Deserializer::finish() const {
  if (pos_ != in_.size()) {
    return error_at(pos_, std::to_string(in_.size() - pos_) + " trailing felts after the last value");
  }
  return ok_status();
}

std::string felts_to_json(std::span<const Felt252> felts) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Felt252& f : felts) arr.push_back(f.to_hex());
  return arr.dump();
}

StatusOr<std::vector<Felt252>> felts_from_json(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid_argument("felt array JSON does not parse");
  if (!doc.is_array()) return invalid_argument("felt array JSON must be an array of strings");
  std::vector<Felt252> out;
  out.reserve(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    if (!doc[i].is_string()) return invalid_argument("felt array element " + std::to_string(i) + " is not a string");
    auto f = Felt252::parse(doc[i].get_ref<const std::string&>());
    if (!f.ok()) return f.status().with_context("felt array element " + std::to_string(i));
    out.push_back(*f);
  }
  return out;
}

}  // namespace zkcc::starknet
