// The imported model: a topologically ordered list of real-valued operations on static shapes,
// each a small value type. The importer lowers ONNX onto these (Gemm with alpha, beta and transB
// folded into one dense weight, Flatten onto Reshape, the erf form of GELU onto one node), so every
// later stage (reference inference, calibration, quantization) sees one meaning per operation.
//
// Values are numbered: values[graph.input] is the one runtime input; every node reads its
// runtime operand from values[node.input] (the operations over several activations, BinaryOp and
// ConcatOp, name the others inside) and defines values[node.output]; constants (weights, biases)
// live inside the operation.
#ifndef ZKCC_MODEL_GRAPH_H_
#define ZKCC_MODEL_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "zkcc/model/tensor.h"

namespace zkcc::model {

// A 2-D sliding window over an NCHW tensor, resolved at import (auto_pad and ceil_mode are
// turned into explicit pads and output sizes). Window (oh, ow), tap (kh, kw) reads input row
// oh * stride_h - pad_top + kh * dilation_h and column ow * stride_w - pad_left + kw * dilation_w;
// taps outside the input are padding.
struct Window2D {
  size_t kernel_h = 1, kernel_w = 1;
  size_t stride_h = 1, stride_w = 1;
  size_t dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  size_t in_h = 0, in_w = 0;
  size_t out_h = 0, out_w = 0;
};

// y = x w + b over the last axis of x: x [..., K], w [K, N], b [N] or empty, y [..., N].
struct DenseOp {
  FloatTensor weight;
  std::vector<double> bias;
};

// 2-D convolution, one group: x [N, C, H, W], weight [M, C, KH, KW], bias [M] or empty,
// y [N, M, OH, OW]; padding reads zeros.
struct ConvOp {
  FloatTensor weight;
  std::vector<double> bias;
  Window2D window;
};

// Maximum over each window of each channel; padding is ignored.
struct MaxPoolOp {
  Window2D window;
};

// Mean over each window of each channel: divided by the number of taps inside the input, or by
// all kernel taps when count_include_pad.
struct AvgPoolOp {
  Window2D window;
  bool count_include_pad = false;
};

// y = x + c, c already broadcast to x's shape.
struct AddConstOp {
  FloatTensor constant;
};

// y = x^T for a matrix x.
struct TransposeOp {};

// The same elements under the output's shape (Reshape, Flatten).
struct ReshapeOp {};

// y = x * c elementwise, c already broadcast to x's shape (Mul and Div by a constant, Neg, a
// batch normalization that folds into no product).
struct MulConstOp {
  FloatTensor constant;
};

// y[i] = x[index[i]], or 0 where index[i] < 0: fixed data movement (Transpose, Slice, Pad, Split,
// Tile and Gather on activations). y's shape is the output value's.
struct GatherOp {
  std::vector<int64_t> index;
};

// The sum, the mean or the maximum over the last axis; y has x's shape with the last dimension 1.
struct ReduceLastOp {
  enum class Kind : uint8_t { kSum, kMean, kMax };
  Kind kind = Kind::kSum;
};

// Elementwise functions, each proved as one table over the quantized input.
enum class Activation : uint8_t {
  kRelu,
  kSigmoid,
  kTanh,
  kGelu,      // x/2 (1 + erf(x / sqrt 2))
  kGeluTanh,  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  // With the parameters alpha and beta of ActivationOp:
  kLeakyRelu,    // x < 0 ? alpha x : x
  kElu,          // x < 0 ? alpha (e^x - 1) : x
  kSelu,         // beta (x <= 0 ? alpha (e^x - 1) : x), beta being ONNX's gamma
  kCelu,         // max(0, x) + min(0, alpha (e^(x / alpha) - 1))
  kHardSigmoid,  // max(0, min(1, alpha x + beta))
  kHardSwish,    // x max(0, min(1, x / 6 + 1/2))
  kSoftplus,     // log(1 + e^x)
  kSoftsign,     // x / (1 + |x|)
  kMish,         // x tanh(softplus(x))
  kErf,
  kExp,
  kLog,         // defined for x > 0
  kSqrt,        // defined for x >= 0
  kReciprocal,  // 1 / x, defined for x != 0
  kAbs,
  kSign,
  kClip,   // min(max(x, alpha), beta)
  kPow,    // x^alpha; for an alpha that is not an integer, defined for x >= 0
  kFloor,
  kCeil,
  kRound,  // to nearest, ties to even
};

struct ActivationOp {
  Activation fn = Activation::kRelu;
  double alpha = 0;
  double beta = 0;
};

// Softmax over the last axis; its logarithm (x - max - log sum exp(x - max)) when `log`.
struct SoftmaxOp {
  bool log = false;
};

// y = x op b elementwise for a second activation b = values[other], both broadcast onto y's shape
// as numpy does.
struct BinaryOp {
  enum class Kind : uint8_t { kAdd, kSub, kMul, kMax, kMin };
  Kind kind = Kind::kAdd;
  size_t other = 0;
};

// The values `parts` concatenated along `axis`; parts[0] is the node's input.
struct ConcatOp {
  size_t axis = 0;
  std::vector<size_t> parts;
};

using Op = std::variant<DenseOp, ConvOp, MaxPoolOp, AvgPoolOp, AddConstOp, TransposeOp, ReshapeOp, ActivationOp,
                        SoftmaxOp, MulConstOp, GatherOp, ReduceLastOp, BinaryOp, ConcatOp>;

struct Value {
  std::string name;  // the ONNX value name; importer-made intermediates get "<name>/<step>"
  Shape shape;
};

struct Node {
  std::string name;     // the ONNX node's name (may be empty)
  std::string op_type;  // the ONNX operator it came from ("Gemm", "Gelu(erf)", ...)
  size_t source = 0;    // that node's index in the ONNX graph (several nodes may share one)
  size_t input = 0;
  size_t output = 0;
  Op op;
};

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order
  size_t input = 0;
  std::vector<size_t> outputs;  // the ONNX graph outputs, in order
  int64_t opset = 0;            // the default domain's opset version
};

// "Relu", "Sigmoid", ...
const char* activation_name(Activation fn);

// The number of real parameters a node carries (weights, biases and constants).
size_t parameter_count(const Op& op);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_GRAPH_H_
