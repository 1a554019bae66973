// The quantizer's state while it lowers a Graph node by node onto integer layers (quantize.cc:
// products, windows, functions and reductions; quantize_binary.cc: the operations over several
// activations).
#ifndef ZKCC_SRC_MODEL_QUANTIZER_H_
#define ZKCC_SRC_MODEL_QUANTIZER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "zkcc/model/quantize.h"

namespace zkcc::model::internal {

class Quantizer {
 public:
  Quantizer(const Graph& graph, const Calibration& calibration, const QuantConfig& config)
      : g_(graph), cal_(calibration), cfg_(config) {}

  StatusOr<QuantizedGraph> run();

 private:
  // Appends a layer defining `out` and returns the new value's index.
  StatusOr<size_t> add(LayerOp op, std::vector<size_t> inputs, QuantizedValue out);
  // A value in [-qmax, qmax] standing for quantized value v, requantized to fit `range` if needed.
  StatusOr<size_t> narrow(size_t v, double range);
  const QuantizedValue& val(size_t v) const { return q_.values[v]; }
  QuantizedValue derived(size_t like, const std::string& step, Shape shape) const {
    QuantizedValue v = val(like);
    v.name = g_.values[node_->output].name + "/" + step;
    v.shape = std::move(shape);
    return v;
  }
  Status check(int64_t bound, const std::string& what) const;

  Status lower();
  StatusOr<size_t> matmul(size_t x, double x_range, const std::vector<double>& w, size_t k, size_t n,
                          const std::vector<double>& bias, QuantizedValue out);
  StatusOr<size_t> table(size_t x, const std::string& function, int64_t in_min, int64_t in_max,
                         const std::function<double(int64_t)>& f, QuantizedValue out);
  StatusOr<size_t> lower_conv(const ConvOp& op);
  StatusOr<size_t> lower_pool(const Window2D& w, bool max, bool count_include_pad);
  StatusOr<size_t> lower_activation(const ActivationOp& op);
  StatusOr<size_t> lower_function(const ActivationOp& op);
  StatusOr<size_t> lower_mul_const(const MulConstOp& op);
  StatusOr<size_t> lower_reduce(const ReduceLastOp& op);
  StatusOr<size_t> lower_softmax(bool log);
  // x - max - log(sum), from softmax's shifted d = max - x and its row sums of exp (e_bits).
  StatusOr<size_t> log_softmax(size_t x, size_t d, size_t sum, int e_bits);
  // Several activations (quantize_binary.cc).
  struct Aligned {
    double scale = 1;
    std::vector<int64_t> coef;  // per operand: its integers times coef are in `scale`
  };
  Aligned align(const std::vector<size_t>& xs) const;
  StatusOr<size_t> combine(const std::vector<size_t>& xs, const std::vector<int64_t>& signs, QuantizedValue out);
  StatusOr<size_t> expand(size_t x, const Shape& to);
  StatusOr<size_t> lower_binary(const BinaryOp& op);
  StatusOr<size_t> lower_concat(const ConcatOp& op);

  const Graph& g_;
  const Calibration& cal_;
  const QuantConfig cfg_;
  int64_t qmax_ = 0;
  QuantizedGraph q_;
  std::vector<size_t> map_;  // graph value -> quantized value
  std::map<std::pair<size_t, double>, size_t> narrowed_;
  const Node* node_ = nullptr;
  size_t node_index_ = 0;
  size_t total_elements_ = 0;
};

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_QUANTIZER_H_
