// Cairo Serde: the felt252-array encoding that Starknet calldata and Cairo's Serde trait use.
// felt, bool, u8..u128 -> one felt; u256 -> (low, high); Array/Span -> length, items;
// Option -> 0 then value (Some) or 1 (None); enum -> variant index, payload;
// ByteArray -> number of full 31-byte words, the words, pending word, pending length.
#ifndef ZKCC_STARKNET_SERDE_H_
#define ZKCC_STARKNET_SERDE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/felt252.h"

namespace zkcc::starknet {

using field::Felt252;
using Uint128 = field::u128;

struct U256 {
  Uint128 low = 0;
  Uint128 high = 0;
  friend bool operator==(const U256&, const U256&) = default;
};

// Cairo's Option: Some is variant 0, None is variant 1.
inline constexpr uint64_t kOptionSome = 0;
inline constexpr uint64_t kOptionNone = 1;

class Serializer {
 public:
  void felt(const Felt252& v) { out_.push_back(v); }
  void boolean(bool v) { out_.push_back(Felt252::from_u64(v ? 1 : 0)); }
  void u8(uint8_t v) { out_.push_back(Felt252::from_u64(v)); }
  void u16(uint16_t v) { out_.push_back(Felt252::from_u64(v)); }
  void u32(uint32_t v) { out_.push_back(Felt252::from_u64(v)); }
  void u64(uint64_t v) { out_.push_back(Felt252::from_u64(v)); }
  void u128(Uint128 v) { out_.push_back(Felt252::from_u128(v)); }
  void u256(const U256& v) {
    u128(v.low);
    u128(v.high);
  }
  // The length prefix of an Array or Span; the caller then writes the items.
  void length(size_t n) { u64(n); }
  void felts(std::span<const Felt252> items) {
    length(items.size());
    out_.insert(out_.end(), items.begin(), items.end());
  }
  void option_some() { u64(kOptionSome); }
  void option_none() { u64(kOptionNone); }
  // The variant index of an enum; the caller then writes the payload.
  void variant(uint64_t index) { u64(index); }
  Status short_string(std::string_view s);
  void byte_array(std::string_view bytes);

  const std::vector<Felt252>& felts_out() const { return out_; }
  std::vector<Felt252> take() { return std::move(out_); }

 private:
  std::vector<Felt252> out_;
};

// Reads values back with bounds and range checks; every error names the position and the type.
class Deserializer {
 public:
  explicit Deserializer(std::span<const Felt252> in) : in_(in) {}

  StatusOr<Felt252> felt();
  StatusOr<bool> boolean();
  StatusOr<uint8_t> u8();
  StatusOr<uint16_t> u16();
  StatusOr<uint32_t> u32();
  StatusOr<uint64_t> u64();
  StatusOr<Uint128> u128();
  StatusOr<U256> u256();
  // An Array/Span length; refuses lengths that exceed the felts left times min_item_felts.
  StatusOr<size_t> length(size_t min_item_felts = 1);
  StatusOr<std::vector<Felt252>> felts();
  // True for Some, false for None.
  StatusOr<bool> option();
  // A variant index below num_variants.
  StatusOr<uint64_t> variant(uint64_t num_variants);
  StatusOr<std::string> short_string();
  StatusOr<std::string> byte_array();

  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  // Fails when felts are left over: a decoder must consume its whole input.
  Status finish() const;

 private:
  StatusOr<Uint128> bounded(std::string_view type, int bits);
  Status error_at(size_t pos, std::string message) const;

  std::span<const Felt252> in_;
  size_t pos_ = 0;
};

// JSON form: an array of lowercase 0x hex strings.
std::string felts_to_json(std::span<const Felt252> felts);
// Accepts hex (0x...) or decimal strings; rejects anything else, and values >= p.
StatusOr<std::vector<Felt252>> felts_from_json(std::string_view json);

}  // namespace zkcc::starknet

#endif  // ZKCC_STARKNET_SERDE_H_
