// The job store's logic, written once over SqlConn: sqlite_store.cc and postgres_store.cc supply
// the connections. Every change is one transaction, so a crash leaves each job in a state it was
// in between two calls.
#include "zkcc/service/job_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>

#include "sql_conn.h"

namespace zkcc::service {

std::string_view job_state_name(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<JobState> parse_job_state(std::string_view name) {
  for (JobState s : kAllJobStates) {
    if (job_state_name(s) == name) return s;
  }
  return std::nullopt;
}

int64_t SqlRow::integer(size_t i) const {
  if (i < cells.size()) {
    if (const auto* v = std::get_if<int64_t>(&cells[i])) return *v;
  }
  return 0;
}

std::string SqlRow::text(size_t i) const {
  if (i < cells.size()) {
    if (const auto* s = std::get_if<std::string>(&cells[i])) return *s;
    if (const auto* b = std::get_if<Bytes>(&cells[i])) return std::string(b->begin(), b->end());
  }
  return "";
}

Bytes SqlRow::blob(size_t i) const {
  if (i < cells.size()) {
    if (const auto* b = std::get_if<Bytes>(&cells[i])) return *b;
    if (const auto* s = std::get_if<std::string>(&cells[i])) return Bytes(s->begin(), s->end());
  }
  return {};
}

namespace {

// Runs one statement with its parameters bound in order to $1..$N.
template <typename... Args>
StatusOr<SqlResult> run(SqlConn& conn, const std::string& sql, const Args&... args) {
  const std::array<SqlParam, sizeof...(Args)> params = {SqlParam(args)...};
  return conn.query(sql, params);
}

// Runs `body` in one write transaction: committed when it returns OK, rolled back otherwise.
template <typename Body>
Status in_transaction(SqlConn& conn, Body&& body) {
  ZKCC_RETURN_IF_ERROR(conn.begin());
  Status s = body();
  if (s.ok()) s = conn.commit();
  if (!s.ok()) conn.rollback();
  return s;
}

// The job columns in job_from_row's order; kJobListColumns reads '' for request_json.
constexpr char kJobColumns[] =
    "id, model_id, request_json, state, attempts, worker, lease_until_ms, created_ms, started_ms, finished_ms, "
    "progress_done, progress_total, error";
constexpr char kJobListColumns[] =
    "id, model_id, CAST('' AS TEXT), state, attempts, worker, lease_until_ms, created_ms, started_ms, finished_ms, "
    "progress_done, progress_total, error";

StatusOr<JobRecord> job_from_row(const SqlRow& r) {
  JobRecord j;
  j.id = r.text(0);
  j.model_id = r.text(1);
  j.request_json = r.text(2);
  std::string state = r.text(3);
  std::optional<JobState> parsed = parse_job_state(state);
  if (!parsed) return data_loss("job " + j.id + " has an unknown state \"" + state + "\"");
  j.state = *parsed;
  j.attempts = static_cast<int>(r.integer(4));
  j.worker = r.text(5);
  j.lease_until_ms = r.integer(6);
  j.created_ms = r.integer(7);
  j.started_ms = r.integer(8);
  j.finished_ms = r.integer(9);
  j.progress_done = r.integer(10);
  j.progress_total = r.integer(11);
  j.error = r.text(12);
  return j;
}

// The kFailedPrecondition for a worker acting on a job it does not hold, saying who does.
Status not_held(SqlConn& conn, const std::string& id, const std::string& worker) {
  std::string prefix = "job " + id + " is not held by worker " + worker;
  auto r = run(conn, "SELECT state, worker FROM jobs WHERE id = $1", id);
  if (!r.ok()) return failed_precondition(prefix);
  if (r->rows.empty()) return failed_precondition(prefix + " (no such job)");
  std::string state = r->rows[0].text(0);
  if (state == "running") return failed_precondition(prefix + " (worker " + r->rows[0].text(1) + " holds it)");
  return failed_precondition(prefix + " (it is " + state + ")");
}

// The condition naming a job that `worker` ($2) holds; `id` is $1.
constexpr char kHeld[] = "id = $1 AND state = 'running' AND worker = $2";

class SqlJobStore final : public JobStore {
 public:
  explicit SqlJobStore(std::unique_ptr<SqlConn> conn) : conn_(std::move(conn)) {}

  StatusOr<bool> put_model(const ModelRecord& m) override {
    if (m.id.empty()) return invalid_argument("model id is empty");
    std::lock_guard<std::mutex> lock(mu_);
    bool inserted = false;
    ZKCC_RETURN_IF_ERROR(in_transaction(*conn_, [&]() -> Status {
      ZKCC_ASSIGN_OR_RETURN(SqlResult ins,
                            run(*conn_,
                                "INSERT INTO models (id, graph, info_json, created_ms) VALUES ($1, $2, $3, $4) "
                                "ON CONFLICT (id) DO NOTHING",
                                m.id, m.graph, m.info_json, m.created_ms));
      inserted = ins.changed == 1;
      if (inserted) return ok_status();
      // Already there: fine when it is the same graph (the id commits to it, so it should be).
      ZKCC_ASSIGN_OR_RETURN(SqlResult old, run(*conn_, "SELECT graph FROM models WHERE id = $1", m.id));
      if (!old.rows.empty() && old.rows[0].blob(0) == m.graph) return ok_status();
      return Status(StatusCode::kAlreadyExists, "model " + m.id + " is already stored with a different graph");
    }));
    return inserted;
  }

  StatusOr<std::optional<ModelRecord>> get_model(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                          run(*conn_, "SELECT id, graph, info_json, created_ms FROM models WHERE id = $1", id));
    if (r.rows.empty()) return std::optional<ModelRecord>();
    const SqlRow& row = r.rows[0];
    return std::optional<ModelRecord>(ModelRecord{row.text(0), row.blob(1), row.text(2), row.integer(3)});
  }

  StatusOr<std::vector<ModelRecord>> list_models() override {
    std::lock_guard<std::mutex> lock(mu_);
    ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                          run(*conn_, "SELECT id, info_json, created_ms FROM models ORDER BY created_ms, id"));
    std::vector<ModelRecord> out;
    out.reserve(r.rows.size());
    for (const SqlRow& row : r.rows) out.push_back(ModelRecord{row.text(0), {}, row.text(1), row.integer(2)});
    return out;
  }

  Status enqueue(const JobRecord& job, int64_t max_queued) override {
    if (job.id.empty()) return invalid_argument("job id is empty");
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*conn_, [&]() -> Status {
      ZKCC_RETURN_IF_ERROR(conn_->lock_queue());
      ZKCC_ASSIGN_OR_RETURN(SqlResult n, run(*conn_, "SELECT count(*) FROM jobs WHERE state = 'queued'"));
      int64_t queued = n.rows.empty() ? 0 : n.rows[0].integer(0);
      if (queued >= max_queued) {
        return failed_precondition("queue full (" + std::to_string(queued) + " queued)");
      }
      // The foreign key would refuse it too, but with a message naming neither the job nor the model.
      ZKCC_ASSIGN_OR_RETURN(SqlResult model, run(*conn_, "SELECT 1 FROM models WHERE id = $1", job.model_id));
      if (model.rows.empty()) {
        return not_found("job " + job.id + " names model " + job.model_id + ", which is not stored");
      }
      ZKCC_ASSIGN_OR_RETURN(
          SqlResult ins,
          run(*conn_,
              "INSERT INTO jobs (id, model_id, request_json, state, attempts, worker, lease_until_ms, created_ms, "
              "started_ms, finished_ms, progress_done, progress_total, error) "
              "VALUES ($1, $2, $3, 'queued', 0, '', 0, $4, 0, 0, 0, 0, '') ON CONFLICT (id) DO NOTHING",
              job.id, job.model_id, job.request_json, job.created_ms));
      if (ins.changed != 1) return Status(StatusCode::kAlreadyExists, "job " + job.id + " already exists");
      return ok_status();
    });
  }

