// One line per event on standard error, with a UTC timestamp; and the time helpers the service shares.
#ifndef ZKCC_SERVICE_LOG_H_
#define ZKCC_SERVICE_LOG_H_

#include <cstdint>
#include <string>

namespace zkcc::service {

int64_t now_ms();  // Unix milliseconds
// RFC 3339 UTC with milliseconds: "2025-01-31T12:00:00.123Z".
std::string format_time_ms(int64_t unix_ms);
void log_line(const std::string& message);

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_LOG_H_
