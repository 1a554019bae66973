// End-to-end checks of imported ONNX operators: a small model built through the ONNX protobuf API
// is imported, calibrated on its input, quantized and run; every output must lie within the error
// bound quantization states of a float reference the test computes (independently of the
// importer), that bound must be small, and the proof of the run must verify while a changed output
// is rejected.
#ifndef ZKCC_TESTS_PROOF_END_TO_END_UTIL_H_
#define ZKCC_TESTS_PROOF_END_TO_END_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "../model/onnx_builder.h"
#include "../model/test_util.h"
#include "graph_prove_util.h"
#include "zkcc/model/float_run.h"

namespace zkcc::proof::testing {

using model::Shape;
using model::testing::ModelBuilder;
using model::testing::set_attr;

struct Expected {
  std::vector<double> values;
  double tolerance;  // the largest error bound accepted for this output
  // Where the bound is a worst case far from this input (a steep function near 0): the largest
  // error accepted on this input.
  double observed = HUGE_VAL;
};

// Runs the checks above (the proof only when `prove`); `input` is also the calibration set.
inline void check_end_to_end(const ModelBuilder& b, const model::FloatTensor& input, const std::vector<Expected>& want,
                      bool prove = true) {
  const Bytes onnx = b.bytes();
  auto graph = model::import_onnx(onnx);
  ASSERT_TRUE(graph.ok()) << graph.status().to_string();
  model::QuantizedGraph q = testing::quantized(onnx, std::span<const model::FloatTensor>(&input, 1));
  ASSERT_EQ(q.outputs.size(), want.size());
  auto run = model::run_quantized(q, input);
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  for (size_t o = 0; o < want.size(); ++o) {
    const model::QuantizedValue& v = q.values[q.outputs[o]];
    ASSERT_EQ(run->outputs[o].data.size(), want[o].values.size()) << v.name;
    EXPECT_LE(v.error, want[o].tolerance) << v.name;
    for (size_t i = 0; i < want[o].values.size(); ++i) {
      EXPECT_NEAR(run->outputs[o].data[i], want[o].values[i], std::min(v.error + 1e-9, want[o].observed))
          << v.name << " element " << i;
    }
  }
  if (!prove) return;
  testing::Proved p = testing::prove(std::move(q), input);
  Status ok = testing::verify(p, p.proof);
  EXPECT_TRUE(ok.ok()) << ok.to_string();
  for (size_t o = 0; o < p.outputs.size(); ++o) {
    testing::Proved changed = p;
    changed.outputs[o].data.back() += 1;
    EXPECT_FALSE(testing::verify(changed, p.proof).ok()) << "output " << o << " changed";
  }
}

inline std::vector<double> map(const std::vector<double>& x, const std::function<double(double)>& f) {
  std::vector<double> y;
  for (double v : x) y.push_back(f(v));
  return y;
}

// y over `ys` with each element read from x (of shape xs) at the index `source` gives, or 0.
inline std::vector<double> moved(const std::vector<double>& x, const Shape& xs, const Shape& ys,
                          const std::function<std::optional<std::vector<size_t>>(const std::vector<size_t>&)>& source) {
  std::vector<double> y;
  std::vector<size_t> idx(ys.size(), 0);
  for (size_t i = 0; i < model::element_count(ys); ++i) {
    auto from = source(idx);
    if (!from) {
      y.push_back(0);
    } else {
      size_t at = 0;
      for (size_t d = 0; d < xs.size(); ++d) at = at * xs[d] + (*from)[d];
      y.push_back(x[at]);
    }
    for (size_t d = ys.size(); d-- > 0;) {
      if (++idx[d] < ys[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

// A proof needs one private tensor at least (as every real model has): each model here starts with
// x = input + bias, and the references are computed from x. Returns the input.
inline model::FloatTensor start(ModelBuilder& b, const Shape& shape, uint64_t seed, double scale, std::vector<double>& x) {
  std::vector<int64_t> dims(shape.begin(), shape.end());
  b.input("input", dims);
  const std::vector<float> bias = model::testing::uniform(shape.back(), seed + 1000, 0.1f);
  b.initializer("bias", {static_cast<int64_t>(shape.back())}, bias);
  b.node("Add", {"input", "bias"}, {"x"});
  model::FloatTensor in = model::testing::float_tensor(shape, seed, scale);
  x.clear();
  for (size_t i = 0; i < in.data.size(); ++i) x.push_back(in.data[i] + bias[i % shape.back()]);
  return in;
}

inline onnx::NodeProto& unary(ModelBuilder& b, const std::string& op, const std::string& out) {
  b.output(out);
  return b.node(op, {"x"}, {out}, out);
}

}  // namespace zkcc::proof::testing

#endif  // ZKCC_TESTS_PROOF_END_TO_END_UTIL_H_
