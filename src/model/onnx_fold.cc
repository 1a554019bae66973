// Constant folding of ONNX operators (see onnx_fold.h).
#include "onnx_fold.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace zkcc::model::internal {
namespace {

std::string ints_string(std::span<const int64_t> v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Row-major strides of a shape.
std::vector<size_t> strides_of(const Shape& s) {
  std::vector<size_t> st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

StatusOr<size_t> folded_count(const Shape& s) {
  for (size_t d : s) {
    if (d == 0) return unsupported("the folded result " + shape_string(s) + " is empty; empty tensors are not supported");
  }
  auto n = checked_element_count(s, kMaxFoldedElements);
  if (!n.ok()) return n.status().with_context("a folded constant");
  return *n;
}

// Calls f(flat output index, multi-index) for every element of `shape`, last dimension fastest.
template <typename F>
void for_each_index(const Shape& shape, F f) {
  const size_t n = element_count(shape);
  std::vector<size_t> idx(shape.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    f(i, idx);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// Where each element of `to` reads from a tensor of shape `from` broadcast onto it.
std::vector<size_t> broadcast_sources(const Shape& from, const Shape& to) {
  const size_t offset = to.size() - from.size();
  const std::vector<size_t> st = strides_of(from);
  std::vector<size_t> src(element_count(to));
  for_each_index(to, [&](size_t i, const std::vector<size_t>& idx) {
    size_t s = 0;
    for (size_t d = 0; d < from.size(); ++d) s += from[d] == 1 ? 0 : idx[offset + d] * st[d];
    src[i] = s;
  });
  return src;
}

// The elements of c at `src`, under `shape`.
Constant take(const Constant& c, Shape shape, const std::vector<size_t>& src) {
  Constant out;
  out.shape = std::move(shape);
  out.is_integer = c.is_integer;
  if (c.is_integer) {
    out.integer.reserve(src.size());
    for (size_t s : src) out.integer.push_back(c.integer[s]);
  } else {
    out.real.reserve(src.size());
    for (size_t s : src) out.real.push_back(c.real[s]);
  }
  return out;
}

double real_at(const Constant& c, size_t i) { return c.is_integer ? static_cast<double>(c.integer[i]) : c.real[i]; }

}  // namespace

StatusOr<size_t> normalize_axis(int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    return invalid_argument("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

StatusOr<Shape> broadcast_shapes(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t da = i < a.size() ? a[a.size() - 1 - i] : 1, db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      return invalid_argument("shapes " + shape_string(a) + " and " + shape_string(b) + " do not broadcast");
    }
    out[out.size() - 1 - i] = std::max(da, db);
  }
  return out;
}

StatusOr<Shape> reshape_target(const Shape& from, std::span<const int64_t> target, bool allow_zero,
                               size_t max_elements) {
  Shape out(target.size());
  std::optional<size_t> infer;
  size_t known = 1;
  for (size_t d = 0; d < target.size(); ++d) {
    const int64_t t = target[d];
    if (t == 0 && allow_zero) return unsupported("allowzero makes an empty tensor");
    if (t == 0) {
      if (d >= from.size()) return invalid_argument("target dimension " + std::to_string(d) + " copies a missing input dimension");
      out[d] = from[d];
    } else if (t == -1) {
      if (infer) return invalid_argument("the target shape has more than one -1");
      infer = d;
      continue;
    } else if (t < 0) {
      return invalid_argument("target dimension " + std::to_string(t) + " is invalid");
    } else {
      if (static_cast<uint64_t>(t) > max_elements) return out_of_range("target dimension over the element limit");
      out[d] = static_cast<size_t>(t);
    }
    if (known > max_elements / out[d]) return out_of_range("target shape over the element limit");
    known *= out[d];
  }
  const size_t total = element_count(from);
  if (infer) {
    if (total % known) return invalid_argument("cannot reshape " + shape_string(from) + " with a -1 dimension");
    out[*infer] = total / known;
  }
  if (element_count(out) != total) {
    return invalid_argument("cannot reshape " + shape_string(from) + " to " + shape_string(out));
  }
  return out;
}

Constant int_vector(std::vector<int64_t> values) {
  Constant c;
  c.shape = {values.size()};
  c.is_integer = true;
  c.integer = std::move(values);
  return c;
}

Constant int_scalar(int64_t value) {
  Constant c;
  c.is_integer = true;
  c.integer = {value};
  return c;
}

StatusOr<Constant> fold_binary(BinaryFold op, const Constant& a, const Constant& b) {
  ZKCC_ASSIGN_OR_RETURN(Shape shape, broadcast_shapes(a.shape, b.shape));
  ZKCC_ASSIGN_OR_RETURN(size_t n, folded_count(shape));
  const std::vector<size_t> sa = broadcast_sources(a.shape, shape), sb = broadcast_sources(b.shape, shape);
  const bool compare = op == BinaryFold::kEqual || op == BinaryFold::kLess || op == BinaryFold::kGreater;
  Constant out;
  out.shape = shape;
  out.is_integer = compare || (a.is_integer && b.is_integer);
  if (compare) {
    out.integer.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const bool both_int = a.is_integer && b.is_integer;
      const auto x = real_at(a, sa[i]), y = real_at(b, sb[i]);
      const int64_t xi = both_int ? a.integer[sa[i]] : 0, yi = both_int ? b.integer[sb[i]] : 0;
      bool r = false;
      if (op == BinaryFold::kEqual) r = both_int ? xi == yi : x == y;
      if (op == BinaryFold::kLess) r = both_int ? xi < yi : x < y;
      if (op == BinaryFold::kGreater) r = both_int ? xi > yi : x > y;
      out.integer[i] = r ? 1 : 0;
    }
    return out;
  }
  if (out.is_integer) {
    out.integer.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t x = a.integer[sa[i]], y = b.integer[sb[i]];
      int64_t r = 0;
      bool overflow = false;
      switch (op) {
        case BinaryFold::kAdd: overflow = __builtin_add_overflow(x, y, &r); break;
        case BinaryFold::kSub: overflow = __builtin_sub_overflow(x, y, &r); break;
        case BinaryFold::kMul: overflow = __builtin_mul_overflow(x, y, &r); break;
        default:
          if (y == 0) return invalid_argument("integer division by zero at element " + std::to_string(i));
          overflow = x == std::numeric_limits<int64_t>::min() && y == -1;
          if (!overflow) r = x / y;
      }
      if (overflow) return out_of_range("integer overflow at element " + std::to_string(i));
      out.integer[i] = r;
    }
    return out;
  }
  out.real.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double x = real_at(a, sa[i]), y = real_at(b, sb[i]);
    double r = op == BinaryFold::kAdd ? x + y : op == BinaryFold::kSub ? x - y : op == BinaryFold::kMul ? x * y : x / y;
    if (!std::isfinite(r)) return invalid_argument("the result is not finite at element " + std::to_string(i));
    out.real[i] = r;
  }
  return out;
}

StatusOr<Constant> fold_where(const Constant& cond, const Constant& x, const Constant& y) {
  if (x.is_integer != y.is_integer) return invalid_argument("X and Y differ in element type (integer and real)");
  ZKCC_ASSIGN_OR_RETURN(Shape xy, broadcast_shapes(x.shape, y.shape));
  ZKCC_ASSIGN_OR_RETURN(Shape shape, broadcast_shapes(cond.shape, xy));
  ZKCC_ASSIGN_OR_RETURN(size_t n, folded_count(shape));
  const std::vector<size_t> sc = broadcast_sources(cond.shape, shape), sx = broadcast_sources(x.shape, shape),
                            sy = broadcast_sources(y.shape, shape);
  Constant out;
  out.shape = shape;
  out.is_integer = x.is_integer;
  for (size_t i = 0; i < n; ++i) {
    const bool pick_x = real_at(cond, sc[i]) != 0;
    const Constant& from = pick_x ? x : y;
    const size_t s = pick_x ? sx[i] : sy[i];
    if (out.is_integer) {
      out.integer.push_back(from.integer[s]);
    } else {
      out.real.push_back(from.real[s]);
    }
  }
  return out;
}

StatusOr<Constant> fold_expand(const Constant& x, std::span<const int64_t> shape) {
  Shape target;
  for (int64_t d : shape) {
    if (d < 1) return unsupported("Expand to dimension " + std::to_string(d) + "; only positive dimensions are supported");
    if (static_cast<uint64_t>(d) > kMaxFoldedElements) return out_of_range("Expand to a dimension over the limit");
    target.push_back(static_cast<size_t>(d));
  }
  ZKCC_ASSIGN_OR_RETURN(Shape out, broadcast_shapes(x.shape, target));
  ZKCC_RETURN_IF_ERROR(folded_count(out).status());
  return take(x, out, broadcast_sources(x.shape, out));
}

StatusOr<Constant> fold_gather(const Constant& data, const Constant& indices, int64_t axis) {
  if (!indices.is_integer) return invalid_argument("indices must be integers");
  if (data.shape.empty()) return invalid_argument("data is a scalar");
  ZKCC_ASSIGN_OR_RETURN(size_t a, normalize_axis(axis, data.shape.size()));
  const size_t dim = data.shape[a];
  Shape shape(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(a));
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(a) + 1, data.shape.end());
  ZKCC_RETURN_IF_ERROR(folded_count(shape).status());
  std::vector<size_t> picked(indices.size());
  for (size_t i = 0; i < picked.size(); ++i) {
    int64_t k = indices.integer[i];
    if (k < -static_cast<int64_t>(dim) || k >= static_cast<int64_t>(dim)) {
      return invalid_argument("index " + std::to_string(k) + " is out of range for dimension " + std::to_string(dim));
    }
    picked[i] = static_cast<size_t>(k < 0 ? k + static_cast<int64_t>(dim) : k);
  }
  const std::vector<size_t> st = strides_of(data.shape);
  const size_t ind_rank = indices.shape.size();
  const std::vector<size_t> ind_st = strides_of(indices.shape);
  std::vector<size_t> src(element_count(shape));
  for_each_index(shape, [&](size_t i, const std::vector<size_t>& idx) {
    size_t s = 0, k = 0;
    for (size_t d = 0; d < a; ++d) s += idx[d] * st[d];
    for (size_t d = 0; d < ind_rank; ++d) k += idx[a + d] * ind_st[d];
    s += picked[k] * st[a];
    for (size_t d = a + 1; d < data.shape.size(); ++d) s += idx[d - 1 + ind_rank] * st[d];
    src[i] = s;
  });
  return take(data, shape, src);
}

