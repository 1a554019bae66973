#include "zkcc/model/broadcast.h"

#include <gtest/gtest.h>

namespace zkcc::model {
namespace {

TEST(Broadcast, ShapesAlignOnTheRight) {
  EXPECT_EQ(*broadcast_shape(Shape{2, 3, 4}, Shape{4}), (Shape{2, 3, 4}));
  EXPECT_EQ(*broadcast_shape(Shape{2, 1, 4}, Shape{3, 1}), (Shape{2, 3, 4}));
  EXPECT_EQ(*broadcast_shape(Shape{}, Shape{5}), (Shape{5}));
  EXPECT_EQ(broadcast_shape(Shape{2, 3}, Shape{4, 3}).status().message(), "shapes [2, 3] and [4, 3] do not broadcast (axis 0)");
}

TEST(Broadcast, IndexRepeatsTheDimensionsOfOne) {
  // [2, 1] onto [2, 3]: each row's one element three times.
  EXPECT_EQ(*broadcast_index(Shape{2, 1}, Shape{2, 3}), (std::vector<size_t>{0, 0, 0, 1, 1, 1}));
  // [3] onto [2, 3]: the row twice.
  EXPECT_EQ(*broadcast_index(Shape{3}, Shape{2, 3}), (std::vector<size_t>{0, 1, 2, 0, 1, 2}));
  // [1, 2, 1] onto [2, 2, 2]: a middle axis kept, the outer and inner repeated.
  EXPECT_EQ(*broadcast_index(Shape{1, 2, 1}, Shape{2, 2, 2}), (std::vector<size_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(*broadcast_index(Shape{}, Shape{2}), (std::vector<size_t>{0, 0}));
  EXPECT_EQ(broadcast_index(Shape{2, 3}, Shape{3}).status().message(), "[2, 3] has a higher rank than [3]");
  EXPECT_EQ(broadcast_index(Shape{2}, Shape{2, 3}).status().message(), "[2] does not broadcast onto [2, 3]");
}

TEST(Broadcast, ConcatenationInterleavesTheParts) {
  const std::vector<Shape> parts = {{2, 1}, {2, 2}};
  EXPECT_EQ(*concat_shape(parts, 1), (Shape{2, 3}));
  using P = std::pair<size_t, size_t>;
  EXPECT_EQ(concat_index(parts, 1), (std::vector<P>{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {1, 2}, {1, 3}}));
  const std::vector<Shape> rows = {{1, 2}, {2, 2}};
  EXPECT_EQ(*concat_shape(rows, 0), (Shape{3, 2}));
  EXPECT_EQ(concat_index(rows, 0), (std::vector<P>{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {1, 2}, {1, 3}}));
  EXPECT_EQ(concat_shape(parts, 0).status().message(), "part [2, 2] does not concatenate with [2, 1] along axis 0");
  EXPECT_EQ(concat_shape(parts, 2).status().message(), "axis 2 is outside rank 2");
  EXPECT_EQ(concat_shape({}, 0).status().message(), "nothing to concatenate");
}

}  // namespace
}  // namespace zkcc::model
