// Data movement on activations: each layout operator maps an index tensor (every element its own
// flat index) exactly as it would map data, and the result is the fixed gather the proof checks
// as a public linear map (a reshape, with no constraint, when the order is kept). On constants the
// same operators fold at import.
#include "onnx_importer.h"

namespace zkcc::model::internal {
namespace {

// Each element its own flat index, for activations of at most 2^22 elements (the folding limit).
StatusOr<Constant> iota(const Shape& shape) {
  if (element_count(shape) > kMaxFoldedElements) {
    return unsupported("moving the elements of an activation of " + shape_string(shape) + " (over 2^22 elements)");
  }
  Constant c;
  c.shape = shape;
  c.is_integer = true;
  c.integer.resize(element_count(shape));
  for (size_t i = 0; i < c.integer.size(); ++i) c.integer[i] = static_cast<int64_t>(i);
  return c;
}

// The elements of c at `src` under `shape`; `fill` where src < 0.
Constant take_or_fill(const Constant& c, Shape shape, const std::vector<int64_t>& src, double fill) {
  Constant out;
  out.shape = std::move(shape);
  out.is_integer = c.is_integer;
  for (int64_t s : src) {
    const auto i = static_cast<size_t>(s);
    if (c.is_integer) {
      out.integer.push_back(s < 0 ? static_cast<int64_t>(fill) : c.integer[i]);
    } else {
      out.real.push_back(s < 0 ? fill : c.real[i]);
    }
  }
  return out;
}

std::vector<size_t> strides_of(const Shape& s) {
  std::vector<size_t> st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

// For each element of `out` (row-major), its source in a tensor of shape `in` through
// coordinate maps: source(d, o) gives the input coordinate along d, or -1 for a fill.
template <typename F>
std::vector<int64_t> map_coordinates(const Shape& in, const Shape& out, F source) {
  const std::vector<size_t> in_st = strides_of(in);
  std::vector<int64_t> src(element_count(out));
  std::vector<size_t> idx(out.size(), 0);
  for (size_t i = 0; i < src.size(); ++i) {
    int64_t at = 0;
    for (size_t d = 0; d < out.size() && at >= 0; ++d) {
      const int64_t c = source(d, idx[d]);
      at = c < 0 ? -1 : at + c * static_cast<int64_t>(in_st[d]);
    }
    src[i] = at;
    for (size_t d = out.size(); d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return src;
}

StatusOr<Constant> transpose(const Constant& c, const std::vector<int64_t>& perm_in) {
  const size_t rank = c.shape.size();
  std::vector<int64_t> perm = perm_in;
  if (perm.empty()) {
    for (size_t d = rank; d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  }
  if (perm.size() != rank) return invalid_argument("perm has " + std::to_string(perm.size()) + " axes, the input " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || static_cast<size_t>(p) >= rank || seen[static_cast<size_t>(p)]) {
      return invalid_argument("perm is not a permutation of the input's " + std::to_string(rank) + " axes");
    }
    seen[static_cast<size_t>(p)] = true;
  }
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) out[d] = c.shape[static_cast<size_t>(perm[d])];
  const std::vector<size_t> in_st = strides_of(c.shape);
  std::vector<int64_t> src(c.size());
  std::vector<size_t> idx(rank, 0);
  for (size_t i = 0; i < src.size(); ++i) {
    size_t at = 0;
    for (size_t d = 0; d < rank; ++d) at += idx[d] * in_st[static_cast<size_t>(perm[d])];
    src[i] = static_cast<int64_t>(at);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return take_or_fill(c, out, src, 0);
}

// ONNX Pad: pads = [begin_0, ..., begin_{r-1}, end_0, ...] over `axes`; negative pads crop.
StatusOr<Constant> pad(const Constant& c, const std::vector<int64_t>& pads, const std::vector<size_t>& axes,
                       const std::string& mode, double fill) {
  const size_t rank = c.shape.size(), n = axes.size();
  if (pads.size() != 2 * n) return invalid_argument("pads has " + std::to_string(pads.size()) + " values for " + std::to_string(n) + " axes");
  std::vector<int64_t> begin(rank, 0), end(rank, 0);
  if (c.is_integer && !(std::abs(fill) <= 9.0e15 && fill == std::trunc(fill))) {
    return invalid_argument("the padding value " + std::to_string(fill) + " does not fit an integer tensor");
  }
  constexpr int64_t kMaxPad = int64_t{1} << 24;
  for (size_t k = 0; k < n; ++k) {
    if (pads[k] < -kMaxPad || pads[k] > kMaxPad || pads[n + k] < -kMaxPad || pads[n + k] > kMaxPad) {
      return invalid_argument("a pad lies outside [-2^24, 2^24]");
    }
    begin[axes[k]] = pads[k];
    end[axes[k]] = pads[n + k];
  }
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t size = static_cast<int64_t>(c.shape[d]) + begin[d] + end[d];
    if (size <= 0) return invalid_argument("axis " + std::to_string(d) + " pads to size " + std::to_string(size));
    if (mode != "constant" && (begin[d] > static_cast<int64_t>(c.shape[d]) - (mode == "reflect") ||
                               end[d] > static_cast<int64_t>(c.shape[d]) - (mode == "reflect"))) {
      return unsupported("mode " + quote(mode) + " with a pad larger than axis " + std::to_string(d));
    }
    out[d] = static_cast<size_t>(size);
  }
  Shape total = out;
  ZKCC_RETURN_IF_ERROR(checked_element_count(total, kMaxFoldedElements).status());
  auto src = map_coordinates(c.shape, out, [&](size_t d, size_t o) -> int64_t {
    const auto len = static_cast<int64_t>(c.shape[d]);
    int64_t i = static_cast<int64_t>(o) - begin[d];
    if (i >= 0 && i < len) return i;
    if (mode == "edge") return i < 0 ? 0 : len - 1;
    if (mode == "reflect") return i < 0 ? -i : 2 * (len - 1) - i;
    return -1;
  });
  return take_or_fill(c, out, src, fill);
}

StatusOr<Constant> tile(const Constant& c, const std::vector<int64_t>& repeats) {
  if (repeats.size() != c.shape.size()) {
    return invalid_argument("repeats has " + std::to_string(repeats.size()) + " values for rank " + std::to_string(c.shape.size()));
  }
  Shape out(c.shape.size());
  for (size_t d = 0; d < out.size(); ++d) {
    if (repeats[d] < 1 || repeats[d] > (int64_t{1} << 24)) return invalid_argument("repeats must lie in [1, 2^24]");
    out[d] = c.shape[d] * static_cast<size_t>(repeats[d]);
  }
  ZKCC_RETURN_IF_ERROR(checked_element_count(out, kMaxFoldedElements).status());
  auto src = map_coordinates(c.shape, out, [&](size_t d, size_t o) { return static_cast<int64_t>(o % c.shape[d]); });
  return take_or_fill(c, out, src, 0);
}

}  // namespace

StatusOr<size_t> Importer::emit_moved(size_t x, const Constant& source, size_t output) {
  const std::string& name = node().output(static_cast<int>(output));
  bool in_order = source.integer.size() == element_count(shape_of(x));
  for (size_t i = 0; in_order && i < source.integer.size(); ++i) in_order = source.integer[i] == static_cast<int64_t>(i);
  ZKCC_ASSIGN_OR_RETURN(size_t v, new_value(name, source.shape));
  Op op = in_order ? Op(ReshapeOp{}) : Op(GatherOp{source.integer});
  g_.nodes.push_back({node().name(), node().op_type(), node_index_, x, v, std::move(op)});
  ZKCC_RETURN_IF_ERROR(define(name, {Entry::Kind::kRuntime, v}));
  return v;
}

Status Importer::emit_moved_filled(size_t x, const Constant& source, std::vector<double> fill) {
  const bool any = std::any_of(fill.begin(), fill.end(), [](double v) { return v != 0; });
  if (!any) return emit_moved(x, source, 0).status();
  const std::string& name = node().output(0);
  ZKCC_ASSIGN_OR_RETURN(size_t v, new_value(name + "/moved", source.shape));
  g_.nodes.push_back({node().name(), node().op_type(), node_index_, x, v, GatherOp{source.integer}});
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(AddConstOp{FloatTensor{source.shape, std::move(fill)}}, v, source.shape));
  return define_output(y);
}

Status Importer::move_any(const std::function<StatusOr<Constant>(const Constant&)>& move) {
  if (!has_input(0)) return invalid_argument("input 0 is missing");
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(0)));
  if (e.kind == Entry::Kind::kConstant) {
    ZKCC_ASSIGN_OR_RETURN(Constant c, move(consts_[e.index]));
    return define_constant(std::move(c));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(Constant index, iota(shape_of(x)));
  ZKCC_ASSIGN_OR_RETURN(Constant source, move(index));
  return emit_moved(x, source, 0).status();
}

Status Importer::import_transpose() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"perm"}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(std::vector<int64_t> perm, at.ints("perm", {}));
  return move_any([&](const Constant& x) { return transpose(x, perm); });
}

