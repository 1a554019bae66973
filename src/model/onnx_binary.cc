// ONNX operators over several activations: Add, Sub, Mul and Div of two activations (numpy
// broadcasting), Max, Min, Sum and Mean, PRelu with a constant slope, and Concat of several
// activations.
// Each becomes a BinaryOp or a ConcatOp; the quantizer brings the operands to one scale.
#include <limits>

#include "onnx_importer.h"
#include "zkcc/model/broadcast.h"

namespace zkcc::model::internal {

Status Importer::combine_activations(BinaryOp::Kind kind, size_t a, size_t b) {
  ZKCC_ASSIGN_OR_RETURN(Shape shape, broadcast_shape(shape_of(a), shape_of(b)));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(BinaryOp{kind, b}, a, shape));
  return define_output(y);
}

// Max and Min of one or more operands: activations pairwise, then constant tensors (max(x, c) =
// x + relu(c - x), min(x, c) = x - relu(x - c), c spread onto x), then the constant scalars as
// one clip (a function table).
Status Importer::import_max_min(bool max) {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, static_cast<size_t>(std::max(node().input_size(), 1)), 1));
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<size_t> acts;
  std::vector<const Constant*> tensors;
  double bound = max ? -kInf : kInf;  // the constant scalars' maximum (minimum)
  for (size_t k = 0; k < static_cast<size_t>(node().input_size()); ++k) {
    if (!has_input(k)) return invalid_argument("input " + std::to_string(k) + " is missing");
    ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(static_cast<int>(k))));
    if (e.kind == Entry::Kind::kUnknown) return invalid_argument("input " + std::to_string(k) + " is unknown");
    if (e.kind == Entry::Kind::kRuntime) {
      acts.push_back(e.index);
    } else if (const Constant& c = consts_[e.index]; c.size() != 1) {
      tensors.push_back(&c);
    } else {
      const double v = c.is_integer ? static_cast<double>(c.integer[0]) : c.real[0];
      bound = max ? std::max(bound, v) : std::min(bound, v);
    }
  }
  if (acts.empty()) return unsupported("every operand is a constant; only operands with an activation are supported");
  // The last node takes the output's name, the others intermediate ones.
  size_t left = acts.size() - 1 + tensors.size() + (std::isinf(bound) ? 0 : 1), part = 0;
  auto step = [&] { return --left == 0 ? std::string() : "part" + std::to_string(part++); };
  const BinaryOp::Kind kind = max ? BinaryOp::Kind::kMax : BinaryOp::Kind::kMin;
  size_t acc = acts[0];
  for (size_t j = 1; j < acts.size(); ++j) {
    ZKCC_ASSIGN_OR_RETURN(Shape shape, broadcast_shape(shape_of(acc), shape_of(acts[j])));
    ZKCC_ASSIGN_OR_RETURN(acc, emit(BinaryOp{kind, acts[j]}, acc, shape, step()));
  }
  for (const Constant* c : tensors) {
    const Shape xs = shape_of(acc);
    auto spread_c = broadcast_to(*c, xs, "the constant");
    if (!spread_c.ok()) {
      return unsupported("the constant " + shape_string(c->shape) + " does not broadcast onto the activation " +
                         shape_string(xs) + "; only constants that do are supported");
    }
    std::vector<double> cv = std::move(spread_c).value();
    const std::string at = "part" + std::to_string(part++);
    size_t d = acc;
    if (max) {  // c - x
      ZKCC_ASSIGN_OR_RETURN(d, emit(MulConstOp{FloatTensor{xs, std::vector<double>(cv.size(), -1.0)}}, acc, xs, at + "/negated"));
    } else {  // x - c
      for (double& v : cv) v = -v;
    }
    ZKCC_ASSIGN_OR_RETURN(d, emit(AddConstOp{FloatTensor{xs, std::move(cv)}}, d, xs, at + "/difference"));
    ZKCC_ASSIGN_OR_RETURN(size_t r, emit(ActivationOp{Activation::kRelu}, d, xs, at + "/relu"));
    ZKCC_ASSIGN_OR_RETURN(acc, emit(BinaryOp{max ? BinaryOp::Kind::kAdd : BinaryOp::Kind::kSub, r}, acc, xs, step()));
  }
  if (!std::isinf(bound)) {
    const ActivationOp clip{Activation::kClip, max ? bound : -kInf, max ? kInf : bound};
    ZKCC_ASSIGN_OR_RETURN(acc, emit(clip, acc, shape_of(acc)));
  } else if (acts.size() == 1 && tensors.empty()) {  // the identity
    return define(node().output(0), {Entry::Kind::kRuntime, acc});
  }
  return define_output(acc);
}

