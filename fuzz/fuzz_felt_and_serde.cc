// Felt252 text parsing (hex, decimal, short strings) and Cairo Serde decoding of felt arrays.
#include <string>

#include "zkcc/starknet/serde.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto f = zkcc::Felt252::parse(text);
  if (f.ok() && *zkcc::Felt252::from_hex(f->to_hex()) != *f) __builtin_trap();
  (void)zkcc::Felt252::from_short_string(text);
  auto felts = zkcc::starknet::felts_from_json(text);
  if (felts.ok()) {
    zkcc::starknet::Deserializer d(*felts);
    (void)d.byte_array();
    zkcc::starknet::Deserializer d2(*felts);
    (void)d2.felts();
    (void)d2.u256();
    (void)d2.option();
  }
  return 0;
}
