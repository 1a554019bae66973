#include "zkcc/tee/low_s.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/nvidia_gpu/report.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/tdx/quote.h"

namespace zkcc::tee {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

// The group order n of the curve, parsed once.
const BIGNUM* order(EcdsaCurve curve) {
  static const BIGNUM* p256 = [] {
    EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM* n = BN_dup(EC_GROUP_get0_order(g));
    EC_GROUP_free(g);
    return n;
  }();
  static const BIGNUM* p384 = [] {
    EC_GROUP* g = EC_GROUP_new_by_curve_name(NID_secp384r1);
    BIGNUM* n = BN_dup(EC_GROUP_get0_order(g));
    EC_GROUP_free(g);
    return n;
  }();
  return curve == EcdsaCurve::kP256 ? p256 : p384;
}

// One signature's s inside evidence bytes: where, how wide, and in which byte order.
struct SField {
  const char* name;
  EcdsaCurve curve;
  size_t offset;
  bool little_endian;
};
size_t width(EcdsaCurve c) { return c == EcdsaCurve::kP256 ? 32 : 48; }

StatusOr<std::vector<SField>> s_fields_of_quote(std::span<const uint8_t> quote) {
  ZKCC_ASSIGN_OR_RETURN(tdx::Quote q, tdx::parse_quote(quote));
  // Signature data: length (4), quote signature r || s (64), attestation key (64), certification
  // data type and size (6), QE report (384), QE report signature r || s (64).
  size_t quote_s = q.signed_size + 4 + 32;
  size_t qe_s = q.signed_size + 4 + 64 + 64 + 6 + 384 + 32;
  if (qe_s + 32 > quote.size()) return invalid_argument("TDX quote is too short for its QE report signature");
  return std::vector<SField>{{"TDX quote signature", EcdsaCurve::kP256, quote_s, false},
                             {"TDX QE report signature", EcdsaCurve::kP256, qe_s, false}};
}

StatusOr<std::vector<SField>> s_fields(const CpuEvidence& cpu) {
  switch (cpu.platform) {
    case CpuPlatform::kSevSnp:
      if (cpu.report.size() != sev_snp::kReportSize) return invalid_argument("SEV-SNP report is not 1184 bytes");
      return std::vector<SField>{{"SEV-SNP report signature", EcdsaCurve::kP384, 0x2E8, true}};
    case CpuPlatform::kTdx: return s_fields_of_quote(cpu.report);
    default: break;
  }
  return std::vector<SField>{};
}

// Azure evidence carries its signed hardware report inside the evidence JSON, base64url: the SNP
// report at byte 32 of the HCL report (after its header), or the TD quote.
struct AzureInner {
  nlohmann::json doc;
  const char* key = "";
  Bytes bytes;
  std::vector<SField> fields;
};

StatusOr<AzureInner> azure_inner(const CpuEvidence& cpu) {
  AzureInner in;
  in.doc = nlohmann::json::parse(cpu.report.begin(), cpu.report.end(), nullptr, false);
  bool tdx = cpu.platform == CpuPlatform::kAzureTdxVtpm;
  in.key = tdx ? "td_quote" : "hcl_report";
  if (!in.doc.is_object() || !in.doc.contains(in.key) || !in.doc[in.key].is_string()) {
    return invalid_argument(std::string("Azure evidence has no \"") + in.key + "\" string");
  }
  ZKCC_ASSIGN_OR_RETURN(in.bytes, from_base64url(in.doc[in.key].get<std::string>()));
  if (tdx) {
    ZKCC_ASSIGN_OR_RETURN(in.fields, s_fields_of_quote(in.bytes));
    return in;
  }
  ZKCC_ASSIGN_OR_RETURN(azure::HclReport hcl, azure::parse_hcl_report(in.bytes));
  constexpr size_t kHclHeader = 32;
  if (hcl.type != azure::HclReportType::kSnp || in.bytes.size() < kHclHeader + sev_snp::kReportSize) {
    return invalid_argument("Azure SNP evidence holds no SEV-SNP report");
  }
  in.fields = {{"SEV-SNP report signature", EcdsaCurve::kP384, kHclHeader + 0x2E8, true}};
  return in;
}

bool is_azure(const CpuEvidence& cpu) {
  return cpu.platform == CpuPlatform::kAzureSnpVtpm || cpu.platform == CpuPlatform::kAzureTdxVtpm;
}

StatusOr<std::vector<SField>> s_fields(const GpuEvidence& gpu) {
  ZKCC_ASSIGN_OR_RETURN(nvidia_gpu::GpuReport r, nvidia_gpu::parse_gpu_report(gpu.report));
  if (r.signed_size + 96 > gpu.report.size()) return invalid_argument("GPU report is too short for its signature");
  return std::vector<SField>{{"GPU report signature", EcdsaCurve::kP384, r.signed_size + 48, false}};
}

Bytes read_s(std::span<const uint8_t> b, const SField& f) {
  Bytes s(b.begin() + f.offset, b.begin() + f.offset + width(f.curve));
  if (f.little_endian) std::reverse(s.begin(), s.end());
  return s;
}

void write_s(std::span<uint8_t> b, const SField& f, Bytes s) {
  if (f.little_endian) std::reverse(s.begin(), s.end());
  std::copy(s.begin(), s.end(), b.begin() + f.offset);
}

void canonicalize(std::span<uint8_t> b, const StatusOr<std::vector<SField>>& fields) {
  if (!fields.ok()) return;
  for (const SField& f : *fields) {
    Bytes s = read_s(b, f);
    make_low_s(f.curve, s);
    write_s(b, f, std::move(s));
  }
}

std::string judge(std::span<const uint8_t> b, const StatusOr<std::vector<SField>>& fields) {
  if (!fields.ok()) return fields.status().message();
  std::string high;
  for (const SField& f : *fields) {
    if (!is_low_s(f.curve, read_s(b, f))) high += (high.empty() ? "" : ", ") + std::string(f.name) + " has a high S (s > n/2)";
  }
  return high;
}

}  // namespace