// Pad: pads (and the value) as attributes before opset 11, as inputs from 11; axes from opset 18.
Status Importer::import_pad() {
  Attrs at(node());
  std::vector<int64_t> pads, axes_given;
  double value = 0;
  if (opset_ < 11) {
    ZKCC_RETURN_IF_ERROR(at.only({"mode", "pads", "value", "paddings"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
    if (at.find("paddings")) return unsupported("attribute 'paddings' (opset 1) is not supported");
    if (!at.find("pads")) return invalid_argument("attribute 'pads' is missing");
    ZKCC_ASSIGN_OR_RETURN(pads, at.ints("pads", {}));
    ZKCC_ASSIGN_OR_RETURN(value, at.f("value", 0.0));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({"mode"}));
    ZKCC_RETURN_IF_ERROR(expect_io(2, 4, 1));
    ZKCC_ASSIGN_OR_RETURN(pads, int_list(1));
    if (has_input(2)) {
      auto v = fold_input(2);
      if (!v.ok()) return unsupported("the padding value is an activation; only a constant is supported");
      if ((*v)->size() != 1) return invalid_argument("the padding value must be a scalar");
      value = (*v)->is_integer ? static_cast<double>((*v)->integer[0]) : (*v)->real[0];
    }
    if (has_input(3)) {
      ZKCC_ASSIGN_OR_RETURN(axes_given, int_list(3));
    }
  }
  ZKCC_ASSIGN_OR_RETURN(std::string mode, at.s("mode", "constant"));
  if (mode != "constant" && mode != "reflect" && mode != "edge") {
    return unsupported("mode " + quote(mode) + "; constant, reflect and edge are supported");
  }
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(0)));
  const Shape& xs = e.kind == Entry::Kind::kRuntime ? shape_of(e.index) : consts_[e.index].shape;
  std::vector<size_t> axes;
  if (axes_given.empty()) {
    for (size_t d = 0; d < xs.size(); ++d) axes.push_back(d);
  } else {
    for (int64_t a : axes_given) {
      ZKCC_ASSIGN_OR_RETURN(size_t d, normalize_axis(a, xs.size()));
      axes.push_back(d);
    }
  }
  if (e.kind == Entry::Kind::kConstant) {
    ZKCC_ASSIGN_OR_RETURN(Constant c, pad(consts_[e.index], pads, axes, mode, value));
    return define_constant(std::move(c));
  }
  // On an activation the index tensor is padded with -1, the gather's zero, and another value is
  // added there after.
  ZKCC_ASSIGN_OR_RETURN(Constant index, iota(xs));
  ZKCC_ASSIGN_OR_RETURN(Constant source, pad(index, pads, axes, mode, -1.0));
  std::vector<double> fill(source.integer.size(), 0.0);
  for (size_t i = 0; i < fill.size(); ++i) fill[i] = source.integer[i] < 0 ? value : 0.0;
  return emit_moved_filled(e.index, source, std::move(fill));
}

