#include "zkcc/model/graph.h"

namespace zkcc::model {

const char* activation_name(Activation fn) {
  switch (fn) {
    case Activation::kRelu: return "Relu";
    case Activation::kSigmoid: return "Sigmoid";
    case Activation::kTanh: return "Tanh";
    case Activation::kGelu: return "Gelu";
    case Activation::kGeluTanh: return "Gelu(tanh)";
    case Activation::kLeakyRelu: return "LeakyRelu";
    case Activation::kElu: return "Elu";
    case Activation::kSelu: return "Selu";
    case Activation::kCelu: return "Celu";
    case Activation::kHardSigmoid: return "HardSigmoid";
    case Activation::kHardSwish: return "HardSwish";
    case Activation::kSoftplus: return "Softplus";
    case Activation::kSoftsign: return "Softsign";
    case Activation::kMish: return "Mish";
    case Activation::kErf: return "Erf";
    case Activation::kExp: return "Exp";
    case Activation::kLog: return "Log";
    case Activation::kSqrt: return "Sqrt";
    case Activation::kReciprocal: return "Reciprocal";
    case Activation::kAbs: return "Abs";
    case Activation::kSign: return "Sign";
    case Activation::kClip: return "Clip";
    case Activation::kPow: return "Pow";
    case Activation::kFloor: return "Floor";
    case Activation::kCeil: return "Ceil";
    case Activation::kRound: return "Round";
  }
  return "?";
}

size_t parameter_count(const Op& op) {
  if (const auto* d = std::get_if<DenseOp>(&op)) return d->weight.data.size() + d->bias.size();
  if (const auto* c = std::get_if<ConvOp>(&op)) return c->weight.data.size() + c->bias.size();
  if (const auto* a = std::get_if<AddConstOp>(&op)) return a->constant.data.size();
  if (const auto* m = std::get_if<MulConstOp>(&op)) return m->constant.data.size();
  return 0;
}

}  // namespace zkcc::model
