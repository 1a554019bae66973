#include "zkcc/tee/full_stack.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "zkcc/hash/poseidon.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/low_s.h"
#include "zkcc/tee/tdx/quote.h"

namespace zkcc::tee {
namespace {

// The TD quote inside Azure TDX evidence, or the SNP report inside its HCL report.
StatusOr<Bytes> azure_hardware_report(const CpuEvidence& cpu) {
  auto doc = nlohmann::json::parse(cpu.report.begin(), cpu.report.end(), nullptr, false);
  if (!doc.is_object()) return invalid_argument("Azure evidence is not a JSON object");
  if (cpu.platform == CpuPlatform::kAzureTdxVtpm) {
    if (!doc.contains("td_quote") || !doc["td_quote"].is_string()) return invalid_argument("Azure TDX evidence has no td_quote");
    return from_base64url(doc["td_quote"].get<std::string>());
  }
  if (!doc.contains("hcl_report") || !doc["hcl_report"].is_string()) return invalid_argument("Azure evidence has no hcl_report");
  ZKCC_ASSIGN_OR_RETURN(Bytes hcl, from_base64url(doc["hcl_report"].get<std::string>()));
  ZKCC_ASSIGN_OR_RETURN(azure::HclReport parsed, azure::parse_hcl_report(hcl));
  if (parsed.type != azure::HclReportType::kSnp) return invalid_argument("Azure SNP evidence holds a TDREPORT");
  return parsed.hardware_report;
}

StatusOr<Felt252> quote_hash(std::span<const uint8_t> quote) {
  ZKCC_ASSIGN_OR_RETURN(tdx::Quote q, tdx::parse_quote(quote));
  return hash::report_hash_felt(quote.first(q.declared_size));
}

}  // namespace

std::string_view security_level_name(SecurityLevel level) {
  switch (level) {
    case SecurityLevel::kAuto: return "auto";
    case SecurityLevel::kZkOnly: return "zk-only";
    case SecurityLevel::kTee: return "tee";
    case SecurityLevel::kFullCc: return "full-cc";
  }
  return "unknown";
}

StatusOr<SecurityLevel> parse_security_level(std::string_view name) {
  for (auto l : {SecurityLevel::kAuto, SecurityLevel::kZkOnly, SecurityLevel::kTee, SecurityLevel::kFullCc}) {
    if (security_level_name(l) == name) return l;
  }
  return invalid_argument("unknown security level '" + std::string(name) + "' (auto, zk-only, tee, full-cc)");
}

std::array<uint8_t, 32> gpu_nonce(const Felt252& statement) { return statement.to_bytes_be(); }

std::array<uint8_t, 64> cpu_report_data(const Felt252& gpu_hash, const Felt252& statement) {
  std::array<uint8_t, 64> out{};
  auto g = gpu_hash.to_bytes_be();
  auto s = statement.to_bytes_be();
  std::copy(g.begin(), g.end(), out.begin());
  std::copy(s.begin(), s.end(), out.begin() + 32);
  return out;
}

Felt252 gpu_hash_of(std::span<const GpuEvidence> gpus) {
  if (gpus.empty()) return Felt252::zero();
  if (gpus.size() == 1) return hash::report_hash_felt(gpus[0].report);
  std::vector<Felt252> each;
  for (const GpuEvidence& g : gpus) each.push_back(hash::report_hash_felt(g.report));
  return hash::poseidon_hash_many(each);
}

StatusOr<Felt252> cpu_hash_of(const CpuEvidence& cpu) {
  switch (cpu.platform) {
    case CpuPlatform::kSevSnp: return hash::report_hash_felt(cpu.report);
    case CpuPlatform::kTdx: return quote_hash(cpu.report);
    case CpuPlatform::kAzureSnpVtpm: {
      ZKCC_ASSIGN_OR_RETURN(Bytes report, azure_hardware_report(cpu));
      return hash::report_hash_felt(report);
    }
    case CpuPlatform::kAzureTdxVtpm: {
      ZKCC_ASSIGN_OR_RETURN(Bytes quote, azure_hardware_report(cpu));
      return quote_hash(quote);
    }
    case CpuPlatform::kNone: break;
  }
  return invalid_argument("CPU evidence names no platform");
}

Felt252 combined_hash(const std::optional<Felt252>& cpu, const std::optional<Felt252>& gpu) {
  if (cpu && gpu) return hash::poseidon_hash(*cpu, *gpu);
  if (cpu) return hash::poseidon_hash(Felt252::zero(), *cpu);
  if (gpu) return *gpu;
  return Felt252::zero();
}

SecurityLevel level_reached(bool has_cpu, bool has_gpu) {
  if (has_cpu && has_gpu) return SecurityLevel::kFullCc;
  if (has_cpu || has_gpu) return SecurityLevel::kTee;
  return SecurityLevel::kZkOnly;
}

int level_rank(SecurityLevel level) {
  switch (level) {
    case SecurityLevel::kFullCc: return 2;
    case SecurityLevel::kTee: return 1;
    case SecurityLevel::kAuto:
    case SecurityLevel::kZkOnly: break;
  }
  return 0;
}

StatusOr<FullStackAttestation> attest(const Felt252& statement, SecurityLevel level, CpuAttester* cpu, GpuAttester* gpu) {
  FullStackAttestation a;
  a.level = level;
  a.statement = statement;
  if (level == SecurityLevel::kZkOnly) return a;
  if (level == SecurityLevel::kFullCc && (cpu == nullptr || gpu == nullptr)) {
    return failed_precondition(std::string("level full-cc needs both a CPU TEE and GPUs in CC mode; missing: ") +
                               (cpu == nullptr && gpu == nullptr ? "both" : cpu == nullptr ? "the CPU TEE" : "the GPU"));
  }
  if (level == SecurityLevel::kTee && cpu == nullptr && gpu == nullptr) {
    return failed_precondition("level tee needs a CPU TEE or GPUs in CC mode; this machine has neither");
  }
  std::optional<Felt252> gpu_h, cpu_h;
  if (gpu != nullptr) {
    ZKCC_ASSIGN_OR_RETURN(a.gpus, gpu->attest(gpu_nonce(statement)));
    if (a.gpus.empty()) return failed_precondition("the GPU attester returned no GPUs");
    // One form per signature, so the evidence has one hash (low_s.h).
    for (GpuEvidence& g : a.gpus) canonicalize_signatures(g);
    a.gpu_hash = gpu_hash_of(a.gpus);
    gpu_h = a.gpu_hash;
  }
  if (cpu != nullptr) {
    ZKCC_ASSIGN_OR_RETURN(CpuEvidence e, cpu->attest(cpu_report_data(a.gpu_hash, statement)));
    canonicalize_signatures(e);
    ZKCC_ASSIGN_OR_RETURN(a.cpu_hash, cpu_hash_of(e));
    cpu_h = a.cpu_hash;
    a.cpu = std::move(e);
  }
  a.combined_hash = combined_hash(cpu_h, gpu_h);
  return a;
}

}  // namespace zkcc::tee
