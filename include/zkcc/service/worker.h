// The workers that prove queued jobs: each thread claims a job from the job store with a lease,
// renews the lease with heartbeats (carrying the proof's progress) from a separate thread while it
// proves, and stores the result or the reason for failure. A worker whose heartbeat is refused (the
// job was cancelled, or its lease ran out and another worker took it) stops the proof at its next
// step and records nothing. prove-server runs a pool of them beside
// its HTTP API; `prove-server --worker-only` runs only the pool, on a store shared with other machines.
//
// A job's request (the request_json a JobRecord carries) is
//   {"input": <input JSON, model/input_json.h>, "level": "auto"|"zk-only"|"tee"|"full-cc",
//    "worker": "0x..." (optional, the receipt's worker address),
//    "sage_amount": "N" (optional)}
// The level is honoured exactly: one that the attesters cannot meet fails the job with the reason.
// The receipt's job_id is the job's id read as a 128-bit felt.
#ifndef ZKCC_SERVICE_WORKER_H_
#define ZKCC_SERVICE_WORKER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"
#include "zkcc/service/attesters.h"
#include "zkcc/service/job_store.h"
#include "zkcc/service/metrics.h"

namespace zkcc::service {

struct WorkerOptions {
  int threads = 1;
  std::string store = "sqlite";  // open_store's spec; each thread opens its own connection
  std::string data_dir = "zkcc-data";
  std::string name;  // the workers' name prefix; default "<hostname>:<pid>"
  PlatformOptions platform;
  int64_t lease_ms = 30000;
  int64_t heartbeat_ms = 5000;
  int64_t poll_ms = 1000;  // how often an idle worker looks for work
  int max_attempts = 3;
  size_t model_cache = 8;  // prepared models kept in memory
  // Testing only (the simulated platform): a pause at each step of a proof, so a test can stop a
  // worker in the middle of a job.
  int64_t step_delay_ms = 0;
};

// A job's request as stored in the job store (see above), checked.
struct ProveRequest {
  nlohmann::json input;
  std::string level = "auto";
  std::string worker = "0x0";
  std::string sage_amount = "0";
};
StatusOr<ProveRequest> parse_prove_request(std::string_view request_json);
std::string prove_request_json(const ProveRequest& r);

class WorkerPool {
 public:
  // Opens the store connections and starts the threads.
  static StatusOr<std::unique_ptr<WorkerPool>> start(WorkerOptions options, Metrics* metrics);
  // Stops taking jobs and waits for the running ones to finish (and be recorded).
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Wakes idle workers now (a job was just queued) instead of at their next poll.
  void notify();

  // Stops taking jobs and waits up to `grace` for the running ones to finish; gives those still
  // running then back to the queue (not counting the attempt) and returns how many it gave back.
  // Their threads cannot be interrupted mid-proof: the destructor waits for them, or the process
  // exits without waiting.
  int stop(std::chrono::milliseconds grace);

  int threads() const { return static_cast<int>(slots_.size()); }
  int busy() const;
  const std::string& name() const { return options_.name; }

 private:
  struct Slot;
  WorkerPool(WorkerOptions options, Metrics* metrics);
  void run(Slot& slot);
  void process(Slot& slot, const JobRecord& job);
  StatusOr<std::string> prove(Slot& slot, const JobRecord& job, bool* attesting);
  struct CachedModel;
  StatusOr<std::shared_ptr<const CachedModel>> model(Slot& slot, const std::string& id);

  WorkerOptions options_;
  Metrics* metrics_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;  // guards the wake-up and idle conditions and the model cache
  std::condition_variable wake_, idle_;
  uint64_t wake_generation_ = 0;
  std::vector<std::pair<std::string, std::shared_ptr<const CachedModel>>> models_;  // most recent last
};

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_WORKER_H_
