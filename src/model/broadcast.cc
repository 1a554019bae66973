#include "zkcc/model/broadcast.h"

#include <algorithm>
#include <string>

namespace zkcc::model {

StatusOr<Shape> broadcast_shape(std::span<const size_t> a, std::span<const size_t> b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    const size_t da = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    const size_t db = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1) {
      return invalid_argument("shapes " + shape_string(a) + " and " + shape_string(b) + " do not broadcast (axis " +
                              std::to_string(d) + ")");
    }
    out[d] = da == 1 ? db : da;
  }
  return out;
}

StatusOr<std::vector<size_t>> broadcast_index(std::span<const size_t> from, std::span<const size_t> to) {
  if (from.size() > to.size()) {
    return invalid_argument(shape_string(from) + " has a higher rank than " + shape_string(to));
  }
  const size_t lead = to.size() - from.size();
  // The stride in `from` of each of to's axes: 0 where from repeats (a dimension of 1 or absent).
  std::vector<size_t> stride(to.size(), 0);
  size_t s = 1;
  for (size_t d = from.size(); d-- > 0;) {
    if (from[d] != to[lead + d] && from[d] != 1) {
      return invalid_argument(shape_string(from) + " does not broadcast onto " + shape_string(to));
    }
    if (from[d] != 1) stride[lead + d] = s;
    s *= from[d];
  }
  const size_t n = element_count(to);
  std::vector<size_t> index(n);
  std::vector<size_t> at(to.size(), 0);
  size_t src = 0;
  for (size_t i = 0; i < n; ++i) {
    index[i] = src;
    for (size_t d = to.size(); d-- > 0;) {  // odometer over to's axes
      src += stride[d];
      if (++at[d] < to[d]) break;
      src -= stride[d] * to[d];
      at[d] = 0;
    }
  }
  return index;
}

StatusOr<Shape> concat_shape(std::span<const Shape> parts, size_t axis) {
  if (parts.empty()) return invalid_argument("nothing to concatenate");
  const Shape& first = parts[0];
  if (axis >= first.size()) return invalid_argument("axis " + std::to_string(axis) + " is outside rank " + std::to_string(first.size()));
  Shape out = first;
  out[axis] = 0;
  for (const Shape& p : parts) {
    bool fits = p.size() == first.size();
    for (size_t d = 0; fits && d < p.size(); ++d) fits = d == axis || p[d] == first[d];
    if (!fits) {
      return invalid_argument("part " + shape_string(p) + " does not concatenate with " + shape_string(first) + " along axis " +
                              std::to_string(axis));
    }
    out[axis] += p[axis];
  }
  return out;
}

std::vector<std::pair<size_t, size_t>> concat_index(std::span<const Shape> parts, size_t axis) {
  // Each part is outer x (its axis size x inner); the result interleaves the parts' blocks.
  size_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= parts[0][d];
  for (size_t d = axis + 1; d < parts[0].size(); ++d) inner *= parts[0][d];
  std::vector<std::pair<size_t, size_t>> index;
  for (size_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < parts.size(); ++k) {
      const size_t block = parts[k][axis] * inner;
      for (size_t i = 0; i < block; ++i) index.emplace_back(k, o * block + i);
    }
  }
  return index;
}

}  // namespace zkcc::model
