// The job store on both backends: SQLite files in a temporary directory, and a real PostgreSQL
// server started for the run (a fresh database for each test). Times are made up: the store takes
// the clock from its caller.
#include "zkcc/service/job_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "postgres_fixture.h"

namespace zkcc::service {
namespace {

namespace fs = std::filesystem;
using testing::PostgresServer;

constexpr char kModel[] = "0x0123";
constexpr int64_t kLease = 1000;
constexpr int kMaxAttempts = 3;
constexpr int64_t kNoLimit = 1 << 20;

enum class Backend { kSqlite, kPostgres };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

fs::path make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "zkcc-store-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  return made != nullptr ? fs::path(made) : fs::path();
}

// One server for the whole run: initdb and start-up take a second or two.
struct SharedPostgres {
  std::unique_ptr<PostgresServer> server;
  Status status;
  int databases = 0;
};

SharedPostgres& shared_postgres() {
  static SharedPostgres shared = [] {
    SharedPostgres s;
    auto started = PostgresServer::start();
    if (started.ok()) {
      s.server = std::move(*started);
    } else {
      s.status = started.status();
    }
    return s;
  }();
  return shared;
}

ModelRecord model(const std::string& id, int64_t created_ms) {
  ModelRecord m;
  m.id = id;
  m.graph = Bytes(id.begin(), id.end());
  m.graph.push_back(0);  // a zero byte must survive the trip
  m.info_json = R"({"name":")" + id + R"("})";
  m.created_ms = created_ms;
  return m;
}

JobRecord job(const std::string& id, int64_t created_ms) {
  JobRecord j;
  j.id = id;
  j.model_id = kModel;
  j.request_json = R"({"input":[1,2,3],"id":")" + id + R"("})";
  j.created_ms = created_ms;
  return j;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    if (GetParam() == Backend::kSqlite) {
      spec_ = "sqlite:" + (dir_ / "jobs.db").string();
    } else {
      SharedPostgres& pg = shared_postgres();
      if (pg.status.code() == StatusCode::kFailedPrecondition && !testing::postgres_required()) {
        GTEST_SKIP() << pg.status.message();
      }
      ASSERT_TRUE(pg.status.ok()) << pg.status.to_string();
      database_ = "store_test_" + std::to_string(++pg.databases);
      auto uri = pg.server->create_database(database_);
      ASSERT_TRUE(uri.ok()) << uri.status().to_string();
      spec_ = *uri;
    }
    store_ = open();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->put_model(model(kModel, 1)).ok());
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<JobStore> open() {
    auto s = open_store(spec_, dir_.string());
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }

  void enqueue(const std::string& id, int64_t created_ms) {
    Status s = store_->enqueue(job(id, created_ms), kNoLimit);
    ASSERT_TRUE(s.ok()) << s.to_string();
  }

  std::optional<JobRecord> claim(const std::string& worker, int64_t now_ms, int max_attempts = kMaxAttempts) {
    auto c = store_->claim(worker, now_ms, kLease, max_attempts);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return c.ok() ? *c : std::nullopt;
  }

  JobRecord get(const std::string& id) {
    auto j = store_->get_job(id);
    EXPECT_TRUE(j.ok()) << j.status().to_string();
    return j.ok() && j->has_value() ? **j : JobRecord{};
  }

  fs::path dir_;
  std::string database_;  // PostgreSQL
  std::string spec_;
  std::unique_ptr<JobStore> store_;
};

TEST_P(StoreTest, ModelsPutGetList) {
  ASSERT_TRUE(store_->put_model(model("0xbb", 30)).ok());
  auto first = store_->put_model(model("0xaa", 20));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_TRUE(*first);  // stored by this call
  // Idempotent: the same model again changes nothing, and says it was there already.
  ModelRecord again = model("0xaa", 99);
  again.info_json = "{}";
  auto second = store_->put_model(again);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_FALSE(*second);
  ModelRecord other = model("0xaa", 20);
  other.graph = {1, 2, 3};
  Status clash = store_->put_model(other).status();
  EXPECT_EQ(clash.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(clash.message(), "model 0xaa is already stored with a different graph");
  EXPECT_EQ(store_->put_model(model("", 1)).status().code(), StatusCode::kInvalidArgument);

  auto got = store_->get_model("0xaa");
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, "0xaa");
  EXPECT_EQ((*got)->graph, model("0xaa", 0).graph);
  EXPECT_EQ((*got)->info_json, R"({"name":"0xaa"})");
  EXPECT_EQ((*got)->created_ms, 20);

  auto list = store_->list_models();
  ASSERT_TRUE(list.ok()) << list.status().to_string();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].id, kModel);
  EXPECT_EQ((*list)[1].id, "0xaa");
  EXPECT_EQ((*list)[2].id, "0xbb");
  EXPECT_TRUE((*list)[1].graph.empty());
  EXPECT_EQ((*list)[2].info_json, R"({"name":"0xbb"})");
  EXPECT_EQ((*list)[2].created_ms, 30);
}

