// The ONNX backend tests that Debian's libonnx-testdata ships, for every test that uses an
// operator zkcc supports: each model is imported, run in double precision (which must match ONNX's
// expected output to float precision) and quantized (which must match within the error bound that
// quantization derives from its scales). Tests the importer refuses are listed as skipped with
// its reason; a table of all of them is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "onnx_builder.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/float_run.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/model/run.h"

namespace zkcc::model {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kSupported = {"Gemm",    "MatMul",      "Add",           "Relu",
                                          "Sigmoid", "Tanh",        "Softmax",       "Conv",
                                          "MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool",
                                          "Flatten", "Reshape",     "Gelu",
                                          // Elementwise functions and arithmetic with a constant.
                                          "LeakyRelu", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus",
                                          "Softsign", "Mish", "Erf", "Exp", "Log", "Sqrt", "Reciprocal", "Neg", "Abs",
                                          "Sign", "Clip", "Pow", "Floor", "Ceil", "Round", "Sub", "Mul", "Div",
                                          "BatchNormalization",
                                          // Data movement and reductions.
                                          "Transpose", "Slice", "Pad", "Split", "Tile", "Squeeze", "Unsqueeze",
                                          "Gather", "Expand", "Concat", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
                                          // Operators over several activations.
                                          "LogSoftmax", "Max", "Min", "PRelu", "Sum", "Mean"};

// At least these must pass; each was checked by hand against the operator's meaning.
const std::set<std::string> kMustPass = {
    "node/test_add", "node/test_add_bcast", "node/test_relu", "node/test_sigmoid", "node/test_sigmoid_example",
    "node/test_tanh", "node/test_tanh_example", "node/test_softmax_example", "node/test_softmax_default_axis",
    "node/test_softmax_large_number", "node/test_softmax_negative_axis", "node/test_gemm_all_attributes",
    "node/test_gemm_alpha", "node/test_gemm_beta", "node/test_gemm_default_matrix_bias",
    "node/test_gemm_default_no_bias", "node/test_gemm_default_scalar_bias",
    "node/test_gemm_default_single_elem_vector_bias", "node/test_gemm_default_vector_bias",
    "node/test_gemm_default_zero_bias", "node/test_gemm_transposeA", "node/test_gemm_transposeB",
    "node/test_matmul_2d", "node/test_basic_conv_with_padding", "node/test_basic_conv_without_padding",
    "node/test_conv_with_autopad_same", "node/test_conv_with_strides_and_asymmetric_padding",
    "node/test_conv_with_strides_no_padding", "node/test_conv_with_strides_padding",
    "node/test_averagepool_2d_default", "node/test_averagepool_2d_ceil", "node/test_averagepool_2d_pads",
    "node/test_averagepool_2d_pads_count_include_pad", "node/test_averagepool_2d_precomputed_pads",
    "node/test_averagepool_2d_precomputed_pads_count_include_pad", "node/test_averagepool_2d_precomputed_same_upper",
    "node/test_averagepool_2d_precomputed_strides", "node/test_averagepool_2d_same_lower",
    "node/test_averagepool_2d_same_upper", "node/test_averagepool_2d_strides", "node/test_maxpool_2d_default",
    "node/test_maxpool_2d_ceil", "node/test_maxpool_2d_dilations", "node/test_maxpool_2d_pads",
    "node/test_maxpool_2d_precomputed_pads", "node/test_maxpool_2d_precomputed_same_upper",
    "node/test_maxpool_2d_precomputed_strides", "node/test_maxpool_2d_same_lower", "node/test_maxpool_2d_same_upper",
    "node/test_maxpool_2d_strides", "node/test_globalaveragepool", "node/test_globalaveragepool_precomputed",
    "node/test_globalmaxpool", "node/test_globalmaxpool_precomputed", "node/test_flatten_axis0",
    "node/test_flatten_axis1", "node/test_flatten_axis2", "node/test_flatten_axis3", "node/test_flatten_default_axis",
    "node/test_flatten_negative_axis1", "node/test_flatten_negative_axis2", "node/test_flatten_negative_axis3",
    "node/test_flatten_negative_axis4", "node/test_reshape_extended_dims", "node/test_reshape_negative_dim",
    "node/test_reshape_negative_extended_dims", "node/test_reshape_one_dim", "node/test_reshape_reduced_dims",
    "node/test_reshape_reordered_all_dims", "node/test_reshape_reordered_last_dims",
    "node/test_reshape_zero_and_negative_dim", "node/test_reshape_zero_dim", "pytorch-converted/test_Linear",
    "pytorch-converted/test_Conv2d", "pytorch-converted/test_Conv2d_no_bias", "pytorch-converted/test_Conv2d_padding",
    "pytorch-converted/test_Conv2d_strided", "pytorch-converted/test_Conv2d_dilated", "pytorch-converted/test_MaxPool2d",
    "pytorch-converted/test_AvgPool2d", "pytorch-converted/test_AvgPool2d_stride", "pytorch-converted/test_ReLU",
    "pytorch-converted/test_Sigmoid", "pytorch-converted/test_Tanh", "pytorch-converted/test_Softmax",
};

Bytes read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

enum class Outcome { kPass, kFail, kSkip };

struct Row {
  std::string name;
  Outcome outcome = Outcome::kSkip;
  double float_error = 0, quant_error = 0, tolerance = 0;
  std::string note;
};

// data_set/input_N.pb in N order.
std::vector<fs::path> numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (size_t i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) return out;
    out.push_back(p);
  }
}

