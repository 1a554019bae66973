#!/usr/bin/python3
"""Trains the bundled digits classifier and exports it, with its held-out data, for zkcc.

Data: scikit-learn's bundled digits set (1797 images of 8x8 pixels, values 0..16, 10 classes),
split once into 80% training and 20% held-out with a fixed seed, stratified by class.
Model: an MLP 64-32-10 with ReLU (scikit-learn's MLPClassifier, Adam, fixed seed), trained on
pixels divided by 16. The 1/16 is folded into the first layer's weights, so the exported model
takes the raw pixel values 0..16 as its input.

Writes, into OUT_DIR (default: this script's directory):
  mlp.onnx              input "input" float [1,64] -> Gemm -> Relu -> Gemm -> "logits" float [1,10]
  calibration.json      the first 100 training images, for choosing quantization scales
  heldout_inputs.json   every held-out image, a JSON array of 64 numbers each (row-major 8x8)
  heldout_labels.json   their true classes
  heldout_logits.json   the float logits of the exported weights, computed with numpy in float64
  metrics.json          held-out size, correct count and float top-1 accuracy
  inputs/*.json         one held-out image per class, each a JSON array of 64 numbers
  inputs/labels.json    file name -> true class

Needs Debian's python3-sklearn, python3-numpy and python3-onnx. Deterministic: the same seed and
the same package versions give the same bytes (BLAS runs single-threaded for that reason).
Usage: models/digits/train.py [OUT_DIR]
"""

import os

# Multithreaded BLAS may sum in a different order from run to run; training amplifies that.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

SEED = 0
HELDOUT_FRACTION = 0.2
HIDDEN = 32
PIXEL_MAX = 16.0
OPSET = 13
# IR version 8 is what onnx 1.12 (Debian 12) writes and reads; pinned so a newer onnx
# regenerating the file still produces one the importer's libonnx accepts.
IR_VERSION = 8


CALIBRATION_SIZE = 100


def train():
    digits = load_digits()
    x_train, x_held, y_train, y_held = train_test_split(
        digits.data, digits.target, test_size=HELDOUT_FRACTION, random_state=SEED,
        stratify=digits.target)
    mlp = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="adam",
                        alpha=1e-3, max_iter=1000, random_state=SEED)
    mlp.fit(x_train / PIXEL_MAX, y_train)
    # ONNX Gemm with transB=1 takes weights as [out, in]; the input scaling moves into layer 1.
    w1 = (mlp.coefs_[0].T / PIXEL_MAX).astype(np.float32)
    b1 = mlp.intercepts_[0].astype(np.float32)
    w2 = mlp.coefs_[1].T.astype(np.float32)
    b2 = mlp.intercepts_[1].astype(np.float32)
    sklearn_pred = mlp.predict(x_held / PIXEL_MAX)
    return (w1, b1, w2, b2), x_train, x_held, y_held, sklearn_pred


def build_onnx(w1, b1, w2, b2):
    inits = [numpy_helper.from_array(a, name) for a, name in
             ((w1, "fc1.weight"), (b1, "fc1.bias"), (w2, "fc2.weight"), (b2, "fc2.bias"))]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1",
                         transB=1),
        helper.make_node("Relu", ["fc1"], ["relu1"], name="relu1"),
        helper.make_node("Gemm", ["relu1", "fc2.weight", "fc2.bias"], ["logits"], name="fc2",
                         transB=1),
    ]
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="zkcc-models",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = ("Digits MLP 64-32-10 (scikit-learn digits, seed %d); input: raw 8x8 "
                        "pixel values 0..16, row-major" % SEED)
    onnx.checker.check_model(model, full_check=True)
    return model


def float_logits(weights, x):
    w1, b1, w2, b2 = (a.astype(np.float64) for a in weights)
    return np.maximum(x @ w1.T + b1, 0.0) @ w2.T + b2


def write_rows(path, rows):
    # One example per line keeps the files readable and their diffs small.
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in rows) + "\n]\n")


def pixels(row):
    return [int(v) for v in row]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)

    weights, x_train, x_held, y_held, sklearn_pred = train()
    model = build_onnx(*weights)
    onnx.save(model, os.path.join(out, "mlp.onnx"))

    logits = float_logits(weights, x_held)
    pred = logits.argmax(axis=1)
    if not np.array_equal(pred, sklearn_pred):
        sys.exit("exported weights disagree with scikit-learn on %d held-out examples" %
                 int((pred != sklearn_pred).sum()))
    correct = int((pred == y_held).sum())
    accuracy = correct / len(y_held)

    write_rows(os.path.join(out, "heldout_inputs.json"), [pixels(r) for r in x_held])
    # Quantization scales are chosen from training images only, never from held-out ones.
    write_rows(os.path.join(out, "calibration.json"), [pixels(r) for r in x_train[:CALIBRATION_SIZE]])
    with open(os.path.join(out, "heldout_labels.json"), "w") as f:
        f.write(json.dumps([int(v) for v in y_held]) + "\n")
    write_rows(os.path.join(out, "heldout_logits.json"),
               [[round(float(v), 6) for v in r] for r in logits])
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"heldout_examples": len(y_held), "float_correct": correct,
                   "float_top1_accuracy": round(accuracy, 6)}, f, indent=2)
        f.write("\n")

    # The first held-out image of each class, named by its held-out index.
    labels = {}
    for cls in range(10):
        i = int(np.flatnonzero(y_held == cls)[0])
        name = "heldout_%03d.json" % i
        with open(os.path.join(out, "inputs", name), "w") as f:
            f.write(json.dumps(pixels(x_held[i]), separators=(",", ":")) + "\n")
        labels[name] = cls
    with open(os.path.join(out, "inputs", "labels.json"), "w") as f:
        json.dump(labels, f, indent=2, sort_keys=True)
        f.write("\n")

    params = sum(a.size for a in weights)
    print("digits MLP 64-%d-10: %d parameters, %d training / %d held-out examples" %
          (HIDDEN, params, 1797 - len(y_held), len(y_held)))
    print("float top-1 accuracy on held-out: %d/%d = %.4f" % (correct, len(y_held), accuracy))


if __name__ == "__main__":
    main()