StatusOr<Constant> fold_slice(const Constant& data, std::span<const int64_t> starts, std::span<const int64_t> ends,
                              std::span<const int64_t> axes, std::span<const int64_t> steps) {
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    return invalid_argument("starts " + ints_string(starts) + ", ends " + ints_string(ends) + ", axes " +
                            ints_string(axes) + " and steps " + ints_string(steps) + " differ in length");
  }
  const size_t rank = data.shape.size();
  std::vector<int64_t> first(rank, 0), step(rank, 1);
  Shape shape = data.shape;
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    ZKCC_ASSIGN_OR_RETURN(size_t a, normalize_axis(axes[i], rank));
    if (seen[a]) return invalid_argument("axis " + std::to_string(axes[i]) + " is sliced twice");
    seen[a] = true;
    if (steps[i] == 0) return invalid_argument("a step is 0");
    const auto dim = static_cast<int64_t>(data.shape[a]);
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s = s < -dim ? -1 : s + dim;  // clamped below, avoiding overflow
    if (e < 0) e = e < -dim ? -1 : e + dim;
    // In unsigned arithmetic: |step| of INT64_MIN and e - s + step - 1 stay defined.
    const uint64_t magnitude = steps[i] > 0 ? static_cast<uint64_t>(steps[i]) : 0 - static_cast<uint64_t>(steps[i]);
    uint64_t count = 0;
    if (steps[i] > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (static_cast<uint64_t>(e - s) - 1) / magnitude + 1 : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = s > e ? (static_cast<uint64_t>(s - e) - 1) / magnitude + 1 : 0;
    }
    first[a] = s;
    step[a] = steps[i];
    shape[a] = static_cast<size_t>(count);
  }
  ZKCC_RETURN_IF_ERROR(folded_count(shape).status());
  const std::vector<size_t> st = strides_of(data.shape);
  std::vector<size_t> src(element_count(shape));
  for_each_index(shape, [&](size_t i, const std::vector<size_t>& idx) {
    size_t s = 0;
    for (size_t d = 0; d < rank; ++d) s += static_cast<size_t>(first[d] + static_cast<int64_t>(idx[d]) * step[d]) * st[d];
    src[i] = s;
  });
  return take(data, shape, src);
}

