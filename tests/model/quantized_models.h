// Quantized graphs for the encoding and commitment tests: the bundled digits model, a small CNN
// that uses every layer kind, and a hand-built graph with one layer of each kind.
#ifndef ZKCC_TESTS_MODEL_QUANTIZED_MODELS_H_
#define ZKCC_TESTS_MODEL_QUANTIZED_MODELS_H_

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "onnx_builder.h"
#include "test_util.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/model/quantized_graph.h"

namespace zkcc::model::testing {

inline std::string source_path(const std::string& relative) { return std::string(ZKCC_SOURCE_DIR) + "/" + relative; }

inline std::optional<std::string> read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline StatusOr<QuantizedGraph> import_and_quantize(std::span<const uint8_t> onnx, std::span<const FloatTensor> set) {
  ZKCC_ASSIGN_OR_RETURN(Graph g, import_onnx(onnx));
  ZKCC_ASSIGN_OR_RETURN(Calibration cal, calibrate(g, set));
  return quantize(g, cal);
}

// models/digits/mlp.onnx calibrated on models/digits/calibration.json; nullopt when the files
// are missing.
inline std::optional<StatusOr<QuantizedGraph>> digits_graph() {
  auto model = read_text(source_path("models/digits/mlp.onnx"));
  auto cal = read_text(source_path("models/digits/calibration.json"));
  if (!model || !cal) return std::nullopt;
  std::vector<FloatTensor> set;
  for (const auto& img : nlohmann::json::parse(*cal)) set.push_back(FloatTensor{{1, 64}, img.get<std::vector<double>>()});
  return import_and_quantize(std::span(reinterpret_cast<const uint8_t*>(model->data()), model->size()), set);
}

inline constexpr size_t kSmallCnnInput[] = {1, 2, 6, 6};

// Conv (to [1, 3, 4, 4]), Relu, AveragePool over uneven windows (a per-window multiplier), MaxPool, Flatten, Gemm,
// Add of a constant, Sigmoid and Softmax: every kind of quantized layer.
inline StatusOr<QuantizedGraph> small_cnn_graph() {
  ModelBuilder b(13, 8);
  b.input("x", {1, 2, 6, 6}).output("y");
  b.initializer("w", {3, 2, 3, 3}, uniform(54, 21)).initializer("bias", {3}, uniform(3, 22, 0.1f));
  b.initializer("fc", {12, 5}, uniform(60, 23)).initializer("c", {5}, uniform(5, 24, 0.5f));
  b.node("Conv", {"x", "w", "bias"}, {"conv"}, "conv");
  b.node("Relu", {"conv"}, {"relu"}, "relu");
  auto& avg = b.node("AveragePool", {"relu"}, {"avg"}, "avg");
  set_attr(avg, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(avg, "pads", std::vector<int64_t>{1, 1, 1, 1});
  auto& mp = b.node("MaxPool", {"avg"}, {"mp"}, "mp");
  set_attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(mp, "strides", std::vector<int64_t>{2, 2});
  b.node("Flatten", {"mp"}, {"flat"}, "flat");
  b.node("MatMul", {"flat", "fc"}, {"fc_out"}, "fc");
  b.node("Add", {"fc_out", "c"}, {"added"}, "add");
  b.node("Sigmoid", {"added"}, {"sig"}, "sig");
  // Layers over two activations: a product, a skip connection and a concatenation.
  b.node("Mul", {"sig", "added"}, {"gated"}, "gate");
  b.node("Add", {"gated", "added"}, {"skip"}, "skip");
  set_attr(b.node("Concat", {"skip", "sig"}, {"both"}, "both"), "axis", int64_t{0});
  b.node("Softmax", {"both"}, {"y"}, "softmax");
  std::vector<FloatTensor> set;
  for (uint64_t i = 0; i < 8; ++i) set.push_back(float_tensor({1, 2, 6, 6}, 500 + i));
  return import_and_quantize(b.bytes(), set);
}

// One layer of each kind with distinct values in every field (not meant to be run; its bounds hold).
inline QuantizedGraph all_kinds_graph() {
  QuantizedGraph q;
  q.activation_bits = 7;
  q.qmax = 63;
  q.values.push_back({"x", {2, 3}, 0.125, 63, 0.0625});
  auto add = [&](std::string node, std::string op_type, std::vector<size_t> inputs, LayerOp op, Shape shape) {
    q.layers.push_back({std::move(node), std::move(op_type), std::move(inputs), std::move(op)});
    // Bounds well above what the architecture implies (bounds.h), and distinct.
    q.values.push_back({"v" + std::to_string(q.values.size()), std::move(shape), 0.5 + static_cast<double>(q.values.size()),
                        10'000'000 + static_cast<int64_t>(q.values.size()), 0.01 * static_cast<double>(q.values.size())});
  };
  add("mm", "Gemm", {0}, MatMulLayer{IntTensor{{3, 2}, {1, -2, 3, -4, 5, -127}}, {7, -8}}, {2, 2});
  add("ac", "Add", {1}, AddConstLayer{IntTensor{{2, 2}, {-1, 0, 1, int64_t{1} << 20}}}, {2, 2});
  add("mc", "AveragePool", {2}, MulConstLayer{IntTensor{{2, 2}, {3, 4, -5, 6}}}, {2, 2});
  add("rq", "Gemm", {3}, RequantLayer{5, -63, 63}, {2, 2});
  add("lk", "Sigmoid", {4}, LookupLayer{"sigmoid", -2, {0, 1, 2, 3, 63}}, {2, 2});
  add("ga", "MaxPool", {5}, GatherLayer{{3, -1, 0, 2, 1, -1}, -9}, {2, 3});
  add("rs", "Flatten", {6}, ReshapeLayer{}, {6});
  add("rmax", "Softmax", {7}, RowMaxLayer{}, {1});
  add("rsub", "Softmax", {8, 7}, RowSubLayer{}, {6});
  add("rsum", "Softmax", {9}, RowSumLayer{}, {1});
  add("sum", "Add", {9, 8}, AddLayer{{2, -3}}, {6});  // value 8 ([1]) broadcast
  add("cat", "Concat", {11, 7}, ConcatLayer{0}, {12});
  add("mul", "Mul", {11, 7}, MulLayer{}, {6});
  add("rdiv", "Softmax", {9, 10}, RowDivLayer{63}, {6});
  q.outputs = {14, 3};
  return q;
}

}  // namespace zkcc::model::testing

#endif  // ZKCC_TESTS_MODEL_QUANTIZED_MODELS_H_
