#include "zkcc/model/graph.h"

namespace zkcc::model {

const char* activation_name(Activation fn) {
  switch (fn) {
    case Activation::kRelu: return "Relu";
    case Activation::kSigmoid: return "Sigmoid";
    case Activation::kTanh: return "Tanh";
    case Activation::kGelu: return "Gelu";
    case Activation::kGeluTanh: return "Gelu(tanh)";
  }
  return "?";
}

size_t parameter_count(const Op& op) {
  if (const auto* d = std::get_if<DenseOp>(&op)) return d->weight.data.size() + d->bias.size();
  if (const auto* c = std::get_if<ConvOp>(&op)) return c->weight.data.size() + c->bias.size();
  if (const auto* a = std::get_if<AddConstOp>(&op)) return a->constant.data.size();
  return 0;
}

}  // namespace zkcc::model
