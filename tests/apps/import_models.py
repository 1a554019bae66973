"""Writes the small ONNX models import_cli_test.sh runs, in the forms exporters write them.

flatten.onnx: a symbolic batch axis and the shape arithmetic torch.onnx.export emits for
  x.view(x.size(0), -1) (Shape -> Gather(0) -> Unsqueeze -> Concat with -1 -> Reshape), with
  Identity, Dropout and Cast around it, then Gemm and Relu.
seq.onnx: a symbolic dimension that is not a leading batch axis.
refusals.onnx: three nodes zkcc refuses (Sin, Cos, Pow with an activation as the exponent) in one graph.
ops.onnx: operators lowered onto the existing layers in one chain: Conv with a BatchNormalization
  it absorbs, LeakyRelu, Transpose, Slice, Pad, ReduceMean, Sub and Mul by constants, Clip, Split
  into two outputs and an Exp on one of them.
Usage: import_models.py OUT_DIR
"""
import random
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
opset = [helper.make_operatorsetid("", 13)]


def save(graph, name):
    model = helper.make_model(graph, opset_imports=opset, producer_name="zkcc-test")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, f"{out}/{name}")


rng = random.Random(7)
w = helper.make_tensor("fc.weight", TensorProto.FLOAT, [4, 18], [rng.uniform(-0.5, 0.5) for _ in range(72)])
b = helper.make_tensor("fc.bias", TensorProto.FLOAT, [4], [rng.uniform(-0.5, 0.5) for _ in range(4)])
zero = helper.make_tensor("zero", TensorProto.INT64, [], [0])
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [0])
nodes = [
    helper.make_node("Identity", ["x"], ["x_id"], name="identity"),
    helper.make_node("Shape", ["x_id"], ["x_shape"], name="shape"),
    helper.make_node("Gather", ["x_shape", "zero"], ["batch"], name="gather", axis=0),
    helper.make_node("Unsqueeze", ["batch", "axes"], ["batch_1d"], name="unsqueeze"),
    helper.make_node("Constant", [], ["minus_one"], name="minus_one",
                     value=helper.make_tensor("minus_one", TensorProto.INT64, [1], [-1])),
    helper.make_node("Concat", ["batch_1d", "minus_one"], ["target"], name="concat", axis=0),
    helper.make_node("Reshape", ["x_id", "target"], ["flat"], name="view"),
    helper.make_node("Dropout", ["flat"], ["dropped"], name="dropout"),
    helper.make_node("Cast", ["dropped"], ["cast"], name="cast", to=TensorProto.FLOAT),
    helper.make_node("Gemm", ["cast", "fc.weight", "fc.bias"], ["fc"], name="fc", transB=1),
    helper.make_node("Relu", ["fc"], ["y"], name="relu"),
]
save(helper.make_graph(
    nodes, "flatten",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", 2, 3, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 4])],
    [w, b, zero, axes],
    value_info=[helper.make_tensor_value_info("flat", TensorProto.FLOAT, ["batch_size", 18])]), "flatten.onnx")

seq_w = helper.make_tensor("w", TensorProto.FLOAT, [4, 2], [rng.uniform(-0.5, 0.5) for _ in range(8)])
save(helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")], "seq",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, "seq", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, "seq", 2])], [seq_w]), "seq.onnx")

save(helper.make_graph(
    [helper.make_node("Sin", ["x"], ["a"], name="wave"),
     helper.make_node("Relu", ["x"], ["r"], name="relu"),
     helper.make_node("Cos", ["r"], ["c"], name="other_wave"),
     helper.make_node("Pow", ["r", "r"], ["m"], name="square")], "refusals",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4]) for n in ("a", "c", "m")]), "refusals.onnx")

conv_w = helper.make_tensor("conv.weight", TensorProto.FLOAT, [4, 3, 1, 1], [rng.uniform(-0.5, 0.5) for _ in range(12)])
bn = [helper.make_tensor(name, TensorProto.FLOAT, [4], values) for name, values in (
    ("bn.scale", [rng.uniform(0.5, 1.5) for _ in range(4)]), ("bn.bias", [rng.uniform(-0.2, 0.2) for _ in range(4)]),
    ("bn.mean", [rng.uniform(-0.1, 0.1) for _ in range(4)]), ("bn.var", [rng.uniform(0.5, 1.5) for _ in range(4)]))]
ints = [helper.make_tensor(name, TensorProto.INT64, [len(values)], values) for name, values in (
    ("starts", [0]), ("ends", [3]), ("slice_axes", [2]), ("pads", [0, 0, 1, 0, 0, 0, 0, 0]),
    ("split", [1, 3]))]
floats = [helper.make_tensor("offset", TensorProto.FLOAT, [], [0.25]),
          helper.make_tensor("gain", TensorProto.FLOAT, [4], [1.5, -0.5, 0.75, 2.0]),
          helper.make_tensor("lo", TensorProto.FLOAT, [], [-1.0]), helper.make_tensor("hi", TensorProto.FLOAT, [], [1.0])]
save(helper.make_graph(
    [helper.make_node("Conv", ["x", "conv.weight"], ["conv"], name="conv"),
     helper.make_node("BatchNormalization", ["conv", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], name="bn"),
     helper.make_node("LeakyRelu", ["bn"], ["leaky"], name="leaky", alpha=0.2),
     helper.make_node("Transpose", ["leaky"], ["nhwc"], name="nhwc", perm=[0, 2, 3, 1]),
     helper.make_node("Slice", ["nhwc", "starts", "ends", "slice_axes"], ["rows"], name="rows"),
     helper.make_node("Pad", ["rows", "pads"], ["padded"], name="pad"),
     helper.make_node("ReduceMean", ["padded"], ["mean"], name="mean", axes=[3], keepdims=0),
     helper.make_node("Sub", ["mean", "offset"], ["centred"], name="centre"),
     helper.make_node("Mul", ["centred", "gain"], ["scaled"], name="gain"),
     helper.make_node("Clip", ["scaled", "lo", "hi"], ["clipped"], name="clip"),
     helper.make_node("Split", ["clipped", "split"], ["head", "tail"], name="split", axis=2),
     helper.make_node("Exp", ["tail"], ["y2"], name="exp"),
     helper.make_node("Identity", ["head"], ["y1"], name="head")], "ops",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
    [helper.make_tensor_value_info("y1", TensorProto.FLOAT, [1, 4, 1]),
     helper.make_tensor_value_info("y2", TensorProto.FLOAT, [1, 4, 3])],
    [conv_w] + bn + ints + floats), "ops.onnx")
