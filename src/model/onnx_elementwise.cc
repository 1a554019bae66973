// Elementwise ONNX operators: functions of one activation (each a table over the quantized input)
// and arithmetic with a constant operand (Add, Sub, Mul, Div, Neg, BatchNormalization).
#include <limits>

#include "functions.h"
#include "onnx_importer.h"

namespace zkcc::model::internal {

StatusOr<std::vector<double>> Importer::spread(const Constant& c, const Shape& xs) {
  Constant aligned = c;
  if (opset_ < 7) {
    Attrs at(node());
    ZKCC_ASSIGN_OR_RETURN(int64_t broadcast, at.i("broadcast", 0));
    if (broadcast == 0 && c.shape != xs) {
      return invalid_argument("the constant " + shape_string(c.shape) + " must be " + shape_string(xs) +
                              " without broadcast");
    }
    if (broadcast != 0 && c.size() > 1) {  // legacy: c's dimensions equal x's from `axis` (or the trailing ones)
      ZKCC_ASSIGN_OR_RETURN(int64_t axis, at.i("axis", static_cast<int64_t>(xs.size()) - static_cast<int64_t>(c.shape.size())));
      if (axis < 0 || static_cast<size_t>(axis) + c.shape.size() > xs.size()) {
        return invalid_argument("legacy broadcast axis " + std::to_string(axis) + " does not fit");
      }
      for (size_t d = 0; d < c.shape.size(); ++d) {
        if (c.shape[d] != xs[static_cast<size_t>(axis) + d]) {
          return invalid_argument("the constant " + shape_string(c.shape) + " does not match " + shape_string(xs) +
                                  " at axis " + std::to_string(axis));
        }
      }
      aligned.shape.resize(xs.size() - static_cast<size_t>(axis), 1);
    }
  }
  return broadcast_to(aligned, xs, "the constant");
}

StatusOr<std::optional<Importer::MixedOperands>> Importer::mixed_operands() {
  Attrs at(node());
  if (opset_ < 7) {
    ZKCC_RETURN_IF_ERROR(at.only({"broadcast", "axis"}));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({}));
  }
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  ZKCC_ASSIGN_OR_RETURN(Entry e0, lookup(node().input(0)));
  ZKCC_ASSIGN_OR_RETURN(Entry e1, lookup(node().input(1)));
  if (e0.kind == Entry::Kind::kRuntime && e1.kind == Entry::Kind::kRuntime) {
    if (opset_ < 7 && at.find("broadcast")) return unsupported("legacy broadcast between two activations");
    return std::optional<MixedOperands>(MixedOperands{e0.index, 0, nullptr, e1.index});
  }
  if (e0.kind != Entry::Kind::kRuntime && e1.kind != Entry::Kind::kRuntime) {
    if (opset_ < 7) ZKCC_RETURN_IF_ERROR(at.only({}).with_context("folding legacy broadcast"));
    return std::optional<MixedOperands>();
  }
  const bool first = e0.kind == Entry::Kind::kRuntime;
  return std::optional<MixedOperands>(
      MixedOperands{first ? e0.index : e1.index, first ? size_t{0} : size_t{1}, &consts_[first ? e1.index : e0.index]});
}

Status Importer::import_add() {
  ZKCC_ASSIGN_OR_RETURN(std::optional<MixedOperands> m, mixed_operands());
  if (!m) return import_binary(BinaryFold::kAdd);
  if (!m->c) return combine_activations(BinaryOp::Kind::kAdd, m->x, m->other);
  const Shape xs = shape_of(m->x);
  ZKCC_ASSIGN_OR_RETURN(std::vector<double> c, spread(*m->c, xs));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(AddConstOp{FloatTensor{xs, std::move(c)}}, m->x, xs));
  return define_output(y);
}

// x - c adds -c; c - x negates x first.
Status Importer::import_sub() {
  ZKCC_ASSIGN_OR_RETURN(std::optional<MixedOperands> m, mixed_operands());
  if (!m) return import_binary(BinaryFold::kSub);
  if (!m->c) return combine_activations(BinaryOp::Kind::kSub, m->x, m->other);
  const Shape xs = shape_of(m->x);
  ZKCC_ASSIGN_OR_RETURN(std::vector<double> c, spread(*m->c, xs));
  size_t x = m->x;
  if (m->x_input == 0) {
    for (double& v : c) v = -v;
  } else {
    ZKCC_ASSIGN_OR_RETURN(x, emit(MulConstOp{FloatTensor{xs, std::vector<double>(c.size(), -1.0)}}, x, xs, "negated"));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(AddConstOp{FloatTensor{xs, std::move(c)}}, x, xs));
  return define_output(y);
}