bool is_low_s(EcdsaCurve curve, std::span<const uint8_t> s_be) {
  BnPtr s(BN_bin2bn(s_be.data(), static_cast<int>(s_be.size()), nullptr), BN_free);
  BnPtr half(BN_dup(order(curve)), BN_free);
  if (!s || !half || BN_rshift1(half.get(), half.get()) != 1) return false;
  return BN_cmp(s.get(), half.get()) <= 0;
}

void make_low_s(EcdsaCurve curve, std::span<uint8_t> s_be) {
  if (!is_low_s(curve, s_be)) negate_s(curve, s_be);
}

void negate_s(EcdsaCurve curve, std::span<uint8_t> s_be) {
  if (s_be.size() != width(curve)) return;
  BnPtr s(BN_bin2bn(s_be.data(), static_cast<int>(s_be.size()), nullptr), BN_free);
  BnPtr twin(BN_new(), BN_free);
  if (!s || !twin || BN_sub(twin.get(), order(curve), s.get()) != 1 || BN_is_negative(twin.get())) return;
  BN_bn2binpad(twin.get(), s_be.data(), static_cast<int>(s_be.size()));
}

void canonicalize_signatures(CpuEvidence& cpu) {
  if (!is_azure(cpu)) return canonicalize(cpu.report, s_fields(cpu));
  auto in = azure_inner(cpu);
  if (!in.ok()) return;
  Bytes before = in->bytes;
  canonicalize(in->bytes, in->fields);
  if (in->bytes == before) return;  // already low S: the evidence stays byte for byte as collected
  in->doc[in->key] = to_base64url(in->bytes);
  std::string text = in->doc.dump();
  cpu.report.assign(text.begin(), text.end());
}
void canonicalize_signatures(GpuEvidence& gpu) { canonicalize(gpu.report, s_fields(gpu)); }

std::string high_s_signature(const CpuEvidence& cpu) {
  if (!is_azure(cpu)) return judge(cpu.report, s_fields(cpu));
  auto in = azure_inner(cpu);
  if (!in.ok()) return in.status().message();
  return judge(in->bytes, in->fields);
}
std::string high_s_signature(const GpuEvidence& gpu) { return judge(gpu.report, s_fields(gpu)); }

}  // namespace zkcc::tee
