// prove-server's HTTP API, driven over loopback: a Server on 127.0.0.1 with an ephemeral port, the
// simulated platform and a SQLite store in a temporary directory (and, where this machine can run
// one, a PostgreSQL server started for the test), and an HTTP client.
#include "zkcc/service/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "postgres_fixture.h"
#include "zkcc/base/bytes.h"
#include "zkcc/base/json.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/sim/attester.h"
#include "zkcc/tee/sim/platform.h"

namespace zkcc::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kToken[] = "test-token-0123456789abcdef";
constexpr char kOtherToken[] = "test-token-fedcba9876543210";

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::string file_text(const std::string& path) {
  auto b = read_file(path);
  EXPECT_TRUE(b.ok()) << path;
  return b.ok() ? text(*b) : "";
}

// The body as JSON; a test fails when it is not an object.
json body_of(const httplib::Result& r) {
  if (!r) return json();
  json j = json::parse(r->body, nullptr, false);
  EXPECT_TRUE(j.is_object()) << r->status << " " << r->body.substr(0, 200);
  return j;
}

// An error response: the status and a JSON object with a non-empty "error".
void expect_error(const httplib::Result& r, int status, const std::string& what = "") {
  ASSERT_TRUE(r) << what << ": no response";
  EXPECT_EQ(r->status, status) << what << ": " << r->body.substr(0, 300);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << what;
  json j = body_of(r);
  ASSERT_TRUE(j.is_object()) << what;
  ASSERT_TRUE(j.contains("error") && j["error"].is_string()) << what << ": " << r->body;
  EXPECT_FALSE(j["error"].get<std::string>().empty()) << what;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "zkcc-server-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void TearDown() override {
    if (server_) server_->stop(std::chrono::milliseconds(0));
    server_.reset();
    pg_.reset();  // after the server: its store connections go first
  }

  // Options for a server on an ephemeral loopback port with its own data directory (the simulated
  // platform's keys are shared by every test, as they take a moment to make).
  ServerOptions options(const std::string& name) {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.version = "test";
    o.models_dir = "models";
    o.tokens = *TokenSet::parse(kToken, "test");
    o.rate_per_sec = 0;
    o.worker.data_dir = (root_ / name).string();
    o.worker.platform.platform = "sim";
    o.worker.platform.sim_dir = (root_ / "sim").string();
    o.worker.poll_ms = 50;
    o.worker.heartbeat_ms = 200;
    o.worker.lease_ms = 2000;
    return o;
  }

  void start(ServerOptions o) {
    auto s = Server::start(std::move(o));
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    server_ = std::move(*s);
  }

  // A server without workers (jobs stay queued), for the API alone; max_body_bytes 0 keeps the
  // default body limit.
  void start_api_only(const std::string& name, size_t max_body_bytes = 0) {
    ServerOptions o = options(name);
    o.worker.threads = 0;
    if (max_body_bytes > 0) o.max_body_bytes = max_body_bytes;
    start(std::move(o));
  }

  // A PostgreSQL server (pg_) with an empty database `name`, and the server started on it with
  // `workers` threads. Skips when this machine cannot run PostgreSQL, unless
  // testing::postgres_required(); callers return when IsSkipped() or HasFatalFailure().
  void start_on_postgres(const std::string& name, int workers) {
    auto pg = testing::PostgresServer::start();
    if (!pg.ok() && pg.status().code() == StatusCode::kFailedPrecondition && !testing::postgres_required()) {
      GTEST_SKIP() << pg.status().message();
    }
    ASSERT_TRUE(pg.ok()) << pg.status().to_string();
    pg_ = std::move(*pg);
    auto uri = pg_->create_database(name);
    ASSERT_TRUE(uri.ok()) << uri.status().to_string();
    ServerOptions o = options(name);
    o.worker.store = *uri;
    o.worker.threads = workers;
    start(std::move(o));
  }

  std::unique_ptr<httplib::Client> client(const std::string& token = kToken) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(60, 0);
    if (!token.empty()) c->set_default_headers({{"Authorization", "Bearer " + token}});
    return c;
  }

  // Registers the digits model by path, with its calibration set; returns its id.
  std::string register_digits(httplib::Client& c) {
    auto r = c.Post("/api/v1/models", R"({"path": "digits/mlp.onnx", "calibration_path": "digits/calibration.json"})",
                    "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_TRUE(r->status == 201 || r->status == 200) << r->body;
    return body_of(r).value("model_id", "");
  }

  std::string submit(httplib::Client& c, const std::string& model_id, const std::string& level,
                     const std::string& input_file = "models/digits/inputs/heldout_000.json") {
    json req = {{"model_id", model_id}, {"input", json::parse(file_text(input_file))}, {"level", level}};
    auto r = c.Post("/api/v1/prove", req.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    return body_of(r).value("job_id", "");
  }

  // Polls the job until it is done or failed (or the time runs out); returns its last status.
  json wait_for(httplib::Client& c, const std::string& job, std::chrono::seconds limit = std::chrono::seconds(120)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = c.Get("/api/v1/jobs/" + job);
      if (r && r->status == 200) {
        last = body_of(r);
        std::string s = last.value("status", "");
        if (s == "done" || s == "failed") return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "job " << job << " did not finish: " << last.dump();
    return last;
  }

  static fs::path root_;
  std::unique_ptr<testing::PostgresServer> pg_;
  std::unique_ptr<Server> server_;
};

fs::path ServerTest::root_;

TEST_F(ServerTest, RegisterProvePollFetchVerify) {
  start(options("flow"));
  auto c = client();

  // Health, before anything is registered.
  auto h = c->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  json health = body_of(h);
  for (const char* key : {"status", "uptime_secs", "version", "gpu_available", "tee_available", "cpu_tee_available",
                          "cpu_platform", "full_stack_cc", "security_level", "loaded_models", "queued_jobs",
                          "active_jobs"}) {
    EXPECT_TRUE(health.contains(key)) << key;
  }
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["version"], "test");
  EXPECT_EQ(health["attestation"], "simulated");
  EXPECT_EQ(health["loaded_models"], 0);

  // Register the model twice: as the ONNX body (interval default) and by path with calibration.
  std::string onnx = file_text("models/digits/mlp.onnx");
  auto up = c->Post("/api/v1/models?input_range=1&name=digits", onnx, "application/octet-stream");
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 201) << up->body;
  json uploaded = body_of(up);
  EXPECT_EQ(uploaded["name"], "digits");
  EXPECT_EQ(uploaded["input_shape"], json::array({1, 64}));
  EXPECT_EQ(uploaded["calibrated"], false);
  EXPECT_GT(uploaded["layers"].get<int>(), 0);
  auto again = c->Post("/api/v1/models?input_range=1&name=digits", onnx, "application/octet-stream");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);  // the same model: already registered
  EXPECT_EQ(body_of(again)["model_id"], uploaded["model_id"]);

  const std::string model_id = register_digits(*c);
  ASSERT_FALSE(model_id.empty());
  EXPECT_NE(model_id, uploaded["model_id"]);  // calibration gives other scales, so another model
  auto list = c->Get("/api/v1/models");
  ASSERT_TRUE(list);
  EXPECT_EQ(body_of(list)["models"].size(), 2u);
  auto one = c->Get("/api/v1/models/" + model_id);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(body_of(one)["commitment"], model_id);

  // Prove at full-cc on the simulated platform.
  const std::string job = submit(*c, model_id, "full-cc");
  ASSERT_EQ(job.size(), 32u);
  json status = wait_for(*c, job);
  ASSERT_EQ(status["status"], "done") << status.dump();
  EXPECT_EQ(status["level"], "full-cc");
  EXPECT_EQ(status["attempts"], 1);
  EXPECT_GT(status["progress"]["layers_total"].get<int>(), 0);
  EXPECT_EQ(status["progress"]["layers_done"], status["progress"]["layers_total"]);
  EXPECT_TRUE(status["timings"].contains("run_ms"));

  auto res = c->Get("/api/v1/jobs/" + job + "/result");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json result = body_of(res);
  EXPECT_EQ(result["job_id"], job);
  EXPECT_EQ(result["model_id"], model_id);
  EXPECT_EQ(result["summary"]["level"], "full-cc");
  EXPECT_EQ(result["summary"]["top1"], json::array({7}));
  for (const char* f : {"model_commitment.bin", "output.json", "bundle.json", "receipt.json", "calldata.json", "proof.bin"}) {
    EXPECT_TRUE(result["files"].contains(f)) << f;
  }
  // The input is private: the result carries neither it nor the weights (model_commitment.bin is the model's
  // commitment).
  EXPECT_FALSE(result["files"].contains("public_input.json"));
  // The receipt's job id is the job's.
  EXPECT_EQ(result["files"]["receipt.json"]["job_id"], "0x" + job.substr(job.find_first_not_of('0')));

  // The result verifies: every check, really computed.
  auto v = c->Post("/api/v1/verify", result.dump(), "application/json");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->status, 200) << v->body;
  json verdict = body_of(v);
  EXPECT_EQ(verdict["verified"], true) << verdict["failed"].dump();
  EXPECT_EQ(verdict["kind"], "result");
  EXPECT_GT(verdict["checks"].get<int>(), 20);

  // So does its evidence bundle alone.
  auto vb = c->Post("/api/v1/verify", result["files"]["bundle.json"].dump(), "application/json");
  ASSERT_TRUE(vb);
  json bverdict = body_of(vb);
  EXPECT_EQ(bverdict["verified"], true) << bverdict["failed"].dump();
  EXPECT_EQ(bverdict["kind"], "bundle");

  // A changed output, a changed proof byte and a changed bundle each fail, naming the check.
  json tampered = result;
  auto& q = tampered["files"]["output.json"]["outputs"][0]["quantized"];
  q[0] = q[0].get<int64_t>() + 1;
  auto vt = c->Post("/api/v1/verify", json{{"result", tampered}}.dump(), "application/json");
  ASSERT_TRUE(vt);
  ASSERT_EQ(vt->status, 200) << vt->body;
  EXPECT_EQ(body_of(vt)["verified"], false);
  EXPECT_FALSE(body_of(vt)["failed"].empty());

  json tampered_proof = result;
  Bytes proof = *from_base64(result["files"]["proof.bin"].get<std::string>());
  proof[proof.size() / 2] ^= 1;
  tampered_proof["files"]["proof.bin"] = to_base64(proof);
  auto vp = c->Post("/api/v1/verify", tampered_proof.dump(), "application/json");
  ASSERT_TRUE(vp);
  EXPECT_EQ(body_of(vp)["verified"], false);

  json bundle = result["files"]["bundle.json"];
  bundle["statement"] = "0x2a";
  auto vbt = c->Post("/api/v1/verify", bundle.dump(), "application/json");
  ASSERT_TRUE(vbt);
  EXPECT_EQ(body_of(vbt)["verified"], false);

  // The model named by model_id must be the result's.
  json other_model = result;
  other_model["model_id"] = uploaded["model_id"];
  auto vm = c->Post("/api/v1/verify", other_model.dump(), "application/json");
  ASSERT_TRUE(vm);
  EXPECT_EQ(body_of(vm)["verified"], false);

  // A verifier that does not know the model: the result carries the model's commitment, so it
  // verifies with nothing else; without model_commitment.bin the model must be registered there.
  ServerOptions o2 = options("flow-other");
  start(std::move(o2));
  auto c2 = client();
  auto known = c2->Post("/api/v1/verify", result.dump(), "application/json");
  ASSERT_TRUE(known);
  EXPECT_EQ(body_of(known)["verified"], true) << known->body;
  json bare = result;
  bare["files"].erase("model_commitment.bin");
  auto unknown = c2->Post("/api/v1/verify", bare.dump(), "application/json");
  expect_error(unknown, 404, "verify without the model");

  // Metrics.
  auto m = c2->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("# TYPE zkcc_proving_seconds histogram"), std::string::npos);
  EXPECT_NE(m->body.find("zkcc_verification_failures_total"), std::string::npos);
  EXPECT_NE(m->body.find("zkcc_attestation_failures_total"), std::string::npos);
}