TEST_P(StoreTest, EnqueueRefusesDuplicatesAndUnknownModels) {
  enqueue("j1", 10);
  Status dup = store_->enqueue(job("j1", 11), kNoLimit);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.message(), "job j1 already exists");
  JobRecord orphan = job("j2", 12);
  orphan.model_id = "0xdead";
  Status s = store_->enqueue(orphan, kNoLimit);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "job j2 names model 0xdead, which is not stored");
  EXPECT_EQ(store_->enqueue(job("", 1), kNoLimit).code(), StatusCode::kInvalidArgument);

  JobRecord j = get("j1");
  EXPECT_EQ(j.model_id, kModel);
  EXPECT_EQ(j.request_json, job("j1", 0).request_json);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.created_ms, 10);
  EXPECT_EQ(j.worker, "");
}

TEST_P(StoreTest, ClaimsOldestFirst) {
  enqueue("late", 300);
  enqueue("early", 100);
  enqueue("middle", 200);
  auto first = claim("w1", 5000);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, "early");
  EXPECT_EQ(first->state, JobState::kRunning);
  EXPECT_EQ(first->worker, "w1");
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->started_ms, 5000);
  EXPECT_EQ(first->lease_until_ms, 5000 + kLease);
  EXPECT_EQ(first->model_id, kModel);
  EXPECT_EQ(first->request_json, job("early", 0).request_json);
  EXPECT_EQ(claim("w2", 5001)->id, "middle");
  EXPECT_EQ(claim("w1", 5002)->id, "late");
  EXPECT_FALSE(claim("w3", 5003).has_value());
  EXPECT_EQ(get("early").worker, "w1");
}

TEST_P(StoreTest, ClaimRejectsBadArguments) {
  EXPECT_EQ(store_->claim("", 1, kLease, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->claim("w", 1, 0, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->claim("w", 1, kLease, 0).status().code(), StatusCode::kInvalidArgument);
}

// Threads on two store objects (two connections) claim at once: every job goes to exactly one.
TEST_P(StoreTest, ConcurrentClaimsNeverShareAJob) {
  constexpr int kJobs = 120, kThreads = 8;
  for (int i = 0; i < kJobs; ++i) enqueue("job" + std::to_string(i), 1000 + i);
  std::unique_ptr<JobStore> second = open();
  ASSERT_NE(second, nullptr);
  std::mutex mu;
  std::map<std::string, int> claims;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      JobStore& store = t % 2 == 0 ? *store_ : *second;
      std::string worker = "w" + std::to_string(t);
      for (;;) {
        auto c = store.claim(worker, 2000, kLease, kMaxAttempts);
        if (!c.ok()) {
          ++errors;
          ADD_FAILURE() << c.status().to_string();
          return;
        }
        if (!c->has_value()) return;
        std::lock_guard<std::mutex> lock(mu);
        ++claims[(*c)->id];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claims.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id;
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued, 0);
  EXPECT_EQ(counts->running, kJobs);
}

// Processes, each with its own store, claim at once from the same database.
TEST_P(StoreTest, SeveralProcessesNeverShareAJob) {
  constexpr int kJobs = 60, kProcesses = 3;
  for (int i = 0; i < kJobs; ++i) enqueue("job" + std::to_string(i), 1000 + i);
  store_.reset();  // nothing of this process's connection may be used by a child
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    fs::path out = dir_ / ("claims-" + std::to_string(p));
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child reports through its file and exit status only: no test assertions here.
      auto store = open_store(spec_, dir_.string());
      if (!store.ok()) _exit(2);
      std::ofstream f(out);
      for (;;) {
        auto c = (*store)->claim("p" + std::to_string(p), 2000, kLease, kMaxAttempts);
        if (!c.ok()) _exit(3);
        if (!c->has_value()) break;
        f << (*c)->id << "\n";
      }
      f.close();
      _exit(f ? 0 : 4);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  std::map<std::string, int> claims;
  for (int p = 0; p < kProcesses; ++p) {
    std::ifstream f(dir_ / ("claims-" + std::to_string(p)));
    for (std::string id; std::getline(f, id);) ++claims[id];
  }
  EXPECT_EQ(claims.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, n] : claims) EXPECT_EQ(n, 1) << id;
  store_ = open();
}

TEST_P(StoreTest, HeartbeatExtendsTheLease) {
  enqueue("j", 1);
  ASSERT_TRUE(claim("w1", 10000).has_value());
  Status hb = store_->heartbeat("j", "w1", 10800, kLease, 3, 10);
  ASSERT_TRUE(hb.ok()) << hb.to_string();
  JobRecord j = get("j");
  EXPECT_EQ(j.lease_until_ms, 10800 + kLease);
  EXPECT_EQ(j.progress_done, 3);
  EXPECT_EQ(j.progress_total, 10);
  // Past the first lease but within the renewed one: nobody else gets it.
  EXPECT_FALSE(claim("w2", 11500).has_value());
  EXPECT_EQ(store_->heartbeat("j", "w1", 10800, 0, 3, 10).code(), StatusCode::kInvalidArgument);
  auto taken = claim("w2", 10800 + kLease + 1);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->worker, "w2");
  EXPECT_EQ(taken->progress_done, 0);  // the new worker starts over
}