Row run_case(const fs::path& dir, const std::string& name) {
  Row row;
  row.name = name;
  onnx::ModelProto model;
  Bytes bytes = read_all(dir / "model.onnx");
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    row.note = "model.onnx does not parse";
    row.outcome = Outcome::kFail;
    return row;
  }
  const fs::path data = dir / "test_data_set_0";
  std::vector<fs::path> inputs = numbered(data, "input_"), outputs = numbered(data, "output_");
  // The runtime inputs in order; all but the first are weights, biases or shapes that the
  // backend tests feed as inputs: bind them into the model as initializers.
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<std::string> runtime;
  for (const auto& in : model.graph().input()) {
    if (!initializers.count(in.name())) runtime.push_back(in.name());
  }
  if (runtime.empty()) {
    row.note = "the graph has no runtime input";
    return row;
  }
  if (inputs.size() != runtime.size()) {
    row.note = "the test data does not match the graph inputs";
    row.outcome = Outcome::kFail;
    return row;
  }
  for (size_t i = 1; i < runtime.size(); ++i) {
    onnx::TensorProto t;
    Bytes tb = read_all(inputs[i]);
    if (!t.ParseFromArray(tb.data(), static_cast<int>(tb.size()))) {
      row.note = "input " + std::to_string(i) + " does not parse";
      row.outcome = Outcome::kFail;
      return row;
    }
    t.set_name(runtime[i]);
    *model.mutable_graph()->add_initializer() = t;
  }
  if (runtime.size() > 1) row.note = "inputs 1.." + std::to_string(runtime.size() - 1) + " bound as constants; ";
  std::string serialized = model.SerializeAsString();
  auto g = import_onnx(Bytes(serialized.begin(), serialized.end()));
  if (!g.ok()) {
    row.note += "import: " + g.status().message();
    return row;
  }
  auto x = parse_onnx_tensor(read_all(inputs[0]));
  if (!x.ok()) {
    row.note += "input: " + x.status().message();
    return row;
  }
  std::vector<FloatTensor> want;
  for (const auto& p : outputs) {
    auto t = parse_onnx_tensor(read_all(p));
    if (!t.ok()) {
      row.note += "output: " + t.status().message();
      return row;
    }
    want.push_back(*t);
  }
  auto values = run_float(*g, *x);
  if (!values.ok() || want.size() != g->outputs.size()) {
    row.note += "reference run: " + (values.ok() ? std::string("output count differs") : values.status().message());
    row.outcome = Outcome::kFail;
    return row;
  }
  std::vector<FloatTensor> got = float_outputs(*g, *values);
  // Calibrated on the test's own input, so every tensor lies within its range.
  auto cal = calibrate(*g, std::span<const FloatTensor>(&*x, 1));
  auto q = cal.ok() ? quantize(*g, *cal) : StatusOr<QuantizedGraph>(cal.status());
  if (!q.ok()) {
    row.note += "quantize: " + q.status().message();
    return row;
  }
  auto run = run_quantized(*q, *x);
  // A table covers only where its function is defined (1/x: positive inputs); a run outside it is
  // the documented refusal.
  if (!run.ok() && run.status().message().find("table has no entry") != std::string::npos) {
    row.note += "quantized run refused: " + run.status().message();
    return row;
  }
  if (!run.ok()) {
    row.note += "quantized run: " + run.status().message();
    row.outcome = Outcome::kFail;
    return row;
  }
  row.outcome = Outcome::kPass;
  for (size_t o = 0; o < want.size(); ++o) {
    if (got[o].shape != want[o].shape) {
      row.note += "output shape " + shape_string(got[o].shape) + ", expected " + shape_string(want[o].shape);
      row.outcome = Outcome::kFail;
      return row;
    }
    const double bound = q->values[q->outputs[o]].error;
    for (size_t i = 0; i < want[o].data.size(); ++i) {
      const double w = want[o].data[i];
      const double slack = 1e-5 * (1 + std::abs(w));  // the expected outputs are float32
      const double fe = std::abs(got[o].data[i] - w), qe = std::abs(run->outputs[o].data[i] - w);
      row.float_error = std::max(row.float_error, fe);
      row.quant_error = std::max(row.quant_error, qe);
      row.tolerance = std::max(row.tolerance, bound + slack);
      if (fe > slack || qe > bound + slack) row.outcome = Outcome::kFail;
    }
  }
  return row;
}