StatusOr<Constant> fold_concat(std::span<const Constant* const> parts, int64_t axis) {
  if (parts.empty()) return invalid_argument("no inputs");
  const Constant& first = *parts[0];
  if (first.shape.empty()) return invalid_argument("input 0 is a scalar");
  ZKCC_ASSIGN_OR_RETURN(size_t a, normalize_axis(axis, first.shape.size()));
  Shape shape = first.shape;
  shape[a] = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Constant& c = *parts[p];
    bool fits = c.shape.size() == first.shape.size() && c.is_integer == first.is_integer;
    for (size_t d = 0; fits && d < c.shape.size(); ++d) fits = d == a || c.shape[d] == first.shape[d];
    if (!fits) {
      return invalid_argument("input " + std::to_string(p) + " " + shape_string(c.shape) + (c.is_integer ? " (integer)" : " (real)") +
                              " does not concatenate with input 0 " + shape_string(first.shape) +
                              (first.is_integer ? " (integer)" : " (real)") + " along axis " + std::to_string(a));
    }
    shape[a] += c.shape[a];
  }
  ZKCC_RETURN_IF_ERROR(folded_count(shape).status());
  // Row-major: the outer dimensions before `a`, then each part's block of shape[a..] in turn.
  size_t outer = 1;
  for (size_t d = 0; d < a; ++d) outer *= shape[d];
  Constant out;
  out.shape = shape;
  out.is_integer = first.is_integer;
  for (size_t o = 0; o < outer; ++o) {
    for (const Constant* c : parts) {
      const size_t block = c->size() / outer;
      if (out.is_integer) {
        out.integer.insert(out.integer.end(), c->integer.begin() + static_cast<std::ptrdiff_t>(o * block),
                           c->integer.begin() + static_cast<std::ptrdiff_t>((o + 1) * block));
      } else {
        out.real.insert(out.real.end(), c->real.begin() + static_cast<std::ptrdiff_t>(o * block),
                        c->real.begin() + static_cast<std::ptrdiff_t>((o + 1) * block));
      }
    }
  }
  return out;
}