// POST /api/v1/verify honours a minimum level: the server's policy's, which a request's
// "min_level" can raise but never lower. A bundle below it is refused naming the check, one at or
// above it verifies; the reply's summary line says which level and platforms were reached.
TEST_F(ServerTest, VerifyRefusesABundleBelowTheRequiredLevel) {
  start_api_only("min-level");
  auto sim = tee::sim::SimPlatform::open(root_ / "sim");  // the server's own simulated platform
  ASSERT_TRUE(sim.ok()) << sim.status().to_string();
  auto make = [&](unsigned gpus) {
    auto cpu = tee::sim::make_cpu_attester(*sim, tee::CpuPlatform::kSevSnp);
    EXPECT_TRUE(cpu.ok());
    std::unique_ptr<tee::GpuAttester> gpu;
    if (gpus > 0) gpu = std::move(*tee::sim::make_gpu_attester(*sim, gpus));
    auto a = tee::attest(Felt252::from_u64(42), tee::SecurityLevel::kAuto, cpu->get(), gpu.get());
    EXPECT_TRUE(a.ok()) << a.status().to_string();
    return tee::bundle_to_json(*a);
  };
  const json tee_bundle = make(0), full_bundle = make(1);
  auto c = client();
  auto post = [&](const json& body) {
    auto r = c->Post("/api/v1/verify", body.dump(), "application/json");
    EXPECT_TRUE(r);
    EXPECT_EQ(r ? r->status : 0, 200) << (r ? r->body : "");
    return body_of(r);
  };
  const std::string min_check = "policy: minimum level full-cc";

  // No level required: both verify.
  json v = post({{"bundle", tee_bundle}});
  EXPECT_EQ(v["verified"], true) << v["failed"].dump();
  EXPECT_EQ(v["summary"], "VERIFIED: tee, SEV-SNP, SIMULATED test roots");
  // The request requires full-cc: the tee bundle is refused by that check alone.
  v = post({{"bundle", tee_bundle}, {"min_level", "full-cc"}});
  EXPECT_EQ(v["verified"], false);
  EXPECT_EQ(v["failed"], json::array({min_check + ": the evidence reaches only tee"}));
  EXPECT_EQ(v["summary"], "REJECTED: tee, SEV-SNP, SIMULATED test roots (failed: " + min_check + ")");
  v = post({{"bundle", full_bundle}, {"min_level", "full-cc"}});
  EXPECT_EQ(v["verified"], true) << v["failed"].dump();
  EXPECT_EQ(v["summary"], "VERIFIED: full-cc, SEV-SNP + 1 H100, SIMULATED test roots");
  v = post({{"bundle", tee_bundle}, {"min_level", "tee"}});
  EXPECT_EQ(v["verified"], true) << v["failed"].dump();
  // The same requirement in a request's policy.
  v = post({{"bundle", tee_bundle}, {"policy", {{"min_level", "full-cc"}}}});
  EXPECT_EQ(v["failed"], json::array({min_check + ": the evidence reaches only tee"}));
  for (const json& bad : {json("auto"), json("high"), json(3)}) {
    expect_error(c->Post("/api/v1/verify", json{{"bundle", tee_bundle}, {"min_level", bad}}.dump(), "application/json"), 400,
                 "min_level " + bad.dump());
  }

  // The server's policy requires full-cc: a request cannot lower that.
  ServerOptions o = options("min-level-policy");
  o.worker.threads = 0;
  o.policy.emplace();
  o.policy->min_level = tee::SecurityLevel::kFullCc;
  start(std::move(o));
  c = client();
  v = post({{"bundle", tee_bundle}, {"min_level", "tee"}});
  EXPECT_EQ(v["verified"], false);
  EXPECT_EQ(v["failed"], json::array({min_check + ": the evidence reaches only tee"}));
  v = post(tee_bundle);
  EXPECT_EQ(v["verified"], false);
  v = post(full_bundle);
  EXPECT_EQ(v["verified"], true) << v["failed"].dump();
}

TEST_F(ServerTest, MetricsCountJobsAndVerifications) {
  start(options("metrics"));
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string job = submit(*c, model_id, "tee");
  ASSERT_EQ(wait_for(*c, job)["status"], "done");
  auto res = c->Get("/api/v1/jobs/" + job + "/result");
  ASSERT_TRUE(res);
  json result = body_of(res);
  json bad = result["files"]["bundle.json"];
  bad["combined_hash"] = "0x1";
  ASSERT_TRUE(c->Post("/api/v1/verify", result.dump(), "application/json"));
  ASSERT_TRUE(c->Post("/api/v1/verify", bad.dump(), "application/json"));
  // An edited receipt (its job id, or its hash) is a result that does not verify, not a bad request.
  for (const char* field : {"job_id", "receipt_hash"}) {
    json edited = result;
    edited["files"]["receipt.json"][field] = "0x2a";
    auto v = c->Post("/api/v1/verify", edited.dump(), "application/json");
    ASSERT_TRUE(v);
    ASSERT_EQ(v->status, 200) << field << ": " << v->body.substr(0, 300);
    EXPECT_EQ(body_of(v)["verified"], false) << field;
    ASSERT_FALSE(body_of(v)["failed"].empty()) << field;
    EXPECT_NE(body_of(v)["failed"][0].get<std::string>().find("receipt_hash"), std::string::npos) << v->body;
  }
  auto m = c->Get("/metrics");
  ASSERT_TRUE(m);
  const std::string& t = m->body;
  EXPECT_NE(t.find("zkcc_jobs{state=\"done\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("zkcc_jobs{state=\"queued\"} 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("zkcc_proving_seconds_count 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("zkcc_verifications_total 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("zkcc_verification_failures_total 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("zkcc_jobs_finished_total{result=\"done\"} 1\n"), std::string::npos) << t;
}

TEST_F(ServerTest, LevelIsHonouredExactly) {
  // A platform with neither a CPU TEE nor a GPU: tee and full-cc cannot be met and fail the job
  // with the reason; zk-only and auto prove without evidence.
  ServerOptions o = options("levels");
  o.worker.platform.sim_cpu = tee::CpuPlatform::kNone;
  o.worker.platform.sim_gpus = 0;
  start(std::move(o));
  auto c = client();
  const std::string model_id = register_digits(*c);
  for (const char* level : {"tee", "full-cc"}) {
    const std::string job = submit(*c, model_id, level);
    json s = wait_for(*c, job);
    EXPECT_EQ(s["status"], "failed") << level;
    EXPECT_NE(s.value("error", "").find(level), std::string::npos) << s.dump();
    auto r = c->Get("/api/v1/jobs/" + job + "/result");
    expect_error(r, 409, level);
    EXPECT_EQ(body_of(r)["status"], "failed");
  }
  for (const char* level : {"zk-only", "auto"}) {
    const std::string job = submit(*c, model_id, level);
    EXPECT_EQ(wait_for(*c, job)["status"], "done") << level;
    auto r = c->Get("/api/v1/jobs/" + job + "/result");
    ASSERT_TRUE(r);
    EXPECT_EQ(body_of(r)["summary"]["level"], level);
  }
  auto m = c->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("zkcc_attestation_failures_total 2\n"), std::string::npos) << m->body;
  auto h = c->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(body_of(h)["levels_available"], json::array({"auto", "zk-only"}));
}

TEST_F(ServerTest, AuthFailures) {
  ServerOptions o = options("auth");
  o.tokens.add(*TokenSet::parse(kOtherToken, "test"));
  start(std::move(o));
  for (const std::string& header : {std::string(""), std::string("Bearer wrong-token-0123456789"),
                                    std::string("Bearer ") + kToken + "x", std::string("Basic ") + kToken,
                                    std::string("Bearer"), std::string("Bearer ") + std::string(kToken).substr(1)}) {
    httplib::Client c("127.0.0.1", server_->port());
    if (!header.empty()) c.set_default_headers({{"Authorization", header}});
    for (const char* path : {"/api/v1/models", "/api/v1/jobs", "/api/v1/jobs?state=queued&limit=5",
                             "/api/v1/jobs/00000000000000000000000000000000"}) {
      auto r = c.Get(path);
      expect_error(r, 401, header + " " + path);
      EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"zkcc\"");
    }
    auto p = c.Post("/api/v1/prove", "{}", "application/json");
    expect_error(p, 401, header + " prove");
    expect_error(c.Delete("/api/v1/jobs/00000000000000000000000000000000"), 401, header + " cancel");
  }
  // Both tokens work, with the scheme in any case; /health and /metrics need none.
  EXPECT_EQ(client(kToken)->Get("/api/v1/models")->status, 200);
  EXPECT_EQ(client(kOtherToken)->Get("/api/v1/models")->status, 200);
  httplib::Client lower("127.0.0.1", server_->port());
  lower.set_default_headers({{"Authorization", std::string("bearer ") + kToken}});
  EXPECT_EQ(lower.Get("/api/v1/models")->status, 200);
  EXPECT_EQ(client("")->Get("/health")->status, 200);
  EXPECT_EQ(client("")->Get("/metrics")->status, 200);
  auto m = client("")->Get("/metrics");
  EXPECT_NE(m->body.find("zkcc_auth_failures_total 36\n"), std::string::npos) << m->body;
}

TEST_F(ServerTest, RefusesOpenNonLoopbackAddress) {
  ServerOptions o = options("open");
  o.host = "0.0.0.0";
  o.tokens = TokenSet();
  auto s = Server::start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("token"), std::string::npos);
  // With a token, or with insecure, it starts.
  o.insecure = true;
  o.worker.threads = 0;
  auto insecure = Server::start(o);
  ASSERT_TRUE(insecure.ok()) << insecure.status().to_string();
  (*insecure)->stop();
  // On loopback without tokens, the API is open.
  ServerOptions open = options("open-loopback");
  open.tokens = TokenSet();
  open.worker.threads = 0;
  start(std::move(open));
  EXPECT_EQ(client("")->Get("/api/v1/models")->status, 200);
}

