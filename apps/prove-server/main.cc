// prove-server: the proving service (docs/api.md). Serves the HTTP API with a pool of workers in
// the same process, or, with --worker-only, runs only workers on a shared job store.
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/base/json.h"
#include "zkcc/base/terminal.h"
#include "zkcc/service/log.h"
#include "zkcc/service/server.h"
#include "zkcc/service/worker.h"
#include "zkcc/tee/sim/platform.h"
#include "../version.h"

namespace {

namespace fs = std::filesystem;
using zkcc::Status;
using zkcc::StatusCode;
using zkcc::StatusOr;

constexpr int kExitUsage = 2;
constexpr int kExitFailure = 1;

// Every line on standard error is a log line, with its UTC timestamp (docs/api.md).
using zkcc::service::log_line;

int fail(const Status& s) {
  log_line("error: " + s.message());
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kOutOfRange ? kExitUsage : kExitFailure;
}

// A store spec for people: a PostgreSQL URI may hold a password, so only its kind is shown.
std::string store_label(const std::string& spec) {
  if (spec.starts_with("postgres://") || spec.starts_with("postgresql://")) return "postgresql";
  return spec;
}

StatusOr<zkcc::tee::Policy> load_policy(const std::string& path) {
  ZKCC_ASSIGN_OR_RETURN(zkcc::Bytes bytes, zkcc::read_file(path, size_t{1} << 20));
  ZKCC_ASSIGN_OR_RETURN(nlohmann::json j, zkcc::parse_strict_object(std::string(bytes.begin(), bytes.end()), path));
  auto p = zkcc::tee::Policy::from_json(j);
  if (!p.ok()) return p.status().with_context(path);
  return p;
}

// SIGINT and SIGTERM are blocked in every thread and taken here, by the main thread.
int wait_for_signal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Blocks of 1 MiB and more (request bodies, the buffers that read them) are mapped on their own
  // and unmapped when freed. glibc otherwise raises this threshold after the first large free, so
  // later large blocks come from the handler threads' arenas, whose tops it never trims: a few
  // large requests would leave the server at their peak size (bench/server_memory.sh).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  CLI::App app{"prove-server: a proving service over HTTP, with attestation and a persistent job store"};
  app.set_version_flag("--version", zkcc::apps::version_line("prove-server"));
  std::string listen = "127.0.0.1:8080", data_dir = "zkcc-data", store = "sqlite", platform = "auto";
  std::string sim_dir, sim_cpu = "snp", tokens_file, models_dir, policy_file, level = "auto", root = "/", collateral_cache;
  unsigned sim_gpus = 1;
  bool worker_only = false, worker_deprecated = false, insecure = false;
  int workers = 1, http_threads = 16, max_attempts = 3, max_queued = 256;
  double rate = 20, burst = 40, lease_secs = 30, heartbeat_secs = 5, grace_secs = 30;
  int64_t detect_secs = 60, header_timeout = 10, body_timeout = 120, idle_timeout = 30;
  int max_connections = 512, max_connections_per_ip = 0;
  size_t max_body = size_t{64} << 20;
  app.add_option("--listen", listen, "HOST:PORT to serve on (port 0: any free port)")->capture_default_str();
  app.add_option("--data", data_dir, "directory for the SQLite store and the simulated platform")->capture_default_str();
  app.add_option("--store", store, "sqlite, sqlite:PATH, or a postgres:// URI")->capture_default_str();
  app.add_option("--platform", platform, "attest with this machine's hardware (auto) or the simulated platform (sim)")
      ->check(CLI::IsMember({"auto", "sim"}))
      ->capture_default_str();
  app.add_option("--sim-dir", sim_dir, "the simulated platform's directory (default DATA/sim)");
  app.add_option("--sim-cpu", sim_cpu, "the simulated CPU TEE")->check(CLI::IsMember({"snp", "tdx", "none"}))->capture_default_str();
  app.add_option("--sim-gpus", sim_gpus, "simulated GPUs")->capture_default_str();
  app.add_option("--root", root, "system root for hardware detection")->capture_default_str();
  app.add_option("--collateral-cache", collateral_cache,
                 "SEV-SNP: a collateral cache filled by prove-model fetch-collateral; AMD's CRL from it goes into each bundle");
  app.add_flag("--worker-only", worker_only, "run only workers (no HTTP) on the store, e.g. a shared PostgreSQL store");
  // The old name of --worker-only, kept working for existing scripts; an empty group hides it from --help.
  app.add_flag("--worker", worker_deprecated, "deprecated: --worker-only")->group("");
  app.add_option("--workers", workers, "worker threads in this process")->capture_default_str();
  app.add_option("--tokens-file", tokens_file, "API tokens, comma- or newline-separated (also ZKCC_API_TOKENS)");
  app.add_flag("--insecure", insecure, "serve without tokens on a non-loopback address");
  app.add_option("--models-dir", models_dir, "directory that POST /api/v1/models {\"path\"} may read from");
  app.add_option("--level", level, "security level of prove requests that name none")
      ->check(CLI::IsMember({"auto", "zk-only", "tee", "full-cc"}))
      ->capture_default_str();
  app.add_option("--policy", policy_file, "verification policy (JSON) for POST /api/v1/verify");
  app.add_option("--max-body", max_body, "request body limit in bytes")->capture_default_str();
  app.add_option("--max-queued", max_queued, "queued jobs before submissions get 429")->capture_default_str();
  app.add_option("--rate-limit", rate, "requests a second per client on /api/v1 (0: no limit)")->capture_default_str();
  app.add_option("--rate-burst", burst, "requests a client may make at once")->capture_default_str();
  app.add_option("--http-threads", http_threads, "threads that run requests once their body is in")
      ->capture_default_str();
  app.add_option("--max-connections", max_connections, "open HTTP connections; more wait to be accepted until one closes")
      ->capture_default_str();
  app.add_option("--max-connections-per-ip", max_connections_per_ip,
                 "open HTTP connections from one client address (0: no limit)")
      ->capture_default_str();
  app.add_option("--header-timeout", header_timeout,
                 "seconds a connection has to send a request's headers (from its start or its previous request)")
      ->capture_default_str();
  app.add_option("--body-timeout", body_timeout, "seconds a request has to send its body once its headers are in")
      ->capture_default_str();
  app.add_option("--idle-timeout", idle_timeout, "seconds without a byte moving before a connection is closed")
      ->capture_default_str();
  app.add_option("--lease-secs", lease_secs, "job lease; a job whose worker is silent this long is retried")
      ->capture_default_str();
  app.add_option("--heartbeat-secs", heartbeat_secs, "how often a worker renews its lease")->capture_default_str();
  app.add_option("--max-attempts", max_attempts, "claims of one job before it fails")->capture_default_str();
  app.add_option("--grace-secs", grace_secs, "on SIGTERM/SIGINT, how long running jobs may finish before they are re-queued")
      ->capture_default_str();
  app.add_option("--detect-interval", detect_secs, "seconds between hardware detections")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (worker_deprecated) {
    log_line("note: --worker is deprecated, use --worker-only");
    worker_only = true;
  }

