#include "zkcc/service/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace zkcc::service {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_time_ms(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[48];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return buf;
}

void log_line(const std::string& message) {
  // One write per line, so lines from several threads do not interleave; and one line per
  // message: line breaks in it (libpq's messages have them, a client's text may) become spaces.
  std::string line = format_time_ms(now_ms()) + " " + message + "\n";
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace zkcc::service