TEST_F(ServerTest, OversizedAndMalformedBodies) {
  start_api_only("malformed", 64 << 10);
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string input = file_text("models/digits/inputs/heldout_000.json");

  expect_error(c->Post("/api/v1/models", std::string(100 << 10, 'x'), "application/octet-stream"), 413, "big model");
  expect_error(c->Post("/api/v1/verify", std::string(100 << 10, ' '), "application/json"), 413, "big verify");

  struct Case {
    const char* path;
    std::string body;
    const char* type;
    int status;
  };
  const Case cases[] = {
      {"/api/v1/prove", "{", "application/json", 400},
      {"/api/v1/prove", "[]", "application/json", 400},
      {"/api/v1/prove", "", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"model_id\": \"0x1\", \"input\": " + input + "}",
       "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + input + "}", "text/plain", 415},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + input + "}", "", 415},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + input + ", \"x\": 1}", "application/json",
       400},
      {"/api/v1/prove", "{\"input\": " + input + "}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\"}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": 7, \"input\": " + input + "}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"../../etc\", \"input\": " + input + "}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": [1, 2, 3]}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": [[1], [2, 3]]}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": \"x\"}", "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + input + ", \"level\": \"max\"}",
       "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + input + ", \"worker\": \"0xzz\"}",
       "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + input + ", \"sage_amount\": \"-1\"}",
       "application/json", 400},
      {"/api/v1/prove", "{\"model_id\": \"0x1234\", \"input\": " + input + "}", "application/json", 404},
      {"/api/v1/models", "not onnx at all", "application/octet-stream", 400},
      {"/api/v1/models", "", "application/octet-stream", 400},
      {"/api/v1/models", "{}", "application/json", 400},
      {"/api/v1/models", "{\"path\": 1}", "application/json", 400},
      {"/api/v1/models", "{\"path\": \"digits/mlp.onnx\", \"input_range\": -1}", "application/json", 400},
      {"/api/v1/models", "{\"path\": \"digits/mlp.onnx\", \"calibration\": 5}", "application/json", 400},
      {"/api/v1/models", "{\"path\": \"digits/mlp.onnx\", \"calibration\": [[1, 2]]}", "application/json", 400},
      {"/api/v1/models", "{\"path\": \"digits/mlp.onnx\", \"extra\": true}", "application/json", 400},
      {"/api/v1/models", "{\"path\": \"digits/missing.onnx\"}", "application/json", 404},
      {"/api/v1/models", "{\"path\": \"../CMakeLists.txt\"}", "application/json", 403},
      {"/api/v1/models", "{\"path\": \"digits/../../CMakeLists.txt\"}", "application/json", 403},
      {"/api/v1/models", "{\"path\": \"/etc/passwd\"}", "application/json", 403},
      {"/api/v1/models", "{\"path\": \"digits/calibration.json\"}", "application/json", 400},
      {"/api/v1/models", "x", "image/png", 415},
      {"/api/v1/verify", "{\"hello\": 1}", "application/json", 400},
      {"/api/v1/verify", "{\"files\": 3}", "application/json", 400},
      {"/api/v1/verify", "{\"files\": {\"evil.sh\": \"\"}}", "application/json", 400},
      {"/api/v1/verify", "{\"files\": {\"proof.bin\": \"!!\"}, \"model_id\": \"" + model_id + "\"}",
       "application/json", 400},
      {"/api/v1/verify", "{\"files\": {}, \"model_id\": \"" + model_id + "\"}", "application/json", 400},
      {"/api/v1/verify", "{\"result\": {}, \"bundle\": {}}", "application/json", 400},
      {"/api/v1/verify", "{\"bundle\": {\"version\": 1}, \"at\": \"now\"}", "application/json", 400},
      {"/api/v1/verify", "{\"bundle\": {\"version\": 1}, \"policy\": 3}", "application/json", 400},
      {"/api/v1/verify", "{\"bundle\": 3}", "application/json", 400},
      {"/api/v1/verify", "{\"a\":{\"b\":1,\"b\":2}}", "application/json", 400},
      {"/api/v1/verify", "{\"combined_hash\": \"0x0\", \"version\": 1}", "text/json", 415},
  };
  for (const Case& k : cases) {
    httplib::Headers headers;
    auto r = k.type[0] ? c->Post(k.path, k.body, k.type) : c->Post(k.path, headers, k.body, "");
    expect_error(r, k.status, std::string(k.path) + " " + k.body.substr(0, 120));
  }
  // A malformed bundle is verified and fails (it is well-formed JSON), rather than being an error.
  auto mb = c->Post("/api/v1/verify", "{\"combined_hash\": \"0x0\", \"version\": 1}", "application/json");
  ASSERT_TRUE(mb);
  EXPECT_EQ(mb->status, 200);
  EXPECT_EQ(body_of(mb)["verified"], false);

  // Unknown endpoints and wrong methods.
  expect_error(c->Get("/api/v1/nothing"), 404, "unknown endpoint");
  expect_error(c->Get("/nothing"), 404, "unknown endpoint");
  expect_error(c->Get("/api/v1/prove"), 405, "GET prove");
  expect_error(c->Delete("/api/v1/models"), 405, "DELETE models");
  expect_error(c->Post("/health", "", "application/json"), 405, "POST health");
  // Nothing above crashed the server or queued a job.
  auto h = c->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(body_of(h)["queued_jobs"], 0);
}