  zkcc::service::ServerOptions o;
  o.version = ZKCC_VERSION;
  if (Status s = zkcc::service::parse_listen_address(listen, &o.host, &o.port); !s.ok()) return fail(s);
  o.insecure = insecure;
  o.models_dir = models_dir;
  o.default_level = level;
  o.max_body_bytes = max_body;
  o.max_queued = max_queued;
  o.rate_per_sec = rate;
  o.rate_burst = burst;
  o.http_threads = http_threads;
  o.max_connections = max_connections;
  o.max_connections_per_ip = max_connections_per_ip;
  o.header_timeout = std::chrono::seconds(header_timeout);
  o.body_timeout = std::chrono::seconds(body_timeout);
  o.idle_timeout = std::chrono::seconds(idle_timeout);
  o.detect_interval = std::chrono::seconds(detect_secs);
  if (const char* env = std::getenv("ZKCC_API_TOKENS"); env != nullptr) {
    // Set but yielding no token (empty, only commas, a '#' comment) is a mistake, not a wish for an open API.
    auto t = zkcc::service::TokenSet::parse_required(env, "ZKCC_API_TOKENS");
    if (!t.ok()) return fail(t.status());
    o.tokens.add(*t);
  }
  if (!tokens_file.empty()) {
    auto t = zkcc::service::TokenSet::load_file(tokens_file);
    if (!t.ok()) return fail(t.status());
    o.tokens.add(*t);
  }
  if (!policy_file.empty()) {
    auto p = load_policy(policy_file);
    if (!p.ok()) return fail(p.status());
    o.policy = std::move(*p);
  }

