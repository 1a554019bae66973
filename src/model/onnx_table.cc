// The importer's operator table: what each ONNX operator is imported as and proved by, and the
// function that imports it (docs/operators.md is generated from it).
#include "onnx_importer.h"

namespace zkcc::model::internal {

std::span<const Importer::Row> Importer::rows() {
  // support: proved (a layer of the proof), folded (computed at import from constants and static
  // shapes), pass-through (aliases its input); the notes say what is refused.
  static const Row kRows[] = {
      {{"Gemm", "", "proved", "matrix-product sumcheck, requantized by a lookup",
        "B and C constants; alpha, beta, transA and transB folded into the weight"},
       [](Importer& i) { return i.import_gemm(); }},
      {{"MatMul", "", "proved", "matrix-product sumcheck, requantized by a lookup",
        "the right operand a constant matrix; two activations refused"},
       [](Importer& i) { return i.import_matmul(); }},
      {{"Conv", "", "proved", "im2col as a public linear map, then the matrix-product sumcheck",
        "2-D (NCHW), group 1; strides, pads, dilations, auto_pad"},
       [](Importer& i) { return i.import_conv(); }},
      {{"MaxPool", "", "proved", "row maximum: LogUp membership and a range check",
        "2-D; ceil_mode, auto_pad, dilations; the Indices output refused"},
       [](Importer& i) { return i.import_pool(true, false); }},
      {{"AveragePool", "", "proved", "window sums as a public linear map, then a shift or a row division",
        "2-D; ceil_mode, count_include_pad (not both), auto_pad"},
       [](Importer& i) { return i.import_pool(false, false); }},
      {{"GlobalMaxPool", "", "proved", "row maximum: LogUp membership and a range check", "2-D"},
       [](Importer& i) { return i.import_pool(true, true); }},
      {{"GlobalAveragePool", "", "proved", "sums as a public linear map, then a shift or a row division", "2-D"},
       [](Importer& i) { return i.import_pool(false, true); }},
      {{"Add", "", "proved, folded",
        "x + c as a public linear map; a + b of two activations: their sum with scale-aligning integer coefficients "
        "(the claim passes through masked; a broadcast operand through a public linear map)",
        "a constant broadcast onto the activation; two activations with numpy broadcasting; both constants: folded"},
       [](Importer& i) { return i.import_add(); }},
      {{"Sub", "", "proved, folded",
        "x - c: x + (-c); c - x: a product with -1, then + c; a - b of two activations: as Add, the coefficient of b "
        "negative",
        "a constant broadcast onto the activation; two activations with numpy broadcasting; both constants: folded"},
       [](Importer& i) { return i.import_sub(); }},
      {{"Mul", "", "proved, folded",
        "x * c: for one positive scalar a change of scale (no constraint), else a product with a public constant",
        "one operand a constant: a non-scalar constant is rounded to int8 and is public (part of the architecture); "
        "a * b of two activations (numpy broadcasting, the smaller spread by a gather): a Hadamard-product sumcheck, "
        "both operands requantized into the activation range first; both constants: folded"},
       [](Importer& i) { return i.import_mul_div(false); }},
      {{"Div", "", "proved, folded", "x / c as x * (1 / c), as Mul; a / b of two activations as a * reciprocal(b)",
        "a constant divisor without zeros; a divisor activation through the Reciprocal table (positive quantized "
        "divisors); c / x refused; both constants: folded (integers truncate)"},
       [](Importer& i) { return i.import_mul_div(true); }},
      {{"Neg", "", "proved, folded", "a product with -1 as a public linear map", ""},
       [](Importer& i) { return i.import_neg(); }},
      {{"BatchNormalization", "", "proved", "folded into the preceding product, else as Mul and Add",
        "inference only; folded into a Gemm, MatMul (2-D) or Conv that nothing else reads, otherwise a public "
        "per-channel scale (int8) and a shift"},
       [](Importer& i) { return i.import_batch_norm(); }},
      {{"Max", "", "proved", "max(a, b) = a + relu(b - a): two sums and a relu table",
        "activations pairwise with numpy broadcasting; a constant tensor broadcast onto the activation (c - x by a "
        "product with -1 and + c); constant scalars as a clip; constants alone refused"},
       [](Importer& i) { return i.import_max_min(true); }},
      {{"Min", "", "proved", "min(a, b) = a - relu(a - b): two sums and a relu table",
        "activations pairwise with numpy broadcasting; a constant tensor broadcast onto the activation (x - c as "
        "x + (-c)); constant scalars as a clip; constants alone refused"},
       [](Importer& i) { return i.import_max_min(false); }},
      {{"Sum", "", "proved, folded", "a sum of activations (coefficients aligning their scales), then + c",
        "activations with numpy broadcasting; constants summed and broadcast onto them; constants alone: folded"},
       [](Importer& i) { return i.import_sum_mean(false); }},
      {{"Mean", "", "proved, folded", "as Sum, then a change of scale by 1 / n (no constraint)",
        "activations with numpy broadcasting; constants summed and broadcast onto them; constants alone: folded"},
       [](Importer& i) { return i.import_sum_mean(true); }},
      {{"PRelu", "", "proved", "a scalar slope: function table (LogUp); else relu(x) + slope (x - relu(x))",
        "the slope a constant broadcast onto x (per channel: [C, 1, 1])"},
       [](Importer& i) { return i.import_prelu(); }},
      {{"Relu", "", "proved", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_activation(Activation::kRelu); }},
      {{"Sigmoid", "", "proved", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_activation(Activation::kSigmoid); }},
      {{"Tanh", "", "proved", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_activation(Activation::kTanh); }},
      {{"Gelu", "", "proved", "function table (LogUp)",
        "opset 20 and later; approximate none or tanh; also the erf form x * 0.5 * (1 + erf(x / sqrt 2))"},
       [](Importer& i) { return i.import_gelu(); }},
      {{"Gelu", "com.microsoft", "proved", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_gelu(); }},
      {{"LeakyRelu", "", "proved, folded", "function table (LogUp)", "alpha"},
       [](Importer& i) { return i.import_function(Activation::kLeakyRelu); }},
      {{"Elu", "", "proved, folded", "function table (LogUp)", "alpha"},
       [](Importer& i) { return i.import_function(Activation::kElu); }},
      {{"Selu", "", "proved, folded", "function table (LogUp)", "alpha, gamma"},
       [](Importer& i) { return i.import_function(Activation::kSelu); }},
      {{"Celu", "", "proved, folded", "function table (LogUp)", "alpha"},
       [](Importer& i) { return i.import_function(Activation::kCelu); }},
      {{"HardSigmoid", "", "proved, folded", "function table (LogUp)", "alpha, beta"},
       [](Importer& i) { return i.import_function(Activation::kHardSigmoid); }},
      {{"HardSwish", "", "proved, folded", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_function(Activation::kHardSwish); }},
      {{"Softplus", "", "proved, folded", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_function(Activation::kSoftplus); }},
      {{"Softsign", "", "proved, folded", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_function(Activation::kSoftsign); }},
      {{"Mish", "", "proved, folded", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_function(Activation::kMish); }},
      {{"Erf", "", "proved, folded", "function table (LogUp)", "also GELU's erf form, proved as one GELU"},
       [](Importer& i) { return i.import_function(Activation::kErf); }},
      {{"Exp", "", "proved, folded", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_function(Activation::kExp); }},
      {{"Log", "", "proved, folded", "function table (LogUp)",
        "the table covers positive quantized inputs; an input that quantizes to 0 or below is refused when run"},
       [](Importer& i) { return i.import_function(Activation::kLog); }},
      {{"Sqrt", "", "proved, folded", "function table (LogUp)",
        "the table covers non-negative quantized inputs; a negative one is refused when run"},
       [](Importer& i) { return i.import_function(Activation::kSqrt); }},
      {{"Reciprocal", "", "proved, folded", "function table (LogUp)",
        "the table covers positive quantized inputs (a table is one range and 1/x has none across 0); others are "
        "refused when run"},
       [](Importer& i) { return i.import_function(Activation::kReciprocal); }},
      {{"Abs", "", "proved, folded", "function table (LogUp)", ""},
       [](Importer& i) { return i.import_function(Activation::kAbs); }},
      {{"Sign", "", "proved, folded", "function table (LogUp), exact in scale 1", ""},
       [](Importer& i) { return i.import_function(Activation::kSign); }},
      {{"Floor", "", "proved, folded", "function table (LogUp), exact in scale 1", ""},
       [](Importer& i) { return i.import_function(Activation::kFloor); }},
      {{"Ceil", "", "proved, folded", "function table (LogUp), exact in scale 1", ""},
       [](Importer& i) { return i.import_function(Activation::kCeil); }},
      {{"Round", "", "proved, folded", "function table (LogUp), exact in scale 1", "ties to even"},
       [](Importer& i) { return i.import_function(Activation::kRound); }},
      {{"Clip", "", "proved, folded", "function table (LogUp)",
        "min and max constants: attributes (before opset 11) or scalar inputs; either may be absent"},
       [](Importer& i) { return i.import_clip(); }},
      {{"Pow", "", "proved, folded", "function table (LogUp)",
        "the exponent a constant scalar; a fractional exponent's table covers non-negative inputs, a negative "
        "exponent's positive ones"},
       [](Importer& i) { return i.import_pow(); }},
      {{"Softmax", "", "proved", "exp table, row sums, row division",
        "any axis: another than the last is moved last by a gather and back (opset 13 on), or the trailing axes "
        "from it are flattened into one (before 13)"},
       [](Importer& i) { return i.import_softmax(false); }},
      {{"LogSoftmax", "", "proved",
        "row maximum, exp table, row sums, a log table of the requantized sums, then x - max - log(sum) as a sum "
        "with a broadcast operand",
        "any axis, as Softmax"},
       [](Importer& i) { return i.import_softmax(true); }},
      {{"Flatten", "", "proved", "a reshape: the same committed values, no constraint", "on activations"},
       [](Importer& i) { return i.import_flatten(); }},
      {{"Reshape", "", "proved, folded", "a reshape: the same committed values, no constraint",
        "the target shape a constant, possibly folded (Shape -> Gather -> Concat); on a constant: folded"},
       [](Importer& i) { return i.import_reshape(); }},
      {{"Identity", "", "pass-through, folded", "-", "aliases its input"},
       [](Importer& i) { return i.import_identity(); }},
      {{"Dropout", "", "pass-through, folded", "-",
        "inference: the identity; the mask output and training_mode true refused"},
       [](Importer& i) { return i.import_dropout(); }},
      {{"Cast", "", "pass-through, folded", "-",
        "an activation only between float types; constants to any float, integer or BOOL type"},
       [](Importer& i) { return i.import_cast(); }},
      {{"Constant", "", "folded", "-", "value, value_float(s), value_int(s); sparse and string values refused"},
       [](Importer& i) { return i.import_constant(); }},
      {{"Shape", "", "folded", "-", "of any tensor, from its static shape; start and end (opset 15)"},
       [](Importer& i) { return i.import_shape(); }},
      {{"Size", "", "folded", "-", "of any tensor, from its static shape"},
       [](Importer& i) { return i.import_size(); }},
      {{"Gather", "", "proved, folded", "a gather: a public linear map",
        "the indices a constant; on constant data: folded"},
       [](Importer& i) { return i.import_gather(); }},
      {{"Slice", "", "proved, folded", "a gather: a public linear map",
        "starts, ends, axes and steps constants: attributes (opset 1 to 9) or inputs; on a constant: folded"},
       [](Importer& i) { return i.import_slice(); }},
      {{"Concat", "", "proved, folded",
        "several activations: a public linear map from the parts (in one scale) to the result; constant parts: a "
        "gather, then + c",
        "any axis; activations (possibly repeated) with real constants; constants alone: folded"},
       [](Importer& i) { return i.import_concat(); }},
      {{"Unsqueeze", "", "proved, folded", "a reshape: the same committed values, no constraint",
        "axes as an attribute (opset 1 to 12) or a constant input; on a constant: folded"},
       [](Importer& i) { return i.import_unsqueeze(false); }},
      {{"Squeeze", "", "proved, folded", "a reshape: the same committed values, no constraint",
        "axes as an attribute (opset 1 to 12) or a constant input; on a constant: folded"},
       [](Importer& i) { return i.import_unsqueeze(true); }},
      {{"Expand", "", "proved, folded", "a gather: a public linear map",
        "the shape a constant of positive dimensions; on a constant: folded"},
       [](Importer& i) { return i.import_expand(); }},
      {{"Transpose", "", "proved, folded", "a gather: a public linear map", "perm; on a constant: folded"},
       [](Importer& i) { return i.import_transpose(); }},
      {{"Pad", "", "proved, folded", "a gather: a public linear map (zeros as its fill), then + c for another value",
        "modes constant, reflect and edge; pads (negative ones crop) and axes constants; a constant value other "
        "than 0 is added after (x + c); on a constant: folded"},
       [](Importer& i) { return i.import_pad(); }},
      {{"Tile", "", "proved, folded", "a gather: a public linear map", "repeats a constant; on a constant: folded"},
       [](Importer& i) { return i.import_tile(); }},
      {{"Split", "", "proved, folded", "one gather per output: public linear maps",
        "sizes as an attribute, a constant input or equal parts (num_outputs); empty parts refused"},
       [](Importer& i) { return i.import_split(); }},
      {{"ReduceSum", "", "proved", "row sums: a public linear map",
        "axes constant (attribute before opset 13), keepdims, noop_with_empty_axes; reduced axes that are not the "
        "trailing ones are first moved there by a gather"},
       [](Importer& i) { return i.import_reduce(ReduceLastOp::Kind::kSum); }},
      {{"ReduceMean", "", "proved", "row sums: a public linear map, the mean a change of scale",
        "axes constant (attribute before opset 18), keepdims; reduced axes that are not the trailing ones are first "
        "moved there by a gather"},
       [](Importer& i) { return i.import_reduce(ReduceLastOp::Kind::kMean); }},
      {{"ReduceMax", "", "proved", "row maximum: LogUp membership and a range check",
        "axes constant (attribute before opset 18), keepdims; other axes than the trailing ones moved there first"},
       [](Importer& i) { return i.import_reduce(ReduceLastOp::Kind::kMax); }},
      {{"ReduceMin", "", "proved", "-x by a product with -1, its row maximum, negated",
        "axes constant (attribute before opset 18), keepdims; other axes than the trailing ones moved there first"},
       [](Importer& i) { return i.import_reduce(ReduceLastOp::Kind::kMax, true); }},
      {{"ConstantOfShape", "", "folded", "-", "a constant shape of positive dimensions"},
       [](Importer& i) { return i.import_constant_of_shape(); }},
      {{"Range", "", "folded", "-", "constant scalars; an empty range refused"},
       [](Importer& i) {
         return i.fold_all(3, [](const auto& in) { return fold_range(*in[0], *in[1], *in[2]); });
       }},
      {{"Where", "", "folded", "-", "constants"},
       [](Importer& i) { return i.fold_all(3, [](const auto& in) { return fold_where(*in[0], *in[1], *in[2]); }); }},
      {{"Equal", "", "folded", "-", "constants"}, [](Importer& i) { return i.import_binary(BinaryFold::kEqual); }},
      {{"Less", "", "folded", "-", "constants"}, [](Importer& i) { return i.import_binary(BinaryFold::kLess); }},
      {{"Greater", "", "folded", "-", "constants"}, [](Importer& i) { return i.import_binary(BinaryFold::kGreater); }},
  };
  return kRows;
}

const Importer::Row* Importer::find_row(const onnx::NodeProto& node) {
  for (const Row& row : rows()) {
    const bool domain = row.info.domain.empty() ? is_default_domain(node.domain()) : node.domain() == row.info.domain;
    if (domain && node.op_type() == row.info.op_type) return &row;
  }
  return nullptr;
}

bool is_known_operator(const onnx::NodeProto& node) {
  const Importer::Row* row = Importer::find_row(node);
  return row && row->info.support != "refused";
}

}  // namespace zkcc::model::internal

namespace zkcc::model {

std::span<const OperatorSupport> onnx_operators() {
  static const std::vector<OperatorSupport> kTable = [] {
    std::vector<OperatorSupport> t;
    for (const auto& row : internal::Importer::rows()) t.push_back(row.info);
    return t;
  }();
  return kTable;
}

}  // namespace zkcc::model
