#include "zkcc/field/felt252.h"

#include <algorithm>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace zkcc::field {

namespace limbs {
bool cpu_has_adx() {
#if defined(__x86_64__) && defined(__GNUC__)
  // CPUID leaf 7, sub-leaf 0: EBX bit 8 is BMI2 (mulx), bit 19 is ADX (adcx/adox).
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (ebx & (1u << 8)) != 0 && (ebx & (1u << 19)) != 0;
#else
  return false;
#endif
}
}  // namespace limbs

namespace {

// a < b on little-endian limbs.
bool less_than(const Felt252::Limbs& a, const Felt252::Limbs& b) {
  for (int i = 3; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return false;
}

Status non_canonical(std::string_view what) {
  return out_of_range(std::string(what) + " is not a canonical felt252: it is >= the Stark prime 2^251 + 17*2^192 + 1");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Quotes user text in error messages, shortened so a huge input cannot flood the terminal.
std::string quote(std::string_view s) {
  std::string out = "'";
  out.append(s.substr(0, s.size() > 80 ? 77 : s.size()));
  out.append(s.size() > 80 ? "...'" : "'");
  return out;
}

}  // namespace

StatusOr<Felt252> Felt252::from_canonical(const Limbs& v) {
  if (!less_than(v, kModulus)) return non_canonical("value");
  return to_montgomery(v);
}

StatusOr<Felt252> Felt252::from_bytes_be(std::span<const uint8_t> bytes) {
  if (bytes.size() != 32) {
    return invalid_argument("felt252 needs exactly 32 big-endian bytes, got " + std::to_string(bytes.size()));
  }
  return from_bytes_be_var(bytes);
}

StatusOr<Felt252> Felt252::from_bytes_be_var(std::span<const uint8_t> bytes) {
  if (bytes.size() > 32) {
    return invalid_argument("felt252 takes at most 32 bytes, got " + std::to_string(bytes.size()));
  }
  Limbs v{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    size_t bit = 8 * (bytes.size() - 1 - i);
    v[bit / 64] |= uint64_t(bytes[i]) << (bit % 64);
  }
  auto r = from_canonical(v);
  if (!r.ok()) return non_canonical("32-byte big-endian value");
  return r;
}

StatusOr<Felt252> Felt252::from_hex(std::string_view s) {
  std::string_view digits = s;
  if (digits.size() < 2 || digits[0] != '0' || (digits[1] != 'x' && digits[1] != 'X')) {
    return invalid_argument("felt252 hex " + quote(s) + " must start with 0x");
  }
  digits.remove_prefix(2);
  if (digits.empty()) return invalid_argument("felt252 hex " + quote(s) + " has no digits");
  size_t first = digits.find_first_not_of('0');
  std::string_view sig = first == std::string_view::npos ? std::string_view() : digits.substr(first);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (hex_digit(digits[i]) < 0) {
      return invalid_argument("felt252 hex " + quote(s) + " has an invalid digit at position " + std::to_string(i + 2));
    }
  }
  if (sig.size() > 64) return non_canonical("hex " + quote(s));
  Limbs v{};
  for (size_t i = 0; i < sig.size(); ++i) {
    size_t bit = 4 * (sig.size() - 1 - i);
    v[bit / 64] |= uint64_t(hex_digit(sig[i])) << (bit % 64);
  }
  if (!less_than(v, kModulus)) return non_canonical("hex " + quote(s));
  return to_montgomery(v);
}

StatusOr<Felt252> Felt252::from_dec(std::string_view s) {
  if (s.empty()) return invalid_argument("felt252 decimal is empty");
  Limbs v{};
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') {
      return invalid_argument("felt252 decimal " + quote(s) + " has an invalid digit at position " + std::to_string(i));
    }
    // v = v * 10 + digit, refusing anything that leaves 256 bits.
    u128 carry = static_cast<uint64_t>(c - '0');
    for (int k = 0; k < 4; ++k) {
      u128 t = u128(v[k]) * 10 + carry;
      v[k] = static_cast<uint64_t>(t);
      carry = t >> 64;
    }
    if (carry != 0) return non_canonical("decimal " + quote(s));
  }
  if (!less_than(v, kModulus)) return non_canonical("decimal " + quote(s));
  return to_montgomery(v);
}

StatusOr<Felt252> Felt252::parse(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return from_hex(s);
  if (!s.empty() && s[0] == '-') return invalid_argument("felt252 " + quote(s) + " is negative");
  return from_dec(s);
}

StatusOr<Felt252> Felt252::from_short_string(std::string_view s) {
  if (s.size() > 31) {
    return invalid_argument("Cairo short string " + quote(s) + " is " + std::to_string(s.size()) + " bytes; at most 31 fit in a felt");
  }
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) return invalid_argument("Cairo short string has a non-ASCII byte at position " + std::to_string(i));
  }
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  return from_bytes_be_var(bytes);  // 31 bytes < 2^248 < p: always canonical
}

std::array<uint8_t, 32> Felt252::to_bytes_be() const {
  Limbs v = to_limbs();
  std::array<uint8_t, 32> out{};
  for (int i = 0; i < 32; ++i) out[31 - i] = static_cast<uint8_t>(v[i / 8] >> (8 * (i % 8)));
  return out;
}

std::string Felt252::to_hex_padded() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  auto b = to_bytes_be();
  std::string out = "0x";
  out.reserve(66);
  for (uint8_t byte : b) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

std::string Felt252::to_hex() const {
  std::string padded = to_hex_padded();
  size_t first = padded.find_first_not_of('0', 2);
  if (first == std::string::npos) return "0x0";
  padded.erase(2, first - 2);
  return padded;
}

std::string Felt252::to_dec() const {
  Limbs v = to_limbs();
  if ((v[0] | v[1] | v[2] | v[3]) == 0) return "0";
  std::string out;
  constexpr uint64_t kChunk = 10000000000000000000ull;  // 10^19
  while ((v[0] | v[1] | v[2] | v[3]) != 0) {
    u128 rem = 0;
    for (int k = 3; k >= 0; --k) {
      u128 cur = (rem << 64) | v[k];
      v[k] = static_cast<uint64_t>(cur / kChunk);
      rem = cur % kChunk;
    }
    auto r = static_cast<uint64_t>(rem);
    bool last = (v[0] | v[1] | v[2] | v[3]) == 0;
    for (int d = 0; d < 19 && (!last || r != 0); ++d) {
      out += static_cast<char>('0' + r % 10);
      r /= 10;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

StatusOr<std::string> Felt252::to_short_string() const {
  auto b = to_bytes_be();
  if (b[0] != 0) return invalid_argument("felt " + to_hex() + " is wider than 31 bytes: not a short string");
  size_t first = 1;
  while (first < 32 && b[first] == 0) ++first;
  std::string out;
  for (size_t i = first; i < 32; ++i) {
    if (b[i] >= 0x80) return invalid_argument("felt " + to_hex() + " holds a non-ASCII byte: not a short string");
    out += static_cast<char>(b[i]);
  }
  return out;
}

std::strong_ordering operator<=>(const Felt252& a, const Felt252& b) {
  Felt252::Limbs x = a.to_limbs(), y = b.to_limbs();
  for (int i = 3; i >= 0; --i) {
    if (x[i] != y[i]) return x[i] < y[i] ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  return std::strong_ordering::equal;
}

}  // namespace zkcc::field
