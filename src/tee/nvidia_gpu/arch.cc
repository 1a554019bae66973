#include "zkcc/tee/nvidia_gpu/arch.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "../der.h"

namespace zkcc::tee::nvidia_gpu {
namespace {

constexpr std::array<GpuArch, 2> kArchs = {GpuArch::kHopper, GpuArch::kBlackwell};

// 2.16.840.1.101.3.4.2.2 (SHA-384) as DER content bytes.
constexpr uint8_t kSha384Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};

// DiceTcbInfo's `fwids` field: [6] IMPLICIT, constructed.
constexpr uint8_t kFwidsTag = 0xA6;

// FWID ::= SEQUENCE { hashAlg OBJECT IDENTIFIER, digest OCTET STRING }, SHA-384 only.
StatusOr<Bytes> sha384_fwid(std::span<const uint8_t> fwid_value, std::string_view what) {
  std::span<const uint8_t> in = fwid_value;
  ZKCC_ASSIGN_OR_RETURN(der::Tlv alg, der::next(in, what));
  ZKCC_ASSIGN_OR_RETURN(der::Tlv digest, der::next(in, what));
  if (!in.empty()) return invalid_argument(std::string(what) + ": FWID has fields after its digest");
  if (alg.tag != der::kOid || !std::equal(alg.value.begin(), alg.value.end(), std::begin(kSha384Oid), std::end(kSha384Oid))) {
    return invalid_argument(std::string(what) + ": FWID's hash algorithm is not SHA-384");
  }
  if (digest.tag != der::kOctetString || digest.value.size() != 48) {
    return invalid_argument(std::string(what) + ": FWID's digest is not a 48-byte OCTET STRING");
  }
  return Bytes(digest.value.begin(), digest.value.end());
}

// Hopper: SEQUENCE { version INTEGER, key SubjectPublicKeyInfo, fwid FWID }; the FWID is last.
StatusOr<Bytes> hopper_fwid(std::span<const uint8_t> ext, std::string_view what) {
  ZKCC_ASSIGN_OR_RETURN(std::span<const uint8_t> fields, der::only(ext, der::kSequence, what));
  std::optional<der::Tlv> last;
  while (!fields.empty()) {
    ZKCC_ASSIGN_OR_RETURN(der::Tlv f, der::next(fields, what));
    last = f;
  }
  if (!last || last->tag != der::kSequence) return invalid_argument(std::string(what) + ": no FWID at its end");
  return sha384_fwid(last->value, what);
}

// Blackwell: DiceTcbInfo, context-tagged optional fields in increasing tag order; the first FWID of
// `fwids` [6] is the one the report states.
StatusOr<Bytes> blackwell_fwid(std::span<const uint8_t> ext, std::string_view what) {
  ZKCC_ASSIGN_OR_RETURN(std::span<const uint8_t> fields, der::only(ext, der::kSequence, what));
  int previous = -1;
  while (!fields.empty()) {
    ZKCC_ASSIGN_OR_RETURN(der::Tlv f, der::next(fields, what));
    if ((f.tag & 0xC0) != 0x80) return invalid_argument(std::string(what) + ": a DiceTcbInfo field is not context-tagged");
    int number = f.tag & 0x1f;
    if (number <= previous) return invalid_argument(std::string(what) + ": DiceTcbInfo fields out of order or repeated");
    previous = number;
    if (f.tag != kFwidsTag) continue;
    std::span<const uint8_t> list = f.value;
    if (list.empty()) return invalid_argument(std::string(what) + ": the FWID list is empty");
    ZKCC_ASSIGN_OR_RETURN(der::Tlv first, der::next(list, what));
    if (first.tag != der::kSequence) return invalid_argument(std::string(what) + ": an FWID is not a SEQUENCE");
    ZKCC_ASSIGN_OR_RETURN(Bytes fwid, sha384_fwid(first.value, what));
    while (!list.empty()) {  // the rest must be well formed too
      ZKCC_ASSIGN_OR_RETURN(der::Tlv rest, der::next(list, what));
      if (rest.tag != der::kSequence) return invalid_argument(std::string(what) + ": an FWID is not a SEQUENCE");
    }
    return fwid;
  }
  return invalid_argument(std::string(what) + ": DiceTcbInfo has no FWID list");
}

}  // namespace

std::string_view arch_name(GpuArch arch) { return arch == GpuArch::kHopper ? "HOPPER" : "BLACKWELL"; }
std::string_view arch_chip(GpuArch arch) { return arch == GpuArch::kHopper ? "GH100" : "GB100"; }
std::string_view gpu_model(GpuArch arch) { return arch == GpuArch::kHopper ? "H100" : "B200"; }
std::string_view fwid_oid(GpuArch arch) { return arch == GpuArch::kHopper ? "2.23.133.5.4.1" : "2.23.133.5.4.1.1"; }

std::optional<GpuArch> parse_arch(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (GpuArch a : kArchs) {
    if (upper == arch_name(a)) return a;
  }
  return std::nullopt;
}

StatusOr<GpuArch> chain_arch(std::span<const Certificate> chain) {
  std::optional<GpuArch> found;
  std::string first_name;
  for (const Certificate& c : chain) {
    std::string cn = c.common_name();
    for (GpuArch a : kArchs) {
      if (cn.find(arch_chip(a)) == std::string::npos) continue;
      if (found && *found != a) {
        return invalid_argument("the chain names two chip families: " + first_name + " and " + cn);
      }
      found = a;
      if (first_name.empty()) first_name = cn;
    }
  }
  if (!found) return invalid_argument("no certificate in the chain names a known chip family (GH100, GB100)");
  return *found;
}

StatusOr<Bytes> leaf_fwid(const Certificate& leaf, GpuArch arch) {
  std::string oid(fwid_oid(arch));
  auto ext = leaf.extension(oid);
  if (!ext) return not_found(leaf.common_name() + " has no TCG DICE extension " + oid + " (where " + std::string(arch_name(arch)) + " keeps the FWID)");
  std::string what = "TCG DICE extension " + oid;
  return arch == GpuArch::kHopper ? hopper_fwid(*ext, what) : blackwell_fwid(*ext, what);
}

}  // namespace zkcc::tee::nvidia_gpu