Status Importer::import_tile() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  ZKCC_ASSIGN_OR_RETURN(std::vector<int64_t> repeats, int_list(1));
  return move_any([&](const Constant& x) { return tile(x, repeats); });
}

// Split along one axis: sizes as an attribute (before opset 13) or an input, or equal parts
// (num_outputs from opset 18, else one per output). On an activation each output is a gather.
Status Importer::import_split() {
  Attrs at(node());
  if (opset_ >= 18) {
    ZKCC_RETURN_IF_ERROR(at.only({"axis", "num_outputs"}));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({"axis", "split"}));
  }
  const size_t outputs = static_cast<size_t>(node().output_size());
  if (outputs == 0) return invalid_argument("has no outputs");
  ZKCC_RETURN_IF_ERROR(expect_io(1, opset_ >= 13 ? 2 : 1, outputs));
  for (size_t k = 0; k < outputs; ++k) {
    if (node().output(static_cast<int>(k)).empty()) return invalid_argument("output " + std::to_string(k) + " has no name");
  }
  ZKCC_ASSIGN_OR_RETURN(int64_t axis_in, at.i("axis", 0));
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(0)));
  if (e.kind == Entry::Kind::kUnknown) return invalid_argument("input 0 is unknown");
  const Shape xs = e.kind == Entry::Kind::kRuntime ? shape_of(e.index) : consts_[e.index].shape;
  ZKCC_ASSIGN_OR_RETURN(size_t axis, normalize_axis(axis_in, xs.size()));
  std::vector<int64_t> sizes;
  if (opset_ >= 13 && has_input(1)) {
    ZKCC_ASSIGN_OR_RETURN(sizes, int_list(1));
  } else if (opset_ < 13 && at.find("split")) {
    ZKCC_ASSIGN_OR_RETURN(sizes, at.ints("split", {}));
  } else {
    // Equal parts, the last smaller when the axis does not divide (opset 18).
    const size_t part = (xs[axis] + outputs - 1) / outputs;
    for (size_t k = 0; k < outputs; ++k) {
      const size_t from = std::min(k * part, xs[axis]);
      sizes.push_back(static_cast<int64_t>(std::min(part, xs[axis] - from)));
    }
  }
  if (sizes.size() != outputs) {
    return invalid_argument(std::to_string(sizes.size()) + " split sizes for " + std::to_string(outputs) + " outputs");
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s <= 0) return unsupported("a split part of size " + std::to_string(s) + "; empty parts are not supported");
    if (s > static_cast<int64_t>(xs[axis])) {
      return invalid_argument("a split part of size " + std::to_string(s) + " exceeds the axis (" + std::to_string(xs[axis]) + ")");
    }
    total += s;  // at most outputs * the axis: no overflow
  }
  if (total != static_cast<int64_t>(xs[axis])) {
    return invalid_argument("split sizes sum to " + std::to_string(total) + ", the axis has " + std::to_string(xs[axis]));
  }
  Constant source;
  if (e.kind == Entry::Kind::kRuntime) {
    ZKCC_ASSIGN_OR_RETURN(source, iota(xs));
  } else {
    source = consts_[e.index];
  }
  int64_t from = 0;
  for (size_t k = 0; k < outputs; ++k) {
    const int64_t starts[] = {from}, ends[] = {from + sizes[k]}, axes[] = {static_cast<int64_t>(axis)}, steps[] = {1};
    from += sizes[k];
    ZKCC_ASSIGN_OR_RETURN(Constant part, fold_slice(source, starts, ends, axes, steps));
    if (e.kind == Entry::Kind::kRuntime) {
      ZKCC_RETURN_IF_ERROR(emit_moved(e.index, part, k).status());
    } else {
      consts_.push_back(std::move(part));
      ZKCC_RETURN_IF_ERROR(define(node().output(static_cast<int>(k)), {Entry::Kind::kConstant, consts_.size() - 1}));
    }
  }
  return ok_status();
}

