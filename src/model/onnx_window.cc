// ONNX sliding-window operators: Conv and the pools (MaxPool, AveragePool and their global forms),
// their geometry (pads, auto_pad, strides, dilations, ceil_mode) resolved into a Window2D.
#include "onnx_importer.h"
#include "window.h"

namespace zkcc::model::internal {
namespace {

// Window attributes beyond this are refused before any arithmetic on them.
constexpr int64_t kMaxWindowValue = int64_t{1} << 20;

// One spatial axis of a window: output size and begin/end padding.
struct Axis {
  size_t out = 0, pad_begin = 0, pad_end = 0;
};

StatusOr<Axis> resolve_axis(size_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                            int64_t pad_end, const std::string& auto_pad, bool ceil_mode, const char* axis) {
  const std::string where = std::string(" along ") + axis;
  if (kernel < 1 || stride < 1 || dilation < 1 || kernel > kMaxWindowValue || stride > kMaxWindowValue ||
      dilation > kMaxWindowValue) {
    return invalid_argument("kernel, stride and dilation must lie in [1, 2^20]" + where);
  }
  if (pad_begin < 0 || pad_end < 0 || pad_begin > kMaxWindowValue || pad_end > kMaxWindowValue) {
    return invalid_argument("pads must lie in [0, 2^20]" + where);
  }
  const auto k = static_cast<size_t>(kernel), s = static_cast<size_t>(stride), d = static_cast<size_t>(dilation);
  const size_t extent = (k - 1) * d + 1;
  Axis a;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    a.out = (in + s - 1) / s;
    size_t need = (a.out - 1) * s + extent;
    size_t total = need > in ? need - in : 0;
    size_t small = total / 2, large = total - small;
    a.pad_begin = auto_pad == "SAME_UPPER" ? small : large;
    a.pad_end = total - a.pad_begin;
    return a;
  }
  if (auto_pad == "VALID") {
    if (in < extent) return invalid_argument("the kernel (extent " + std::to_string(extent) + ") exceeds the input" + where);
    a.out = (in - extent) / s + 1;
    return a;
  }
  if (auto_pad != "NOTSET" && !auto_pad.empty()) return unsupported("auto_pad " + quote(auto_pad) + " is not supported");
  a.pad_begin = static_cast<size_t>(pad_begin);
  a.pad_end = static_cast<size_t>(pad_end);
  const size_t padded = in + a.pad_begin + a.pad_end;
  if (padded < extent) {
    return invalid_argument("the kernel (extent " + std::to_string(extent) + ") exceeds the padded input (" +
                            std::to_string(padded) + ")" + where);
  }
  a.out = ceil_mode ? (padded - extent + s - 1) / s + 1 : (padded - extent) / s + 1;
  // Runtimes disagree about a last window that starts past the input and its begin padding.
  if (ceil_mode && (a.out - 1) * s >= in + a.pad_begin) {
    return unsupported("ceil_mode makes the last window start past the input" + where +
                       ", where runtimes disagree on its meaning");
  }
  return a;
}

}  // namespace

Status Importer::import_conv() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 3, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(const Constant* w, constant_input(1));
  const Shape& xs = shape_of(x);
  if (xs.size() != 4) {
    return unsupported("input has rank " + std::to_string(xs.size()) + "; only 2-D convolution (NCHW) is supported");
  }
  ZKCC_ASSIGN_OR_RETURN(int64_t group, at.i("group", 1));
  if (group != 1) return unsupported("group " + std::to_string(group) + "; only group 1 is supported");
  if (w->is_integer || w->shape.size() != 4 || w->shape[1] != xs[1]) {
    return invalid_argument("weight " + shape_string(w->shape) + " does not fit input " + shape_string(xs));
  }
  ZKCC_ASSIGN_OR_RETURN(auto kernel, at.ints("kernel_shape", {static_cast<int64_t>(w->shape[2]), static_cast<int64_t>(w->shape[3])}));
  if (kernel.size() != 2 || kernel[0] != static_cast<int64_t>(w->shape[2]) || kernel[1] != static_cast<int64_t>(w->shape[3])) {
    return invalid_argument("kernel_shape differs from the weight's " + shape_string(w->shape));
  }
  ZKCC_ASSIGN_OR_RETURN(auto strides, at.ints("strides", {1, 1}));
  ZKCC_ASSIGN_OR_RETURN(auto dilations, at.ints("dilations", {1, 1}));
  ZKCC_ASSIGN_OR_RETURN(auto pads, at.ints("pads", {0, 0, 0, 0}));
  ZKCC_ASSIGN_OR_RETURN(std::string auto_pad, at.s("auto_pad", "NOTSET"));
  if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
    return invalid_argument("strides and dilations need 2 values and pads 4");
  }
  if (auto_pad != "NOTSET" && at.find("pads")) return invalid_argument("pads and auto_pad are both set");
  ZKCC_ASSIGN_OR_RETURN(Axis h, resolve_axis(xs[2], kernel[0], strides[0], dilations[0], pads[0], pads[2], auto_pad, false, "height"));
  ZKCC_ASSIGN_OR_RETURN(Axis wd, resolve_axis(xs[3], kernel[1], strides[1], dilations[1], pads[1], pads[3], auto_pad, false, "width"));
  ConvOp op;
  op.window = {w->shape[2], w->shape[3], static_cast<size_t>(strides[0]), static_cast<size_t>(strides[1]),
               static_cast<size_t>(dilations[0]), static_cast<size_t>(dilations[1]), h.pad_begin, wd.pad_begin,
               h.pad_end, wd.pad_end, xs[2], xs[3], h.out, wd.out};
  op.weight = FloatTensor{w->shape, w->real};
  if (has_input(2)) {
    ZKCC_ASSIGN_OR_RETURN(const Constant* b, constant_input(2));
    if (b->is_integer || b->shape != Shape{w->shape[0]}) {
      return invalid_argument("bias " + shape_string(b->shape) + " must be a real vector of " + std::to_string(w->shape[0]));
    }
    op.bias = b->real;
  }
  Shape out = {xs[0], w->shape[0], h.out, wd.out};
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(std::move(op), x, out));
  return define_output(y);
}

