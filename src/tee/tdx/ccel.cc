#include "zkcc/tee/tdx/ccel.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "zkcc/base/byte_reader.h"
#include "zkcc/hash/sha2.h"

namespace zkcc::tee::tdx {
namespace {
constexpr uint16_t kSha384 = 0x000C;
constexpr size_t kMaxEventData = 1 << 24;
}  // namespace

StatusOr<std::vector<CcelEvent>> parse_ccel(std::span<const uint8_t> log) {
  ByteReader r(log, "CC event log");
  // Event 0: TCG_PCR_EVENT with a SHA-1-sized digest field and the Spec ID header.
  ZKCC_RETURN_IF_ERROR(r.need(32, "Spec ID event header"));
  r.u32();
  r.u32();
  r.take(20);
  size_t spec_size = r.u32();
  ZKCC_RETURN_IF_ERROR(r.need(spec_size, "Spec ID event"));
  auto spec = r.take(spec_size);
  if (spec_size < 28 || std::memcmp(spec.data(), "Spec ID Event03", 16) != 0) {
    return invalid_argument("CC event log does not start with a \"Spec ID Event03\" header");
  }
  ByteReader s(spec.subspan(24), "Spec ID event");
  ZKCC_RETURN_IF_ERROR(s.need(4, "algorithm count"));
  size_t n = s.u32();
  std::map<uint16_t, size_t> sizes;
  for (size_t i = 0; i < n; ++i) {
    ZKCC_RETURN_IF_ERROR(s.need(4, "algorithm entry"));
    uint16_t alg = s.u16();
    sizes[alg] = s.u16();
  }
  if (sizes.count(kSha384) == 0 || sizes[kSha384] != 48) return invalid_argument("CC event log carries no SHA-384 digests");

  std::vector<CcelEvent> events;
  while (r.left() >= 12) {
    size_t start = r.pos();
    CcelEvent e;
    e.mr_index = r.u32();
    e.type = r.u32();
    if (e.mr_index == 0xFFFFFFFF || (e.mr_index == 0 && e.type == 0)) break;  // the first empty slot
    size_t digests = r.u32();
    bool have = false;
    for (size_t d = 0; d < digests; ++d) {
      ZKCC_RETURN_IF_ERROR(r.need(2, "digest algorithm"));
      uint16_t alg = r.u16();
      auto it = sizes.find(alg);
      if (it == sizes.end()) {
        return invalid_argument("CC event at byte " + std::to_string(start) + " uses an algorithm the header does not declare");
      }
      ZKCC_RETURN_IF_ERROR(r.need(it->second, "digest"));
      auto digest = r.take(it->second);
      if (alg == kSha384) {
        std::copy(digest.begin(), digest.end(), e.sha384.begin());
        have = true;
      }
    }
    if (!have) return invalid_argument("CC event at byte " + std::to_string(start) + " has no SHA-384 digest");
    ZKCC_RETURN_IF_ERROR(r.need(4, "event size"));
    size_t size = r.u32();
    if (size > kMaxEventData) return invalid_argument("CC event at byte " + std::to_string(start) + " claims " + std::to_string(size) + " bytes");
    ZKCC_RETURN_IF_ERROR(r.need(size, "event data"));
    auto data = r.take(size);
    e.data.assign(data.begin(), data.end());
    events.push_back(std::move(e));
  }
  return events;
}

Rtmrs replay_rtmrs(const std::vector<CcelEvent>& events) {
  Rtmrs rtmr{};
  for (const CcelEvent& e : events) {
    if (e.mr_index < 1 || e.mr_index > 4) continue;  // index 0 is MRTD, measured by the TDX module
    auto& m = rtmr[e.mr_index - 1];
    Bytes buf(m.begin(), m.end());
    buf.insert(buf.end(), e.sha384.begin(), e.sha384.end());
    m = hash::sha384(buf);
  }
  return rtmr;
}

}  // namespace zkcc::tee::tdx
