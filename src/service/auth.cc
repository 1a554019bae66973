#include "zkcc/service/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cmath>

#include "zkcc/base/bytes.h"

namespace zkcc::service {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

hash::Sha256Digest digest_of(std::string_view token) {
  return hash::sha256({reinterpret_cast<const uint8_t*>(token.data()), token.size()});
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

StatusOr<TokenSet> TokenSet::parse(std::string_view text, std::string_view what) {
  TokenSet out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (trim(line).starts_with('#')) continue;
    size_t start = 0;
    while (start <= line.size()) {
      size_t comma = line.find(',', start);
      std::string_view token =
          trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      start = comma == std::string_view::npos ? line.size() + 1 : comma + 1;
      if (token.empty()) continue;
      if (token.size() < kMinTokenLength) {
        return invalid_argument(std::string(what) + " line " + std::to_string(line_no) + ": a token needs at least " +
                                std::to_string(kMinTokenLength) + " characters");
      }
      if (!std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; })) {
        return invalid_argument(std::string(what) + " line " + std::to_string(line_no) +
                                ": a token may hold only printable ASCII without spaces");
      }
      out.digests_.push_back(digest_of(token));
    }
  }
  return out;
}

StatusOr<TokenSet> TokenSet::parse_required(std::string_view text, std::string_view what) {
  ZKCC_ASSIGN_OR_RETURN(TokenSet out, parse(text, what));
  if (out.empty()) {
    return invalid_argument(std::string(what) + " holds no token (it is empty, or only separators and '#' comments)");
  }
  return out;
}

StatusOr<TokenSet> TokenSet::load_file(const std::string& path) {
  ZKCC_ASSIGN_OR_RETURN(Bytes bytes, read_file(path, size_t{1} << 20));
  return parse_required(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

void TokenSet::add(const TokenSet& other) {
  digests_.insert(digests_.end(), other.digests_.begin(), other.digests_.end());
}

bool TokenSet::allows(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() || !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  hash::Sha256Digest presented = digest_of(trim(authorization.substr(kScheme.size())));
  int matches = 0;
  for (const hash::Sha256Digest& d : digests_) {
    matches |= CRYPTO_memcmp(d.data(), presented.data(), d.size()) == 0 ? 1 : 0;
  }
  return matches != 0;
}

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(burst, 1.0)) {}

bool RateLimiter::admit(const std::string& client, Clock::time_point now, int* retry_after_secs) {
  if (per_second_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  prune(now);
  auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (elapsed > 0) b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after_secs != nullptr) {
    *retry_after_secs = std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / per_second_)));
  }
  return false;
}

void RateLimiter::prune(Clock::time_point now) {
  // At most once a refill period: drop buckets that would be full again by now.
  const auto refill = std::chrono::duration<double>(burst_ / per_second_);
  if (now - last_prune_ < refill && buckets_.size() < 4096) return;
  last_prune_ = now;
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.last >= refill; });
}

}  // namespace zkcc::service
