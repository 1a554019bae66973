#include "http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <microhttpd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/service/log.h"

namespace zkcc::service::http {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) < lower(y);
  });
}

std::string Request::get_header_value(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::get_param_value(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

void Response::set_header(const std::string& name, const std::string& value) {
  headers.erase(name);
  headers.emplace(name, value);
}

void Response::set_content(std::string content, const std::string& content_type) {
  body = std::move(content);
  set_header("Content-Type", content_type);
}

std::string error_body(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

using Clock = std::chrono::steady_clock;

// After a refusal written while the client is still sending its body, the body is read and
// dropped for this long before the connection closes: closing with unread bytes would reset the
// connection, and a client still writing would never read the answer.
constexpr auto kLinger = std::chrono::seconds(5);

// After a request whose body was at least this large, freed memory is handed back to the system
// (glibc's malloc_trim): freed blocks otherwise stay in the arena of the thread that handled it,
// and a few large requests would leave the server at their peak size for good.
constexpr size_t kTrimAfterBytes = size_t{1} << 20;

std::string lowercase(std::string s) {
  for (char& c : s) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

void set_error(Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_body(message), "application/json");
}

// One request on a connection, from its headers to its response.
struct Exchange {
  Request req;
  Response res;
  bool has_body = false;         // a Content-Length above 0, or a chunked body
  uint64_t content_length = 0;   // announced, within the limit; 0 when none
  bool expects_continue = false;  // "Expect: 100-continue": the body is not sent until asked for
  bool discarding = false;       // answered already: what is left of the body is dropped
  Clock::time_point discard_until;
  bool dispatched = false;
  std::atomic<bool> done{false};  // the handler has set res
  bool inflating = false;
  bool inflated_all = false;
  z_stream z{};

  ~Exchange() {
    if (inflating) inflateEnd(&z);
  }
};

enum class Append { kOk, kTooLarge, kMalformed };

Append append_body(Exchange& ex, const char* data, size_t n, size_t limit) {
  std::string& body = ex.req.body;
  if (!ex.inflating) {
    if (n > limit - body.size()) return Append::kTooLarge;
    body.append(data, n);
    return Append::kOk;
  }
  if (ex.inflated_all) return Append::kMalformed;  // bytes after the end of the compressed stream
  ex.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  ex.z.avail_in = static_cast<uInt>(n);
  char buf[16384];
  do {
    ex.z.next_out = reinterpret_cast<Bytef*>(buf);
    ex.z.avail_out = sizeof buf;
    const int rc = inflate(&ex.z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) return Append::kMalformed;
    const size_t got = sizeof buf - ex.z.avail_out;
    if (got > limit - body.size()) return Append::kTooLarge;
    body.append(buf, got);
    if (rc == Z_STREAM_END) {
      ex.inflated_all = true;
      return ex.z.avail_in == 0 ? Append::kOk : Append::kMalformed;
    }
    if (rc == Z_BUF_ERROR && got == 0) break;
  } while (ex.z.avail_in > 0 || ex.z.avail_out == 0);
  return Append::kOk;
}

// A Content-Length: decimal digits only, no sign. One past 64 bits reads as the largest value,
// which is over any body limit.
bool parse_length(const std::string& text, uint64_t* n) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  uint64_t v = 0;
  for (char c : text) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      v = UINT64_MAX;
      break;
    }
    v = v * 10 + digit;
  }
  *n = v;
  return true;
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa == nullptr) return {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<Headers*>(cls)->emplace(key, value ? value : "");
  return MHD_YES;
}

MHD_Result collect_param(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<Params*>(cls)->emplace(key, value ? value : "");
  return MHD_YES;
}

}  // namespace

struct HttpServer::Impl {
  Limits limits;
  Screen screen;
  Handler handler;
  Observer observer;
  MHD_Daemon* daemon = nullptr;
  int listen_fd = -1;
  int port = 0;

  // The handler threads.
  std::mutex pool_mu;
  std::condition_variable pool_cv, idle_cv;
  std::deque<Exchange*> tasks;  // with their connections in `suspended`
  std::unordered_map<Exchange*, MHD_Connection*> suspended;
  std::vector<std::thread> threads;
  bool pool_stopping = false;
  bool closing = false;  // no new request is dispatched
  int in_flight = 0;

  // Header deadlines: each connection's fd and when it must have sent its next request's headers.
  struct Conn {
    int fd;
    Clock::time_point deadline;
  };
  std::mutex conns_mu;
  std::unordered_map<MHD_Connection*, Conn> conns;
  std::condition_variable reaper_cv;
  bool reaper_stopping = false;
  std::thread reaper;

  std::mutex stop_mu;
  bool stopped = false;

