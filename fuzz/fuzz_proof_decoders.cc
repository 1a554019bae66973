// The proof decoders: binary forms (the input itself) and JSON forms (the input as text).
#include <string>

#include "zkcc/proof/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)zkcc::proof::decode_matmul_binary(in);
  (void)zkcc::proof::decode_logup_binary(in);
  auto layered = zkcc::proof::decode_layered_binary(in);
  if (layered.ok() && zkcc::proof::encode_binary(*layered) != zkcc::Bytes(in.begin(), in.end())) __builtin_trap();
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)zkcc::proof::decode_matmul_json(text);
  (void)zkcc::proof::decode_logup_json(text);
  (void)zkcc::proof::decode_layered_json(text);
  return 0;
}
