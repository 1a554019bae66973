#include "zkcc/tee/tdx/ccel.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "zkcc/base/byte_reader.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/tdx/quote.h"

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
    if (e.mr_index > 4) {
      return invalid_argument("CC event at byte " + std::to_string(start) + " names MR index " + std::to_string(e.mr_index) +
                              " (0 is MRTD, 1..4 are RTMR0..3)");
    }
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
    // Index 0 is MRTD, measured by the TDX module; EV_NO_ACTION events are informational only.
    if (e.mr_index < 1 || e.mr_index > 4 || e.type == kEvNoAction) continue;
    auto& m = rtmr[e.mr_index - 1];
    Bytes buf(m.begin(), m.end());
    buf.insert(buf.end(), e.sha384.begin(), e.sha384.end());
    m = hash::sha384(buf);
  }
  return rtmr;
}

namespace {

void put32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

Bytes encode_ccel(const std::vector<CcelEvent>& events) {
  // Spec ID Event03: signature, platform class 0, spec version 2.0 errata 0, uintn size 2 (64-bit),
  // one algorithm (SHA-384, 48 bytes), no vendor info.
  Bytes spec(std::begin("Spec ID Event03"), std::end("Spec ID Event03"));
  put32(spec, 0);
  for (uint8_t b : {uint8_t{0}, uint8_t{2}, uint8_t{0}, uint8_t{2}}) spec.push_back(b);
  put32(spec, 1);
  for (uint8_t b : {uint8_t{0x0C}, uint8_t{0x00}, uint8_t{48}, uint8_t{0}}) spec.push_back(b);
  spec.push_back(0);
  Bytes log;
  put32(log, 0);  // MR index
  put32(log, kEvNoAction);
  log.insert(log.end(), 20, 0);  // SHA-1-sized digest field, zero
  put32(log, static_cast<uint32_t>(spec.size()));
  log.insert(log.end(), spec.begin(), spec.end());
  for (const CcelEvent& e : events) {
    put32(log, e.mr_index);
    put32(log, e.type);
    put32(log, 1);  // one digest
    log.push_back(0x0C);
    log.push_back(0x00);
    log.insert(log.end(), e.sha384.begin(), e.sha384.end());
    put32(log, static_cast<uint32_t>(e.data.size()));
    log.insert(log.end(), e.data.begin(), e.data.end());
  }
  return log;
}

Verdict verify_event_log(std::span<const uint8_t> log, const Rtmrs& quote_rtmrs) {
  Verdict v;
  v.kind = "tdx-event-log";
  auto events = parse_ccel(log);
  v.add("CC event log parses", events.ok(), events.ok() ? std::to_string(events->size()) + " events" : events.status().message());
  if (!events.ok()) return v;
  Rtmrs replayed = replay_rtmrs(*events);
  for (size_t i = 0; i < 4; ++i) {
    bool same = replayed[i] == quote_rtmrs[i];
    v.add("RTMR[" + std::to_string(i) + "] replays from the CC event log", same,
          same ? "" : "the quote has " + to_hex(quote_rtmrs[i]) + ", the log replays to " + to_hex(replayed[i]));
  }
  v.claims["event_log_events"] = events->size();
  return v;
}

void add_event_log_checks(Verdict& v, std::span<const uint8_t> quote, std::span<const uint8_t> log) {
  auto q = parse_quote(quote);
  if (!q.ok()) return;
  Verdict ev = verify_event_log(log, q->body.rtmr);
  for (const Check& c : ev.checks) v.add(c.name, c.ok, c.detail);
  // The policy's require_event_log reads this; the checks above say whether the log replays.
  v.claims["cc_event_log"] = true;
}

}  // namespace zkcc::tee::tdx