  StatusOr<std::optional<JobRecord>> claim(const std::string& worker, int64_t now_ms, int64_t lease_ms,
                                           int max_attempts) override {
    if (worker.empty()) return invalid_argument("worker name is empty");
    if (lease_ms <= 0) return invalid_argument("lease must be positive, not " + std::to_string(lease_ms) + " ms");
    if (max_attempts < 1) {
      return invalid_argument("attempt limit must be at least 1, not " + std::to_string(max_attempts));
    }
    const int64_t limit = max_attempts;
    std::optional<JobRecord> claimed;
    std::lock_guard<std::mutex> lock(mu_);
    const std::string lock_clause(conn_->row_lock_clause());
    Status s = in_transaction(*conn_, [&]() -> Status {
      // Jobs whose workers died once too often fail rather than go round again.
      ZKCC_RETURN_IF_ERROR(
          run(*conn_,
              "UPDATE jobs SET state = 'failed', finished_ms = $1, lease_until_ms = 0, "
              "error = 'worker lost the job ' || CAST(attempts AS TEXT) || ' times (attempt limit)' "
              "WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until_ms < $1 AND attempts >= $2" +
                  lock_clause + ")",
              now_ms, limit)
              .status());
      ZKCC_ASSIGN_OR_RETURN(
          SqlResult r,
          run(*conn_,
              "UPDATE jobs SET state = 'running', worker = $3, lease_until_ms = $4, attempts = attempts + 1, "
              "started_ms = $1, progress_done = 0, progress_total = 0 "
              "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' OR "
              "(state = 'running' AND lease_until_ms < $1 AND attempts < $2) ORDER BY created_ms, id LIMIT 1" +
                  lock_clause + ") RETURNING " + kJobColumns,
              now_ms, limit, worker, now_ms + lease_ms));
      if (r.rows.empty()) return ok_status();
      ZKCC_ASSIGN_OR_RETURN(JobRecord job, job_from_row(r.rows[0]));
      claimed = std::move(job);
      return ok_status();
    });
    if (!s.ok()) return s;
    return claimed;
  }

