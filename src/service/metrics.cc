#include "zkcc/service/metrics.h"

#include <cstdio>
#include <sstream>

namespace zkcc::service {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// A bucket bound as people write it ("0.1", not its nearest double's 17 digits).
std::string bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

void Metrics::observe_prove_seconds(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < kProveBuckets.size(); ++i) {
    if (seconds <= kProveBuckets[i]) {
      ++prove_buckets_[i];
      break;
    }
  }
  ++prove_count_;
  prove_sum_ += seconds;
}

void Metrics::job_finished(bool done) { (done ? jobs_done_ : jobs_failed_).fetch_add(1, std::memory_order_relaxed); }

void Metrics::verification(bool ok) {
  verifications_.fetch_add(1, std::memory_order_relaxed);
  if (!ok) verification_failures_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::http_response(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_by_status_[status];
}

std::string Metrics::render(const std::optional<JobCounts>& jobs, double uptime_secs) const {
  std::ostringstream out;
  header(out, "zkcc_up", "gauge", "1 while the server runs.");
  out << "zkcc_up 1\n";
  header(out, "zkcc_uptime_seconds", "gauge", "Seconds since the server started.");
  out << "zkcc_uptime_seconds " << number(uptime_secs) << '\n';
  header(out, "zkcc_store_up", "gauge", "1 when the job store answered this scrape.");
  out << "zkcc_store_up " << (jobs ? 1 : 0) << '\n';
  if (jobs) {
    header(out, "zkcc_jobs", "gauge", "Jobs in the job store by state (every worker on the store).");
    out << "zkcc_jobs{state=\"queued\"} " << jobs->queued << '\n'
        << "zkcc_jobs{state=\"running\"} " << jobs->running << '\n'
        << "zkcc_jobs{state=\"done\"} " << jobs->done << '\n'
        << "zkcc_jobs{state=\"failed\"} " << jobs->failed << '\n'
        << "zkcc_jobs{state=\"cancelled\"} " << jobs->cancelled << '\n';
  }
  header(out, "zkcc_jobs_finished_total", "counter", "Jobs this process's workers finished, by result.");
  out << "zkcc_jobs_finished_total{result=\"done\"} " << jobs_done_.load() << '\n'
      << "zkcc_jobs_finished_total{result=\"failed\"} " << jobs_failed_.load() << '\n';
  {
    std::lock_guard<std::mutex> lock(mu_);
    header(out, "zkcc_proving_seconds", "histogram", "Wall time of proved jobs (attestation and proof).");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kProveBuckets.size(); ++i) {
      cumulative += prove_buckets_[i];
      out << "zkcc_proving_seconds_bucket{le=\"" << bound(kProveBuckets[i]) << "\"} " << cumulative << '\n';
    }
    out << "zkcc_proving_seconds_bucket{le=\"+Inf\"} " << prove_count_ << '\n'
        << "zkcc_proving_seconds_sum " << number(prove_sum_) << '\n'
        << "zkcc_proving_seconds_count " << prove_count_ << '\n';
    header(out, "zkcc_http_responses_total", "counter", "HTTP responses by status code.");
    for (const auto& [status, n] : http_by_status_) {
      out << "zkcc_http_responses_total{code=\"" << status << "\"} " << n << '\n';
    }
  }
  header(out, "zkcc_verifications_total", "counter", "Verifications requested through POST /api/v1/verify.");
  out << "zkcc_verifications_total " << verifications_.load() << '\n';
  header(out, "zkcc_verification_failures_total", "counter", "Verifications whose verdict was not VERIFIED.");
  out << "zkcc_verification_failures_total " << verification_failures_.load() << '\n';
  header(out, "zkcc_attestation_failures_total", "counter",
         "Jobs whose attestation failed (collectors unusable, or the level not met).");
  out << "zkcc_attestation_failures_total " << attestation_failures_.load() << '\n';
  header(out, "zkcc_rate_limited_total", "counter", "Requests refused by the per-client rate limit.");
  out << "zkcc_rate_limited_total " << rate_limited_.load() << '\n';
  header(out, "zkcc_auth_failures_total", "counter", "Requests refused for a missing or unknown token.");
  out << "zkcc_auth_failures_total " << auth_failures_.load() << '\n';
  return out.str();
}

}  // namespace zkcc::service
