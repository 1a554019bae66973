// What prove-server counts, and its Prometheus text exposition (format 0.0.4).
//
// Jobs by state come from the job store, so they cover every worker on it; the rest are counted by
// this process (its HTTP API and its own workers).
#ifndef ZKCC_SERVICE_METRICS_H_
#define ZKCC_SERVICE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "zkcc/service/job_store.h"

namespace zkcc::service {

class Metrics {
 public:
  // Upper bounds of the proving-time histogram's buckets, in seconds (then +Inf).
  static constexpr std::array<double, 12> kProveBuckets = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900};

  void observe_prove_seconds(double seconds);
  void job_finished(bool done);  // by this process's workers
  void verification(bool ok);
  void attestation_failure() { attestation_failures_.fetch_add(1, std::memory_order_relaxed); }
  void http_response(int status);
  void rate_limited() { rate_limited_.fetch_add(1, std::memory_order_relaxed); }
  void auth_failure() { auth_failures_.fetch_add(1, std::memory_order_relaxed); }

  // The exposition: jobs by state (absent when the store could not be read, with
  // zkcc_store_up 0), uptime, and every counter above.
  std::string render(const std::optional<JobCounts>& jobs, double uptime_secs) const;

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kProveBuckets.size()> prove_buckets_{};  // non-cumulative
  uint64_t prove_count_ = 0;
  double prove_sum_ = 0;
  std::map<int, uint64_t> http_by_status_;

  std::atomic<uint64_t> jobs_done_{0}, jobs_failed_{0};
  std::atomic<uint64_t> verifications_{0}, verification_failures_{0};
  std::atomic<uint64_t> attestation_failures_{0}, rate_limited_{0}, auth_failures_{0};
};

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_METRICS_H_