TEST_P(StoreTest, ExpiredLeaseGoesToAnotherWorker) {
  enqueue("j", 1);
  ASSERT_TRUE(claim("w1", 1000).has_value());
  EXPECT_FALSE(claim("w2", 1000 + kLease).has_value());  // expires only after lease_until_ms
  auto taken = claim("w2", 1000 + kLease + 1);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->id, "j");
  EXPECT_EQ(taken->worker, "w2");
  EXPECT_EQ(taken->attempts, 2);
  EXPECT_EQ(taken->started_ms, 1000 + kLease + 1);

  // The first worker comes back: everything it tries is refused.
  Status hb = store_->heartbeat("j", "w1", 2500, kLease, 1, 2);
  EXPECT_EQ(hb.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(hb.message(), "job j is not held by worker w1 (worker w2 holds it)");
  EXPECT_EQ(store_->complete("j", "w1", 2500, Bytes{1}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->fail("j", "w1", 2500, "oops").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->release("j", "w1").code(), StatusCode::kFailedPrecondition);
  auto none = store_->get_result("j");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  Status done = store_->complete("j", "w2", 2600, Bytes{7});
  ASSERT_TRUE(done.ok()) << done.to_string();
  Status late = store_->complete("j", "w2", 2700, Bytes{8});
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(late.message(), "job j is not held by worker w2 (it is done)");
  EXPECT_EQ(**store_->get_result("j"), Bytes{7});
}

TEST_P(StoreTest, AttemptLimitFailsTheJob) {
  enqueue("j", 1);
  enqueue("k", 2);
  ASSERT_EQ(claim("w1", 1000, 2)->id, "j");
  ASSERT_EQ(claim("w1", 1001, 2)->id, "k");
  Status hb = store_->heartbeat("k", "w1", 1001, 100 * kLease, 0, 1);  // k stays alive
  ASSERT_TRUE(hb.ok()) << hb.to_string();
  auto second = claim("w2", 5000, 2);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "j");
  EXPECT_EQ(second->attempts, 2);
  // w2 dies too: the limit of 2 is reached, so the job fails instead of going round again.
  EXPECT_FALSE(claim("w3", 9000, 2).has_value());
  JobRecord j = get("j");
  EXPECT_EQ(j.state, JobState::kFailed);
  EXPECT_EQ(j.error, "worker lost the job 2 times (attempt limit)");
  EXPECT_EQ(j.finished_ms, 9000);
  EXPECT_EQ(j.attempts, 2);
  EXPECT_EQ(get("k").state, JobState::kRunning);
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->failed, 1);
  EXPECT_EQ(counts->running, 1);
}

