// Protobuf decoding of untrusted ONNX bytes and of their tensors.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>

#include "onnx_internal.h"

namespace zkcc::model::internal {
namespace {

// Protobuf nests messages (graph -> node -> attribute -> graph ...); ONNX models need few levels.
constexpr int kMaxNesting = 64;

Status parse_message(std::span<const uint8_t> bytes, size_t max_bytes, const char* what,
                     google::protobuf::MessageLite& out) {
  if (bytes.size() > max_bytes || bytes.size() > static_cast<size_t>(INT_MAX)) {
    return out_of_range(std::string(what) + " is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                        std::to_string(std::min<size_t>(max_bytes, INT_MAX)));
  }
  google::protobuf::io::ArrayInputStream stream(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream in(&stream);
  in.SetTotalBytesLimit(static_cast<int>(bytes.size()));
  in.SetRecursionLimit(kMaxNesting);
  if (!out.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    return data_loss(std::string(what) + " of " + std::to_string(bytes.size()) +
                     " bytes is not a valid protobuf message (truncated or corrupt)");
  }
  return ok_status();
}

template <typename T>
T load_raw(const std::string& raw, size_t i) {
  T v;
  std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));  // ONNX raw_data is little-endian, as is x86-64
  static_assert(std::endian::native == std::endian::little, "raw_data decoding assumes a little-endian host");
  return v;
}

}  // namespace

StatusOr<onnx::ModelProto> parse_model(std::span<const uint8_t> bytes, const ImportLimits& limits) {
  onnx::ModelProto m;
  if (bytes.empty()) return data_loss("ONNX model is empty");
  ZKCC_RETURN_IF_ERROR(parse_message(bytes, limits.max_model_bytes, "ONNX model", m));
  if (!m.has_graph()) return data_loss("ONNX model has no graph");
  return m;
}

StatusOr<onnx::TensorProto> parse_tensor(std::span<const uint8_t> bytes, const ImportLimits& limits) {
  onnx::TensorProto t;
  if (bytes.empty()) return data_loss("ONNX tensor is empty");
  ZKCC_RETURN_IF_ERROR(parse_message(bytes, limits.max_model_bytes, "ONNX tensor", t));
  return t;
}

std::string element_type_name(int32_t type) {
  if (onnx::TensorProto::DataType_IsValid(type)) {
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(type));
  }
  return "type " + std::to_string(type);
}

StatusOr<Constant> to_constant(const onnx::TensorProto& t, size_t max_elements) {
  const std::string what = "tensor '" + t.name() + "'";
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0) {
    return unsupported(what + " keeps its data in an external file; only data inside the model is supported");
  }
  if (t.has_segment()) return unsupported(what + " is segmented");
  Constant c;
  for (int64_t d : t.dims()) {
    if (d < 0) return invalid_argument(what + " has a negative dimension " + std::to_string(d));
    if (d == 0) return unsupported(what + " has a zero dimension (an empty tensor)");
    if (static_cast<uint64_t>(d) > max_elements) return out_of_range(what + " has a dimension over the element limit");
    c.shape.push_back(static_cast<size_t>(d));
  }
  auto count = checked_element_count(c.shape, max_elements);
  if (!count.ok()) return count.status().with_context(what);
  const size_t n = *count;
  const bool raw = t.has_raw_data();
  auto check_count = [&](size_t typed, size_t width) -> Status {
    if (raw && typed != 0) return invalid_argument(what + " has both raw_data and typed data");
    size_t have = raw ? t.raw_data().size() : typed * width;
    if (have != n * width) {
      return invalid_argument(what + " of shape " + shape_string(c.shape) + " needs " + std::to_string(n) +
                              " elements but holds " + (raw ? std::to_string(t.raw_data().size()) + " raw bytes"
                                                            : std::to_string(typed) + " elements"));
    }
    return ok_status();
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      ZKCC_RETURN_IF_ERROR(check_count(static_cast<size_t>(t.float_data_size()), 4));
      c.real.resize(n);
      for (size_t i = 0; i < n; ++i) {
        c.real[i] = raw ? load_raw<float>(t.raw_data(), i) : t.float_data(static_cast<int>(i));
      }
      break;
    case onnx::TensorProto::DOUBLE:
      ZKCC_RETURN_IF_ERROR(check_count(static_cast<size_t>(t.double_data_size()), 8));
      c.real.resize(n);
      for (size_t i = 0; i < n; ++i) {
        c.real[i] = raw ? load_raw<double>(t.raw_data(), i) : t.double_data(static_cast<int>(i));
      }
      break;
    case onnx::TensorProto::INT32:
      ZKCC_RETURN_IF_ERROR(check_count(static_cast<size_t>(t.int32_data_size()), 4));
      c.is_integer = true;
      c.integer.resize(n);
      for (size_t i = 0; i < n; ++i) {
        c.integer[i] = raw ? load_raw<int32_t>(t.raw_data(), i) : t.int32_data(static_cast<int>(i));
      }
      break;
    case onnx::TensorProto::INT64:
      ZKCC_RETURN_IF_ERROR(check_count(static_cast<size_t>(t.int64_data_size()), 8));
      c.is_integer = true;
      c.integer.resize(n);
      for (size_t i = 0; i < n; ++i) {
        c.integer[i] = raw ? load_raw<int64_t>(t.raw_data(), i) : t.int64_data(static_cast<int>(i));
      }
      break;
    case onnx::TensorProto::BOOL:  // typed in int32_data, raw one byte each
      ZKCC_RETURN_IF_ERROR(check_count(static_cast<size_t>(t.int32_data_size()), 1));
      c.is_integer = true;
      c.integer.resize(n);
      for (size_t i = 0; i < n; ++i) {
        c.integer[i] = (raw ? load_raw<uint8_t>(t.raw_data(), i) : t.int32_data(static_cast<int>(i))) != 0 ? 1 : 0;
      }
      break;
    default:
      return unsupported(what + " has element type " + element_type_name(t.data_type()) +
                         "; only FLOAT, DOUBLE, INT32, INT64 and BOOL are supported");
  }
  for (size_t i = 0; i < c.real.size(); ++i) {
    if (!std::isfinite(c.real[i])) return invalid_argument(what + " has a non-finite element at index " + std::to_string(i));
  }
  return c;
}

std::string describe_node(size_t index, const onnx::NodeProto& node) {
  if (!node.name().empty()) return "node '" + node.name() + "' (" + node.op_type() + ")";
  std::string s = "node #" + std::to_string(index) + " (" + node.op_type();
  if (node.output_size() > 0) s += ", output '" + node.output(0) + "'";
  return s + ")";
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

}  // namespace zkcc::model::internal

namespace zkcc::model {

StatusOr<FloatTensor> parse_onnx_tensor(std::span<const uint8_t> bytes, const ImportLimits& limits) {
  ZKCC_ASSIGN_OR_RETURN(onnx::TensorProto t, internal::parse_tensor(bytes, limits));
  ZKCC_ASSIGN_OR_RETURN(internal::Constant c, internal::to_constant(t, limits.max_tensor_elements));
  if (c.is_integer) {
    return internal::unsupported("tensor '" + t.name() + "' has element type " + internal::element_type_name(t.data_type()) +
                                 "; a real tensor (FLOAT or DOUBLE) is needed");
  }
  return FloatTensor{std::move(c.shape), std::move(c.real)};
}

}  // namespace zkcc::model
