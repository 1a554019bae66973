// prove-server's HTTP API (docs/api.md, docs/openapi.yaml) over the job store, with a pool of
// workers in the same process (WorkerPool; none with workers = 0, when separate
// `prove-server --worker-only` processes prove).
//
//   GET  /health                     detection (at start and on a timer), store and queue state
//   GET  /metrics                    Prometheus text
//   POST /api/v1/models              register an ONNX model (the body, or a path under models_dir)
//   GET  /api/v1/models[/ID]
//   POST /api/v1/prove               queue a job: 202 {job_id}; 429 when the queue is full
//   GET  /api/v1/jobs                the jobs, newest first (?state=, limit=, offset=)
//   GET  /api/v1/jobs/ID             state, progress, timings
//   DELETE /api/v1/jobs/ID           cancel a queued or running job; 409 once finished
//   GET  /api/v1/jobs/ID/result      the result document (service/result.h); 409 until done
//   POST /api/v1/verify              a result document or an evidence bundle: the verdict
//
// /api/v1 needs a Bearer token when tokens are configured, and is rate-limited per client
// address. Every error is a JSON object {"error": "..."} with a 4xx status for the client's
// mistakes.
#ifndef ZKCC_SERVICE_SERVER_H_
#define ZKCC_SERVICE_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "zkcc/base/status.h"
#include "zkcc/service/auth.h"
#include "zkcc/service/worker.h"
#include "zkcc/tee/policy.h"

namespace zkcc::service {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Server::port())
  TokenSet tokens;  // empty: no authentication, allowed only on a loopback address or with insecure
  bool insecure = false;
  std::string models_dir;  // POST /api/v1/models {"path"} resolves under it; empty: paths refused
  std::string default_level = "auto";  // for prove requests that name none
  size_t max_body_bytes = size_t{64} << 20;
  int64_t max_queued = 256;
  double rate_per_sec = 20, rate_burst = 40;  // per client address; rate_per_sec 0: no limit
  int http_threads = 16;  // run requests once their body is in (event threads read them)
  int max_connections = 512;  // open connections; more wait in the accept queue until one closes
  int max_connections_per_ip = 0;  // the same from one client address; 0: no limit (a proxy in front)
  // A request's line and headers must arrive within header_timeout of the connection's start or of
  // the end of its previous request (so an idle keep-alive connection closes then too); its body
  // within body_timeout of its headers (a slow but steady upload closes then); a connection on
  // which nothing moves for idle_timeout closes.
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{120};
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds detect_interval{60};
  std::optional<tee::Policy> policy;  // for POST /api/v1/verify when the request brings none
  std::string version = "unknown";
  WorkerOptions worker;  // store, data directory, platform and the in-process workers (threads)
};

// Whether `host` is a loopback address: 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(const std::string& host);
// "HOST:PORT" or "[V6]:PORT" with a port in 0..65535.
Status parse_listen_address(const std::string& text, std::string* host, int* port);

class Server {
 public:
  // Opens the store, binds the address, starts the workers, the detection timer and the HTTP
  // threads. Refuses to serve without tokens on a non-loopback address unless options.insecure.
  static StatusOr<std::unique_ptr<Server>> start(ServerOptions options);
  ~Server();  // stop()

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const std::string& host() const;
  int port() const;  // the port bound (useful with port 0)

  // Stops accepting requests, then stops the workers (WorkerPool::stop with `grace`); returns the
  // number of jobs given back to the queue. Idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_SERVER_H_