  ~Impl() {
    if (listen_fd >= 0) ::close(listen_fd);
  }

  Status bind_socket(const std::string& host, int wanted_port);
  void start_threads();
  void stop();

  MHD_Result on_request(MHD_Connection* c, const char* url, const char* method, const char* data, size_t* size,
                        void** con_cls);
  MHD_Result first_call(MHD_Connection* c, Exchange& ex);
  MHD_Result refuse(MHD_Connection* c, Exchange& ex, bool first);
  MHD_Result queue(MHD_Connection* c, Exchange& ex);
  MHD_Result dispatch(MHD_Connection* c, Exchange& ex);
  void run(Exchange& ex);
  void set_deadline(MHD_Connection* c, Clock::time_point when);
  void handler_loop();
  void reaper_loop();
};

Status HttpServer::Impl::bind_socket(const std::string& host, int wanted_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(wanted_port);
  const std::string where = host + ":" + service;
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
    return unavailable("cannot listen on " + where + " (not an address of this machine)");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // A long accept queue: a burst of new clients must not wait for SYN retransmission.
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
      ::close(fd);
      continue;
    }
    listen_fd = fd;
    port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return ok_status();
  }
  return unavailable("cannot listen on " + where + " (address in use, or not an address of this machine)");
}

void HttpServer::Impl::set_deadline(MHD_Connection* c, Clock::time_point when) {
  std::lock_guard<std::mutex> lock(conns_mu);
  auto it = conns.find(c);
  if (it != conns.end()) it->second.deadline = when;
}

MHD_Result HttpServer::Impl::on_request(MHD_Connection* c, const char* url, const char* method, const char* data,
                                        size_t* size, void** con_cls) {
  auto* ex = static_cast<Exchange*>(*con_cls);
  if (ex == nullptr) {
    ex = new Exchange;
    *con_cls = ex;  // deleted when the request completes
    ex->req.method = method;
    ex->req.path = url;
    return first_call(c, *ex);
  }
  if (*size != 0) {
    const size_t n = *size;
    *size = 0;
    if (ex->discarding) return Clock::now() < ex->discard_until ? MHD_YES : MHD_NO;
    switch (append_body(*ex, data, n, limits.max_body_bytes)) {
      case Append::kOk:
        return MHD_YES;
      case Append::kTooLarge:
        set_error(ex->res, 413, "the request body is larger than this server accepts");
        break;
      case Append::kMalformed:
        set_error(ex->res, 400, "the compressed request body is malformed");
        break;
    }
    ex->req.body = std::string();
    return refuse(c, *ex, false);
  }
  // The body is complete.
  if (ex->discarding) return MHD_NO;  // the answer went out already: close the connection
  if (ex->done.load(std::memory_order_acquire)) return queue(c, *ex);
  if (ex->dispatched) return MHD_YES;
  if (ex->inflating && !ex->inflated_all) {
    set_error(ex->res, 400, "the compressed request body is truncated");
    return queue(c, *ex);
  }
  return dispatch(c, *ex);
}

MHD_Result HttpServer::Impl::first_call(MHD_Connection* c, Exchange& ex) {
  set_deadline(c, Clock::time_point::max());  // the headers are in
  Request& req = ex.req;
  MHD_get_connection_values(c, MHD_HEADER_KIND, &collect_header, &req.headers);
  MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &collect_param, &req.params);
  if (const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)) {
    req.remote_addr = address_text(ci->client_addr);
  }
  ex.expects_continue = lowercase(trimmed(req.get_header_value("Expect"))) == "100-continue";
  const bool chunked = lowercase(req.get_header_value("Transfer-Encoding")).find("chunked") != std::string::npos;
  ex.has_body = chunked;
  if (req.has_header("Content-Length")) {
    uint64_t n = 0;
    if (!parse_length(trimmed(req.get_header_value("Content-Length")), &n)) {
      set_error(ex.res, 400, "the Content-Length is not a length");
      return refuse(c, ex, true);
    }
    ex.has_body = ex.has_body || n > 0;
    if (n > limits.max_body_bytes) {
      set_error(ex.res, 413, "the request body is larger than this server accepts");
      return refuse(c, ex, true);
    }
    ex.content_length = n;
  }
  const std::string encoding = lowercase(trimmed(req.get_header_value("Content-Encoding")));
  if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    // 15 + 32: a zlib or a gzip header, whichever the stream starts with.
    if (inflateInit2(&ex.z, 15 + 32) != Z_OK) {
      set_error(ex.res, 500, "internal error");
      return refuse(c, ex, true);
    }
    ex.inflating = true;
  } else if (!encoding.empty() && encoding != "identity") {
    set_error(ex.res, 415, "the Content-Encoding '" + encoding + "' is not supported (gzip, deflate)");
    return refuse(c, ex, true);
  }
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    if (closing) {
      ex.res.set_header("Retry-After", "1");
      set_error(ex.res, 503, "the server is stopping");
      return refuse(c, ex, true);
    }
  }
  if (!screen(req, ex.res)) return refuse(c, ex, true);
  // Admitted: a body of known length is read into one allocation of its size, not a string that
  // doubles as it grows (which holds twice the body while it copies).
  if (!ex.inflating && ex.content_length > 0) req.body.reserve(static_cast<size_t>(ex.content_length));
  if (ex.has_body) set_deadline(c, Clock::now() + limits.body_timeout);  // cleared when the body is in
  return MHD_YES;
}