TEST(OnnxConformance, BackendNodeTests) {
  const fs::path root = ZKCC_ONNX_TESTDATA_DIR;
  ASSERT_TRUE(fs::exists(root / "node")) << root << " is missing: install libonnx-testdata (scripts/install-deps.sh)";
  std::vector<Row> rows;
  size_t other = 0;
  for (const char* suite : {"node", "pytorch-converted"}) {
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root / suite)) {
      if (e.is_directory() && fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& dir : dirs) {
      onnx::ModelProto m;
      Bytes b = read_all(dir / "model.onnx");
      // A test of a supported operator (by its name), or one built only of supported operators.
      std::string lower = dir.filename().string();
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      bool relevant = lower.rfind("test_basic_conv", 0) == 0;
      for (const auto& op : kSupported) {
        std::string prefix = "test_" + op;
        for (char& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        // "test_conv", "test_conv_..." and "test_conv1d" but not "test_convtranspose".
        relevant |= lower.rfind(prefix, 0) == 0 &&
                    (lower.size() == prefix.size() || !std::isalpha(static_cast<unsigned char>(lower[prefix.size()])));
      }
      if (!relevant && m.ParseFromArray(b.data(), static_cast<int>(b.size())) && m.graph().node_size() > 0) {
        relevant = true;
        for (const auto& n : m.graph().node()) relevant &= kSupported.count(n.op_type()) > 0 || n.op_type() == "Constant";
      }
      if (!relevant) {
        ++other;
        continue;
      }
      rows.push_back(run_case(dir, std::string(suite) + "/" + dir.filename().string()));
    }
  }
  size_t pass = 0, fail = 0, skip = 0;
  std::printf("%-62s %-5s %11s %11s %11s  %s\n", "test", "", "float err", "quant err", "tolerance", "note");
  for (const Row& r : rows) {
    const char* o = r.outcome == Outcome::kPass ? "PASS" : r.outcome == Outcome::kFail ? "FAIL" : "skip";
    (r.outcome == Outcome::kPass ? pass : r.outcome == Outcome::kFail ? fail : skip)++;
    if (r.outcome == Outcome::kSkip) {
      std::printf("%-62s %-5s %11s %11s %11s  %s\n", r.name.c_str(), o, "", "", "", r.note.c_str());
    } else {
      std::printf("%-62s %-5s %11.3g %11.3g %11.3g  %s\n", r.name.c_str(), o, r.float_error, r.quant_error, r.tolerance,
                  r.note.c_str());
    }
  }
  std::printf("%zu passed, %zu failed, %zu skipped; %zu other tests are of other operators\n", pass, fail, skip, other);
  for (const Row& r : rows) {
    EXPECT_NE(r.outcome, Outcome::kFail) << r.name << ": " << r.note;
    if (kMustPass.count(r.name)) {
      EXPECT_EQ(r.outcome, Outcome::kPass) << r.name << ": " << r.note;
    }
  }
  std::set<std::string> seen;
  for (const Row& r : rows) seen.insert(r.name);
  for (const auto& name : kMustPass) EXPECT_TRUE(seen.count(name)) << name << " is missing from the test data";
  EXPECT_GE(pass, kMustPass.size());
}

}  // namespace
}  // namespace zkcc::model
