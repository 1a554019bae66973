// docs/operators.md is the importer's table as operators_markdown() prints it; this fails when
// either changes without the other (regenerate with `prove-model operators --markdown`).
#include "zkcc/model/operators.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "zkcc/base/bytes.h"

namespace zkcc::model {
namespace {

TEST(OperatorsDoc, CommittedPageMatchesTheTable) {
  auto page = read_file(std::string(ZKCC_SOURCE_DIR) + "/docs/operators.md");
  ASSERT_TRUE(page.ok()) << page.status().to_string();
  EXPECT_EQ(std::string(page->begin(), page->end()), operators_markdown())
      << "docs/operators.md is out of date: run `prove-model operators --markdown > docs/operators.md`";
}

TEST(OperatorsDoc, TableIsWellFormed) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const OperatorSupport& op : onnx_operators()) {
    EXPECT_TRUE(seen.insert({op.op_type, op.domain}).second) << op.op_type << " is listed twice";
    EXPECT_FALSE(op.support.empty()) << op.op_type;
    EXPECT_EQ(op.support.find('|'), std::string_view::npos) << op.op_type;
    EXPECT_EQ(op.notes.find('|'), std::string_view::npos) << op.op_type;
    const bool proved = op.support.find("proved") != std::string_view::npos;
    EXPECT_EQ(proved, op.proof != "-") << op.op_type << ": a proved operator says how, no other does";
  }
  for (const char* op : {"Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "Identity", "Dropout", "Cast"}) {
    EXPECT_TRUE(seen.count({op, ""})) << op;
  }
}

}  // namespace
}  // namespace zkcc::model
