#include "zkcc/model/layer.h"

#include "zkcc/base/overloaded.h"
#include "zkcc/model/quantized_graph.h"

namespace zkcc::model {
namespace {

}  // namespace

const char* layer_kind_name(const LayerOp& op) {
  return std::visit(Overloaded{
                        [](const MatMulLayer&) { return "MatMul"; },
                        [](const AddConstLayer&) { return "AddConst"; },
                        [](const MulConstLayer&) { return "MulConst"; },
                        [](const RequantLayer&) { return "Requant"; },
                        [](const LookupLayer&) { return "Lookup"; },
                        [](const GatherLayer&) { return "Gather"; },
                        [](const ReshapeLayer&) { return "Reshape"; },
                        [](const RowMaxLayer&) { return "RowMax"; },
                        [](const RowSumLayer&) { return "RowSum"; },
                        [](const RowSubLayer&) { return "RowSub"; },
                        [](const RowDivLayer&) { return "RowDiv"; },
                        [](const AddLayer&) { return "Add"; },
                        [](const ConcatLayer&) { return "Concat"; },
                        [](const MulLayer&) { return "Mul"; },
                    },
                    op);
}

size_t parameter_count(const QuantizedGraph& graph) {
  size_t n = 0;
  for (const Layer& l : graph.layers) {
    if (const auto* m = std::get_if<MatMulLayer>(&l.op)) n += m->weight.data.size() + m->bias.size();
    if (const auto* a = std::get_if<AddConstLayer>(&l.op)) n += a->constant.data.size();
    if (const auto* c = std::get_if<MulConstLayer>(&l.op)) n += c->constant.data.size();
    if (const auto* t = std::get_if<LookupLayer>(&l.op)) n += t->table.size();
  }
  return n;
}

unsigned signed_width(std::span<const int64_t> values) {
  unsigned w = 1;
  for (int64_t v : values) {
    while (w < 63 && (v < -(int64_t{1} << (w - 1)) || v >= (int64_t{1} << (w - 1)))) ++w;
  }
  return w;
}

QuantizedGraph architecture_of(QuantizedGraph graph) {
  if (graph.architecture_only) return graph;
  for (Layer& l : graph.layers) {
    if (auto* m = std::get_if<MatMulLayer>(&l.op)) {
      m->bias_bits = signed_width(m->bias);
      m->weight.data.clear();
      m->bias.clear();
    }
    if (auto* a = std::get_if<AddConstLayer>(&l.op)) {
      a->constant_bits = signed_width(a->constant.data);
      a->constant.data.clear();
    }
  }
  graph.architecture_only = true;
  return graph;
}

}  // namespace zkcc::model