TEST_P(StoreTest, CompleteStoresTheResult) {
  enqueue("j", 1);
  enqueue("empty", 2);
  ASSERT_TRUE(claim("w1", 1000).has_value());
  ASSERT_TRUE(claim("w1", 1000).has_value());
  Bytes proof(300 * 1024);
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<uint8_t>(i * 131 + (i >> 9));
  Status s = store_->complete("j", "w1", 1500, proof);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_TRUE(store_->complete("empty", "w1", 1600, Bytes{}).ok());

  auto result = store_->get_result("j");
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ(**result, proof);
  auto empty = store_->get_result("empty");
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_TRUE((*empty)->empty());
  JobRecord j = get("j");
  EXPECT_EQ(j.state, JobState::kDone);
  EXPECT_EQ(j.finished_ms, 1500);
  EXPECT_EQ(j.started_ms, 1000);
  EXPECT_EQ(j.worker, "w1");
  EXPECT_EQ(j.error, "");
}

TEST_P(StoreTest, FailRecordsTheError) {
  enqueue("j", 1);
  ASSERT_TRUE(claim("w1", 1000).has_value());
  Status s = store_->fail("j", "w1", 1200, "input shape [3] does not match [1,784]");
  ASSERT_TRUE(s.ok()) << s.to_string();
  JobRecord j = get("j");
  EXPECT_EQ(j.state, JobState::kFailed);
  EXPECT_EQ(j.error, "input shape [3] does not match [1,784]");
  EXPECT_EQ(j.finished_ms, 1200);
  EXPECT_FALSE(claim("w2", 1000000).has_value());  // failed jobs stay failed
  EXPECT_FALSE(store_->get_result("j")->has_value());
}

TEST_P(StoreTest, ReleaseRequeuesWithoutCountingTheAttempt) {
  enqueue("j", 1);
  ASSERT_EQ(claim("w1", 1000)->attempts, 1);
  ASSERT_TRUE(store_->heartbeat("j", "w1", 1100, kLease, 4, 9).ok());
  Status s = store_->release("j", "w1");
  ASSERT_TRUE(s.ok()) << s.to_string();
  JobRecord j = get("j");
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.worker, "");
  EXPECT_EQ(j.lease_until_ms, 0);
  EXPECT_EQ(j.progress_done, 0);
  EXPECT_EQ(store_->heartbeat("j", "w1", 1200, kLease, 5, 9).code(), StatusCode::kFailedPrecondition);
  auto again = claim("w2", 1300);  // at once: no lease to wait out
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->worker, "w2");
  EXPECT_EQ(again->attempts, 1);
}

TEST_P(StoreTest, QueueFull) {
  ASSERT_TRUE(store_->enqueue(job("a", 1), 2).ok());
  ASSERT_TRUE(store_->enqueue(job("b", 2), 2).ok());
  Status full = store_->enqueue(job("c", 3), 2);
  // Not kUnavailable: that means the store cannot be reached (503), a full queue is the client's 429.
  EXPECT_EQ(full.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(full.message(), "queue full (2 queued)");
  EXPECT_FALSE(store_->get_job("c")->has_value());
  // Running jobs do not count against the queue.
  ASSERT_TRUE(claim("w1", 1000).has_value());
  Status s = store_->enqueue(job("c", 3), 2);
  EXPECT_TRUE(s.ok()) << s.to_string();
}

TEST_P(StoreTest, Counts) {
  auto zero = store_->counts();
  ASSERT_TRUE(zero.ok()) << zero.status().to_string();
  EXPECT_EQ(zero->queued + zero->running + zero->done + zero->failed, 0);
  for (int i = 0; i < 6; ++i) enqueue("j" + std::to_string(i), i);
  ASSERT_TRUE(claim("w", 100).has_value());  // j0
  ASSERT_TRUE(claim("w", 100).has_value());  // j1
  ASSERT_TRUE(claim("w", 100).has_value());  // j2
  ASSERT_TRUE(store_->complete("j0", "w", 200, Bytes{1}).ok());
  ASSERT_TRUE(store_->fail("j1", "w", 200, "bad").ok());
  auto c = store_->counts();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->queued, 3);
  EXPECT_EQ(c->running, 1);
  EXPECT_EQ(c->done, 1);
  EXPECT_EQ(c->failed, 1);
}

