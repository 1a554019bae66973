// The ONNX operators the importer knows and what it does with each: the one table its dispatch
// uses, exposed so that docs/operators.md is generated from it and cannot drift.
#ifndef ZKCC_MODEL_OPERATORS_H_
#define ZKCC_MODEL_OPERATORS_H_

#include <span>
#include <string>
#include <string_view>

namespace zkcc::model {

struct OperatorSupport {
  std::string_view op_type;
  std::string_view domain;   // "" for the default ONNX domain
  std::string_view support;  // "proved", "folded", "pass-through", or several joined by ", "
  std::string_view proof;    // how a proved operator is proved ("-" when it never reaches the proof)
  std::string_view notes;    // the limits of the support, and what is refused
};

// In the order docs/operators.md lists them.
std::span<const OperatorSupport> onnx_operators();

// docs/operators.md: a Markdown page with the table above.
std::string operators_markdown();

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_OPERATORS_H_
