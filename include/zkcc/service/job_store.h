// The job store behind prove-server: models, jobs and results that outlive any one process.
//
// Two implementations: SQLite (the embedded default: one file in the data directory, WAL mode)
// and PostgreSQL (shared by any number of workers on any number of machines). A job is claimed
// with a lease: the worker holding it renews the lease with heartbeats; a job whose lease ran out
// (its worker died) goes back to the queue for another worker, until its attempt limit, after which
// it fails with that reason. Claims never hand one job to two live workers (SQLite: one writer
// transaction at a time; PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED).
//
// A queued or running job can be cancelled: it is never claimed again, and the worker holding it
// loses its lease at once (its heartbeat, completion and failure are refused), so it abandons the
// job without a result.
//
// Times are Unix milliseconds, passed in by the caller so tests can move the clock.
#ifndef ZKCC_SERVICE_JOB_STORE_H_
#define ZKCC_SERVICE_JOB_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

namespace zkcc::service {

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };
std::string_view job_state_name(JobState s);  // "queued", "running", "done", "failed", "cancelled"
std::optional<JobState> parse_job_state(std::string_view name);  // the inverse; nullopt for others
inline constexpr JobState kAllJobStates[] = {JobState::kQueued, JobState::kRunning, JobState::kDone,
                                              JobState::kFailed, JobState::kCancelled};

// A registered model: the quantized graph (model/graph_encoding.h bytes), ready for any worker.
struct ModelRecord {
  std::string id;          // the model commitment, 0x hex
  Bytes graph;             // encode_graph bytes
  std::string info_json;   // name, layers, input shape, parameters... (a JSON object, for listings)
  int64_t created_ms = 0;
};

struct JobRecord {
  std::string id;            // 32 lowercase hex characters, random
  std::string model_id;
  std::string request_json;  // the prove request as accepted (input, level, options)
  JobState state = JobState::kQueued;
  int attempts = 0;          // claims so far
  std::string worker;        // the lease holder while running
  int64_t lease_until_ms = 0;
  int64_t created_ms = 0, started_ms = 0, finished_ms = 0;
  int64_t progress_done = 0, progress_total = 0;  // layers proved / layers
  std::string error;         // kFailed: why
};

// A page of the job listing: newest first (created_ms, then id, both descending), optionally only
// the jobs in one state.
struct JobListQuery {
  std::optional<JobState> state;
  int64_t offset = 0;  // jobs skipped, >= 0
  int64_t limit = 50;  // jobs returned at most, 1..kMaxJobListLimit
};
inline constexpr int64_t kMaxJobListLimit = 500;

struct JobPage {
  std::vector<JobRecord> jobs;  // request_json left empty: it holds the input, which may be large
  bool more = false;            // whether jobs follow this page
};

struct JobCounts {
  int64_t queued = 0, running = 0, done = 0, failed = 0, cancelled = 0;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Idempotent: the same id with the same graph is fine; with another graph, kAlreadyExists. True
  // when this call stored it, false when it was stored already (by anyone, in any process).
  virtual StatusOr<bool> put_model(const ModelRecord& m) = 0;
  virtual StatusOr<std::optional<ModelRecord>> get_model(const std::string& id) = 0;
  virtual StatusOr<std::vector<ModelRecord>> list_models() = 0;  // graph left empty

  // Adds a queued job (id, model_id, request_json and created_ms set by the caller). Fails with
  // kFailedPrecondition when `max_queued` jobs are already queued, kNotFound when the model is not
  // stored, kAlreadyExists when the id is taken; kUnavailable, as every call here, only when the
  // store cannot be reached (worth retrying later).
  virtual Status enqueue(const JobRecord& job, int64_t max_queued) = 0;
  // The oldest queued job, or a running one whose lease has expired, now leased to `worker` until
  // now + lease_ms (attempts + 1). Expired jobs at their attempt limit are failed instead.
  // Oldest is by created_ms, then id.
  virtual StatusOr<std::optional<JobRecord>> claim(const std::string& worker, int64_t now_ms, int64_t lease_ms,
                                                   int max_attempts) = 0;
  // Renews the lease and records progress; kFailedPrecondition when `worker` no longer holds it.
  virtual Status heartbeat(const std::string& id, const std::string& worker, int64_t now_ms, int64_t lease_ms,
                           int64_t progress_done, int64_t progress_total) = 0;
  // Ends a job the worker holds: done with its result, or failed with the reason.
  virtual Status complete(const std::string& id, const std::string& worker, int64_t now_ms, const Bytes& result) = 0;
  virtual Status fail(const std::string& id, const std::string& worker, int64_t now_ms, const std::string& error) = 0;
  // Gives a held job back to the queue (graceful shutdown), not counting the attempt.
  virtual Status release(const std::string& id, const std::string& worker) = 0;

  // Cancels a queued or running job (finished_ms = now) and returns it as it now is. kNotFound
  // for an unknown id; kFailedPrecondition when the job is done, failed or cancelled already.
  virtual StatusOr<JobRecord> cancel(const std::string& id, int64_t now_ms) = 0;

  virtual StatusOr<std::optional<JobRecord>> get_job(const std::string& id) = 0;
  // One page of jobs (see JobListQuery); kInvalidArgument for an offset or limit out of range.
  virtual StatusOr<JobPage> list_jobs(const JobListQuery& query) = 0;
  virtual StatusOr<std::optional<Bytes>> get_result(const std::string& id) = 0;
  virtual StatusOr<JobCounts> counts() = 0;
};

// "sqlite" (DATA_DIR/zkcc.db), "sqlite:PATH", or a PostgreSQL URI ("postgres://..." or
// "postgresql://..."); creates the schema if missing.
StatusOr<std::unique_ptr<JobStore>> open_store(const std::string& spec, const std::string& data_dir);

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_JOB_STORE_H_
