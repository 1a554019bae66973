// Full-stack attestation: the GPU and CPU evidence for one statement, bound to each other, and
// folded into one felt252 for Starknet (DESIGN.md, "Normative formats"):
//   GPU nonce        = statement, 32 bytes big endian;
//   gpu_hash         = report_hash_felt(report) for one GPU, poseidon_hash_many of those for several;
//   CPU report_data  = gpu_hash (32 bytes big endian, zero without a GPU) || statement;
//   cpu_hash         = report_hash_felt(the hardware report: the 1184-byte SNP report, or the TDX
//                      quote at its declared length; on Azure the SNP report inside the HCL report
//                      or the TD quote);
//   combined_hash    = GPU only: gpu_hash; CPU only: poseidon_hash(0, cpu_hash);
//                      both: poseidon_hash(cpu_hash, gpu_hash); neither: 0.
#ifndef ZKCC_TEE_FULL_STACK_H_
#define ZKCC_TEE_FULL_STACK_H_

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "zkcc/field/felt252.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee {

// zk-only never attests; auto attests whatever is present; tee needs CPU or GPU evidence; full-cc
// needs both. A level that cannot be met is an error, never a silent downgrade.
enum class SecurityLevel { kAuto, kZkOnly, kTee, kFullCc };
std::string_view security_level_name(SecurityLevel level);
StatusOr<SecurityLevel> parse_security_level(std::string_view name);
// The level evidence reaches: full-cc with CPU and GPU evidence, tee with either, else zk-only.
SecurityLevel level_reached(bool has_cpu, bool has_gpu);
// zk-only 0 < tee 1 < full-cc 2; auto, which names no level, ranks as zk-only.
int level_rank(SecurityLevel level);

std::array<uint8_t, 32> gpu_nonce(const Felt252& statement);
std::array<uint8_t, 64> cpu_report_data(const Felt252& gpu_hash, const Felt252& statement);
Felt252 gpu_hash_of(std::span<const GpuEvidence> gpus);  // 0 without GPUs
// Fails when the evidence's hardware report cannot be found (malformed evidence).
StatusOr<Felt252> cpu_hash_of(const CpuEvidence& cpu);
Felt252 combined_hash(const std::optional<Felt252>& cpu_hash, const std::optional<Felt252>& gpu_hash);

struct FullStackAttestation {
  SecurityLevel level = SecurityLevel::kAuto;  // the level asked for
  // What a bundle states its evidence reaches (bundles write it from the evidence; older bundles
  // lack it); verification recomputes it.
  std::optional<SecurityLevel> level_reached;
  Felt252 statement;
  std::optional<CpuEvidence> cpu;
  std::vector<GpuEvidence> gpus;
  Felt252 cpu_hash;  // 0 without CPU evidence
  Felt252 gpu_hash;  // 0 without GPU evidence
  Felt252 combined_hash;
};

// Collects the evidence the level asks for from the attesters given (null = not present): the GPUs
// first with the statement as nonce, then the CPU with gpu_hash || statement.
StatusOr<FullStackAttestation> attest(const Felt252& statement, SecurityLevel level, CpuAttester* cpu, GpuAttester* gpu);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_FULL_STACK_H_