  Status heartbeat(const std::string& id, const std::string& worker, int64_t now_ms, int64_t lease_ms,
                   int64_t progress_done, int64_t progress_total) override {
    if (lease_ms <= 0) return invalid_argument("lease must be positive, not " + std::to_string(lease_ms) + " ms");
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*conn_, [&]() -> Status {
      ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                            run(*conn_,
                                std::string("UPDATE jobs SET lease_until_ms = $3, progress_done = $4, "
                                            "progress_total = $5 WHERE ") + kHeld,
                                id, worker, now_ms + lease_ms, progress_done, progress_total));
      return r.changed == 1 ? ok_status() : not_held(*conn_, id, worker);
    });
  }

  Status complete(const std::string& id, const std::string& worker, int64_t now_ms, const Bytes& result) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*conn_, [&]() -> Status {
      ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                            run(*conn_,
                                std::string("UPDATE jobs SET state = 'done', finished_ms = $3, lease_until_ms = 0 "
                                            "WHERE ") + kHeld,
                                id, worker, now_ms));
      if (r.changed != 1) return not_held(*conn_, id, worker);
      return run(*conn_,
                 "INSERT INTO results (job_id, result) VALUES ($1, $2) "
                 "ON CONFLICT (job_id) DO UPDATE SET result = excluded.result",
                 id, result)
          .status();
    });
  }

  Status fail(const std::string& id, const std::string& worker, int64_t now_ms, const std::string& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*conn_, [&]() -> Status {
      ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                            run(*conn_,
                                std::string("UPDATE jobs SET state = 'failed', finished_ms = $3, lease_until_ms = 0, "
                                            "error = $4 WHERE ") + kHeld,
                                id, worker, now_ms, error));
      return r.changed == 1 ? ok_status() : not_held(*conn_, id, worker);
    });
  }

  Status release(const std::string& id, const std::string& worker) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*conn_, [&]() -> Status {
      // The claim counted an attempt that this worker gives back unfinished, through no fault of the job.
      ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                            run(*conn_,
                                std::string("UPDATE jobs SET state = 'queued', worker = '', lease_until_ms = 0, "
                                            "started_ms = 0, attempts = attempts - 1, progress_done = 0, "
                                            "progress_total = 0 WHERE ") + kHeld,
                                id, worker));
      return r.changed == 1 ? ok_status() : not_held(*conn_, id, worker);
    });
  }

  StatusOr<JobRecord> cancel(const std::string& id, int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<JobRecord> cancelled;
    ZKCC_RETURN_IF_ERROR(in_transaction(*conn_, [&]() -> Status {
      // The state test in the WHERE clause makes this atomic against a claim or a completion: in
      // PostgreSQL the row lock makes the second writer re-read the row, in SQLite writers take turns.
      ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                            run(*conn_,
                                std::string("UPDATE jobs SET state = 'cancelled', finished_ms = $2, lease_until_ms = 0 "
                                            "WHERE id = $1 AND state IN ('queued', 'running') RETURNING ") +
                                    kJobColumns,
                                id, now_ms));
      if (!r.rows.empty()) {
        ZKCC_ASSIGN_OR_RETURN(JobRecord job, job_from_row(r.rows[0]));
        cancelled = std::move(job);
        return ok_status();
      }
      ZKCC_ASSIGN_OR_RETURN(SqlResult old, run(*conn_, "SELECT state FROM jobs WHERE id = $1", id));
      if (old.rows.empty()) return not_found("no job " + id);
      return failed_precondition("job " + id + " is " + old.rows[0].text(0) + "; only a queued or running job can be cancelled");
    }));
    return std::move(*cancelled);
  }

  StatusOr<JobPage> list_jobs(const JobListQuery& q) override {
    if (q.offset < 0) return invalid_argument("the offset must not be negative, not " + std::to_string(q.offset));
    if (q.limit < 1 || q.limit > kMaxJobListLimit) {
      return invalid_argument("the limit must lie in 1.." + std::to_string(kMaxJobListLimit) + ", not " +
                              std::to_string(q.limit));
    }
    // One row beyond the page says whether another page follows.
    const int64_t fetch = q.limit + 1;
    const std::string select = std::string("SELECT ") + kJobListColumns + " FROM jobs ";
    const std::string order = "ORDER BY created_ms DESC, id DESC LIMIT $1 OFFSET $2";
    std::lock_guard<std::mutex> lock(mu_);
    StatusOr<SqlResult> r = q.state ? run(*conn_, select + "WHERE state = $3 " + order, fetch, q.offset,
                                          std::string(job_state_name(*q.state)))
                                    : run(*conn_, select + order, fetch, q.offset);
    if (!r.ok()) return r.status();
    JobPage page;
    page.more = static_cast<int64_t>(r->rows.size()) > q.limit;
    const size_t n = std::min(r->rows.size(), static_cast<size_t>(q.limit));
    page.jobs.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ZKCC_ASSIGN_OR_RETURN(JobRecord job, job_from_row(r->rows[i]));
      page.jobs.push_back(std::move(job));
    }
    return page;
  }

  StatusOr<std::optional<JobRecord>> get_job(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ZKCC_ASSIGN_OR_RETURN(SqlResult r,
                          run(*conn_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = $1", id));
    if (r.rows.empty()) return std::optional<JobRecord>();
    ZKCC_ASSIGN_OR_RETURN(JobRecord job, job_from_row(r.rows[0]));
    return std::optional<JobRecord>(std::move(job));
  }

  StatusOr<std::optional<Bytes>> get_result(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ZKCC_ASSIGN_OR_RETURN(SqlResult r, run(*conn_, "SELECT result FROM results WHERE job_id = $1", id));
    if (r.rows.empty()) return std::optional<Bytes>();
    return std::optional<Bytes>(r.rows[0].blob(0));
  }

  StatusOr<JobCounts> counts() override {
    std::lock_guard<std::mutex> lock(mu_);
    ZKCC_ASSIGN_OR_RETURN(SqlResult r, run(*conn_, "SELECT state, count(*) FROM jobs GROUP BY state"));
    JobCounts c;
    for (const SqlRow& row : r.rows) {
      std::optional<JobState> s = parse_job_state(row.text(0));
      if (!s) return data_loss("jobs table holds an unknown state \"" + row.text(0) + "\"");
      int64_t n = row.integer(1);
      switch (*s) {
        case JobState::kQueued: c.queued = n; break;
        case JobState::kRunning: c.running = n; break;
        case JobState::kDone: c.done = n; break;
        case JobState::kFailed: c.failed = n; break;
        case JobState::kCancelled: c.cancelled = n; break;
      }
    }
    return c;
  }

 private:
  std::mutex mu_;  // one connection, one statement at a time
  std::unique_ptr<SqlConn> conn_;
};

// The data directory holds job requests and proofs: only its owner may look inside.
Status make_private_dir(const std::string& dir) {
  std::filesystem::path p(dir);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);  // errors show at mkdir
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return unavailable("cannot create data directory " + dir + ": " + std::strerror(errno));
  }
  if (!std::filesystem::is_directory(p, ec)) return invalid_argument("data directory " + dir + " is not a directory");
  return ok_status();
}

}  // namespace