// x * c, c * x and x / c; c / x is refused (Reciprocal then Mul expresses it); a / b of two
// activations is a * (1 / b).
Status Importer::import_mul_div(bool div) {
  ZKCC_ASSIGN_OR_RETURN(std::optional<MixedOperands> m, mixed_operands());
  if (!m) return import_binary(div ? BinaryFold::kDiv : BinaryFold::kMul);
  if (!m->c) {
    size_t b = m->other;
    if (div) {
      ZKCC_ASSIGN_OR_RETURN(b, emit(ActivationOp{Activation::kReciprocal}, b, shape_of(b), "reciprocal"));
    }
    return combine_activations(BinaryOp::Kind::kMul, m->x, b);
  }
  if (div && m->x_input == 1) {
    return unsupported("a constant divided by an activation; only an activation divided by a constant is supported");
  }
  const Shape xs = shape_of(m->x);
  ZKCC_ASSIGN_OR_RETURN(std::vector<double> c, spread(*m->c, xs));
  if (div) {
    for (double& v : c) {
      if (v == 0) return invalid_argument("the divisor has a zero element");
      v = 1 / v;
    }
  }
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(MulConstOp{FloatTensor{xs, std::move(c)}}, m->x, xs));
  return define_output(y);
}

Status Importer::import_neg() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(0)));
  if (e.kind == Entry::Kind::kConstant) {
    Constant c = consts_[e.index];
    for (double& v : c.real) v = -v;
    for (int64_t& v : c.integer) v = -v;
    return define_constant(std::move(c));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  const Shape xs = shape_of(x);
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(MulConstOp{FloatTensor{xs, std::vector<double>(element_count(xs), -1.0)}}, x, xs));
  return define_output(y);
}

// One function of the node's input: a table on an activation, computed at import on a constant.
Status Importer::apply_function(const ActivationOp& op) {
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(0)));
  if (e.kind == Entry::Kind::kConstant) {
    const Constant& in = consts_[e.index];
    Constant c{in.shape, false, {}, {}};
    for (size_t i = 0; i < in.size(); ++i) {
      const double v = apply(op, in.is_integer ? static_cast<double>(in.integer[i]) : in.real[i]);
      if (!std::isfinite(v)) return invalid_argument("the constant's element " + std::to_string(i) + " is outside the function's domain");
      c.real.push_back(v);
    }
    return define_constant(std::move(c));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(op, x, shape_of(x)));
  return define_output(y);
}

Status Importer::import_function(Activation fn) {
  Attrs at(node());
  ActivationOp op{fn, 0, 0};
  switch (fn) {
    case Activation::kLeakyRelu:
    case Activation::kElu:
    case Activation::kCelu: {
      ZKCC_RETURN_IF_ERROR(at.only({"alpha"}));
      ZKCC_ASSIGN_OR_RETURN(op.alpha, at.f("alpha", fn == Activation::kLeakyRelu ? 0.01 : 1.0));
      if (fn == Activation::kCelu && op.alpha == 0) return invalid_argument("alpha must not be 0");
      break;
    }
    case Activation::kSelu: {
      // The defaults are ONNX's, as float32.
      ZKCC_RETURN_IF_ERROR(at.only({"alpha", "gamma"}));
      ZKCC_ASSIGN_OR_RETURN(op.alpha, at.f("alpha", 1.67326319217681884765625));
      ZKCC_ASSIGN_OR_RETURN(op.beta, at.f("gamma", 1.05070102214813232421875));
      break;
    }
    case Activation::kHardSigmoid: {
      ZKCC_RETURN_IF_ERROR(at.only({"alpha", "beta"}));
      ZKCC_ASSIGN_OR_RETURN(op.alpha, at.f("alpha", 0.2));
      ZKCC_ASSIGN_OR_RETURN(op.beta, at.f("beta", 0.5));
      break;
    }
    default:
      ZKCC_RETURN_IF_ERROR(at.only({}));
  }
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  return apply_function(op);
}

// Clip: the bounds as attributes before opset 11, as optional constant scalar inputs from 11.
Status Importer::import_clip() {
  Attrs at(node());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  ActivationOp op{Activation::kClip, -kInf, kInf};
  if (opset_ < 11) {
    ZKCC_RETURN_IF_ERROR(at.only({"min", "max"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
    ZKCC_ASSIGN_OR_RETURN(op.alpha, at.f("min", -kInf));
    ZKCC_ASSIGN_OR_RETURN(op.beta, at.f("max", kInf));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 3, 1));
    for (size_t k = 1; k <= 2; ++k) {
      if (!has_input(k)) continue;
      auto c = constant_input(k);
      if (!c.ok()) return unsupported(std::string(k == 1 ? "min" : "max") + " is an activation; only constant bounds are supported");
      if ((*c)->size() != 1) return invalid_argument(std::string(k == 1 ? "min" : "max") + " must be a scalar");
      (k == 1 ? op.alpha : op.beta) = (*c)->is_integer ? static_cast<double>((*c)->integer[0]) : (*c)->real[0];
    }
  }
  return apply_function(op);
}

// Pow with a constant scalar exponent.
Status Importer::import_pow() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  auto c = constant_input(1);
  if (!c.ok()) return unsupported("the exponent is an activation; only a constant exponent is supported");
  if ((*c)->size() != 1) {
    return unsupported("the exponent has shape " + shape_string((*c)->shape) + "; only a scalar exponent is supported");
  }
  const double p = (*c)->is_integer ? static_cast<double>((*c)->integer[0]) : (*c)->real[0];
  return apply_function(ActivationOp{Activation::kPow, p, 0});
}