StatusOr<Constant> fold_unsqueeze(const Constant& x, std::span<const int64_t> axes) {
  const size_t rank = x.shape.size() + axes.size();
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : axes) {
    ZKCC_ASSIGN_OR_RETURN(size_t a, normalize_axis(axis, rank));
    if (inserted[a]) return invalid_argument("axes " + ints_string(axes) + " repeat an axis");
    inserted[a] = true;
  }
  Constant out = x;
  out.shape.clear();
  size_t next = 0;
  for (size_t d = 0; d < rank; ++d) out.shape.push_back(inserted[d] ? 1 : x.shape[next++]);
  return out;
}

StatusOr<Constant> fold_squeeze(const Constant& x, std::optional<std::span<const int64_t>> axes) {
  std::vector<bool> removed(x.shape.size(), false);
  if (axes) {
    for (int64_t axis : *axes) {
      ZKCC_ASSIGN_OR_RETURN(size_t a, normalize_axis(axis, x.shape.size()));
      if (x.shape[a] != 1) {
        return invalid_argument("axis " + std::to_string(axis) + " of " + shape_string(x.shape) + " is not 1");
      }
      removed[a] = true;
    }
  } else {
    for (size_t d = 0; d < x.shape.size(); ++d) removed[d] = x.shape[d] == 1;
  }
  Constant out = x;
  out.shape.clear();
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (!removed[d]) out.shape.push_back(x.shape[d]);
  }
  return out;
}

bool is_float_type(int32_t type) {
  return type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE || type == onnx::TensorProto::FLOAT16 ||
         type == onnx::TensorProto::BFLOAT16;
}

