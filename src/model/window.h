// Sliding-window arithmetic shared by the reference inference and the quantizer, so both read the
// same taps (Window2D's contract in graph.h).
#ifndef ZKCC_SRC_MODEL_WINDOW_H_
#define ZKCC_SRC_MODEL_WINDOW_H_

#include <cstddef>
#include <cstdint>

#include "zkcc/model/graph.h"

namespace zkcc::model::internal {

// The input row read by output row o at tap k; negative or >= in_h when it is padding.
inline int64_t tap_row(const Window2D& w, size_t o, size_t k) {
  return static_cast<int64_t>(o * w.stride_h + k * w.dilation_h) - static_cast<int64_t>(w.pad_top);
}
inline int64_t tap_col(const Window2D& w, size_t o, size_t k) {
  return static_cast<int64_t>(o * w.stride_w + k * w.dilation_w) - static_cast<int64_t>(w.pad_left);
}

// The offset of tap (kh, kw) of window (oh, ow) within one H x W plane, or -1 for padding.
inline int64_t tap_offset(const Window2D& w, size_t oh, size_t ow, size_t kh, size_t kw) {
  int64_t r = tap_row(w, oh, kh), c = tap_col(w, ow, kw);
  if (r < 0 || c < 0 || r >= static_cast<int64_t>(w.in_h) || c >= static_cast<int64_t>(w.in_w)) return -1;
  return r * static_cast<int64_t>(w.in_w) + c;
}

// The number of taps of window (oh, ow) that fall inside the input.
inline size_t taps_inside(const Window2D& w, size_t oh, size_t ow) {
  size_t n = 0;
  for (size_t kh = 0; kh < w.kernel_h; ++kh) {
    for (size_t kw = 0; kw < w.kernel_w; ++kw) n += tap_offset(w, oh, ow, kh, kw) >= 0;
  }
  return n;
}

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_WINDOW_H_