// Inference: y = (x - mean) / sqrt(var + epsilon) * scale + B along axis 1, folded into the
// product that makes x when that product has no other reader (a Gemm or MatMul on a matrix, whose
// columns are the channels, or a Conv), else a product with a constant and an addition.
Status Importer::import_batch_norm() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"}));
  ZKCC_ASSIGN_OR_RETURN(int64_t training, at.i("training_mode", 0));
  if (training != 0) return unsupported("training_mode 1; only inference is supported");
  ZKCC_ASSIGN_OR_RETURN(int64_t spatial, at.i("spatial", 1));
  if (spatial != 1) return unsupported("spatial 0; only per-channel statistics are supported");
  if (node().output_size() > 1) {
    for (int k = 1; k < node().output_size(); ++k) {
      if (!node().output(k).empty()) return unsupported("the running statistics outputs are not supported (inference only)");
    }
  }
  ZKCC_RETURN_IF_ERROR(expect_io(5, 5, static_cast<size_t>(std::max(node().output_size(), 1))));
  ZKCC_ASSIGN_OR_RETURN(double epsilon, at.f("epsilon", 1e-5));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  const Shape xs = shape_of(x);
  if (xs.size() < 2) return invalid_argument("input " + shape_string(xs) + " has no channel axis");
  const size_t channels = xs[1];
  std::vector<const Constant*> p;
  for (size_t k = 1; k <= 4; ++k) {
    ZKCC_ASSIGN_OR_RETURN(const Constant* c, constant_input(k));
    if (c->is_integer || c->shape != Shape{channels}) {
      return invalid_argument("input " + std::to_string(k) + " must be a real vector of " + std::to_string(channels));
    }
    p.push_back(c);
  }
  std::vector<double> a(channels), b(channels);  // y = a x + b per channel
  for (size_t ch = 0; ch < channels; ++ch) {
    const double var = p[3]->real[ch] + epsilon;
    if (!(var > 0)) return invalid_argument("var + epsilon is not positive in channel " + std::to_string(ch));
    a[ch] = p[0]->real[ch] / std::sqrt(var);
    b[ch] = p[1]->real[ch] - p[2]->real[ch] * a[ch];
  }
  // Folding: the node that made x must be a product read by nothing else.
  const std::string& in_name = node().input(0);
  auto readers = consumers_.find(in_name);
  const bool alone = !graph_outputs_.count(in_name) && readers != consumers_.end() && readers->second.size() == 1;
  Node* maker = nullptr;
  for (Node& n : g_.nodes) {
    if (n.output == x && g_.values[x].name == in_name) maker = &n;  // not through an alias (Identity)
  }
  // The product's output channel j times a[j], plus b[j].
  auto fold_bias = [&](std::vector<double>& bias) {
    if (bias.empty()) bias.assign(channels, 0.0);
    for (size_t j = 0; j < channels; ++j) bias[j] = bias[j] * a[j] + b[j];
    maker->op_type += "+BatchNormalization";
    return define_output(x);
  };
  if (alone && maker) {
    if (auto* d = std::get_if<DenseOp>(&maker->op); d && xs.size() == 2) {
      for (size_t i = 0; i < d->weight.data.size(); ++i) d->weight.data[i] *= a[i % channels];  // [K, N], N = channels
      return fold_bias(d->bias);
    }
    if (auto* cv = std::get_if<ConvOp>(&maker->op)) {
      const size_t per_filter = cv->weight.data.size() / channels;  // [M, C, KH, KW], M = channels
      for (size_t i = 0; i < cv->weight.data.size(); ++i) cv->weight.data[i] *= a[i / per_filter];
      return fold_bias(cv->bias);
    }
  }
  // Scale and shift, each spread along axis 1.
  size_t inner = 1;
  for (size_t d = 2; d < xs.size(); ++d) inner *= xs[d];
  const size_t n = element_count(xs);
  std::vector<double> scale(n), shift(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t ch = (i / inner) % channels;
    scale[i] = a[ch];
    shift[i] = b[ch];
  }
  ZKCC_ASSIGN_OR_RETURN(size_t scaled, emit(MulConstOp{FloatTensor{xs, std::move(scale)}}, x, xs, "scaled"));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(AddConstOp{FloatTensor{xs, std::move(shift)}}, scaled, xs));
  return define_output(y);
}

}  // namespace zkcc::model::internal
