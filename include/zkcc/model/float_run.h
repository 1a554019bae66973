// Reference inference in double precision, with the ONNX operators' meaning. It is what the
// quantized inference is measured against and what calibration observes.
#ifndef ZKCC_MODEL_FLOAT_RUN_H_
#define ZKCC_MODEL_FLOAT_RUN_H_

#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/graph.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

// Every value of the graph (indexed like graph.values) for one input of the input's shape.
StatusOr<std::vector<FloatTensor>> run_float(const Graph& graph, const FloatTensor& input);

// The graph outputs, in order, picked from run_float's values.
std::vector<FloatTensor> float_outputs(const Graph& graph, const std::vector<FloatTensor>& values);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_FLOAT_RUN_H_
