// A visitor built from lambdas, for std::visit over the variants of layer types.
#ifndef ZKCC_BASE_OVERLOADED_H_
#define ZKCC_BASE_OVERLOADED_H_

namespace zkcc {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Spelled out: clang 14 does not deduce aggregate template arguments by itself.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace zkcc

#endif  // ZKCC_BASE_OVERLOADED_H_