TEST_P(StoreTest, PersistsAcrossReopen) {
  enqueue("j", 1);
  enqueue("k", 2);
  ASSERT_TRUE(claim("w1", 1000).has_value());
  ASSERT_TRUE(store_->complete("j", "w1", 1100, Bytes{4, 5, 6}).ok());
  ASSERT_TRUE(claim("w1", 1200).has_value());
  store_.reset();
  store_ = open();  // SQLite: the file again; PostgreSQL: a new connection
  ASSERT_NE(store_, nullptr);
  auto m = store_->get_model(kModel);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->graph, model(kModel, 0).graph);
  EXPECT_EQ(get("j").state, JobState::kDone);
  EXPECT_EQ(**store_->get_result("j"), (Bytes{4, 5, 6}));
  JobRecord k = get("k");
  EXPECT_EQ(k.state, JobState::kRunning);
  EXPECT_EQ(k.worker, "w1");
  // The worker holding k survives the store's restart.
  EXPECT_TRUE(store_->heartbeat("k", "w1", 1300, kLease, 1, 1).ok());
}

TEST_P(StoreTest, UnknownIdsFindNothing) {
  auto j = store_->get_job("nope");
  ASSERT_TRUE(j.ok()) << j.status().to_string();
  EXPECT_FALSE(j->has_value());
  auto r = store_->get_result("nope");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->has_value());
  auto m = store_->get_model("0xnope");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_FALSE(m->has_value());
  Status hb = store_->heartbeat("nope", "w", 1, kLease, 0, 0);
  EXPECT_EQ(hb.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(hb.message(), "job nope is not held by worker w (no such job)");
  EXPECT_EQ(store_->release("nope", "w").code(), StatusCode::kFailedPrecondition);
}

// Values are bound, never spliced into SQL: quotes and SQL fragments are just text.
TEST_P(StoreTest, ValuesAreNeverSql) {
  std::string id = "x'); DROP TABLE jobs; --";
  JobRecord j = job(id, 1);
  j.request_json = R"({"q":"it's \"quoted\""})";
  ASSERT_TRUE(store_->enqueue(j, kNoLimit).ok());
  JobRecord got = get(id);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.request_json, j.request_json);
  EXPECT_EQ(claim("w'1", 10)->worker, "w'1");
}

// The ids of a page, in order.
std::vector<std::string> ids(const JobPage& page) {
  std::vector<std::string> out;
  for (const JobRecord& j : page.jobs) out.push_back(j.id);
  return out;
}

TEST_P(StoreTest, ListsNewestFirstInPages) {
  for (int i = 0; i < 5; ++i) enqueue("j" + std::to_string(i), 10 + i);
  enqueue("k4", 14);  // the same time as j4: the id breaks the tie (descending)
  auto all = store_->list_jobs({});
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  EXPECT_EQ(ids(*all), (std::vector<std::string>{"k4", "j4", "j3", "j2", "j1", "j0"}));
  EXPECT_FALSE(all->more);
  // Listings leave out the request (it holds the input) but carry the rest.
  EXPECT_EQ(all->jobs[0].request_json, "");
  EXPECT_EQ(all->jobs[0].model_id, kModel);
  EXPECT_EQ(all->jobs[0].created_ms, 14);
  EXPECT_EQ(all->jobs[0].state, JobState::kQueued);

  JobListQuery q;
  q.limit = 2;
  auto first = store_->list_jobs(q);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"k4", "j4"}));
  EXPECT_TRUE(first->more);
  q.offset = 4;
  auto last = store_->list_jobs(q);
  ASSERT_TRUE(last.ok()) << last.status().to_string();
  EXPECT_EQ(ids(*last), (std::vector<std::string>{"j1", "j0"}));
  EXPECT_FALSE(last->more);  // exactly at the end
  q.offset = 6;
  auto beyond = store_->list_jobs(q);
  ASSERT_TRUE(beyond.ok()) << beyond.status().to_string();
  EXPECT_TRUE(beyond->jobs.empty());
  EXPECT_FALSE(beyond->more);
}

