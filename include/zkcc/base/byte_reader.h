// Bounds-checked little-endian reading of untrusted binary formats (quotes, reports, proofs).
#ifndef ZKCC_BASE_BYTE_READER_H_
#define ZKCC_BASE_BYTE_READER_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "zkcc/base/status.h"

namespace zkcc {

// Reads forward through a buffer. Every read must be preceded by need(), which names the field in
// its error: "<what> ends at byte <size> inside the <field> (<n> bytes needed at <pos>)".
class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> bytes, std::string what) : b_(bytes), what_(std::move(what)) {}

  Status need(size_t n, std::string_view field) const {
    if (b_.size() - pos_ < n) {
      return out_of_range(what_ + " ends at byte " + std::to_string(b_.size()) + " inside the " + std::string(field) + " (" +
                          std::to_string(n) + " bytes needed at " + std::to_string(pos_) + ")");
    }
    return ok_status();
  }
  uint8_t u8() { return b_[pos_++]; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | u8() << 8); }
  uint32_t u24() {
    uint32_t v = u16();
    return v | uint32_t(u8()) << 16;
  }
  uint32_t u32() {
    uint32_t v = u16();
    return v | uint32_t(u16()) << 16;
  }
  uint64_t u64() {
    uint64_t v = u32();
    return v | uint64_t(u32()) << 32;
  }
  std::span<const uint8_t> take(size_t n) {
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  template <size_t N>
  void copy(std::array<uint8_t, N>& out) {
    std::memcpy(out.data(), b_.data() + pos_, N);
    pos_ += N;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return b_.size() - pos_; }

 private:
  std::span<const uint8_t> b_;
  std::string what_;
  size_t pos_ = 0;
};

// Fixed-offset little-endian loads; callers check the buffer's size first.
inline uint32_t load_le32(std::span<const uint8_t> b, size_t off) {
  return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | static_cast<uint32_t>(b[off + 3]) << 24;
}
inline uint64_t load_le64(std::span<const uint8_t> b, size_t off) {
  return uint64_t(load_le32(b, off)) | uint64_t(load_le32(b, off + 4)) << 32;
}

}  // namespace zkcc

#endif  // ZKCC_BASE_BYTE_READER_H_