StatusOr<Constant> fold_cast(const Constant& x, int32_t to) {
  Constant out;
  out.shape = x.shape;
  if (is_float_type(to)) {
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = real_at(x, i);
      out.real.push_back(to == onnx::TensorProto::DOUBLE ? v : static_cast<double>(static_cast<float>(v)));
      if (!std::isfinite(out.real.back())) return invalid_argument("element " + std::to_string(i) + " overflows the float type");
    }
    return out;
  }
  int64_t lo = 0, hi = 0;
  switch (to) {
    case onnx::TensorProto::BOOL: lo = 0, hi = 1; break;
    case onnx::TensorProto::INT8: lo = INT8_MIN, hi = INT8_MAX; break;
    case onnx::TensorProto::UINT8: lo = 0, hi = UINT8_MAX; break;
    case onnx::TensorProto::INT16: lo = INT16_MIN, hi = INT16_MAX; break;
    case onnx::TensorProto::UINT16: lo = 0, hi = UINT16_MAX; break;
    case onnx::TensorProto::INT32: lo = INT32_MIN, hi = INT32_MAX; break;
    case onnx::TensorProto::UINT32: lo = 0, hi = UINT32_MAX; break;
    case onnx::TensorProto::INT64: lo = INT64_MIN, hi = INT64_MAX; break;
    default: return unsupported("Cast to " + element_type_name(to) + " is not supported");
  }
  out.is_integer = true;
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t v = 0;
    if (to == onnx::TensorProto::BOOL) {
      v = real_at(x, i) != 0 ? 1 : 0;
    } else if (x.is_integer) {
      v = x.integer[i];
    } else {
      const double t = std::trunc(x.real[i]);
      // 2^63 is the first double past INT64_MAX.
      if (t < -9223372036854775808.0 || t >= 9223372036854775808.0) {
        return invalid_argument("element " + std::to_string(i) + " does not fit " + element_type_name(to));
      }
      v = static_cast<int64_t>(t);
    }
    if (v < lo || v > hi) return invalid_argument("element " + std::to_string(i) + " does not fit " + element_type_name(to));
    out.integer.push_back(v);
  }
  return out;
}

StatusOr<Constant> fold_range(const Constant& start, const Constant& limit, const Constant& delta) {
  if (start.size() != 1 || limit.size() != 1 || delta.size() != 1) return invalid_argument("start, limit and delta must be scalars");
  if (start.is_integer != limit.is_integer || start.is_integer != delta.is_integer) {
    return invalid_argument("start, limit and delta differ in element type");
  }
  const double s = real_at(start, 0), l = real_at(limit, 0), d = real_at(delta, 0);
  if (d == 0) return invalid_argument("delta is 0");
  const double count = std::max(std::ceil((l - s) / d), 0.0);
  if (count == 0) return unsupported("the range is empty; empty tensors are not supported");
  if (count > static_cast<double>(kMaxFoldedElements)) return out_of_range("the range has over " + std::to_string(kMaxFoldedElements) + " elements");
  const auto n = static_cast<size_t>(count);
  Constant out;
  out.shape = {n};
  out.is_integer = start.is_integer;
  for (size_t i = 0; i < n; ++i) {
    if (out.is_integer) {
      int64_t step = 0, v = 0;
      if (__builtin_mul_overflow(static_cast<int64_t>(i), delta.integer[0], &step) ||
          __builtin_add_overflow(start.integer[0], step, &v)) {
        return out_of_range("the range overflows at element " + std::to_string(i));
      }
      out.integer.push_back(v);
    } else {
      out.real.push_back(s + static_cast<double>(i) * d);
    }
  }
  return out;
}

StatusOr<Constant> fold_constant_of_shape(std::span<const int64_t> shape, const Constant& value) {
  if (value.size() != 1) return invalid_argument("value must hold one element, not " + std::to_string(value.size()));
  Shape s;
  for (int64_t d : shape) {
    if (d < 1) return unsupported("dimension " + std::to_string(d) + "; only positive dimensions are supported");
    if (static_cast<uint64_t>(d) > kMaxFoldedElements) return out_of_range("a dimension over the limit");
    s.push_back(static_cast<size_t>(d));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t n, folded_count(s));
  Constant out;
  out.shape = s;
  out.is_integer = value.is_integer;
  if (value.is_integer) {
    out.integer.assign(n, value.integer[0]);
  } else {
    out.real.assign(n, value.real[0]);
  }
  return out;
}

}  // namespace zkcc::model::internal