// Sum and Mean of one or more operands: the activations added pairwise, the constants folded into
// one added after (spread onto the activations' shape), the mean a change of scale by 1 / n.
Status Importer::import_sum_mean(bool mean) {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, static_cast<size_t>(std::max(node().input_size(), 1)), 1));
  const size_t n = static_cast<size_t>(node().input_size());
  std::vector<size_t> acts;
  std::optional<Constant> constants;
  for (size_t k = 0; k < n; ++k) {
    if (!has_input(k)) return invalid_argument("input " + std::to_string(k) + " is missing");
    ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(static_cast<int>(k))));
    if (e.kind == Entry::Kind::kUnknown) return invalid_argument("input " + std::to_string(k) + " is unknown");
    if (e.kind == Entry::Kind::kRuntime) {
      acts.push_back(e.index);
    } else if (!constants) {
      constants = consts_[e.index];
    } else {
      ZKCC_ASSIGN_OR_RETURN(constants, fold_binary(BinaryFold::kAdd, *constants, consts_[e.index]));
    }
  }
  const Constant share{{}, false, {1.0 / static_cast<double>(n)}, {}};
  if (acts.empty()) {
    if (mean) {
      ZKCC_ASSIGN_OR_RETURN(constants, fold_binary(BinaryFold::kMul, *constants, share));
    }
    return define_constant(std::move(*constants));
  }
  size_t left = acts.size() - 1 + (constants ? 1 : 0) + (mean ? 1 : 0), part = 0;
  auto step = [&] { return --left == 0 ? std::string() : "part" + std::to_string(part++); };
  size_t acc = acts[0];
  for (size_t j = 1; j < acts.size(); ++j) {
    ZKCC_ASSIGN_OR_RETURN(Shape shape, broadcast_shape(shape_of(acc), shape_of(acts[j])));
    ZKCC_ASSIGN_OR_RETURN(acc, emit(BinaryOp{BinaryOp::Kind::kAdd, acts[j]}, acc, shape, step()));
  }
  if (constants) {
    const Shape xs = shape_of(acc);
    auto c = broadcast_to(*constants, xs, "the constants' sum");
    if (!c.ok()) {
      return unsupported("the constants " + shape_string(constants->shape) + " do not broadcast onto the activations " +
                         shape_string(xs) + "; only constants that do are supported");
    }
    ZKCC_ASSIGN_OR_RETURN(acc, emit(AddConstOp{FloatTensor{xs, std::move(c).value()}}, acc, xs, step()));
  }
  if (mean) {
    const Shape xs = shape_of(acc);
    ZKCC_ASSIGN_OR_RETURN(acc, emit(MulConstOp{FloatTensor{xs, std::vector<double>(element_count(xs), share.real[0])}},
                                    acc, xs, step()));
  }
  if (acts.size() == 1 && !constants && !mean) return define(node().output(0), {Entry::Kind::kRuntime, acc});  // the identity
  return define_output(acc);
}