std::unique_ptr<JobStore> make_sql_job_store(std::unique_ptr<SqlConn> conn) {
  return std::make_unique<SqlJobStore>(std::move(conn));
}

StatusOr<std::unique_ptr<JobStore>> open_store(const std::string& spec, const std::string& data_dir) {
  static constexpr char kForms[] = "\"sqlite\", \"sqlite:PATH\", \"postgres://...\" or \"postgresql://...\"";
  std::unique_ptr<SqlConn> conn;
  if (spec == "sqlite") {
    if (data_dir.empty()) return invalid_argument("job store \"sqlite\" needs a data directory");
    ZKCC_RETURN_IF_ERROR(make_private_dir(data_dir));
    ZKCC_ASSIGN_OR_RETURN(conn, open_sqlite(data_dir + "/zkcc.db"));
  } else if (spec.starts_with("sqlite:")) {
    std::string path = spec.substr(7);
    if (path.empty()) return invalid_argument("job store \"sqlite:\" names no file: expected \"sqlite:PATH\"");
    ZKCC_ASSIGN_OR_RETURN(conn, open_sqlite(path));
  } else if (spec.starts_with("postgres://") || spec.starts_with("postgresql://")) {
    ZKCC_ASSIGN_OR_RETURN(conn, open_postgres(spec));
  } else {
    // Only the scheme is echoed: the rest of a URI may hold a password.
    size_t scheme_end = spec.find("://");
    std::string shown = scheme_end == std::string::npos ? spec : spec.substr(0, scheme_end) + "://...";
    return invalid_argument("unknown job store \"" + shown + "\": expected " + kForms);
  }
  return make_sql_job_store(std::move(conn));
}

}  // namespace zkcc::service