// Answers without reading the body. Before the client sends a body (none, or it waits for
// "100 Continue") the response goes out through the library, which then closes the connection
// when a body was announced. A client already sending its body gets the response written at once
// on the socket, and the rest of its body is dropped (for kLinger at most) before the connection
// closes, so that it reads the answer rather than a reset.
MHD_Result HttpServer::Impl::refuse(MHD_Connection* c, Exchange& ex, bool first) {
  if (first && (!ex.has_body || ex.expects_continue)) return queue(c, ex);
  const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (ci == nullptr) return MHD_NO;
  const Response& r = ex.res;
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + MHD_get_reason_phrase_for(r.status) + "\r\n";
  for (const auto& [name, value] : r.headers) {
    if (value.find_first_of("\r\n") != std::string::npos) continue;
    head += name + ": " + value + "\r\n";
  }
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n";
  head += r.body;
  // A fresh connection's send buffer holds a few hundred bytes; when it does not, the client
  // is not reading and the connection closes without an answer.
  const ssize_t sent = ::send(ci->connect_fd, head.data(), head.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (observer) observer(r.status);
  if (sent != static_cast<ssize_t>(head.size())) return MHD_NO;
  ex.discarding = true;
  ex.discard_until = Clock::now() + kLinger;
  set_deadline(c, ex.discard_until);  // a client that stops sending is closed then too
  return MHD_YES;
}

MHD_Result HttpServer::Impl::queue(MHD_Connection* c, Exchange& ex) {
  Response& r = ex.res;
  if (r.status == 0 && !r.body.empty()) r.status = 200;
  if (r.status < 100 || r.status > 599) set_error(r, 500, "internal error");
  MHD_Response* m = MHD_create_response_from_buffer(r.body.size(), r.body.data(), MHD_RESPMEM_MUST_COPY);
  if (m == nullptr) return MHD_NO;
  for (const auto& [name, value] : r.headers) {
    if (lowercase(name) == "content-length") continue;
    MHD_add_response_header(m, name.c_str(), value.c_str());
  }
  const MHD_Result queued = MHD_queue_response(c, static_cast<unsigned>(r.status), m);
  MHD_destroy_response(m);
  if (queued == MHD_YES && observer) observer(r.status);
  return queued;
}

MHD_Result HttpServer::Impl::dispatch(MHD_Connection* c, Exchange& ex) {
  set_deadline(c, Clock::time_point::max());  // the body is in
  std::unique_lock<std::mutex> lock(pool_mu);
  if (closing) {
    lock.unlock();
    ex.res.set_header("Retry-After", "1");
    set_error(ex.res, 503, "the server is stopping");
    return queue(c, ex);
  }
  // Suspended, the connection is not polled until its handler has run and resumes it.
  ex.dispatched = true;
  MHD_suspend_connection(c);
  ++in_flight;
  suspended[&ex] = c;
  tasks.push_back(&ex);
  lock.unlock();
  pool_cv.notify_one();
  return MHD_YES;
}

void HttpServer::Impl::run(Exchange& ex) {
  try {
    handler(ex.req, ex.res);
  } catch (const std::exception& e) {
    log_line("error: " + ex.req.method + " " + ex.req.path + ": " + e.what());
    ex.res = Response();
    set_error(ex.res, 500, "internal error");
  } catch (...) {
    log_line("error: " + ex.req.method + " " + ex.req.path + ": unknown exception");
    ex.res = Response();
    set_error(ex.res, 500, "internal error");
  }
  const size_t body_bytes = ex.req.body.size();
  ex.req.body = std::string();  // freed now, not when the connection next moves
#if defined(__GLIBC__)
  if (body_bytes >= kTrimAfterBytes) malloc_trim(0);
#endif
}

void HttpServer::Impl::handler_loop() {
  std::unique_lock<std::mutex> lock(pool_mu);
  while (true) {
    pool_cv.wait(lock, [&] { return pool_stopping || !tasks.empty(); });
    if (tasks.empty()) return;
    Exchange* ex = tasks.front();
    tasks.pop_front();
    lock.unlock();
    run(*ex);
    lock.lock();
    ex->done.store(true, std::memory_order_release);
    MHD_Connection* c = suspended[ex];
    suspended.erase(ex);
    MHD_resume_connection(c);
    --in_flight;
    idle_cv.notify_all();
  }
}

void HttpServer::Impl::reaper_loop() {
  std::unique_lock<std::mutex> lock(conns_mu);
  while (!reaper_stopping) {
    reaper_cv.wait_for(lock, std::chrono::milliseconds(200));
    const auto now = Clock::now();
    for (auto& [c, conn] : conns) {
      if (conn.deadline > now) continue;
      // The event loop sees the end of the stream and closes the connection. The entry is
      // removed (under this lock) before the library closes the descriptor, so it is still
      // this connection's.
      ::shutdown(conn.fd, SHUT_RDWR);
      conn.deadline = Clock::time_point::max();
    }
  }
}

void HttpServer::Impl::start_threads() {
  for (int i = 0; i < limits.handler_threads; ++i) threads.emplace_back([this] { handler_loop(); });
  reaper = std::thread([this] { reaper_loop(); });
}

void HttpServer::Impl::stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu);
  if (stopped) return;
  stopped = true;
  if (daemon != nullptr) {
    const MHD_socket quiesced = MHD_quiesce_daemon(daemon);
    if (quiesced == MHD_INVALID_SOCKET) listen_fd = -1;  // the daemon still owns it and closes it
    {
      // Requests being handled finish and resume their connections; none is dispatched after.
      std::unique_lock<std::mutex> lock(pool_mu);
      closing = true;
      idle_cv.wait(lock, [&] { return in_flight == 0; });
    }
    MHD_stop_daemon(daemon);
    daemon = nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    pool_stopping = true;
  }
  pool_cv.notify_all();
  for (std::thread& t : threads) t.join();
  threads.clear();
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    reaper_stopping = true;
  }
  reaper_cv.notify_all();
  if (reaper.joinable()) reaper.join();
}

