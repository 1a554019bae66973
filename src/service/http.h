// prove-server's HTTP layer: GNU libmicrohttpd polling every connection from a few event threads,
// and a small pool of handler threads that run requests once their body is in. A slow or idle
// client costs a file descriptor and a few KiB, never a thread; handlers may block (the job store,
// a model's import) without stalling other connections, whose requests the event threads keep
// reading meanwhile.
//
// Limits enforced here, before any handler runs:
//   - the body: a Content-Length over the limit is refused at once; a chunked body, or one that
//     inflates (Content-Encoding gzip or deflate), as soon as the bytes received cross it;
//   - the header deadline: a connection whose request line and headers are not complete within
//     header_timeout of its start (or of the end of its previous request) is closed;
//   - the body deadline: a request whose body is not complete within body_timeout of its headers
//     is closed, however steadily the body trickles in;
//   - the idle timeout: a connection on which no byte moves for idle_timeout is closed;
//   - the connection caps: at max_connections the server stops accepting (shared among the event
//     threads, each taking its part), so further connections wait in the kernel's accept queue
//     until one closes; a connection beyond max_connections_per_ip from one address is closed as
//     it is accepted.
#ifndef ZKCC_SRC_SERVICE_HTTP_H_
#define ZKCC_SRC_SERVICE_HTTP_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "zkcc/base/status.h"

namespace zkcc::service::http {

// Header names compare without regard to case (RFC 9110).
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using Params = std::multimap<std::string, std::string>;  // the query; a key may repeat

struct Request {
  std::string method;       // as sent: GET, HEAD, POST, ...
  std::string path;         // percent-decoded, without the query
  std::string remote_addr;  // the peer's IP address
  Headers headers;
  Params params;
  std::string body;  // at most the body limit, inflated when it came compressed

  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
  std::string get_header_value(const std::string& name) const;  // the first, or ""
  bool has_param(const std::string& key) const { return params.count(key) > 0; }
  std::string get_param_value(const std::string& key) const;  // the first, or ""
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;

  void set_header(const std::string& name, const std::string& value);  // replaces any of that name
  void set_content(std::string content, const std::string& content_type);
};

struct Limits {
  size_t max_body_bytes = size_t{64} << 20;
  int max_connections = 512;
  int max_connections_per_ip = 0;  // 0: no limit per client address
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{120};
  std::chrono::seconds idle_timeout{30};
  int handler_threads = 16;
  int event_threads = 2;
};

class HttpServer {
 public:
  // Called on an event thread once a request's headers are in, before its body is read: false,
  // with the response set, refuses the request (its body is then never kept). Must not block.
  using Screen = std::function<bool(const Request&, Response&)>;
  // Runs a request on a handler thread once its whole body is in.
  using Handler = std::function<void(const Request&, Response&)>;
  // Sees the status of every response the server sends, for metrics.
  using Observer = std::function<void(int status)>;

  // Binds host:port (port 0: any free port) and starts serving.
  static StatusOr<std::unique_ptr<HttpServer>> start(const std::string& host, int port, const Limits& limits,
                                                     Screen screen, Handler handler, Observer observer);
  ~HttpServer();  // stop()

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Stops accepting, lets the requests being handled finish, then closes every connection.
  // Idempotent.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The body of an error response: {"error": message}.
std::string error_body(const std::string& message);

}  // namespace zkcc::service::http

#endif  // ZKCC_SRC_SERVICE_HTTP_H_