TEST_P(StoreTest, ListFiltersByState) {
  for (int i = 0; i < 5; ++i) enqueue("j" + std::to_string(i), i);
  ASSERT_TRUE(claim("w", 100).has_value());  // j0
  ASSERT_TRUE(claim("w", 100).has_value());  // j1
  ASSERT_TRUE(claim("w", 100).has_value());  // j2
  ASSERT_TRUE(store_->complete("j0", "w", 200, Bytes{1}).ok());
  ASSERT_TRUE(store_->fail("j1", "w", 200, "bad").ok());
  ASSERT_TRUE(store_->cancel("j4", 300).ok());
  auto list = [&](JobState state, int64_t offset = 0, int64_t limit = 50) {
    JobListQuery q;
    q.state = state;
    q.offset = offset;
    q.limit = limit;
    auto page = store_->list_jobs(q);
    EXPECT_TRUE(page.ok()) << page.status().to_string();
    return page.ok() ? ids(*page) : std::vector<std::string>{"(error)"};
  };
  EXPECT_EQ(list(JobState::kDone), std::vector<std::string>{"j0"});
  EXPECT_EQ(list(JobState::kFailed), std::vector<std::string>{"j1"});
  EXPECT_EQ(list(JobState::kRunning), std::vector<std::string>{"j2"});
  EXPECT_EQ(list(JobState::kQueued), std::vector<std::string>{"j3"});
  EXPECT_EQ(list(JobState::kCancelled), std::vector<std::string>{"j4"});
  auto failed = store_->list_jobs({JobState::kFailed, 0, 1});
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->jobs.size(), 1u);
  EXPECT_EQ(failed->jobs[0].error, "bad");
  EXPECT_FALSE(failed->more);
  EXPECT_TRUE(list(JobState::kDone, 1).empty());
}

TEST_P(StoreTest, ListRejectsBadPages) {
  EXPECT_EQ(store_->list_jobs({std::nullopt, -1, 10}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->list_jobs({std::nullopt, 0, 0}).status().code(), StatusCode::kInvalidArgument);
  auto over = store_->list_jobs({std::nullopt, 0, kMaxJobListLimit + 1});
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(over.status().message(), "the limit must lie in 1..500, not 501");
  EXPECT_TRUE(store_->list_jobs({std::nullopt, 0, kMaxJobListLimit}).ok());
}

TEST_P(StoreTest, CancelQueuedJobIsNeverClaimed) {
  enqueue("a", 1);
  enqueue("b", 2);
  auto c = store_->cancel("a", 500);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->id, "a");
  EXPECT_EQ(c->state, JobState::kCancelled);
  EXPECT_EQ(c->finished_ms, 500);
  EXPECT_EQ(get("a").state, JobState::kCancelled);
  auto next = claim("w", 1000);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, "b");  // the older job is passed over
  ASSERT_TRUE(store_->complete("b", "w", 1100, Bytes{1}).ok());
  EXPECT_FALSE(claim("w", 1000000).has_value());
  // It no longer counts against the queue's limit.
  EXPECT_TRUE(store_->enqueue(job("c", 3), 1).ok());
}