namespace {

MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                      const char* data, size_t* size, void** con_cls) {
  return static_cast<HttpServer::Impl*>(cls)->on_request(c, url, method, data, size, con_cls);
}

void on_completed(void* cls, MHD_Connection* c, void** con_cls, MHD_RequestTerminationCode) {
  delete static_cast<Exchange*>(*con_cls);
  *con_cls = nullptr;
  auto* impl = static_cast<HttpServer::Impl*>(cls);
  // The next request's headers are due within the header timeout; an idle keep-alive connection
  // is closed then.
  impl->set_deadline(c, Clock::now() + impl->limits.header_timeout);
}

void on_connection(void* cls, MHD_Connection* c, void**, MHD_ConnectionNotificationCode code) {
  auto* impl = static_cast<HttpServer::Impl*>(cls);
  std::lock_guard<std::mutex> lock(impl->conns_mu);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci != nullptr) impl->conns[c] = {ci->connect_fd, Clock::now() + impl->limits.header_timeout};
  } else {
    impl->conns.erase(c);
  }
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->port; }

void HttpServer::stop() { impl_->stop(); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& host, int port, const Limits& limits,
                                                        Screen screen, Handler handler, Observer observer) {
  if (limits.max_connections < 1 || limits.max_connections_per_ip < 0 || limits.handler_threads < 1 || limits.event_threads < 1 ||
      limits.header_timeout.count() < 1 || limits.idle_timeout.count() < 1) {
    return invalid_argument("the HTTP limits must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  impl->screen = std::move(screen);
  impl->handler = std::move(handler);
  impl->observer = std::move(observer);
  ZKCC_RETURN_IF_ERROR(impl->bind_socket(host, port));
  impl->start_threads();
  const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
  impl->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &on_request, impl.get(),                                  //
      MHD_OPTION_LISTEN_SOCKET, static_cast<MHD_socket>(impl->listen_fd),                   //
      MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned>(limits.event_threads),             //
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(limits.max_connections),           //
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(limits.idle_timeout.count()),    //
      MHD_OPTION_NOTIFY_COMPLETED, &on_completed, impl.get(),                               //
      MHD_OPTION_NOTIFY_CONNECTION, &on_connection, impl.get(),                             //
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<unsigned>(limits.max_connections_per_ip),  //
      MHD_OPTION_END);
  if (impl->daemon == nullptr) {
    impl->stop();
    return unavailable("cannot start the HTTP server on " + host + ":" + std::to_string(port));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace zkcc::service::http
