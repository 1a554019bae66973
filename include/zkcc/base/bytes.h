// Byte helpers: hex encoding, file reading and constant-time comparison.
#ifndef ZKCC_BASE_BYTES_H_
#define ZKCC_BASE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/status.h"

namespace zkcc {

using Bytes = std::vector<uint8_t>;

// Lowercase hex, two digits a byte, no prefix.
std::string to_hex(std::span<const uint8_t> bytes);
// Accepts an optional 0x prefix and an even number of hex digits.
StatusOr<Bytes> from_hex(std::string_view hex);

// Standard base64 (RFC 4648, with padding).
std::string to_base64(std::span<const uint8_t> data);

// Standard base64 (RFC 4648, with padding); rejects other characters and bad padding.
StatusOr<Bytes> from_base64(std::string_view text);
// URL-safe base64 (RFC 4648 section 5: '-' and '_'), padding optional (JWKs and JWTs omit it).
StatusOr<Bytes> from_base64url(std::string_view text);
// URL-safe base64 without padding.
std::string to_base64url(std::span<const uint8_t> data);

// Compares in time that depends only on the lengths, never on the contents.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Replaces `path` atomically with `data`: written to a new file beside it with exactly `mode`,
// synced, then renamed over it, so a reader never sees half a file.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);

// Reads a whole file ("-" reads standard input), refusing files larger than max_bytes.
StatusOr<Bytes> read_file(const std::string& path, size_t max_bytes = size_t{1} << 30);

// Reads a whole regular file (following symlinks), refusing anything else before reading a byte:
// a FIFO (which would block), a device (/dev/zero never ends), a directory, and a file larger
// than max_bytes. For files that arrive from someone else (proofs, bundles, results).
StatusOr<Bytes> read_regular_file(const std::string& path, size_t max_bytes);

}  // namespace zkcc

#endif  // ZKCC_BASE_BYTES_H_