Status Importer::import_pool(bool max, bool global) {
  Attrs at(node());
  if (global) {
    ZKCC_RETURN_IF_ERROR(at.only({}));
  } else if (max) {
    ZKCC_RETURN_IF_ERROR(at.only({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"}));
  }
  if (max && node().output_size() == 2 && !node().output(1).empty()) {
    return unsupported("the Indices output is not supported");
  }
  // MaxPool may list an unnamed (unused) Indices output.
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, max && node().output_size() == 2 ? 2 : 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  const Shape& xs = shape_of(x);
  if (xs.size() != 4) {
    return unsupported("input has rank " + std::to_string(xs.size()) + "; only 2-D pooling (NCHW) is supported");
  }
  std::vector<int64_t> kernel = {static_cast<int64_t>(xs[2]), static_cast<int64_t>(xs[3])};
  std::vector<int64_t> strides = {1, 1}, dilations = {1, 1}, pads = {0, 0, 0, 0};
  std::string auto_pad = "NOTSET";
  int64_t ceil_mode = 0, count_include_pad = 0;
  if (!global) {
    if (!at.find("kernel_shape")) return invalid_argument("attribute 'kernel_shape' is missing");
    ZKCC_ASSIGN_OR_RETURN(kernel, at.ints("kernel_shape", {}));
    ZKCC_ASSIGN_OR_RETURN(strides, at.ints("strides", {1, 1}));
    ZKCC_ASSIGN_OR_RETURN(dilations, at.ints("dilations", {1, 1}));
    ZKCC_ASSIGN_OR_RETURN(pads, at.ints("pads", {0, 0, 0, 0}));
    ZKCC_ASSIGN_OR_RETURN(auto_pad, at.s("auto_pad", "NOTSET"));
    ZKCC_ASSIGN_OR_RETURN(ceil_mode, at.i("ceil_mode", 0));
    ZKCC_ASSIGN_OR_RETURN(count_include_pad, at.i("count_include_pad", 0));
    ZKCC_ASSIGN_OR_RETURN(int64_t storage_order, at.i("storage_order", 0));
    if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
      return invalid_argument("kernel_shape, strides and dilations need 2 values and pads 4");
    }
    if ((ceil_mode != 0 && ceil_mode != 1) || (count_include_pad != 0 && count_include_pad != 1) ||
        (storage_order != 0 && storage_order != 1)) {
      return invalid_argument("ceil_mode, count_include_pad and storage_order must be 0 or 1");
    }
    if (!max && (dilations[0] != 1 || dilations[1] != 1)) return unsupported("dilated average pooling is not supported");
    if (auto_pad != "NOTSET" && at.find("pads")) return invalid_argument("pads and auto_pad are both set");
    if (!max && ceil_mode && count_include_pad) {
      return unsupported("ceil_mode with count_include_pad, where runtimes disagree on the divisor");
    }
  }
  ZKCC_ASSIGN_OR_RETURN(Axis h, resolve_axis(xs[2], kernel[0], strides[0], dilations[0], pads[0], pads[2], auto_pad, ceil_mode != 0, "height"));
  ZKCC_ASSIGN_OR_RETURN(Axis wd, resolve_axis(xs[3], kernel[1], strides[1], dilations[1], pads[1], pads[3], auto_pad, ceil_mode != 0, "width"));
  Window2D win{static_cast<size_t>(kernel[0]), static_cast<size_t>(kernel[1]), static_cast<size_t>(strides[0]),
               static_cast<size_t>(strides[1]), static_cast<size_t>(dilations[0]), static_cast<size_t>(dilations[1]),
               h.pad_begin, wd.pad_begin, h.pad_end, wd.pad_end, xs[2], xs[3], h.out, wd.out};
  for (size_t oh = 0; oh < win.out_h; ++oh) {
    for (size_t ow = 0; ow < win.out_w; ++ow) {
      if (taps_inside(win, oh, ow) == 0) {
        return invalid_argument("window (" + std::to_string(oh) + ", " + std::to_string(ow) + ") lies wholly in the padding");
      }
    }
  }
  Shape out = {xs[0], xs[1], h.out, wd.out};
  Op op = max ? Op(MaxPoolOp{win}) : Op(AvgPoolOp{win, count_include_pad != 0});
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(std::move(op), x, out));
  return define_output(y);
}

}  // namespace zkcc::model::internal
