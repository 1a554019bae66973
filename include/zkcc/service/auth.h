// The HTTP API's guards: Bearer tokens and a per-client rate limit.
//
// Tokens are kept only as SHA-256 digests. A presented token is hashed and compared with every
// digest with CRYPTO_memcmp, without stopping at a match, so neither the contents nor the length of
// a token leaks through timing.
#ifndef ZKCC_SERVICE_AUTH_H_
#define ZKCC_SERVICE_AUTH_H_

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/hash/sha2.h"

namespace zkcc::service {

// Tokens must be at least this long (a guessable token is no protection).
inline constexpr size_t kMinTokenLength = 16;

class TokenSet {
 public:
  TokenSet() = default;

  // Tokens separated by commas, newlines or both (ZKCC_API_TOKENS, or a tokens file); blank
  // entries and lines starting with '#' are skipped, spaces around a token are trimmed. Refuses a
  // token shorter than kMinTokenLength or holding a character outside printable ASCII.
  static StatusOr<TokenSet> parse(std::string_view text, std::string_view what);
  // parse(), refusing text that yields no token (empty, only separators, only '#' comments): a
  // configured but mistyped token source must stop the server, never leave the API open.
  static StatusOr<TokenSet> parse_required(std::string_view text, std::string_view what);
  // parse_required() of the file's contents (at most 1 MiB).
  static StatusOr<TokenSet> load_file(const std::string& path);

  void add(const TokenSet& other);
  bool empty() const { return digests_.empty(); }
  size_t size() const { return digests_.size(); }

  // Whether `authorization` (the Authorization header's value) is "Bearer <token>" for one of the
  // tokens. The scheme is matched case-insensitively, as HTTP says.
  bool allows(std::string_view authorization) const;

 private:
  std::vector<hash::Sha256Digest> digests_;
};

// A token bucket per client: `per_second` requests a second on average, up to `burst` at once.
// Buckets of clients idle long enough to be full again are dropped, so memory stays bounded by
// the clients active within the last burst / per_second seconds.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second <= 0 turns the limit off.
  RateLimiter(double per_second, double burst);

  // Takes one token from `client`'s bucket. When it is empty, returns false and sets
  // *retry_after_secs to the whole seconds until a token is back (at least 1).
  bool admit(const std::string& client, Clock::time_point now, int* retry_after_secs);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  void prune(Clock::time_point now);

  const double per_second_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_prune_{};
};

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_AUTH_H_