TEST_F(ServerTest, DeeplyNestedJsonIsRefused) {
  start_api_only("deep");
  auto c = client();
  const std::string model_id = register_digits(*c);
  const size_t n = 1 << 20;  // far beyond what a recursive copy or dump survives
  const std::string arrays = std::string(n, '[') + std::string(n, ']');
  std::string objects;
  for (size_t i = 0; i < n / 8; ++i) objects += "{\"a\":";
  objects += "1" + std::string(n / 8, '}');
  expect_error(c->Post("/api/v1/prove", "{\"model_id\": \"" + model_id + "\", \"input\": " + arrays + "}",
                       "application/json"),
               400, "deep input");
  expect_error(c->Post("/api/v1/verify", "{\"files\": " + objects + "}", "application/json"), 400, "deep result");
  expect_error(c->Post("/api/v1/models", "{\"path\": \"x\", \"calibration\": " + arrays + "}", "application/json"),
               400, "deep calibration");
  // Brackets inside strings do not count; 64 levels are fine.
  std::string nested = std::string(60, '[') + "1" + std::string(60, ']');
  auto r = c->Post("/api/v1/verify", "{\"bundle\": {\"version\": 1, \"x\": \"" + std::string(1000, '[') + "\", \"y\": " +
                                         nested + "}}",
                   "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body.substr(0, 300);
  EXPECT_EQ(c->Get("/health")->status, 200);
}

// A body parsed into a document (verify, a model by path) holds at most 2^21 values, counted
// before it is parsed: a few MiB of empty arrays or objects would otherwise take a GiB. Prove
// requests build no document, so only their input's shape bounds them.
TEST_F(ServerTest, DocumentBodiesAreCappedInValues) {
  start_api_only("values");
  auto c = client();
  const size_t cap = size_t{1} << 21;
  auto values = [](const std::string& item, size_t n) {  // the array and n - 1 items
    std::string a = "[" + item;
    a.reserve(n * (item.size() + 1));
    for (size_t i = 2; i < n; ++i) a += "," + item;
    return a + "]";
  };
  for (const std::string& item : {std::string("[]"), std::string("{}"), std::string("0")}) {
    auto over = c->Post("/api/v1/verify", "{\"result\": " + values(item, cap) + "}", "application/json");
    expect_error(over, 413, "verify of " + item);
    EXPECT_NE(body_of(over).value("error", "").find("holds more than 2097152 values"), std::string::npos) << over->body;
  }
  expect_error(c->Post("/api/v1/models", "{\"path\": \"x\", \"calibration\": " + values("[]", cap) + "}",
                       "application/json"),
               413, "calibration of empty arrays");
  // Exactly 2^21 values (the object, the array and its numbers) are parsed, and refused for what
  // they are; commas and brackets in strings do not count.
  auto under = c->Post("/api/v1/verify", "{\"result\": " + values("0", cap - 1) + "}", "application/json");
  expect_error(under, 400, "just under the cap");
  EXPECT_EQ(body_of(under).value("error", "").find("values"), std::string::npos) << under->body;
  auto strings = c->Post("/api/v1/verify", "{\"bundle\": {\"version\": 1, \"x\": \"" + std::string(3 << 20, ',') + "\"}}",
                         "application/json");
  ASSERT_TRUE(strings);
  EXPECT_EQ(strings->status, 200) << strings->body.substr(0, 300);
}

TEST_F(ServerTest, SymlinkOutOfModelDirectoryIsRefused) {
  fs::path dir = root_ / "models-with-link";
  fs::create_directories(dir / "inside");
  fs::copy_file("models/digits/mlp.onnx", dir / "inside" / "mlp.onnx", fs::copy_options::overwrite_existing);
  fs::path outside = root_ / "outside.onnx";
  fs::copy_file("models/digits/mlp.onnx", outside, fs::copy_options::overwrite_existing);
  std::error_code ec;
  fs::remove(dir / "escape.onnx", ec);
  fs::remove(dir / "escape-dir", ec);
  fs::create_symlink(outside, dir / "escape.onnx");
  fs::create_directory_symlink(root_, dir / "escape-dir");
  fs::create_symlink(dir / "inside" / "mlp.onnx", dir / "link-inside.onnx");
  ServerOptions o = options("symlink");
  o.models_dir = dir.string();
  o.worker.threads = 0;
  start(std::move(o));
  auto c = client();
  expect_error(c->Post("/api/v1/models", R"({"path": "escape.onnx"})", "application/json"), 403, "file link");
  expect_error(c->Post("/api/v1/models", R"({"path": "escape-dir/outside.onnx"})", "application/json"), 403,
               "directory link");
  auto ok = c->Post("/api/v1/models", R"({"path": "inside/mlp.onnx"})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201) << ok->body;
  auto link = c->Post("/api/v1/models", R"({"path": "link-inside.onnx"})", "application/json");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->status, 200) << link->body;  // a link that stays inside is fine (and the same model)

  // Without a model directory, paths are refused altogether.
  ServerOptions none = options("no-models-dir");
  none.models_dir.clear();
  none.worker.threads = 0;
  start(std::move(none));
  auto c2 = client();
  expect_error(c2->Post("/api/v1/models", R"({"path": "digits/mlp.onnx"})", "application/json"), 403, "no dir");
}

TEST_F(ServerTest, UnknownIds) {
  start_api_only("unknown");
  auto c = client();
  expect_error(c->Get("/api/v1/jobs/0123456789abcdef0123456789abcdef"), 404, "unknown job");
  expect_error(c->Get("/api/v1/jobs/0123456789abcdef0123456789abcdef/result"), 404, "unknown job result");
  expect_error(c->Get("/api/v1/jobs/not-a-job"), 400, "malformed job id");
  expect_error(c->Get("/api/v1/jobs/0123456789ABCDEF0123456789ABCDEF"), 400, "upper-case job id");
  expect_error(c->Get("/api/v1/jobs/%2e%2e%2f%2e%2e%2fetc"), 404, "encoded traversal");
  expect_error(c->Get("/api/v1/models/0x1234"), 404, "unknown model");
  expect_error(c->Get("/api/v1/models/1234"), 400, "malformed model id");
}

TEST_F(ServerTest, QueueFullAndPendingResult) {
  ServerOptions o = options("queue");
  o.worker.threads = 0;  // nobody proves: jobs stay queued
  o.max_queued = 2;
  start(std::move(o));
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string first = submit(*c, model_id, "auto");
  submit(*c, model_id, "auto");
  json req = {{"model_id", model_id}, {"input", json::parse(file_text("models/digits/inputs/heldout_000.json"))}};
  auto full = c->Post("/api/v1/prove", req.dump(), "application/json");
  expect_error(full, 429, "queue full");
  EXPECT_FALSE(full->get_header_value("Retry-After").empty());
  auto h = c->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(body_of(h)["queued_jobs"], 2);
  EXPECT_EQ(body_of(h)["workers"], 0);

  auto s = c->Get("/api/v1/jobs/" + first);
  ASSERT_TRUE(s);
  EXPECT_EQ(body_of(s)["status"], "queued");
  EXPECT_EQ(body_of(s)["level"], "auto");
  auto r = c->Get("/api/v1/jobs/" + first + "/result");
  expect_error(r, 409, "pending result");
  EXPECT_EQ(body_of(r)["status"], "queued");

  // A server with workers on the same store proves what was queued.
  server_->stop();
  ServerOptions o2 = options("queue");
  start(std::move(o2));
  auto c2 = client();
  EXPECT_EQ(wait_for(*c2, first)["status"], "done");
}

TEST_F(ServerTest, AbandonedJobIsRetriedUntilTheAttemptLimit) {
  // A worker that claims jobs and dies at once (its lease simply runs out), then servers whose
  // workers find the jobs expired: retried below the attempt limit, failed at it.
  start_api_only("abandoned");
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string a = submit(*c, model_id, "full-cc");
  const std::string b = submit(*c, model_id, "full-cc");
  std::string retried, exhausted;
  {
    auto store = open_store("sqlite", (root_ / "abandoned").string());
    ASSERT_TRUE(store.ok()) << store.status().to_string();
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    // Both jobs claimed, then, their leases run out, one of them claimed again.
    std::set<std::string> claimed;
    for (int i = 0; i < 2; ++i) {
      auto job = (*store)->claim("dead-worker", now, 500, 3);
      ASSERT_TRUE(job.ok() && job->has_value());
      claimed.insert((*job)->id);
    }
    EXPECT_EQ(claimed, (std::set<std::string>{a, b}));
    auto again = (*store)->claim("dead-worker", now + 1000, 500, 3);
    ASSERT_TRUE(again.ok() && again->has_value());
    exhausted = (*again)->id;
    EXPECT_EQ((*again)->attempts, 2);
    retried = exhausted == a ? b : a;
  }
  auto s = c->Get("/api/v1/jobs/" + exhausted);
  ASSERT_TRUE(s);
  EXPECT_EQ(body_of(s)["status"], "running");
  EXPECT_EQ(body_of(s)["worker"], "dead-worker");
  server_->stop();
  ServerOptions o2 = options("abandoned");
  o2.worker.max_attempts = 2;
  start(std::move(o2));
  auto c2 = client();
  json first = wait_for(*c2, retried);
  EXPECT_EQ(first["status"], "done");
  EXPECT_EQ(first["attempts"], 2);
  json second = wait_for(*c2, exhausted);
  EXPECT_EQ(second["status"], "failed");
  EXPECT_EQ(second["attempts"], 2);
  EXPECT_NE(second.value("error", "").find("attempt limit"), std::string::npos) << second.dump();
}

// The ids of a listing's jobs, in order.
std::vector<std::string> listed_ids(const json& listing) {
  std::vector<std::string> out;
  if (!listing.contains("jobs") || !listing["jobs"].is_array()) return {"(no jobs array)"};
  for (const json& j : listing["jobs"]) out.push_back(j.value("job_id", ""));
  return out;
}

TEST_F(ServerTest, ListsJobsFilteredAndPaged) {
  ServerOptions o = options("list");
  o.worker.threads = 0;  // nobody proves: jobs stay queued
  start(std::move(o));
  auto c = client();
  const std::string model_id = register_digits(*c);
  std::vector<std::string> jobs;
  for (int i = 0; i < 3; ++i) {
    jobs.push_back(submit(*c, model_id, "auto"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct creation times
  }
  ASSERT_EQ(c->Delete("/api/v1/jobs/" + jobs[1])->status, 200);

  auto all = c->Get("/api/v1/jobs");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200) << all->body;
  json list = body_of(all);
  EXPECT_EQ(listed_ids(list), (std::vector<std::string>{jobs[2], jobs[1], jobs[0]}));  // newest first
  EXPECT_EQ(list["order"], "newest_first");
  EXPECT_EQ(list["limit"], 50);
  EXPECT_EQ(list["offset"], 0);
  EXPECT_TRUE(list["next_offset"].is_null());
  EXPECT_TRUE(list["state"].is_null());
  const json& newest = list["jobs"][0];
  EXPECT_EQ(newest["model_id"], model_id);
  EXPECT_EQ(newest["status"], "queued");
  EXPECT_EQ(newest["attempts"], 0);
  EXPECT_TRUE(newest["timings"].contains("created_at")) << newest.dump();
  EXPECT_TRUE(newest.contains("progress")) << newest.dump();
  EXPECT_EQ(list["jobs"][1]["status"], "cancelled");

  auto queued = c->Get("/api/v1/jobs?state=queued");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, 200);
  EXPECT_EQ(listed_ids(body_of(queued)), (std::vector<std::string>{jobs[2], jobs[0]}));
  EXPECT_EQ(body_of(queued)["state"], "queued");
  auto cancelled = c->Get("/api/v1/jobs?state=cancelled");
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(listed_ids(body_of(cancelled)), std::vector<std::string>{jobs[1]});
  auto done = c->Get("/api/v1/jobs?state=done");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
  EXPECT_TRUE(listed_ids(body_of(done)).empty());

  auto page1 = c->Get("/api/v1/jobs?limit=2");
  ASSERT_TRUE(page1);
  EXPECT_EQ(listed_ids(body_of(page1)), (std::vector<std::string>{jobs[2], jobs[1]}));
  EXPECT_EQ(body_of(page1)["next_offset"], 2);
  auto page2 = c->Get("/api/v1/jobs?limit=2&offset=2");
  ASSERT_TRUE(page2);
  EXPECT_EQ(listed_ids(body_of(page2)), std::vector<std::string>{jobs[0]});
  EXPECT_TRUE(body_of(page2)["next_offset"].is_null());
  auto filtered_page = c->Get("/api/v1/jobs?state=queued&limit=1&offset=1");
  ASSERT_TRUE(filtered_page);
  EXPECT_EQ(listed_ids(body_of(filtered_page)), std::vector<std::string>{jobs[0]});
  auto max = c->Get("/api/v1/jobs?limit=500&offset=0");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->status, 200);

  // An unknown state names the ones there are.
  auto bad_state = c->Get("/api/v1/jobs?state=finished");
  expect_error(bad_state, 400, "unknown state");
  EXPECT_EQ(body_of(bad_state)["allowed_states"],
            (json{"queued", "running", "done", "failed", "cancelled"}));
  EXPECT_NE(body_of(bad_state).value("error", "").find("queued, running, done, failed, cancelled"),
            std::string::npos);
  auto bad_limit = c->Get("/api/v1/jobs?state=queued&limit=0");
  expect_error(bad_limit, 400, "bad limit beside a good state");
  EXPECT_FALSE(body_of(bad_limit).contains("allowed_states"));
  for (const char* query : {"state=", "state=Queued", "limit=0", "limit=501", "limit=abc", "limit=-1", "limit=+5",
                            "limit=%205", "limit=", "limit=99999999999999999999", "offset=-1", "offset=x",
                            "offset=1e3", "offset=1.5", "offset=", "offset=99999999999999999999",
                            "limit=5&limit=6", "page=2", "cursor=abc"}) {
    expect_error(c->Get(std::string("/api/v1/jobs?") + query), 400, query);
  }
}

