#!/usr/bin/python3
"""Writes the two benchmark-shaped models, with random weights, as ONNX.

Their shapes follow the two models that published zkML provers report figures for:
  dense_4m.onnx   MLP 1024-2048-1024-10 with ReLU (Gemm, transB=1): 4,207,626 parameters.
                  input "input" float [1,1024] -> output "logits" float [1,10]
  cnn_264k.onnx   CNN on a 32x32x3 image, NCHW: three blocks of Conv 3x3 (pad 1) + Relu +
                  MaxPool 2x2 with 32, 64 and 64 channels, Flatten, Gemm 1024->200, Relu,
                  Gemm 200->10: 263,330 parameters.
                  input "input" float [1,3,32,32] -> output "logits" float [1,10]
The weights are random, drawn from a fixed seed per model so every run writes the same bytes:
uniform in +-sqrt(6/fan_in) (He initialization, which keeps activations at the input's scale
through the ReLUs, so no layer's outputs collapse towards zero), biases in +-1/sqrt(fan_in). Beside each model it writes
NAME_input.json, one input (a JSON array of numbers uniform in [0,1), flattened row-major), and
NAME_calibration.json, an array of 8 such inputs.

Too large to keep in the repository (the dense model is about 17 MB): generate them instead.
Needs Debian's python3-numpy and python3-onnx.
Usage: models/bench/make_models.py OUT_DIR
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8  # what onnx 1.12 (Debian 12) writes and reads
DENSE_SEED = 1
CNN_SEED = 2
INPUT_SEED = 3
CALIBRATION_INPUTS = 8


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.params = 0

    def param(self, name, shape, fan_in, gain):
        bound = np.sqrt(gain / fan_in)
        a = self.rng.uniform(-bound, bound, size=shape).astype(np.float32)
        self.inits.append(numpy_helper.from_array(a, name))
        self.params += a.size
        return name

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def gemm(self, x, name, n_in, n_out):
        w = self.param(name + ".weight", (n_out, n_in), n_in, 6.0)
        b = self.param(name + ".bias", (n_out,), n_in, 1.0)
        return self.node("Gemm", [x, w, b], name, transB=1)

    def conv(self, x, name, c_in, c_out):
        w = self.param(name + ".weight", (c_out, c_in, 3, 3), c_in * 9, 6.0)
        b = self.param(name + ".bias", (c_out,), c_in * 9, 1.0)
        return self.node("Conv", [x, w, b], name, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[1, 1])

    def model(self, graph_name, in_shape, out, out_shape, doc):
        graph = helper.make_graph(
            self.nodes, graph_name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
            initializer=self.inits)
        m = helper.make_model(graph, producer_name="zkcc-models",
                              opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = IR_VERSION
        m.doc_string = doc
        onnx.checker.check_model(m, full_check=True)
        return m


def dense_4m():
    b = Builder(DENSE_SEED)
    sizes = [1024, 2048, 1024, 10]
    x = "input"
    for i in range(len(sizes) - 1):
        last = i == len(sizes) - 2
        x = b.gemm(x, "logits" if last else "fc%d" % (i + 1), sizes[i], sizes[i + 1])
        if not last:
            x = b.node("Relu", [x], "relu%d" % (i + 1))
    return b.model("dense_4m", [1, 1024], x, [1, 10],
                   "Benchmark MLP 1024-2048-1024-10, random weights (seed %d)" % DENSE_SEED), \
        b.params, [1, 1024]


def cnn_264k():
    b = Builder(CNN_SEED)
    x = "input"
    channels = [3, 32, 64, 64]
    for i in range(3):
        x = b.conv(x, "conv%d" % (i + 1), channels[i], channels[i + 1])
        x = b.node("Relu", [x], "relu%d" % (i + 1))
        x = b.node("MaxPool", [x], "pool%d" % (i + 1), kernel_shape=[2, 2], strides=[2, 2])
    x = b.node("Flatten", [x], "flatten", axis=1)  # [1, 64*4*4]
    x = b.gemm(x, "fc1", 64 * 4 * 4, 200)
    x = b.node("Relu", [x], "relu4")
    x = b.gemm(x, "logits", 200, 10)
    return b.model("cnn_264k", [1, 3, 32, 32], x, [1, 10],
                   "Benchmark CNN on 32x32x3 (NCHW), random weights (seed %d)" % CNN_SEED), \
        b.params, [1, 3, 32, 32]


def write_inputs(rng, out, name, shape):
    n = int(np.prod(shape))

    def one():
        return [round(float(v), 6) for v in rng.uniform(0.0, 1.0, size=n)]

    with open(os.path.join(out, name + "_input.json"), "w") as f:
        f.write(json.dumps(one(), separators=(",", ":")) + "\n")
    with open(os.path.join(out, name + "_calibration.json"), "w") as f:
        rows = [json.dumps(one(), separators=(",", ":")) for _ in range(CALIBRATION_INPUTS)]
        f.write("[\n" + ",\n".join(rows) + "\n]\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUT_DIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(INPUT_SEED)
    for name, make in (("dense_4m", dense_4m), ("cnn_264k", cnn_264k)):
        model, params, shape = make()
        path = os.path.join(out, name + ".onnx")
        onnx.save(model, path)
        write_inputs(rng, out, name, shape)
        print("%s: %d parameters, input %s, %d bytes" %
              (path, params, "x".join(map(str, shape)), os.path.getsize(path)))


if __name__ == "__main__":
    main()
