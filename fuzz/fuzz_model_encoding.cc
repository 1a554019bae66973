// The quantized-graph decoder (the input itself) and the model-input JSON parser (the input as
// text). A graph the decoder accepts must re-encode to exactly the input (the encoding is
// canonical).
#include <string_view>

#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/input_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto graph = zkcc::model::decode_graph(in);
  if (graph.ok() && zkcc::model::encode_graph(*graph) != zkcc::Bytes(in.begin(), in.end())) __builtin_trap();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)zkcc::model::parse_input_json(text, {2, 3});
  return 0;
}