// ReduceSum, ReduceMean, ReduceMax and ReduceMin: a row sum (or maximum) over the reduced axes
// viewed as one last axis, after a gather that moves them behind the kept ones where they are not
// already.
Status Importer::import_reduce(ReduceLastOp::Kind kind, bool min) {
  Attrs at(node());
  const bool axes_input = kind == ReduceLastOp::Kind::kSum ? opset_ >= 13 : opset_ >= 18;
  std::optional<std::vector<int64_t>> axes;
  int64_t noop = 0;
  if (axes_input) {
    ZKCC_RETURN_IF_ERROR(at.only({"keepdims", "noop_with_empty_axes"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 2, 1));
    if (has_input(1)) {
      ZKCC_ASSIGN_OR_RETURN(axes, int_list(1));
    }
    ZKCC_ASSIGN_OR_RETURN(noop, at.i("noop_with_empty_axes", 0));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({"axes", "keepdims"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
    if (at.find("axes")) {
      ZKCC_ASSIGN_OR_RETURN(axes, at.ints("axes", {}));
    }
  }
  ZKCC_ASSIGN_OR_RETURN(int64_t keepdims, at.i("keepdims", 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  const Shape xs = shape_of(x);
  auto negated = [&](size_t v, const char* step) {
    return emit(MulConstOp{FloatTensor{shape_of(v), std::vector<double>(element_count(shape_of(v)), -1.0)}}, v,
                shape_of(v), step);
  };
  if ((!axes || axes->empty()) && noop != 0) {
    return define_output(x);
  }
  std::vector<bool> reduced(xs.size(), !axes || axes->empty());
  if (axes) {
    for (int64_t a : *axes) {
      ZKCC_ASSIGN_OR_RETURN(size_t d, normalize_axis(a, xs.size()));
      reduced[d] = true;
    }
  }
  // The kept axes, then the reduced ones: moved into that order first when they are not.
  std::vector<int64_t> perm;
  Shape out, rows;
  size_t inner = 1;
  for (size_t d = 0; d < xs.size(); ++d) {
    if (reduced[d]) continue;
    perm.push_back(static_cast<int64_t>(d));
    out.push_back(xs[d]);
    rows.push_back(xs[d]);
  }
  for (size_t d = 0; d < xs.size(); ++d) {
    if (!reduced[d]) continue;
    perm.push_back(static_cast<int64_t>(d));
    inner *= xs[d];
  }
  if (keepdims) {
    out = xs;
    for (size_t d = 0; d < xs.size(); ++d) out[d] = reduced[d] ? 1 : xs[d];
  }
  rows.push_back(inner);
  ZKCC_ASSIGN_OR_RETURN(Constant index, iota(xs));
  ZKCC_ASSIGN_OR_RETURN(Constant order, transpose(index, perm));
  size_t v = x;
  if (min) {
    ZKCC_ASSIGN_OR_RETURN(v, negated(x, "negated"));
  }
  bool in_order = true;
  for (size_t i = 0; i < order.integer.size(); ++i) in_order &= order.integer[i] == static_cast<int64_t>(i);
  if (!in_order) {
    ZKCC_ASSIGN_OR_RETURN(v, emit(GatherOp{order.integer}, v, rows, "rows"));
  } else if (rows != xs) {
    ZKCC_ASSIGN_OR_RETURN(v, emit(ReshapeOp{}, v, rows, "rows"));
  }
  Shape summed = rows;
  summed.back() = 1;
  const bool last = out == summed && !min;
  ZKCC_ASSIGN_OR_RETURN(size_t s, emit(ReduceLastOp{kind}, v, summed, last ? "" : "reduced"));
  if (last) return define_output(s);
  if (out != summed) {
    ZKCC_ASSIGN_OR_RETURN(s, emit(ReshapeOp{}, s, out, min ? "shaped" : ""));
  }
  if (min) {
    ZKCC_ASSIGN_OR_RETURN(s, negated(s, ""));
  }
  return define_output(s);
}

Status Importer::import_gather() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"axis"}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  ZKCC_ASSIGN_OR_RETURN(int64_t axis, at.i("axis", 0));
  auto indices = fold_input(1);
  if (!indices.ok()) return unsupported("the indices are an activation; only constant indices are supported");
  return move_any([&](const Constant& data) { return fold_gather(data, **indices, axis); });
}

Status Importer::import_slice() {
  Attrs at(node());
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    ZKCC_RETURN_IF_ERROR(at.only({"starts", "ends", "axes"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
    if (!at.find("starts") || !at.find("ends")) return invalid_argument("attributes 'starts' and 'ends' are required");
    ZKCC_ASSIGN_OR_RETURN(starts, at.ints("starts", {}));
    ZKCC_ASSIGN_OR_RETURN(ends, at.ints("ends", {}));
    if (at.find("axes")) {
      ZKCC_ASSIGN_OR_RETURN(axes, at.ints("axes", {}));
    }
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({}));
    ZKCC_RETURN_IF_ERROR(expect_io(3, 5, 1));
    ZKCC_ASSIGN_OR_RETURN(starts, int_list(1));
    ZKCC_ASSIGN_OR_RETURN(ends, int_list(2));
    if (has_input(3)) {
      ZKCC_ASSIGN_OR_RETURN(axes, int_list(3));
    }
    if (has_input(4)) {
      ZKCC_ASSIGN_OR_RETURN(steps, int_list(4));
    }
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  return move_any([&](const Constant& data) { return fold_slice(data, starts, ends, axes, steps); });
}

// Unsqueeze and Squeeze: axes an attribute before opset 13, an input from 13 on.
Status Importer::import_unsqueeze(bool squeeze) {
  Attrs at(node());
  std::optional<std::vector<int64_t>> axes;
  if (opset_ < 13) {
    ZKCC_RETURN_IF_ERROR(at.only({"axes"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
    if (at.find("axes")) {
      ZKCC_ASSIGN_OR_RETURN(axes, at.ints("axes", {}));
    }
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 2, 1));
    if (has_input(1)) {
      ZKCC_ASSIGN_OR_RETURN(axes, int_list(1));
    }
  }
  if (squeeze) {
    std::optional<std::span<const int64_t>> view;
    if (axes) view = *axes;
    return move_any([&](const Constant& x) { return fold_squeeze(x, view); });
  }
  if (!axes) return invalid_argument("the axes are missing");
  return move_any([&](const Constant& x) { return fold_unsqueeze(x, *axes); });
}

Status Importer::import_expand() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  ZKCC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, int_list(1));
  return move_any([&](const Constant& x) { return fold_expand(x, shape); });
}

// Concat of one activation (possibly repeated) and real constants: the activation's elements
// moved into place, then the constants added where they go. Constants alone fold.
Status Importer::import_concat() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"axis"}));
  if (opset_ >= 4 && !at.find("axis")) return invalid_argument("attribute 'axis' is missing");
  ZKCC_RETURN_IF_ERROR(expect_io(1, static_cast<size_t>(std::max(node().input_size(), 1)), 1));
  ZKCC_ASSIGN_OR_RETURN(int64_t axis, at.i("axis", 1));
  std::optional<size_t> x;
  bool several = false;
  std::vector<Entry> entries;
  for (size_t k = 0; k < static_cast<size_t>(node().input_size()); ++k) {
    if (!has_input(k)) return invalid_argument("input " + std::to_string(k) + " is missing");
    ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(node().input(static_cast<int>(k))));
    if (e.kind == Entry::Kind::kUnknown) return invalid_argument("input " + std::to_string(k) + " is unknown");
    if (e.kind == Entry::Kind::kRuntime) {
      if (x && *x != e.index) several = true;
      x = e.index;
    }
    entries.push_back(e);
  }
  if (several) return concat_activations(entries, axis);
  std::vector<const Constant*> parts;
  if (!x) {
    for (const Entry& e : entries) parts.push_back(&consts_[e.index]);
    ZKCC_ASSIGN_OR_RETURN(Constant c, fold_concat(parts, axis));
    return define_constant(std::move(c));
  }
  // Index parts (the activation's flat indices, -1 for a constant) and value parts (0 for the
  // activation), concatenated alike.
  ZKCC_ASSIGN_OR_RETURN(Constant index, iota(shape_of(*x)));
  const Constant zeros{shape_of(*x), false, std::vector<double>(index.size(), 0.0), {}};
  std::vector<Constant> holes;
  holes.reserve(entries.size());
  std::vector<const Constant*> index_parts, value_parts;
  for (size_t k = 0; k < entries.size(); ++k) {
    if (entries[k].kind == Entry::Kind::kRuntime) {
      index_parts.push_back(&index);
      value_parts.push_back(&zeros);
      continue;
    }
    const Constant& c = consts_[entries[k].index];
    if (c.is_integer) return invalid_argument("input " + std::to_string(k) + " is an integer constant beside a real activation");
    holes.push_back(Constant{c.shape, true, {}, std::vector<int64_t>(c.size(), -1)});
    index_parts.push_back(&holes.back());
    value_parts.push_back(&c);
  }
  ZKCC_ASSIGN_OR_RETURN(Constant source, fold_concat(index_parts, axis));
  ZKCC_ASSIGN_OR_RETURN(Constant fill, fold_concat(value_parts, axis));
  return emit_moved_filled(*x, source, std::move(fill.real));
}