// PRelu(x, slope) = x for x >= 0, slope x below: a scalar slope is LeakyRelu's table; a slope per
// channel (any constant broadcast onto x) is relu(x) + slope (x - relu(x)).
Status Importer::import_prelu() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  auto slope = constant_input(1);
  if (!slope.ok()) return unsupported("the slope is an activation; only a constant slope is supported");
  const Constant& c = **slope;
  const Shape xs = shape_of(x);
  if (c.size() == 1) {
    const double alpha = c.is_integer ? static_cast<double>(c.integer[0]) : c.real[0];
    ZKCC_ASSIGN_OR_RETURN(size_t y, emit(ActivationOp{Activation::kLeakyRelu, alpha, 0}, x, xs));
    return define_output(y);
  }
  // Opset 7 on broadcasts the slope onto x; before, a slope of [C] may stand for [C, 1, ..., 1].
  Constant aligned = c;
  if (opset_ < 7 && c.shape.size() == 1 && xs.size() > 2 && c.shape[0] == xs[1]) aligned.shape.resize(xs.size() - 1, 1);
  ZKCC_ASSIGN_OR_RETURN(std::vector<double> a, broadcast_to(aligned, xs, "the slope"));
  ZKCC_ASSIGN_OR_RETURN(size_t p, emit(ActivationOp{Activation::kRelu}, x, xs, "relu"));
  ZKCC_ASSIGN_OR_RETURN(size_t n, emit(BinaryOp{BinaryOp::Kind::kSub, p}, x, xs, "negative"));
  ZKCC_ASSIGN_OR_RETURN(size_t s, emit(MulConstOp{FloatTensor{xs, std::move(a)}}, n, xs, "scaled"));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(BinaryOp{BinaryOp::Kind::kAdd, s}, p, xs));
  return define_output(y);
}

// The activations concatenated (a ConcatOp), then, when constants sit among them, moved to
// their places with the constants added (a gather and x + c).
Status Importer::concat_activations(const std::vector<Entry>& parts, int64_t axis) {
  std::vector<size_t> values;
  std::vector<Shape> shapes;
  bool constants = false;
  for (const Entry& e : parts) {
    if (e.kind == Entry::Kind::kConstant) {
      constants = true;
      if (consts_[e.index].is_integer) return invalid_argument("an integer constant beside real activations");
      continue;
    }
    values.push_back(e.index);
    shapes.push_back(shape_of(e.index));
  }
  const auto rank = static_cast<int64_t>(shapes[0].size());
  if (axis < -rank || axis >= rank) {
    return invalid_argument("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  const auto ax = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  ZKCC_ASSIGN_OR_RETURN(Shape joined, concat_shape(shapes, ax));
  ZKCC_ASSIGN_OR_RETURN(size_t x, emit(ConcatOp{ax, values}, values[0], joined, constants ? "activations" : ""));
  if (!constants) return define_output(x);
  // Per activation, each element's place in x; per constant, holes (-1) and its values.
  std::vector<Constant> place;
  for (const Shape& s : shapes) place.push_back(Constant{s, true, {}, std::vector<int64_t>(element_count(s))});
  const auto index = concat_index(shapes, ax);
  for (size_t i = 0; i < index.size(); ++i) place[index[i].first].integer[index[i].second] = static_cast<int64_t>(i);
  std::vector<Constant> holes, zeros;
  holes.reserve(parts.size());
  zeros.reserve(parts.size());
  std::vector<const Constant*> index_parts, value_parts;
  size_t k = 0;
  for (const Entry& e : parts) {
    if (e.kind == Entry::Kind::kRuntime) {
      const Constant& p = place[k++];
      zeros.push_back(Constant{p.shape, false, std::vector<double>(p.size(), 0.0), {}});
      index_parts.push_back(&p);
      value_parts.push_back(&zeros.back());
      continue;
    }
    const Constant& c = consts_[e.index];
    holes.push_back(Constant{c.shape, true, {}, std::vector<int64_t>(c.size(), -1)});
    index_parts.push_back(&holes.back());
    value_parts.push_back(&c);
  }
  ZKCC_ASSIGN_OR_RETURN(Constant source, fold_concat(index_parts, axis));
  ZKCC_ASSIGN_OR_RETURN(Constant fill, fold_concat(value_parts, axis));
  return emit_moved_filled(x, source, std::move(fill.real));
}

}  // namespace zkcc::model::internal
