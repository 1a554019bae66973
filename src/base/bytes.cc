#include "zkcc/base/bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace zkcc {

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

StatusOr<Bytes> from_hex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) return invalid_argument("hex string has an odd number of digits");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return invalid_argument("invalid hex digit at position " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string to_base64(std::span<const uint8_t> data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    size_t n = std::min<size_t>(3, data.size() - i);
    uint32_t v = uint32_t(data[i]) << 16 | (n > 1 ? uint32_t(data[i + 1]) << 8 : 0) | (n > 2 ? data[i + 2] : 0);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += n > 1 ? kAlphabet[v >> 6 & 63] : '=';
    out += n > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

StatusOr<Bytes> from_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return invalid_argument("base64 length " + std::to_string(text.size()) + " is not a multiple of 4");
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    size_t pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return invalid_argument("base64 padding in the middle of a group");
      v[k] = value(c);
      if (v[k] < 0) return invalid_argument("invalid base64 character at position " + std::to_string(i + k));
    }
    uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out.push_back(static_cast<uint8_t>(n >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(n >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(n));
  }
  return out;
}

std::string to_base64url(std::span<const uint8_t> data) {
  std::string t = to_base64(data);
  while (!t.empty() && t.back() == '=') t.pop_back();
  for (char& c : t) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return t;
}

StatusOr<Bytes> from_base64url(std::string_view text) {
  std::string standard(text);
  for (size_t i = 0; i < standard.size(); ++i) {
    char& c = standard[i];
    if (c == '+' || c == '/') return invalid_argument("invalid base64url character at position " + std::to_string(i));
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (standard.size() % 4 == 1) return invalid_argument("base64url length " + std::to_string(text.size()) + " is impossible");
  if (standard.find('=') == std::string::npos) standard.append((4 - standard.size() % 4) % 4, '=');
  return from_base64(standard);
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

StatusOr<Bytes> read_regular_file(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then judges what was opened.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string m = "cannot open '" + path + "': " + std::strerror(err);
    if (err == ENOENT) return not_found(m);
    if (err == EACCES) return permission_denied(m);
    return unavailable(m);
  }
  struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
  } owned{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return unavailable("cannot stat '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    const char* kind = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                       : S_ISDIR(st.st_mode)                                     ? "a directory"
                                                                                 : "not a regular file";
    return invalid_argument("'" + path + "' is " + kind + ", not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return out_of_range("'" + path + "' is larger than the limit of " + std::to_string(max_bytes) + " bytes");
  }
  Bytes out(static_cast<size_t>(st.st_size));
  size_t at = 0;
  while (at < out.size()) {
    const ssize_t n = ::read(fd, out.data() + at, out.size() - at);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return data_loss("read error on '" + path + "': " + std::strerror(errno));
    if (n == 0) return data_loss("'" + path + "' shrank while it was read");
    at += static_cast<size_t>(n);
  }
  return out;
}

StatusOr<Bytes> read_file(const std::string& path, size_t max_bytes) {
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  FILE* raw = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (raw == nullptr) {
    int err = errno;
    std::string m = "cannot open '" + path + "': " + std::strerror(err);
    if (err == ENOENT) return not_found(m);
    if (err == EACCES) return permission_denied(m);
    return unavailable(m);
  }
  std::unique_ptr<FILE, Closer> owned(path == "-" ? nullptr : raw);
  Bytes out;
  uint8_t buf[65536];
  for (;;) {
    size_t n = std::fread(buf, 1, sizeof buf, raw);
    if (n > 0) {
      if (out.size() + n > max_bytes) {
        return out_of_range("'" + path + "' is larger than the limit of " + std::to_string(max_bytes) + " bytes");
      }
      out.insert(out.end(), buf, buf + n);
    }
    if (n < sizeof buf) {
      if (std::ferror(raw)) return data_loss("read error on '" + path + "'");
      break;
    }
  }
  return out;
}

Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  static std::atomic<unsigned> counter{0};
  std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, static_cast<mode_t>(mode));
  if (fd < 0) return unavailable("cannot create " + tmp + ": " + std::strerror(errno));
  // The umask may only remove bits; fchmod makes the mode exact (0600 keys stay 0600).
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  size_t done = 0;
  while (ok && done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) return ok_status();
  if (ok) saved = errno;
  ::unlink(tmp.c_str());
  return unavailable("cannot write " + path + ": " + std::strerror(saved));
}

}  // namespace zkcc