// Opset 13 on: the axis moved last, the softmax, and the axis moved back. Before: the softmax is
// over the flattened block of the trailing axes from `axis` on.
Status Importer::softmax_off_last(size_t x, size_t axis, bool log) {
  const Shape xs = shape_of(x);
  if (opset_ < 13) {
    size_t outer = 1, inner = 1;
    for (size_t d = 0; d < xs.size(); ++d) (d < axis ? outer : inner) *= xs[d];
    ZKCC_ASSIGN_OR_RETURN(size_t rows, emit(ReshapeOp{}, x, {outer, inner}, "rows"));
    ZKCC_ASSIGN_OR_RETURN(size_t s, emit(SoftmaxOp{log}, rows, {outer, inner}, "softmax"));
    ZKCC_ASSIGN_OR_RETURN(size_t y, emit(ReshapeOp{}, s, xs));
    return define_output(y);
  }
  std::vector<int64_t> perm, back(xs.size());
  for (size_t d = 0; d < xs.size(); ++d) {
    if (d != axis) perm.push_back(static_cast<int64_t>(d));
  }
  perm.push_back(static_cast<int64_t>(axis));
  for (size_t d = 0; d < perm.size(); ++d) back[static_cast<size_t>(perm[d])] = static_cast<int64_t>(d);
  ZKCC_ASSIGN_OR_RETURN(Constant index, iota(xs));
  ZKCC_ASSIGN_OR_RETURN(Constant moved, transpose(index, perm));
  ZKCC_ASSIGN_OR_RETURN(size_t last, emit(GatherOp{moved.integer}, x, moved.shape, "axis_last"));
  ZKCC_ASSIGN_OR_RETURN(size_t s, emit(SoftmaxOp{log}, last, moved.shape, "softmax"));
  ZKCC_ASSIGN_OR_RETURN(Constant moved_index, iota(moved.shape));
  ZKCC_ASSIGN_OR_RETURN(Constant restored, transpose(moved_index, back));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(GatherOp{restored.integer}, s, xs));
  return define_output(y);
}

}  // namespace zkcc::model::internal