TEST_F(ServerTest, CancelsQueuedJobsAndRefusesFinishedOnes) {
  start_api_only("cancel");
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string first = submit(*c, model_id, "auto");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string second = submit(*c, model_id, "auto");

  auto del = c->Delete("/api/v1/jobs/" + first);
  ASSERT_TRUE(del);
  ASSERT_EQ(del->status, 200) << del->body;
  EXPECT_EQ(body_of(del)["job_id"], first);
  EXPECT_EQ(body_of(del)["status"], "cancelled");
  EXPECT_TRUE(body_of(del)["timings"].contains("finished_at")) << del->body;
  auto s = c->Get("/api/v1/jobs/" + first);
  ASSERT_TRUE(s);
  EXPECT_EQ(body_of(s)["status"], "cancelled");
  auto r = c->Get("/api/v1/jobs/" + first + "/result");
  expect_error(r, 409, "cancelled result");
  EXPECT_EQ(body_of(r)["status"], "cancelled");

  auto again = c->Delete("/api/v1/jobs/" + first);
  expect_error(again, 409, "cancelled twice");
  EXPECT_EQ(body_of(again)["status"], "cancelled");
  expect_error(c->Delete("/api/v1/jobs/0123456789abcdef0123456789abcdef"), 404, "cancel unknown");
  expect_error(c->Delete("/api/v1/jobs/not-a-job"), 400, "cancel malformed");

  // Workers prove the other job and never the cancelled one; a finished job cannot be cancelled.
  server_->stop();
  start(options("cancel"));
  auto c2 = client();
  EXPECT_EQ(wait_for(*c2, second)["status"], "done");
  auto late = c2->Delete("/api/v1/jobs/" + second);
  expect_error(late, 409, "cancel done");
  EXPECT_EQ(body_of(late)["status"], "done");
  EXPECT_EQ(c2->Get("/api/v1/jobs/" + second + "/result")->status, 200);
  auto still = c2->Get("/api/v1/jobs/" + first);
  ASSERT_TRUE(still);
  EXPECT_EQ(body_of(still)["status"], "cancelled");
  EXPECT_EQ(body_of(still)["attempts"], 0);
  auto m = c2->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("zkcc_jobs{state=\"cancelled\"} 1\n"), std::string::npos) << m->body;
}

