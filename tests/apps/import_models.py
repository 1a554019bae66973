"""Writes the small ONNX models import_cli_test.sh runs, in the forms exporters write them.

flatten.onnx: a symbolic batch axis and the shape arithmetic torch.onnx.export emits for
  x.view(x.size(0), -1) (Shape -> Gather(0) -> Unsqueeze -> Concat with -1 -> Reshape), with
  Identity, Dropout and Cast around it, then Gemm and Relu.
seq.onnx: a symbolic dimension that is not a leading batch axis.
refusals.onnx: three nodes zkcc refuses (Sin, Cos, Mul of two activations) in one graph.
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
     helper.make_node("Mul", ["r", "r"], ["m"], name="square")], "refusals",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4]) for n in ("a", "c", "m")]), "refusals.onnx")
