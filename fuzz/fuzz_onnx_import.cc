// ONNX model import and inspection: protobuf parsing, shape inference and operator checks on
// untrusted model files.
#include "zkcc/model/inspect.h"
#include "zkcc/model/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  zkcc::model::ImportLimits limits;
  limits.max_tensor_elements = size_t{1} << 20;  // keep each execution small
  limits.max_total_elements = size_t{1} << 22;
  (void)zkcc::model::import_onnx(bytes, limits);
  (void)zkcc::model::inspect(bytes, limits);
  (void)zkcc::model::parse_onnx_tensor(bytes, limits);
  return 0;
}