TEST_P(StoreTest, CancelRunningJobTakesTheLeaseAway) {
  enqueue("j", 1);
  ASSERT_TRUE(claim("w1", 1000).has_value());
  ASSERT_TRUE(store_->heartbeat("j", "w1", 1100, kLease, 2, 9).ok());
  auto c = store_->cancel("j", 1200);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->state, JobState::kCancelled);
  EXPECT_EQ(c->progress_done, 2);  // the progress it had, for the record
  EXPECT_EQ(c->lease_until_ms, 0);
  // The worker holding it can neither renew, complete, fail nor release it.
  Status hb = store_->heartbeat("j", "w1", 1300, kLease, 3, 9);
  EXPECT_EQ(hb.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(hb.message(), "job j is not held by worker w1 (it is cancelled)");
  EXPECT_EQ(store_->complete("j", "w1", 1400, Bytes{7}).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->fail("j", "w1", 1400, "x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->release("j", "w1").code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(store_->get_result("j")->has_value());
  JobRecord j = get("j");
  EXPECT_EQ(j.state, JobState::kCancelled);
  EXPECT_EQ(j.finished_ms, 1200);
  // Its lease having been taken, it is not claimed as an expired job either.
  EXPECT_FALSE(claim("w2", 1000000).has_value());
  auto counts = store_->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->cancelled, 1);
  EXPECT_EQ(counts->running, 0);
}

TEST_P(StoreTest, CancelRefusesFinishedAndUnknownJobs) {
  enqueue("done", 1);
  enqueue("failed", 2);
  enqueue("twice", 3);
  ASSERT_TRUE(claim("w", 100).has_value());
  ASSERT_TRUE(claim("w", 100).has_value());
  ASSERT_TRUE(store_->complete("done", "w", 200, Bytes{1}).ok());
  ASSERT_TRUE(store_->fail("failed", "w", 200, "bad").ok());
  ASSERT_TRUE(store_->cancel("twice", 300).ok());
  auto done = store_->cancel("done", 400);
  EXPECT_EQ(done.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(done.status().message(), "job done is done; only a queued or running job can be cancelled");
  EXPECT_EQ(store_->cancel("failed", 400).status().code(), StatusCode::kFailedPrecondition);
  auto again = store_->cancel("twice", 400);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(), "job twice is cancelled; only a queued or running job can be cancelled");
  EXPECT_EQ(store_->cancel("nothing", 400).status().code(), StatusCode::kNotFound);
  // Refusals change nothing.
  EXPECT_EQ(get("done").state, JobState::kDone);
  EXPECT_EQ(get("done").finished_ms, 200);
  EXPECT_TRUE(store_->get_result("done")->has_value());
  EXPECT_EQ(get("failed").error, "bad");
  EXPECT_EQ(get("twice").finished_ms, 300);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

using PostgresStoreTest = StoreTest;

// The server ends the store's session (a restart, a failover, an administrator): the next call
// reconnects, whether it reads or starts a transaction.
TEST_P(PostgresStoreTest, ReconnectsWhenTheServerDropsTheConnection) {
  enqueue("j", 1);
  const std::string kick = "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '" +
                           database_ + "' AND pid <> pg_backend_pid()";
  ASSERT_TRUE(shared_postgres().server->execute("postgres", kick).ok());
  auto c = store_->counts();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->queued, 1);
  ASSERT_TRUE(shared_postgres().server->execute("postgres", kick).ok());
  auto claimed = claim("w", 10);
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->id, "j");
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresStoreTest, ::testing::Values(Backend::kPostgres), backend_name);

TEST(OpenStore, RejectsMalformedSpecs) {
  for (const char* spec : {"", "sqlite:", "mysql://user:secret@db/zkcc", "postgres:", "SQLITE", "file.db"}) {
    auto s = open_store(spec, "/tmp");
    ASSERT_FALSE(s.ok()) << spec;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << spec;
    EXPECT_EQ(s.status().message().find("secret"), std::string::npos) << s.status().message();
  }
  auto unknown = open_store("mysql://user:secret@db/zkcc", "/tmp");
  EXPECT_EQ(unknown.status().message(),
            "unknown job store \"mysql://...\": expected \"sqlite\", \"sqlite:PATH\", \"postgres://...\" or "
            "\"postgresql://...\"");
  EXPECT_EQ(open_store("sqlite", "").status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenStore, SqliteCreatesAPrivateDataDirectory) {
  fs::path dir = make_temp_dir();
  fs::path data = dir / "state" / "data";
  auto s = open_store("sqlite", data.string());
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_TRUE(fs::exists(data / "zkcc.db"));
  struct stat st {};
  ASSERT_EQ(stat(data.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  s->reset();
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(OpenStore, UnreachablePostgresIsUnavailable) {
  auto s = open_store("postgresql:///zkcc?host=/nonexistent-zkcc-socket-dir&port=1&user=zkcc", "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(s.status().message().starts_with("cannot connect to PostgreSQL: ")) << s.status().message();
}

TEST(JobState, NamesRoundTrip) {
  for (JobState s : kAllJobStates) EXPECT_EQ(parse_job_state(job_state_name(s)), s);
  EXPECT_EQ(job_state_name(JobState::kCancelled), "cancelled");
  EXPECT_EQ(job_state_name(JobState::kRunning), "running");
  EXPECT_FALSE(parse_job_state("Running").has_value());
  EXPECT_FALSE(parse_job_state("").has_value());
}

}  // namespace
}  // namespace zkcc::service
