// One attestation, one hash. An ECDSA signature (r, s) has a twin (r, n - s) that verifies just
// as well, so a report whose bytes are its identity (cpu_hash, gpu_hash) could otherwise be
// restated with a different hash and still be accepted. zkcc fixes the form: its attesters
// rewrite every ECDSA signature in the evidence to low S (s <= n/2) before hashing, and bundle
// verification refuses evidence that carries a high S. The hash formats themselves are unchanged
// (report_hash_felt over the bytes as carried).
//
// The signatures concerned: the SEV-SNP report's (P-384), the TDX quote's and its QE report's
// (P-256), and the NVIDIA GPU report's (P-384). Azure evidence is judged by its hardware report:
// the SEV-SNP report inside the HCL report, or the TD quote, rewritten inside the evidence JSON.
#ifndef ZKCC_TEE_LOW_S_H_
#define ZKCC_TEE_LOW_S_H_

#include <span>
#include <string>

#include "zkcc/base/status.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee {

enum class EcdsaCurve { kP256, kP384 };

// True when the big-endian `s` (the curve's width) is at most half the group order.
bool is_low_s(EcdsaCurve curve, std::span<const uint8_t> s_be);
// Replaces `s` with n - s, in place: the twin signature (r, n - s), which verifies as well.
void negate_s(EcdsaCurve curve, std::span<uint8_t> s_be);
// Replaces a high `s` with n - s, in place; a low `s` is left alone.
void make_low_s(EcdsaCurve curve, std::span<uint8_t> s_be);

// Rewrites the evidence's signatures to low S (SEV-SNP, TDX and GPU reports). Other evidence, and
// evidence too malformed to find its signatures in, is left as it is: verification refuses the
// latter by name.
void canonicalize_signatures(CpuEvidence& cpu);
void canonicalize_signatures(GpuEvidence& gpu);

// "" when every signature the evidence carries is low S; otherwise which one is not (or why the
// signatures could not be found).
std::string high_s_signature(const CpuEvidence& cpu);
std::string high_s_signature(const GpuEvidence& gpu);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_LOW_S_H_
