// Elementwise M31 kernels over spans: the hot loops of the prover. An AVX2 path is chosen at run
// time when the CPU has it; the portable loop gives identical results everywhere else.
#ifndef ZKCC_FIELD_M31_VEC_H_
#define ZKCC_FIELD_M31_VEC_H_

#include <span>

#include "zkcc/field/m31.h"

namespace zkcc::field {

// True when the AVX2 kernels are in use on this CPU.
bool m31_vec_uses_avx2();

// out[i] = a[i] op b[i]. All spans must have the same length; out may alias a or b.
void m31_add(std::span<const M31> a, std::span<const M31> b, std::span<M31> out);
void m31_sub(std::span<const M31> a, std::span<const M31> b, std::span<M31> out);
void m31_mul(std::span<const M31> a, std::span<const M31> b, std::span<M31> out);
// out[i] = a[i] * s
void m31_scale(std::span<const M31> a, M31 s, std::span<M31> out);
// sum a[i] * b[i]
M31 m31_inner_product(std::span<const M31> a, std::span<const M31> b);

// The same kernels forced onto the portable path, so tests can compare both.
namespace portable {
void m31_add(std::span<const M31> a, std::span<const M31> b, std::span<M31> out);
void m31_sub(std::span<const M31> a, std::span<const M31> b, std::span<M31> out);
void m31_mul(std::span<const M31> a, std::span<const M31> b, std::span<M31> out);
void m31_scale(std::span<const M31> a, M31 s, std::span<M31> out);
M31 m31_inner_product(std::span<const M31> a, std::span<const M31> b);
}  // namespace portable

}  // namespace zkcc::field

#endif  // ZKCC_FIELD_M31_VEC_H_