  zkcc::service::WorkerOptions& w = o.worker;
  w.threads = workers;
  w.store = store;
  w.data_dir = data_dir;
  w.platform.platform = platform;
  w.platform.sim_dir = sim_dir.empty() ? (fs::path(data_dir) / "sim").string() : sim_dir;
  w.platform.sim_cpu = sim_cpu == "tdx"   ? zkcc::tee::CpuPlatform::kTdx
                       : sim_cpu == "none" ? zkcc::tee::CpuPlatform::kNone
                                           : zkcc::tee::CpuPlatform::kSevSnp;
  w.platform.sim_gpus = sim_gpus;
  w.platform.root = root;
  w.platform.collateral_cache = collateral_cache;
  w.lease_ms = static_cast<int64_t>(lease_secs * 1000);
  w.heartbeat_ms = static_cast<int64_t>(heartbeat_secs * 1000);
  w.max_attempts = max_attempts;
  if (platform == "sim") {
    // Tests only: slow each step of a proof down, to stop a worker in the middle of a job.
    if (const char* d = std::getenv("ZKCC_TEST_JOB_DELAY_MS"); d != nullptr) w.step_delay_ms = std::atoll(d);
  }

  std::error_code ec;
  if (!fs::exists(data_dir, ec)) {
    fs::create_directories(data_dir, ec);
    if (ec) return fail(zkcc::failed_precondition("cannot create " + data_dir + ": " + ec.message()));
    fs::permissions(data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }

  // Block the stop signals before any thread starts, so that only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(grace_secs * 1000));

  // Creating the simulated platform's keys takes seconds before the first line of output: say so
  // to a person at a terminal (logs and scripts see nothing extra).
  if (platform == "sim" && zkcc::stderr_is_terminal() && !zkcc::tee::sim::SimPlatform::is_created(w.platform.sim_dir)) {
    log_line("generating simulated platform keys in " + w.platform.sim_dir + " (first run)...");
  }

  if (worker_only) {
    if (workers < 1) return fail(zkcc::invalid_argument("--worker-only needs at least one worker thread (--workers N, N >= 1)"));
    auto pool = zkcc::service::WorkerPool::start(w, nullptr);
    if (!pool.ok()) return fail(pool.status());
    std::cout << "prove-server worker " << (*pool)->name() << ": " << workers << " thread(s) on the "
              << store_label(store) << " store, platform " << platform << std::endl;
    int sig = wait_for_signal(stop_signals);
    log_line(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
    int given = (*pool)->stop(grace);
    if (given > 0) {
      // Their proofs cannot be interrupted; the jobs are back in the queue, so leave now.
      log_line(std::to_string(given) + " job(s) given back to the queue");
      std::fflush(nullptr);
      std::_Exit(0);
    }
    return 0;
  }

  auto server = zkcc::service::Server::start(std::move(o));
  if (!server.ok()) return fail(server.status());
  const std::string& host = (*server)->host();
  std::cout << "prove-server listening on http://" << (host.find(':') != std::string::npos ? "[" + host + "]" : host)
            << ":" << (*server)->port() << std::endl;
  log_line("started: " + store_label(store) + " store, platform " + platform + ", " + std::to_string(workers) +
           " worker thread(s)");
  int sig = wait_for_signal(stop_signals);
  log_line(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
  int given = (*server)->stop(grace);
  if (given > 0) {
    log_line(std::to_string(given) + " job(s) given back to the queue");
    std::fflush(nullptr);
    std::_Exit(0);
  }
  return 0;
}