TEST_F(ServerTest, CancellingARunningJobStopsItsWorker) {
  ServerOptions o = options("cancel-running");
  // Each step of the proof takes seconds, so a proof left to finish would take far longer than
  // the worker needs to notice the cancellation (its next heartbeat, then its next step).
  o.worker.step_delay_ms = 3000;
  start(std::move(o));
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string job = submit(*c, model_id, "full-cc");
  bool running = false;
  for (int i = 0; i < 500 && !running; ++i) {
    auto s = c->Get("/api/v1/jobs/" + job);
    running = s && body_of(s)["status"] == "running";
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(running);
  auto del = c->Delete("/api/v1/jobs/" + job);
  ASSERT_TRUE(del);
  ASSERT_EQ(del->status, 200) << del->body;
  EXPECT_EQ(body_of(del)["status"], "cancelled");

  // The worker gives up the job: idle again well before the proof could have ended.
  int busy = -1;
  for (int i = 0; i < 200 && busy != 0; ++i) {
    auto h = c->Get("/health");
    busy = h && h->status == 200 ? body_of(h).value("busy_workers", -1) : -1;
    if (busy != 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(busy, 0);
  auto s = c->Get("/api/v1/jobs/" + job);
  ASSERT_TRUE(s);
  EXPECT_EQ(body_of(s)["status"], "cancelled");
  EXPECT_EQ(body_of(s)["attempts"], 1);
  expect_error(c->Get("/api/v1/jobs/" + job + "/result"), 409, "cancelled result");
  auto m = c->Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("zkcc_jobs_finished_total{result=\"done\"} 0\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("zkcc_jobs_finished_total{result=\"failed\"} 0\n"), std::string::npos) << m->body;
  // Nothing was written for it, and nothing was given back to the queue on stopping.
  EXPECT_EQ(server_->stop(std::chrono::milliseconds(0)), 0);
  server_.reset();
  auto store = open_store("sqlite", (root_ / "cancel-running").string());
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  auto result = (*store)->get_result(job);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  EXPECT_FALSE(result->has_value());
  auto record = (*store)->get_job(job);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->state, JobState::kCancelled);
}

TEST_F(ServerTest, RateLimitPerClient) {
  ServerOptions o = options("rate");
  o.rate_per_sec = 0.5;
  o.rate_burst = 3;
  o.worker.threads = 0;
  start(std::move(o));
  auto c = client();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c->Get("/api/v1/models")->status, 200) << i;
  auto r = c->Get("/api/v1/models");
  expect_error(r, 429, "over the rate");
  EXPECT_EQ(r->get_header_value("Retry-After"), "2");
  // Health is not rate-limited.
  EXPECT_EQ(c->Get("/health")->status, 200);
}

TEST_F(ServerTest, GracefulStopGivesRunningJobBack) {
  ServerOptions o = options("graceful");
  o.worker.step_delay_ms = 400;  // a job takes a few seconds
  start(std::move(o));
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string job = submit(*c, model_id, "full-cc");
  // Wait until it runs, then stop with no grace: the job goes back to the queue, attempt not counted.
  for (int i = 0; i < 200; ++i) {
    auto s = c->Get("/api/v1/jobs/" + job);
    if (s && body_of(s)["status"] == "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server_->stop(std::chrono::milliseconds(0)), 1);
  server_.reset();
  ServerOptions o2 = options("graceful");
  o2.worker.threads = 0;
  start(std::move(o2));
  auto c2 = client();
  auto s = c2->Get("/api/v1/jobs/" + job);
  ASSERT_TRUE(s);
  EXPECT_EQ(body_of(s)["status"], "queued");
  EXPECT_EQ(body_of(s)["attempts"], 0);
  // A server that waits for its job: stop with grace lets it finish.
  ServerOptions o3 = options("graceful");
  o3.worker.step_delay_ms = 100;
  start(std::move(o3));
  auto c3 = client();
  for (int i = 0; i < 200; ++i) {
    auto st = c3->Get("/api/v1/jobs/" + job);
    if (st && body_of(st)["status"] != "queued") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server_->stop(std::chrono::seconds(60)), 0);
  ServerOptions o4 = options("graceful");
  o4.worker.threads = 0;
  start(std::move(o4));
  auto c4 = client();
  auto done = c4->Get("/api/v1/jobs/" + job);
  ASSERT_TRUE(done);
  EXPECT_EQ(body_of(done)["status"], "done");
  EXPECT_EQ(body_of(done)["attempts"], 1);
}

TEST_F(ServerTest, ConcurrentRegistrationsOfOneModelGiveOne201) {
  start_api_only("concurrent-register");
  const std::string onnx = file_text("models/digits/mlp.onnx");
  constexpr int kClients = 4;
  std::vector<int> statuses(kClients, 0);
  std::vector<std::string> ids(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = client();
      auto r = c->Post("/api/v1/models?name=digits", onnx, "application/octet-stream");
      if (!r) return;
      statuses[i] = r->status;
      json j = json::parse(r->body, nullptr, false);
      if (j.is_object()) ids[i] = j.value("model_id", "");
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1) << json(statuses).dump();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kClients - 1) << json(statuses).dump();
  ASSERT_FALSE(ids[0].empty());
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  auto list = client()->Get("/api/v1/models");
  ASSERT_TRUE(list);
  EXPECT_EQ(body_of(list)["models"].size(), 1u);
}

TEST_F(ServerTest, ModelIdSpellingsNameOneModel) {
  start_api_only("spellings");
  auto c = client();
  const std::string id = register_digits(*c);
  ASSERT_GT(id.size(), 2u);
  std::string digits = id.substr(2), upper = digits;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string padded = "0x" + std::string(64 - digits.size(), '0') + digits;
  const json input = json::parse(file_text("models/digits/inputs/heldout_000.json"));
  for (const std::string& spelled : {"0X" + upper, "0x" + upper, padded, "0x0" + digits}) {
    auto m = c->Get("/api/v1/models/" + spelled);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 200) << spelled << ": " << m->body;
    EXPECT_EQ(body_of(m)["model_id"], id) << spelled;
    auto p = c->Post("/api/v1/prove", json{{"model_id", spelled}, {"input", input}}.dump(), "application/json");
    ASSERT_TRUE(p);
    ASSERT_EQ(p->status, 202) << spelled << ": " << p->body;
    auto s = c->Get("/api/v1/jobs/" + body_of(p)["job_id"].get<std::string>());
    ASSERT_TRUE(s);
    EXPECT_EQ(body_of(s)["model_id"], id) << spelled;  // stored in the canonical form
  }
  // Not a felt in hex: 400, never 404.
  for (const std::string& bad : {std::string("1234"), std::string("0x"), std::string("0xzz"), "0x" + std::string(65, '1'),
                                 "0x" + std::string(64, 'f'), std::string("x0x12")}) {
    expect_error(c->Get("/api/v1/models/" + bad), 400, "model id " + bad);
  }
}

TEST_F(ServerTest, KnownPathsAnswer405WithAllow) {
  start_api_only("methods");
  auto c = client();
  const std::string job = "/api/v1/jobs/0123456789abcdef0123456789abcdef";
  auto check = [&](const httplib::Result& r, const std::string& method, const std::string& path, const char* allow) {
    expect_error(r, 405, method + " " + path);
    if (!r) return;
    EXPECT_EQ(r->get_header_value("Allow"), allow) << method << " " << path;
  };
  check(c->Patch("/api/v1/models", "{}", "application/json"), "PATCH", "/api/v1/models", "GET, HEAD, POST");
  check(c->Options("/api/v1/prove"), "OPTIONS", "/api/v1/prove", "POST");
  check(c->Get("/api/v1/verify"), "GET", "/api/v1/verify", "POST");
  check(c->Put("/api/v1/verify", "{}", "application/json"), "PUT", "/api/v1/verify", "POST");
  check(c->Patch(job, "{}", "application/json"), "PATCH", job, "GET, HEAD, DELETE");
  check(c->Post("/api/v1/jobs", "{}", "application/json"), "POST", "/api/v1/jobs", "GET, HEAD");
  check(c->Delete("/api/v1/jobs"), "DELETE", "/api/v1/jobs", "GET, HEAD");
  check(c->Delete(job + "/result"), "DELETE", job + "/result", "GET, HEAD");
  check(c->Options("/health"), "OPTIONS", "/health", "GET, HEAD");
  check(c->Post("/metrics", "", "application/json"), "POST", "/metrics", "GET, HEAD");
  check(c->Patch("/api/v1/models/0x1", "{}", "application/json"), "PATCH", "/api/v1/models/0x1", "GET, HEAD");
  httplib::Request trace;
  trace.method = "TRACE";
  trace.path = "/api/v1/models";
  trace.set_header("Authorization", std::string("Bearer ") + kToken);
  check(c->send(trace), "TRACE", "/api/v1/models", "GET, HEAD, POST");
  // Unknown paths stay 404 whatever the method.
  expect_error(c->Patch("/api/v1/nothing", "{}", "application/json"), 404, "PATCH nothing");
  expect_error(c->Options("/api/v1/models/0x1/more"), 404, "OPTIONS nothing");
}

TEST_F(ServerTest, ChunkedAndCompressedBodiesAreLimitedWhileRead) {
  start_api_only("chunked", 64 << 10);
  auto c = client();
  c->set_keep_alive(true);
  // A chunked body (no Content-Length) of 1 MiB: refused with 413 once over the limit.
  const std::string chunk(16 << 10, ' ');
  auto chunked = [&](size_t total) {
    return [&chunk, total, sent = size_t{0}](size_t, httplib::DataSink& sink) mutable {
      if (sent >= total) {
        sink.done();
        return true;
      }
      sink.write(chunk.data(), chunk.size());
      sent += chunk.size();
      return true;
    };
  };
  expect_error(c->Post("/api/v1/verify", chunked(1 << 20), "application/json"), 413, "chunked verify");
  expect_error(c->Post("/api/v1/models", chunked(1 << 20), "application/octet-stream"), 413, "chunked model");
  // A compressed body is counted as it inflates: 1 MiB of spaces is a few KiB of gzip.
  auto gzip = client();
  gzip->set_compress(true);
  expect_error(gzip->Post("/api/v1/verify", std::string(1 << 20, ' '), "application/json"), 413, "gzip verify");
  // Unauthenticated, it is refused at once and the rest of its body dropped; the next request is served.
  auto anonymous = client("");
  anonymous->set_keep_alive(true);
  expect_error(anonymous->Post("/api/v1/verify", chunked(1 << 20), "application/json"), 401, "chunked anonymous");
  EXPECT_EQ(anonymous->Get("/health")->status, 200);
  // Within the limit, a chunked body is served.
  size_t sent = 0;
  const std::string small = "{\"bundle\": {\"version\": 1}}";
  auto r = c->Post(
      "/api/v1/verify",
      [&](size_t, httplib::DataSink& sink) {
        if (sent == small.size()) {
          sink.done();
          return true;
        }
        sink.write(small.data(), small.size());
        sent = small.size();
        return true;
      },
      "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body_of(r)["verified"], false);
  EXPECT_EQ(c->Get("/health")->status, 200);
}

TEST_F(ServerTest, InputRangeMustBePositiveAndFinite) {
  start_api_only("input-range");
  auto c = client();
  const std::string onnx = file_text("models/digits/mlp.onnx");
  for (const char* r : {"0", "-1", "nan", "inf", "-inf", "1e400", "", "1x"}) {
    auto res = c->Post(std::string("/api/v1/models?input_range=") + r, onnx, "application/octet-stream");
    expect_error(res, 400, std::string("input_range=") + r);
    EXPECT_NE(body_of(res).value("error", "").find("'input_range' must"), std::string::npos) << r;
  }
  for (const char* r : {"0", "-0.5", "1e400", "\"1\"", "null"}) {
    auto res = c->Post("/api/v1/models", std::string("{\"path\": \"digits/mlp.onnx\", \"input_range\": ") + r + "}",
                       "application/json");
    expect_error(res, 400, std::string("JSON input_range ") + r);
  }
  // A tiny range is in bounds but leaves the weights no room: refused with a short message.
  auto tiny = c->Post("/api/v1/models?input_range=1e-300", onnx, "application/octet-stream");
  expect_error(tiny, 400, "input_range=1e-300");
  const std::string message = body_of(tiny).value("error", "");
  EXPECT_NE(message.find("quantizes to 8.19353e+304, beyond"), std::string::npos) << message;
  EXPECT_LT(message.size(), 200u) << message;
}

// A raw TCP connection to the server on 127.0.0.1, for what an HTTP client library will not send:
// headers a byte at a time, a body that never ends, a Content-Length no body can have.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // False once the server has closed the connection (or reset it).
  bool send_all(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // What the server sends until it closes the connection, `until` has arrived, or `limit` passes.
  std::string read(std::string_view until, std::chrono::milliseconds limit) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (got.find(until) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }

  // Whether the server closes the connection within `limit` (reading and dropping what it sends).
  bool closed_within(std::chrono::milliseconds limit) {
    read("\x01never\x02", limit);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

// /health, on a fresh connection, answered within a generous deadline (a starved server does not
// answer at all: cpp-httplib's thread per connection left every thread to the slow clients).
void expect_health_answers(int port, const std::string& what) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(2, 0);
  c.set_write_timeout(2, 0);
  auto r = c.Get("/health");
  ASSERT_TRUE(r) << what << ": no answer (" << httplib::to_string(r.error()) << ")";
  EXPECT_EQ(r->status, 200) << what;
}

TEST_F(ServerTest, SlowHeaderClientsDoNotStarveOthers) {
  ServerOptions o = options("slow-headers");
  o.worker.threads = 0;
  o.http_threads = 4;
  start(std::move(o));
  const int port = server_->port();
  // 32 clients sending a request line and headers one byte every 250 ms: eight times the handler
  // threads, and twice cpp-httplib's old 16.
  const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + std::string(64, 'p') + "\r\n\r\n";
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 32; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(slow.back()->connected());
  }
  std::atomic<bool> done{false};
  std::atomic<int> trickled{0};
  std::thread trickle([&] {
    for (size_t i = 0; i < request.size() && !done; ++i) {
      for (auto& s : slow) s->send_all(std::string_view(request).substr(i, 1));
      trickled = static_cast<int>(i + 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });
  for (int i = 0; i < 10; ++i) {
    expect_health_answers(port, "health " + std::to_string(i) + " beside 32 slow clients");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The slow clients were still sending their headers all along.
  EXPECT_LT(trickled.load(), static_cast<int>(request.size()));
  done = true;
  trickle.join();
}

TEST_F(ServerTest, IdleKeepAliveConnectionsDoNotBlockNewClients) {
  ServerOptions o = options("keep-alive");
  o.worker.threads = 0;
  o.http_threads = 4;
  start(std::move(o));
  // 32 clients that made a request and keep their connection open, idle.
  std::vector<std::unique_ptr<httplib::Client>> idle;
  for (int i = 0; i < 32; ++i) {
    idle.push_back(client());
    idle.back()->set_keep_alive(true);
    auto r = idle.back()->Get("/api/v1/models");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
  }
  for (int i = 0; i < 5; ++i) expect_health_answers(server_->port(), "health beside 32 idle connections");
  // The idle connections are still served on their own connections too.
  for (auto& c : idle) EXPECT_EQ(c->Get("/health")->status, 200);
}

TEST_F(ServerTest, ChunkedBodyPastTheLimitIsRefusedBeforeItEnds) {
  start_api_only("chunked-early", 64 << 10);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send_all(std::string("POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ") +
                            kToken + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 80 KiB of a body that has no end: the answer must come without it.
  const std::string chunk = "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(conn.send_all(chunk));
  const std::string answer = conn.read("}", std::chrono::seconds(10));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413 ")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("Content-Type: application/json"), std::string::npos) << answer;
  EXPECT_NE(answer.find("{\"error\":"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  // Without a token it is refused before any of the body is read.
  RawConnection anonymous(server_->port());
  ASSERT_TRUE(anonymous.send_all(
      "POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" + chunk));
  EXPECT_TRUE(anonymous.read("}", std::chrono::seconds(10)).starts_with("HTTP/1.1 401 "));
  // /health, which needs no token and reads no body, is limited the same way: an endless chunked
  // body to it is refused once past the limit, not buffered.
  RawConnection health(server_->port());
  ASSERT_TRUE(health.send_all("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  bool sent = true;
  for (int i = 0; i < 5 && sent; ++i) sent = health.send_all(chunk);
  EXPECT_TRUE(health.read("}", std::chrono::seconds(10)).starts_with("HTTP/1.1 413 "));
  // The server still serves.
  expect_health_answers(server_->port(), "health after refused bodies");
}

// A request with neither a Content-Length nor chunked framing has no body (RFC 9112): what follows
// it is not buffered as one but read as the next request, which is malformed, and the connection
// closes.
TEST_F(ServerTest, BytesWithoutALengthAreNoBody) {
  start_api_only("no-length", 64 << 10);
  RawConnection conn(server_->port());
  ASSERT_TRUE(conn.send_all(std::string("POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ") +
                            kToken + "\r\nContent-Type: application/json\r\n\r\n"));
  for (int i = 0; i < 16 && conn.send_all(std::string(16 << 10, 'x')); ++i) {
  }
  const std::string answer = conn.read("}", std::chrono::seconds(10));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("request JSON does not parse"), std::string::npos) << answer.substr(0, 300);
  EXPECT_TRUE(conn.closed_within(std::chrono::seconds(10)));
  expect_health_answers(server_->port(), "health after bytes without a length");
}

TEST_F(ServerTest, AbsurdContentLengthsAreRefusedAtOnce) {
  start_api_only("content-length");
  struct Case {
    const char* length;
    const char* status;
  };
  // 2^64-1, 2^63 and one past 64 bits (over any body limit), a negative one, and not a number.
  for (const Case& k : {Case{"18446744073709551615", "413"}, Case{"9223372036854775808", "413"},
                        Case{"99999999999999999999999", "413"}, Case{"-1", "400"}, Case{"12abc", "400"}}) {
    RawConnection conn(server_->port());
    ASSERT_TRUE(conn.connected());
    ASSERT_TRUE(conn.send_all(std::string("POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ") +
                              kToken + "\r\nContent-Type: application/json\r\nContent-Length: " + k.length + "\r\n\r\n{}"));
    // No body follows: the answer cannot be waiting for one.
    const std::string answer = conn.read("\r\n\r\n", std::chrono::seconds(10));
    EXPECT_TRUE(answer.starts_with(std::string("HTTP/1.1 ") + k.status + " ")) << k.length << ": " << answer;
    EXPECT_TRUE(conn.closed_within(std::chrono::seconds(10))) << k.length;
  }
}

TEST_F(ServerTest, ClientsSlowerThanTheHeaderDeadlineAreClosed) {
  ServerOptions o = options("header-deadline");
  o.worker.threads = 0;
  o.header_timeout = std::chrono::seconds(1);
  o.idle_timeout = std::chrono::seconds(30);
  start(std::move(o));
  const int port = server_->port();
  // A client still sending its headers, a byte every 250 ms, is closed at the header deadline,
  // although it is never idle for the idle timeout.
  RawConnection slow(port);
  ASSERT_TRUE(slow.send_all("GET /health HTTP/1.1\r\n"));
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    closed = !slow.send_all("X") || slow.closed_within(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(closed) << "a client trickling its headers for 10 s is still connected";
  // A client that connects and sends nothing.
  RawConnection silent(port);
  EXPECT_TRUE(silent.closed_within(std::chrono::seconds(10)));
  // An idle keep-alive connection, once its request is answered.
  RawConnection kept(port);
  ASSERT_TRUE(kept.send_all("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_TRUE(kept.read("\"status\"", std::chrono::seconds(10)).starts_with("HTTP/1.1 200 "));
  EXPECT_TRUE(kept.closed_within(std::chrono::seconds(10)));
  expect_health_answers(port, "health after closing slow clients");
}

// A body that keeps trickling in, a byte every 200 ms (never idle), is closed at the body deadline;
// a whole body sent at once is answered.
TEST_F(ServerTest, BodiesSlowerThanTheBodyDeadlineAreClosed) {
  ServerOptions o = options("body-deadline");
  o.worker.threads = 0;
  o.body_timeout = std::chrono::seconds(1);
  o.idle_timeout = std::chrono::seconds(30);
  start(std::move(o));
  const int port = server_->port();
  RawConnection slow(port);
  ASSERT_TRUE(slow.send_all("POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + std::string(kToken) +
                            "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"));
  bool closed = false;
  for (int i = 0; i < 50 && !closed; ++i) {
    closed = !slow.send_all(" ") || slow.closed_within(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(closed) << "a body trickling in for 10 s is still being read";
  expect_health_answers(port, "health after closing a slow body");
  auto c = client();
  auto r = c->Post("/api/v1/verify", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;  // answered: an empty verify request is malformed, not cut off
}

TEST_F(ServerTest, ProveRequestsAreCappedByTheirModelsInput) {
  start_api_only("prove-cap");
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string input = file_text("models/digits/inputs/heldout_000.json");
  // The digits model takes 64 numbers: 64 KiB and 128 bytes a number is 73,728 bytes.
  const std::string padded = "{\"model_id\": \"" + model_id + "\", \"input\": " + input + std::string(80 << 10, ' ') + "}";
  auto big = c->Post("/api/v1/prove", padded, "application/json");
  expect_error(big, 413, "padded prove request");
  EXPECT_NE(body_of(big).value("error", "").find("input can need (73728 bytes at most)"), std::string::npos) << big->body;
  // The same model in another spelling is the same cap; a body of many numbers is refused the same way.
  std::string many = "{\"input\": [" + std::string("0.5") ;
  for (int i = 0; i < 40000; ++i) many += ", 0.5";
  many += "], \"model_id\": \"0x0" + model_id.substr(2) + "\"}";
  expect_error(c->Post("/api/v1/prove", many, "application/json"), 413, "a long input");
  // Within the cap it is queued; an unknown model is still 404.
  json ok = {{"model_id", model_id}, {"input", json::parse(input)}};
  auto r = c->Post("/api/v1/prove", ok.dump(2), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  expect_error(c->Post("/api/v1/prove", "{\"model_id\": \"0x1234\", \"input\": [" + std::string(100 << 10, ' ') + "]}",
                       "application/json"),
               404, "unknown model");
}

// A prove request is read in place (no document of the body is built): every rule still holds, an
// input in any accepted form is taken, and a body of values the input cannot hold is refused with
// what is wrong with it.
TEST_F(ServerTest, ProveRequestsAreReadWithoutADocument) {
  start_api_only("prove-read");
  auto c = client();
  const std::string model_id = register_digits(*c);
  const json input = json::parse(file_text("models/digits/inputs/heldout_000.json"));
  auto prove = [&](const std::string& body) { return c->Post("/api/v1/prove", body, "application/json"); };
  auto expect_message = [&](const httplib::Result& r, int status, const std::string& part, const std::string& what) {
    expect_error(r, status, what);
    EXPECT_NE(body_of(r).value("error", "").find(part), std::string::npos) << what << ": " << r->body;
  };
  // Flat, nested 8 x 8 and wrapped in {"input": ...}, keys in any order: all queued.
  json nested = json::array();
  for (size_t i = 0; i < 8; ++i) nested.push_back(json(std::vector<double>(input.begin() + 8 * i, input.begin() + 8 * i + 8)));
  for (const json& form : {input, nested, json{{"input", nested}}}) {
    auto r = prove("{\"input\": " + form.dump() + ", \"level\": \"zk-only\", \"model_id\": \"" + model_id + "\"}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 202) << form.dump() << ": " << r->body;
  }
  const std::string id = "\"model_id\": \"" + model_id + "\"";
  // Within the cap, values the input cannot hold: named, with the element.
  std::string empties = "[[]";
  for (int i = 0; i < 20000; ++i) empties += ",[]";
  expect_message(prove("{" + id + ", \"input\": " + empties + "]}"), 400, "input: input JSON has 0 numbers", "empty arrays");
  std::string objects = "[{}";
  for (int i = 0; i < 20000; ++i) objects += ",{}";
  expect_message(prove("{" + id + ", \"input\": " + objects + "]}"), 400, "element 0 is an object", "objects");
  expect_message(prove("{" + id + ", \"input\": {\"input\": [1], \"input\": [2]}}"), 400, "\"input\" twice",
                 "a repeated key inside the input");
  expect_message(prove("{" + id + ", \"input\": null}"), 400, "'input' is missing", "a null input");
  // The other members are strings, however large what stands in their place.
  expect_message(prove("{" + id + ", \"input\": " + input.dump() + ", \"level\": " + empties + "]}"), 400,
                 "'level' must be a string", "an array for the level");
  expect_message(prove("{" + id + ", \"input\": " + input.dump() + ", \"worker\": 5}"), 400,
                 "'worker' must be a string", "a number for the worker");
  // Strings are decoded: an escaped level is the level.
  auto escaped = prove("{" + id + ", \"input\": " + input.dump() + ", \"level\": \"z\\u006b-only\"}");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->status, 202) << escaped->body;
  EXPECT_EQ(body_of(escaped).value("level", ""), "zk-only");
  // Too many members, and trailing text, are refused as a whole.
  std::string many = "{" + id + ", \"input\": " + input.dump();
  for (int i = 0; i < 20; ++i) many += ", \"k" + std::to_string(i) + "\": 1";
  expect_message(prove(many + "}"), 400, "more than 16 members", "many members");
  expect_message(prove("{" + id + ", \"input\": " + input.dump() + "} {}"), 400, "does not parse", "trailing text");
}

// --max-connections: at the cap the server stops accepting, so a further connection waits in the
// kernel's accept queue (costing the server nothing) and is served once another closes.
TEST_F(ServerTest, ConnectionsAreCapped) {
  ServerOptions o = options("max-connections");
  o.worker.threads = 0;
  o.max_connections = 4;
  o.header_timeout = std::chrono::seconds(60);  // the held connections stay open throughout
  start(std::move(o));
  const int port = server_->port();
  const std::string request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(held.back()->send_all(request));
    ASSERT_TRUE(held.back()->read("\"status\"", std::chrono::seconds(10)).starts_with("HTTP/1.1 200 ")) << i;
  }
  RawConnection fifth(port);
  ASSERT_TRUE(fifth.send_all(request));
  EXPECT_EQ(fifth.read("\"status\"", std::chrono::seconds(2)), "") << "a fifth connection was served beside four";
  held.pop_back();
  EXPECT_TRUE(fifth.read("\"status\"", std::chrono::seconds(10)).starts_with("HTTP/1.1 200 "));
}

TEST_F(ServerTest, ConnectionsPerAddressAreCapped) {
  ServerOptions o = options("per-ip");
  o.worker.threads = 0;
  o.max_connections_per_ip = 4;
  start(std::move(o));
  const int port = server_->port();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawConnection>(port));
  // The four are open and served; a fifth from the same address is closed as it is accepted.
  ASSERT_TRUE(held[0]->send_all("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_TRUE(held[0]->read("\"status\"", std::chrono::seconds(10)).starts_with("HTTP/1.1 200 "));
  RawConnection fifth(port);
  EXPECT_TRUE(fifth.closed_within(std::chrono::seconds(10)));
  // Once one of them closes, a new connection is served again.
  held.pop_back();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(2, 0);
    auto r = c.Get("/health");
    served = r && r->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(served);
}

TEST_F(ServerTest, StoreOutageIs503WithRetryAfter) {
  start_on_postgres("outage", 0);
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string job = submit(*c, model_id, "auto");
  pg_->stop();

  auto no_internals = [&](const httplib::Result& r, const std::string& what) {
    ASSERT_TRUE(r) << what;
    EXPECT_EQ(r->body.find(pg_->dir()), std::string::npos) << what << ": " << r->body;
    EXPECT_EQ(r->body.find("PGSQL"), std::string::npos) << what << ": " << r->body;
    EXPECT_EQ(r->body.find("postgres"), std::string::npos) << what << ": " << r->body;
  };
  json req = {{"model_id", model_id}, {"input", json::parse(file_text("models/digits/inputs/heldout_000.json"))}};
  auto p = c->Post("/api/v1/prove", req.dump(), "application/json");
  expect_error(p, 503, "prove in an outage");
  EXPECT_FALSE(p->get_header_value("Retry-After").empty());
  no_internals(p, "prove");
  for (const std::string& path : {"/api/v1/jobs/" + job, "/api/v1/jobs/" + job + "/result", std::string("/api/v1/models"),
                                  "/api/v1/models/" + model_id}) {
    auto r = c->Get(path);
    expect_error(r, 503, path);
    EXPECT_FALSE(r->get_header_value("Retry-After").empty()) << path;
    no_internals(r, path);
  }
  auto h = client("")->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 503);
  EXPECT_EQ(body_of(h)["status"], "degraded");
  EXPECT_TRUE(body_of(h)["store_error"].is_string());
  no_internals(h, "health");
  server_->stop();
  server_.reset();
}

// PostgreSQL ends the server's sessions (a restart, a failover): the next requests reconnect and are
// served, none answered 500 or 503.
TEST_F(ServerTest, DroppedStoreConnectionsAreReopened) {
  start_on_postgres("dropped", 0);
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string kick =
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = 'dropped' AND pid <> pg_backend_pid()";
  ASSERT_TRUE(pg_->execute("postgres", kick).ok());
  // Every pooled connection was dropped: each request below may meet one.
  for (int i = 0; i < 4; ++i) {
    auto models = c->Get("/api/v1/models");
    ASSERT_TRUE(models);
    EXPECT_EQ(models->status, 200) << i << ": " << models->body;
  }
  ASSERT_TRUE(pg_->execute("postgres", kick).ok());
  const std::string job = submit(*c, model_id, "zk-only");
  auto status = c->Get("/api/v1/jobs/" + job);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200) << status->body;
  auto h = client("")->Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200) << h->body;
  server_->stop();
  server_.reset();
}

TEST_F(ServerTest, PostgresStore) {
  start_on_postgres("server_test", 2);
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  const std::string model_id = register_digits(*c);
  const std::string a = submit(*c, model_id, "full-cc");
  const std::string b = submit(*c, model_id, "zk-only", "models/digits/inputs/heldout_001.json");
  EXPECT_EQ(wait_for(*c, a)["status"], "done");
  EXPECT_EQ(wait_for(*c, b)["status"], "done");
  auto res = c->Get("/api/v1/jobs/" + a + "/result");
  ASSERT_TRUE(res);
  auto v = c->Post("/api/v1/verify", res->body, "application/json");
  ASSERT_TRUE(v);
  EXPECT_EQ(body_of(v)["verified"], true) << v->body.substr(0, 500);
  server_->stop();
  server_.reset();
}

TEST(TokenSetTest, ParsesAndCompares) {
  auto t = TokenSet::parse("# tokens\n  aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb\n\ncccccccccccccccc\n", "test");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->size(), 3u);
  EXPECT_TRUE(t->allows("Bearer aaaaaaaaaaaaaaaa"));
  EXPECT_TRUE(t->allows("BEARER cccccccccccccccc"));
  EXPECT_FALSE(t->allows("Bearer aaaaaaaaaaaaaaa"));
  EXPECT_FALSE(t->allows("Bearer aaaaaaaaaaaaaaaaa"));
  EXPECT_FALSE(t->allows("aaaaaaaaaaaaaaaa"));
  EXPECT_FALSE(t->allows(""));
  EXPECT_FALSE(TokenSet::parse("short", "test").ok());
  EXPECT_FALSE(TokenSet::parse("has space inside token", "test").ok());
  EXPECT_TRUE(TokenSet::parse(" , \n", "test")->empty());
  // Where tokens are required (ZKCC_API_TOKENS, a tokens file), text without one is refused.
  for (const char* none : {"", " , ,", "\n\n", "#aaaaaaaaaaaaaaaa", "# a comment\n , \n"}) {
    auto r = TokenSet::parse_required(none, "ZKCC_API_TOKENS");
    ASSERT_FALSE(r.ok()) << none;
    EXPECT_NE(r.status().message().find("ZKCC_API_TOKENS holds no token"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(TokenSet::parse_required("aaaaaaaaaaaaaaaa,", "test")->size(), 1u);
  EXPECT_FALSE(TokenSet().allows("Bearer aaaaaaaaaaaaaaaa"));
}

TEST(RateLimiterTest, RefillsAtTheRate) {
  RateLimiter limiter(2, 2);
  auto t0 = RateLimiter::Clock::now();
  int retry = 0;
  EXPECT_TRUE(limiter.admit("a", t0, &retry));
  EXPECT_TRUE(limiter.admit("a", t0, &retry));
  EXPECT_FALSE(limiter.admit("a", t0, &retry));
  EXPECT_EQ(retry, 1);
  EXPECT_TRUE(limiter.admit("b", t0, &retry));  // per client
  EXPECT_TRUE(limiter.admit("a", t0 + std::chrono::milliseconds(500), &retry));
  EXPECT_FALSE(limiter.admit("a", t0 + std::chrono::milliseconds(500), &retry));
  RateLimiter off(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.admit("a", t0, &retry));
}

TEST(ListenAddressTest, ParsesAndJudgesLoopback) {
  std::string host;
  int port = -1;
  ASSERT_TRUE(parse_listen_address("127.0.0.1:0", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_listen_address("[::1]:8080", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
  EXPECT_FALSE(parse_listen_address("127.0.0.1", &host, &port).ok());
  EXPECT_FALSE(parse_listen_address("127.0.0.1:65536", &host, &port).ok());
  EXPECT_FALSE(parse_listen_address(":80", &host, &port).ok());
  EXPECT_FALSE(parse_listen_address("::1:80", &host, &port).ok());
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("example.org"));
}

}  // namespace
}  // namespace zkcc::service
