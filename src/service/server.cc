#include "zkcc/service/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http.h"
#include "zkcc/base/json.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/model/commitment.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/input_json.h"
#include "zkcc/model/inspect.h"
#include "zkcc/pipeline/job.h"
#include "zkcc/service/log.h"
#include "zkcc/service/result.h"
#include "zkcc/starknet/calldata.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/capability.h"

namespace zkcc::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using http::Request;
using http::Response;

constexpr size_t kMaxModelFileBytes = size_t{1} << 30;
// Deeper than any real listing goes; it keeps offset arithmetic far from overflow.
constexpr int64_t kMaxJobListOffset = int64_t{1} << 40;

// Responses never throw on bytes that are not UTF-8 (a name or path echoed back): they are replaced.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void reply(Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void error(Response& res, int status, const std::string& message) { reply(res, status, {{"error", message}}); }

int http_status(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnimplemented:
      return 422;  // a well-formed model or input this server cannot take
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// Seconds a client is told to wait before retrying when the job store cannot be reached.
constexpr int kStoreRetrySecs = 5;

void error(Response& res, const Status& s) {
  const int status = http_status(s);
  if (status < 500) return error(res, status, s.message());
  // The server's own failures are logged in full; their messages name files, hosts and
  // statements, so the client gets only what kind of failure it was.
  log_line("error: " + s.to_string());
  if (status == 503) {
    res.set_header("Retry-After", std::to_string(kStoreRetrySecs));
    return error(res, 503, "the job store is unavailable; retry later");
  }
  error(res, status, "internal error");
}

// The media type of a Content-Type header, lowercased, without parameters.
std::string media_type(const Request& req) {
  std::string v = req.get_header_value("Content-Type");
  v = v.substr(0, v.find(';'));
  std::string out;
  for (char c : v) {
    if (c == ' ' || c == '\t') continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

bool is_hex_id(const std::string& s, size_t min_digits, size_t max_digits, bool prefixed) {
  std::string_view v = s;
  if (prefixed) {
    if (!v.starts_with("0x")) return false;
    v.remove_prefix(2);
  }
  return v.size() >= min_digits && v.size() <= max_digits &&
         std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool is_job_id(const std::string& s) { return is_hex_id(s, 32, 32, false); }

json job_state_names() {
  json names = json::array();
  for (JobState s : kAllJobStates) names.push_back(job_state_name(s));
  return names;
}

// A query parameter that is a decimal integer in [min, max]: digits only, no sign or spaces.
StatusOr<int64_t> integer_param(const std::string& name, const std::string& text, int64_t min, int64_t max) {
  const std::string range = " must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid_argument("'" + name + "'" + range);
  }
  const int64_t v = std::stoll(text);  // at most 18 digits: no overflow
  if (v < min || v > max) return invalid_argument("'" + name + "'" + range + ", not " + text);
  return v;
}

// GET /api/v1/jobs's query: state, limit and offset, each at most once; nothing else.
StatusOr<JobListQuery> parse_job_list_query(const http::Params& params) {
  JobListQuery q;
  for (auto it = params.begin(); it != params.end(); ++it) {
    const auto& [key, value] = *it;
    if (params.count(key) > 1) return invalid_argument("query parameter '" + key + "' is given more than once");
    if (key == "state") {
      std::optional<JobState> state = parse_job_state(value);
      if (!state) {
        std::string allowed;
        for (JobState s : kAllJobStates) allowed += (allowed.empty() ? "" : ", ") + std::string(job_state_name(s));
        return invalid_argument("unknown state '" + value + "': expected one of " + allowed);
      }
      q.state = state;
    } else if (key == "limit") {
      ZKCC_ASSIGN_OR_RETURN(q.limit, integer_param(key, value, 1, kMaxJobListLimit));
    } else if (key == "offset") {
      ZKCC_ASSIGN_OR_RETURN(q.offset, integer_param(key, value, 0, kMaxJobListOffset));
    } else {
      return invalid_argument("unknown query parameter '" + key + "' (state, limit, offset)");
    }
  }
  return q;
}

// A model id as a client may spell it: "0x" (or "0X") and 1 to 64 hex digits of either case,
// leading zeros allowed. Every spelling of one felt is one model, so ids are compared in the
// canonical form Felt252::to_hex gives (lowercase, no leading zeros), the form the store keys by.
StatusOr<std::string> canonical_model_id(std::string_view s, std::string_view what) {
  const bool hex = s.size() >= 3 && s.size() <= 66 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
                   std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!hex) return invalid_argument(std::string(what) + " must be a model commitment in 0x hex");
  auto felt = Felt252::from_hex(s);
  if (!felt.ok()) return invalid_argument(std::string(what) + " is not a felt: " + felt.status().message());
  return felt->to_hex();
}

// The methods a known path takes ("Allow"), or nullptr for a path the server does not serve.
// HEAD is answered wherever GET is.
const char* allowed_methods(std::string_view path) {
  auto one_segment = [](std::string_view rest) { return !rest.empty() && rest.find('/') == std::string_view::npos; };
  if (path == "/health" || path == "/metrics") return "GET, HEAD";
  if (path == "/api/v1/models") return "GET, HEAD, POST";
  if (path == "/api/v1/prove" || path == "/api/v1/verify") return "POST";
  if (path.starts_with("/api/v1/models/") && one_segment(path.substr(15))) return "GET, HEAD";
  if (path == "/api/v1/jobs") return "GET, HEAD";
  if (path.starts_with("/api/v1/jobs/")) {
    std::string_view rest = path.substr(13);
    if (one_segment(rest)) return "GET, HEAD, DELETE";
    if (rest.ends_with("/result") && one_segment(rest.substr(0, rest.size() - 7))) return "GET, HEAD";
  }
  return nullptr;
}

void not_allowed(const Request& req, Response& res, const char* allow) {
  res.set_header("Allow", allow);
  error(res, 405, req.method + " is not allowed on " + req.path + " (" + allow + ")");
}

std::string random_job_id() {
  uint8_t b[16];
  if (RAND_bytes(b, sizeof b) != 1) return {};
  return to_hex(b);
}

bool printable_name(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) { return c >= ' ' && c < 0x7f; });
}

StatusOr<double> input_range_of(const json& v) {
  if (!v.is_number()) return invalid_argument("'input_range' must be a number");
  double r = v.get<double>();
  if (!pipeline::check_input_range(r).ok()) return invalid_argument("'input_range' must lie in (0, 1e6]");
  return r;
}

// `relative` under `base` (already canonical): no absolute path, no "..", and the result, with
// every symbolic link resolved, still inside `base`.
StatusOr<fs::path> resolve_under(const fs::path& base, const std::string& relative) {
  if (base.empty()) return permission_denied("model paths are disabled: the server has no --models-dir");
  if (relative.empty() || relative.size() > 4096 || relative.find('\0') != std::string::npos) {
    return invalid_argument("'path' must be a relative path");
  }
  fs::path p(relative);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) {
    return permission_denied("absolute paths are refused; name a file under the model directory");
  }
  for (const fs::path& part : p) {
    if (part == "..") return permission_denied("'..' is refused in a model path");
  }
  std::error_code ec;
  fs::path full = fs::weakly_canonical(base / p, ec);
  if (ec) return not_found("no model file '" + relative + "'");
  auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (b != base.end()) return permission_denied("'" + relative + "' leads outside the model directory");
  if (!fs::is_regular_file(full, ec)) return not_found("no model file '" + relative + "'");
  return full;
}

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

// JSON nested deeper than this is refused before it is parsed: JSON values are copied, compared
// and serialised recursively, so a deep enough document would exhaust a thread's stack.
constexpr int kMaxJsonDepth = 64;

// A JSON body parsed into a document (a verification, a model registration) holds at most this
// many values: a document takes tens of bytes a value, so a body of tiny values ("[[],[],...]")
// would take tens of times its size. A job result's files hold one value per calldata felt and two
// per output element: about 7,000 for the bundled model, 13,000 for the largest benchmark model.
constexpr size_t kMaxJsonValues = size_t{1} << 21;

// Refuses nesting deeper than kMaxJsonDepth (400) and more than `max_values` values (413), without
// parsing. The values are counted from above: every value but the outermost follows an opening
// bracket or brace, or a comma, so one plus their count bounds them (exact but for empty arrays
// and objects, which count twice).
Status check_json_shape(std::string_view text, size_t max_values) {
  int depth = 0;
  size_t values = 1;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{' || c == ',') {
      if (c != ',' && ++depth > kMaxJsonDepth) {
        return invalid_argument("request JSON is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
      if (++values > max_values) {
        return out_of_range("request JSON holds more than " + std::to_string(max_values) + " values");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return ok_status();
}

// The body of a JSON request as a document: an object, without repeated keys, excessive nesting or
// too many values; nullopt with the response set when it is refused.
std::optional<json> json_body(const std::string& body, Response& res) {
  if (Status shape = check_json_shape(body, kMaxJsonValues); !shape.ok()) {
    error(res, shape.code() == StatusCode::kOutOfRange ? 413 : 400, shape.message());
    return std::nullopt;
  }
  auto doc = parse_strict_object(body, "request");
  if (!doc.ok()) {
    error(res, doc.status());
    return std::nullopt;
  }
  return std::move(*doc);
}

// What a prove request may need beyond its input's numbers (keys, the level, the worker, the
// amount, white space), and per number of the input (digits, exponent, separators, brackets and
// indentation of a pretty-printed nesting): a longer request is refused before its input is read,
// so no body the model cannot use is kept (its bytes, then its numbers) beyond the checks.
constexpr size_t kProveRequestOverheadBytes = size_t{64} << 10;
constexpr size_t kProveBytesPerInputNumber = 128;

size_t prove_request_cap(const model::Shape& shape) {
  size_t numbers = 1;
  for (size_t d : shape) numbers = d != 0 && numbers > SIZE_MAX / d ? SIZE_MAX : numbers * d;
  if (numbers > (SIZE_MAX - kProveRequestOverheadBytes) / kProveBytesPerInputNumber) return SIZE_MAX;
  return kProveRequestOverheadBytes + numbers * kProveBytesPerInputNumber;
}

// The members a prove request may have (model_id, input, level, worker, sage_amount), with room for
// a few unknown ones to be named in the error.
constexpr size_t kMaxProveMembers = 16;

// A registration in progress, keyed by what determines the model (the ONNX bytes and how they are
// quantized): requests for the same model wait for the first one and give its answer.
struct Registration {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int status = 0;
  std::string body;
  http::Headers headers;  // Location, Retry-After
};

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

Status parse_listen_address(const std::string& text, std::string* host, int* port) {
  std::string h, p;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid_argument("--listen: expected [IPV6]:PORT");
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return invalid_argument("--listen: expected HOST:PORT");
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.empty()) return invalid_argument("--listen: the host is missing");
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(p) > 65535) {
    return invalid_argument("--listen: the port must be a number from 0 to 65535");
  }
  *host = h;
  *port = std::stoi(p);
  return ok_status();
}

// A few store connections for the HTTP threads, each used by one request at a time.
class StorePool {
 public:
  Status open(const std::string& spec, const std::string& data_dir, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto s = std::make_unique<Entry>();
      ZKCC_ASSIGN_OR_RETURN(s->store, open_store(spec, data_dir));
      entries_.push_back(std::move(s));
    }
    return ok_status();
  }
  template <typename F>
  auto with(F&& f) {
    Entry& e = *entries_[next_.fetch_add(1, std::memory_order_relaxed) % entries_.size()];
    std::lock_guard<std::mutex> lock(e.mu);
    return f(*e.store);
  }

 private:
  struct Entry {
    std::mutex mu;
    std::unique_ptr<JobStore> store;
  };
  std::vector<std::unique_ptr<Entry>> entries_;
  std::atomic<size_t> next_{0};
};

// Hardware detection at start and then every interval, never per request.
class CapabilityMonitor {
 public:
  ~CapabilityMonitor() { stop(); }
  void start(std::string root, std::chrono::seconds interval) {
    root_ = std::move(root);
    refresh();
    thread_ = std::thread([this, interval] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!cv_.wait_for(lock, interval, [&] { return stopping_; })) {
        lock.unlock();
        refresh();
        lock.lock();
      }
    });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  std::pair<tee::FullStackCapability, int64_t> get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return {cap_, detected_ms_};
  }

 private:
  void refresh() {
    tee::DetectOptions o;
    o.root = root_;
    o.probe_nvml = root_ == "/";
    tee::FullStackCapability cap = tee::detect(o);
    std::lock_guard<std::mutex> lock(mu_);
    cap_ = std::move(cap);
    detected_ms_ = now_ms();
  }

  std::string root_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  tee::FullStackCapability cap_;
  int64_t detected_ms_ = 0;
  std::thread thread_;
};

struct Server::Impl {
  ServerOptions options;
  fs::path models_dir;  // canonical, or empty
  std::unique_ptr<http::HttpServer> http_server;
  int port = 0;
  StorePool stores;
  Metrics metrics;
  RateLimiter limiter;
  CapabilityMonitor monitor;
  tee::BundleRoots roots;
  std::unique_ptr<WorkerPool> workers;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::mutex stop_mu;
  bool stopped = false;
  int given_back = 0;
  std::mutex shapes_mu;
  std::map<std::string, model::Shape> input_shapes;  // model id -> input shape, for prove requests
  std::mutex registrations_mu;
  std::map<std::string, std::shared_ptr<Registration>> registrations;  // in progress, by registration_key

  explicit Impl(ServerOptions o) : options(std::move(o)), limiter(options.rate_per_sec, options.rate_burst) {}

  bool admit(const Request& req, Response& res);
  void handle(const Request& req, Response& res);
  void health(const Request& req, Response& res);
  void register_model(const Request& req, const std::string& body, Response& res);
  void register_once(const std::string& key, const Bytes& onnx, const pipeline::ModelOptions& mo,
                     const std::string& name, Response& res);
  void register_graph(const Bytes& onnx, const pipeline::ModelOptions& mo, const std::string& name, Response& res);
  void list_models(Response& res);
  void get_model(const std::string& id, Response& res);
  void submit(const Request& req, const std::string& body, Response& res);
  void job_status(const std::string& id, Response& res);
  void list_jobs(const Request& req, Response& res);
  void cancel_job(const std::string& id, Response& res);
  void job_result(const std::string& id, Response& res);
  void verify(const Request& req, const std::string& body, Response& res);
  StatusOr<model::Shape> input_shape(const std::string& model_id);
};

// Rate limit and token, for /api/: false with the response set when the request is refused.
bool Server::Impl::admit(const Request& req, Response& res) {
  if (!req.path.starts_with("/api/")) return true;
  int retry_after = 1;
  if (!limiter.admit(req.remote_addr, RateLimiter::Clock::now(), &retry_after)) {
    metrics.rate_limited();
    res.set_header("Retry-After", std::to_string(retry_after));
    error(res, 429, "too many requests from " + req.remote_addr + "; retry in " + std::to_string(retry_after) + " s");
    return false;
  }
  if (!options.tokens.empty() && !options.tokens.allows(req.get_header_value("Authorization"))) {
    metrics.auth_failure();
    res.set_header("WWW-Authenticate", "Bearer realm=\"zkcc\"");
    error(res, 401, req.has_header("Authorization") ? "the token is not valid"
                                                    : "this API needs an Authorization: Bearer token");
    return false;
  }
  return true;
}

// Every request that passed admit(), its body read within --max-body: the route, or 404 for a
// path the server does not serve, or 405 with "Allow" for a method a known path does not take.
void Server::Impl::handle(const Request& req, Response& res) {
  const std::string& path = req.path;
  auto segment_after = [&](std::string_view prefix, std::string_view suffix, std::string* out) {
    if (!path.starts_with(prefix) || !path.ends_with(suffix) || path.size() <= prefix.size() + suffix.size()) {
      return false;
    }
    *out = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    return out->find('/') == std::string::npos;
  };
  std::string id;
  if (req.method == "GET" || req.method == "HEAD") {
    if (path == "/health") return health(req, res);
    if (path == "/metrics") {
      std::optional<JobCounts> counts;
      auto c = stores.with([](JobStore& s) { return s.counts(); });
      if (c.ok()) counts = *c;
      double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      return res.set_content(metrics.render(counts, uptime), "text/plain; version=0.0.4; charset=utf-8");
    }
    if (path == "/api/v1/models") return list_models(res);
    if (segment_after("/api/v1/models/", "", &id)) return get_model(id, res);
    if (path == "/api/v1/jobs") return list_jobs(req, res);
    if (segment_after("/api/v1/jobs/", "", &id)) return job_status(id, res);
    if (segment_after("/api/v1/jobs/", "/result", &id)) return job_result(id, res);
  }
  if (req.method == "POST") {
    if (path == "/api/v1/models") return register_model(req, req.body, res);
    if (path == "/api/v1/prove") return submit(req, req.body, res);
    if (path == "/api/v1/verify") return verify(req, req.body, res);
  }
  if (req.method == "DELETE" && segment_after("/api/v1/jobs/", "", &id)) return cancel_job(id, res);
  const char* allow = allowed_methods(path);
  if (allow == nullptr) return error(res, 404, "no such endpoint: " + req.method + " " + path);
  not_allowed(req, res, allow);
}

void Server::Impl::health(const Request&, Response& res) {
  auto [cap, detected_ms] = monitor.get();
  const bool sim = options.worker.platform.platform == "sim";
  const bool cpu_tee = tee::cpu_tee_usable(cap);
  const bool gpu_tee = tee::gpu_tee_usable(cap);
  json levels = {"auto", "zk-only"};
  if (sim ? (options.worker.platform.sim_cpu != tee::CpuPlatform::kNone || options.worker.platform.sim_gpus > 0)
          : (cpu_tee || gpu_tee)) {
    levels.push_back("tee");
  }
  if (sim ? (options.worker.platform.sim_cpu != tee::CpuPlatform::kNone && options.worker.platform.sim_gpus > 0)
          : (cpu_tee && gpu_tee)) {
    levels.push_back("full-cc");
  }
  json h = {{"status", "ok"},
            {"uptime_secs", static_cast<int64_t>(
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())},
            {"version", options.version},
            {"gpu_available", cap.gpu.device_count > 0},
            {"tee_available", gpu_tee},
            {"cpu_tee_available", cpu_tee},
            {"cpu_platform", tee::cpu_platform_name(cap.cpu.platform)},
            {"full_stack_cc", cpu_tee && gpu_tee},
            {"security_level", options.default_level},
            {"attestation", sim ? "simulated" : "hardware"},
            {"levels_available", levels},
            {"detected_at", format_time_ms(detected_ms)},
            {"workers", workers ? workers->threads() : 0},
            {"busy_workers", workers ? workers->busy() : 0}};
  auto counts = stores.with([](JobStore& s) { return s.counts(); });
  auto models = stores.with([](JobStore& s) { return s.list_models(); });
  if (counts.ok() && models.ok()) {
    h["loaded_models"] = models->size();
    h["queued_jobs"] = counts->queued;
    h["active_jobs"] = counts->running;
    reply(res, 200, h);
    return;
  }
  // The store's own message names its file or server: logged, never shown to an unauthenticated client.
  log_line("health: the job store cannot be read: " + (counts.ok() ? models.status() : counts.status()).to_string());
  h["status"] = "degraded";
  h["store_error"] = "the job store cannot be read";
  res.set_header("Retry-After", std::to_string(kStoreRetrySecs));
  h["loaded_models"] = nullptr;
  h["queued_jobs"] = nullptr;
  h["active_jobs"] = nullptr;
  reply(res, 503, h);
}

void Server::Impl::register_model(const Request& req, const std::string& request_body, Response& res) {
  const std::string type = media_type(req);
  pipeline::ModelOptions mo;
  std::string name;
  Bytes onnx;
  if (type == "application/octet-stream") {
    if (request_body.empty()) return error(res, 400, "the body must be the ONNX model");
    for (const auto& [key, value] : req.params) {
      if (key == "input_range") {
        char* end = nullptr;
        double r = std::strtod(value.c_str(), &end);
        auto checked = input_range_of(end == value.c_str() + value.size() && !value.empty() ? json(r) : json("x"));
        if (!checked.ok()) return error(res, checked.status());
        mo.input_range = *checked;
      } else if (key == "name") {
        if (!printable_name(value)) return error(res, 400, "'name' must be 1 to 128 printable ASCII characters");
        name = value;
      } else {
        return error(res, 400, "unknown query parameter '" + key + "' (input_range, name)");
      }
    }
    onnx.assign(request_body.begin(), request_body.end());
  } else if (type == "application/json") {
    auto body = json_body(request_body, res);
    if (!body) return;
    std::string path;
    for (const auto& [key, value] : body->items()) {
      if (key == "path" || key == "calibration_path" || key == "name") {
        if (!value.is_string()) return error(res, 400, "'" + key + "' must be a string");
      }
      if (key == "path") {
        path = value.get<std::string>();
      } else if (key == "name") {
        if (!printable_name(value.get<std::string>())) {
          return error(res, 400, "'name' must be 1 to 128 printable ASCII characters");
        }
        name = value.get<std::string>();
      } else if (key == "calibration") {
        if (!value.is_array()) return error(res, 400, "'calibration' must be an array of inputs");
        mo.calibration_json = dump(value);
      } else if (key == "calibration_path") {
        auto cal_path = resolve_under(models_dir, value.get<std::string>());
        if (!cal_path.ok()) return error(res, cal_path.status());
        auto cal = read_file(cal_path->string(), options.max_body_bytes);
        if (!cal.ok()) return error(res, cal.status());
        mo.calibration_json = text_of(*cal);
      } else if (key == "input_range") {
        auto r = input_range_of(value);
        if (!r.ok()) return error(res, r.status());
        mo.input_range = *r;
      } else {
        return error(res, 400, "unknown key '" + key + "' (path, name, calibration, calibration_path, input_range)");
      }
    }
    if (path.empty()) return error(res, 400, "'path' is missing (or send the ONNX file as application/octet-stream)");
    if (body->contains("calibration") && body->contains("calibration_path")) {
      return error(res, 400, "give 'calibration' or 'calibration_path', not both");
    }
    auto full = resolve_under(models_dir, path);
    if (!full.ok()) return error(res, full.status());
    auto bytes = read_file(full->string(), kMaxModelFileBytes);
    if (!bytes.ok()) return error(res, bytes.status());
    onnx = std::move(*bytes);
    if (name.empty()) name = full->filename().string();
  } else {
    return error(res, 415, "send the ONNX file as application/octet-stream, or JSON {\"path\": ...}");
  }

  // What determines the model: the ONNX bytes and the quantization options, each length-prefixed.
  Bytes key_input;
  auto append = [&](std::span<const uint8_t> part) {
    for (int i = 0; i < 8; ++i) key_input.push_back(static_cast<uint8_t>(uint64_t{part.size()} >> (8 * i)));
    key_input.insert(key_input.end(), part.begin(), part.end());
  };
  const auto range = std::bit_cast<std::array<uint8_t, sizeof(double)>>(mo.input_range);
  append(onnx);
  append({reinterpret_cast<const uint8_t*>(mo.calibration_json.data()), mo.calibration_json.size()});
  append(range);
  const hash::Sha256Digest key = hash::sha256(key_input);
  key_input = Bytes();
  register_once(to_hex(key), onnx, mo, name, res);
}

// The first request for a model registers it; requests for the same model arriving meanwhile wait
// for it and give its answer (200 where it gave 201: the model is registered by then).
void Server::Impl::register_once(const std::string& key, const Bytes& onnx, const pipeline::ModelOptions& mo,
                                 const std::string& name, Response& res) {
  std::shared_ptr<Registration> r;
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(registrations_mu);
    auto [it, inserted] = registrations.try_emplace(key);
    if (inserted) it->second = std::make_shared<Registration>();
    r = it->second;
    first = inserted;
  }
  if (!first) {
    std::unique_lock<std::mutex> lock(r->mu);
    r->cv.wait(lock, [&] { return r->done; });
    res.status = r->status == 201 ? 200 : r->status;
    res.set_content(r->body, "application/json");
    for (const auto& [header, value] : r->headers) {
      if (header != "Content-Type" && header != "Content-Length") res.set_header(header, value);
    }
    return;
  }
  // Published however register_graph ends (an exception included), so no waiter is left waiting.
  struct Publish {
    Impl* impl;
    const std::string& key;
    Registration& r;
    Response& res;
    ~Publish() {
      {
        std::lock_guard<std::mutex> lock(r.mu);
        r.done = true;
        r.status = res.status > 0 ? res.status : 500;
        r.body = res.status > 0 ? res.body : dump({{"error", "internal error"}});
        r.headers = res.headers;
      }
      r.cv.notify_all();
      std::lock_guard<std::mutex> lock(impl->registrations_mu);
      impl->registrations.erase(key);
    }
  } publish{this, key, *r, res};
  register_graph(onnx, mo, name, res);
}

void Server::Impl::register_graph(const Bytes& onnx, const pipeline::ModelOptions& mo, const std::string& name,
                                  Response& res) {
  auto graph = pipeline::load_model(onnx, mo);
  if (!graph.ok()) {
    // Whatever the importer refuses is the upload's fault: malformed (400) or unsupported (422).
    const Status& st = graph.status();
    return error(res, st.code() == StatusCode::kUnimplemented ? 422 : 400, "model: " + st.message());
  }
  // The model's id is its commitment: the weights committed once, with their range proof.
  auto loaded = pipeline::prepare_model(*graph);
  if (!loaded.ok()) return error(res, 422, "model: " + loaded.status().message());
  const std::string id = loaded->commitment.to_hex();
  json outputs = json::array();
  for (size_t o : graph->outputs) outputs.push_back(graph->values[o].shape);
  json info = {{"model_id", id},
               {"commitment", id},
               {"name", name.empty() ? "model" : name},
               {"input_shape", graph->values[0].shape},
               {"output_shapes", outputs},
               {"activation_bits", graph->activation_bits},
               {"calibrated", !mo.calibration_json.empty()}};
  // The counts by the names `prove-model inspect --json` gives them (zkcc/model/inspect.h).
  if (auto summary = model::inspect(onnx); summary.ok()) info.update(model::onnx_counts_json(*summary));
  info.update(model::quantized_counts_json(*graph));
  // Their former names, kept for existing clients.
  info["layers"] = info["quantized_layers"];
  info["parameters"] = info["committed_parameters"];
  if (mo.calibration_json.empty()) info["input_range"] = mo.input_range;

  // Registered already (200, with what was stored)? Asked before the insert, which costs the
  // graph's encoding, and again when the insert finds the model there: uploads of one model by
  // other routes (bytes and path) or by other servers on the store can race it.
  auto answer_stored = [&]() -> bool {
    auto existing = stores.with([&](JobStore& s) { return s.get_model(id); });
    if (!existing.ok()) {
      error(res, existing.status());
      return true;
    }
    if (!existing->has_value()) return false;
    auto stored = json::parse((*existing)->info_json, nullptr, false);
    if (stored.is_object()) info = stored;
    info["created_at"] = format_time_ms((*existing)->created_ms);
    reply(res, 200, info);
    return true;
  };
  if (answer_stored()) return;
  ModelRecord record{id, model::encode_graph(*graph), dump(info), now_ms()};
  auto inserted = stores.with([&](JobStore& st) { return st.put_model(record); });
  if (!inserted.ok()) return error(res, inserted.status());
  if (!*inserted && answer_stored()) return;
  {
    std::lock_guard<std::mutex> lock(shapes_mu);
    input_shapes[id] = graph->values[0].shape;
  }
  log_line("model " + id + " registered (" + info["name"].get<std::string>() + ", " +
           std::to_string(graph->layers.size()) + " layers)");
  info["created_at"] = format_time_ms(record.created_ms);
  res.set_header("Location", "/api/v1/models/" + id);
  reply(res, 201, info);
}

void Server::Impl::list_models(Response& res) {
  auto models = stores.with([](JobStore& s) { return s.list_models(); });
  if (!models.ok()) return error(res, models.status());
  json list = json::array();
  for (const ModelRecord& m : *models) {
    json info = json::parse(m.info_json, nullptr, false);
    if (!info.is_object()) info = {{"model_id", m.id}};
    info["created_at"] = format_time_ms(m.created_ms);
    list.push_back(std::move(info));
  }
  reply(res, 200, {{"models", list}});
}

void Server::Impl::get_model(const std::string& spelled, Response& res) {
  auto canonical = canonical_model_id(spelled, "a model id");
  if (!canonical.ok()) return error(res, canonical.status());
  const std::string& id = *canonical;
  auto m = stores.with([&](JobStore& s) { return s.get_model(id); });
  if (!m.ok()) return error(res, m.status());
  if (!m->has_value()) return error(res, 404, "no model " + id);
  json info = json::parse((*m)->info_json, nullptr, false);
  if (!info.is_object()) info = {{"model_id", id}};
  info["created_at"] = format_time_ms((*m)->created_ms);
  reply(res, 200, info);
}

StatusOr<model::Shape> Server::Impl::input_shape(const std::string& model_id) {
  {
    std::lock_guard<std::mutex> lock(shapes_mu);
    auto it = input_shapes.find(model_id);
    if (it != input_shapes.end()) return it->second;
  }
  auto m = stores.with([&](JobStore& s) { return s.get_model(model_id); });
  if (!m.ok()) return m.status();
  if (!m->has_value()) return not_found("no model " + model_id + " (register it with POST /api/v1/models)");
  ZKCC_ASSIGN_OR_RETURN(model::QuantizedGraph g, model::decode_graph((*m)->graph));
  std::lock_guard<std::mutex> lock(shapes_mu);
  if (input_shapes.size() >= 1024) input_shapes.clear();
  input_shapes[model_id] = g.values[0].shape;
  return g.values[0].shape;
}

void Server::Impl::submit(const Request& req, const std::string& request_body, Response& res) {
  if (media_type(req) != "application/json") return error(res, 415, "send the request as application/json");
  // No document is built, so the values are not counted; the input's numbers are, against its shape.
  if (Status depth = check_json_shape(request_body, SIZE_MAX); !depth.ok()) return error(res, depth);
  // Read in place, without a document: the request costs its body and its input's numbers, never
  // a tree of values tens of times the body's size.
  auto members = object_members(request_body, "request", kMaxProveMembers);
  if (!members.ok()) return error(res, members.status());
  ProveRequest r;
  r.level = options.default_level;
  std::string model_id;
  std::optional<std::string_view> input;
  for (const auto& [key, value] : *members) {
    if (key == "input") {
      if (value != "null") input = value;
      continue;
    }
    if (key != "model_id" && key != "level" && key != "worker" && key != "sage_amount") {
      return error(res, 400, "unknown key '" + key + "' (model_id, input, level, worker, sage_amount)");
    }
    if (!value.starts_with('"')) return error(res, 400, "'" + key + "' must be a string");
    (key == "model_id" ? model_id : key == "level" ? r.level : key == "worker" ? r.worker : r.sage_amount) =
        json::parse(value).get<std::string>();
  }
  if (model_id.empty()) return error(res, 400, "'model_id' is missing");
  if (!input) return error(res, 400, "'input' is missing");
  auto canonical = canonical_model_id(model_id, "'model_id'");
  if (!canonical.ok()) return error(res, canonical.status());
  model_id = *canonical;
  if (auto level = tee::parse_security_level(r.level); !level.ok()) return error(res, 400, level.status().message());
  auto worker = Felt252::parse(r.worker);
  if (!worker.ok()) return error(res, worker.status().with_context("worker"));
  if (Status s = starknet::check_contract_address(*worker, "worker"); !s.ok()) return error(res, s);
  if (auto sage = starknet::parse_u256(r.sage_amount); !sage.ok()) {
    return error(res, sage.status().with_context("sage_amount"));
  }
  auto shape = input_shape(model_id);
  if (!shape.ok()) return error(res, shape.status());
  if (request_body.size() > prove_request_cap(*shape)) {
    return error(res, 413, "the prove request is larger than model " + model_id + "'s input can need (" +
                               std::to_string(prove_request_cap(*shape)) + " bytes at most)");
  }
  // The numbers go straight into the tensor; the job keeps them flattened, which is the same input.
  auto x = model::parse_input_json(*input, *shape);
  if (!x.ok()) return error(res, x.status().with_context("input"));
  r.input = std::move(x->data);

  JobRecord job;
  job.id = random_job_id();
  if (job.id.empty()) return error(res, internal_error("no random bytes for a job id"));
  job.model_id = model_id;
  job.request_json = prove_request_json(r);
  job.created_ms = now_ms();
  Status s = stores.with([&](JobStore& st) { return st.enqueue(job, options.max_queued); });
  if (s.code() == StatusCode::kFailedPrecondition) {  // the queue is full (an unreachable store is 503)
    res.set_header("Retry-After", "5");
    return error(res, 429, "the queue is full (" + std::to_string(options.max_queued) + " jobs); retry later");
  }
  if (!s.ok()) return error(res, s);
  if (workers) workers->notify();
  res.set_header("Location", "/api/v1/jobs/" + job.id);
  reply(res, 202, {{"job_id", job.id},
                   {"status", "queued"},
                   {"level", r.level},
                   {"status_url", "/api/v1/jobs/" + job.id},
                   {"result_url", "/api/v1/jobs/" + job.id + "/result"}});
}

namespace {

// A job's status document (GET /api/v1/jobs/ID, and each job of the listing, whose records carry
// no request and so no level).
json job_document(const JobRecord& j) {
  json out = {{"job_id", j.id}, {"model_id", j.model_id}, {"status", job_state_name(j.state)}, {"attempts", j.attempts}};
  if (!j.request_json.empty()) {
    auto request = parse_prove_request(j.request_json);
    if (request.ok()) out["level"] = request->level;
  }
  int64_t done = j.progress_done, total = j.progress_total;
  if (j.state == JobState::kDone && total > 0) done = total;
  out["progress"] = {{"layers_done", done},
                     {"layers_total", total},
                     {"fraction", total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0}};
  if (j.state == JobState::kRunning) {
    out["worker"] = j.worker;
    out["lease_until"] = format_time_ms(j.lease_until_ms);
  }
  if (j.state == JobState::kFailed) out["error"] = j.error;
  json timings = {{"created_at", format_time_ms(j.created_ms)}};
  if (j.started_ms > 0) {
    timings["started_at"] = format_time_ms(j.started_ms);
    timings["queued_ms"] = j.started_ms - j.created_ms;
  }
  if (j.finished_ms > 0) {
    timings["finished_at"] = format_time_ms(j.finished_ms);
    if (j.started_ms > 0) timings["run_ms"] = j.finished_ms - j.started_ms;
    timings["total_ms"] = j.finished_ms - j.created_ms;
  } else if (j.started_ms > 0) {
    timings["run_ms"] = now_ms() - j.started_ms;
  }
  out["timings"] = timings;
  if (j.state == JobState::kDone) out["result_url"] = "/api/v1/jobs/" + j.id + "/result";
  return out;
}

}  // namespace

void Server::Impl::job_status(const std::string& id, Response& res) {
  if (!is_job_id(id)) return error(res, 400, "a job id is 32 lowercase hex digits");
  auto job = stores.with([&](JobStore& s) { return s.get_job(id); });
  if (!job.ok()) return error(res, job.status());
  if (!job->has_value()) return error(res, 404, "no job " + id);
  reply(res, 200, job_document(**job));
}

void Server::Impl::list_jobs(const Request& req, Response& res) {
  auto query = parse_job_list_query(req.params);
  if (!query.ok()) {
    json body = {{"error", query.status().message()}};
    if (req.has_param("state") && !parse_job_state(req.get_param_value("state"))) {
      body["allowed_states"] = job_state_names();
    }
    return reply(res, 400, body);
  }
  auto page = stores.with([&](JobStore& s) { return s.list_jobs(*query); });
  if (!page.ok()) return error(res, page.status());
  json jobs = json::array();
  for (const JobRecord& j : page->jobs) jobs.push_back(job_document(j));
  const int64_t next = query->offset + static_cast<int64_t>(page->jobs.size());
  reply(res, 200, {{"jobs", std::move(jobs)},
                   {"order", "newest_first"},
                   {"state", query->state ? json(job_state_name(*query->state)) : json(nullptr)},
                   {"offset", query->offset},
                   {"limit", query->limit},
                   {"next_offset", page->more ? json(next) : json(nullptr)}});
}

void Server::Impl::cancel_job(const std::string& id, Response& res) {
  if (!is_job_id(id)) return error(res, 400, "a job id is 32 lowercase hex digits");
  // A running job's worker finds out at its next heartbeat, wherever it runs, and stops.
  auto job = stores.with([&](JobStore& s) { return s.cancel(id, now_ms()); });
  if (job.ok()) {
    log_line("job " + id + ": cancelled");
    return reply(res, 200, job_document(*job));
  }
  if (job.status().code() != StatusCode::kFailedPrecondition) return error(res, job.status());
  json body = {{"error", job.status().message()}};
  auto now = stores.with([&](JobStore& s) { return s.get_job(id); });
  if (now.ok() && now->has_value()) body["status"] = job_state_name((*now)->state);
  reply(res, 409, body);
}

void Server::Impl::job_result(const std::string& id, Response& res) {
  if (!is_job_id(id)) return error(res, 400, "a job id is 32 lowercase hex digits");
  auto job = stores.with([&](JobStore& s) { return s.get_job(id); });
  if (!job.ok()) return error(res, job.status());
  if (!job->has_value()) return error(res, 404, "no job " + id);
  const JobRecord& j = **job;
  if (j.state == JobState::kFailed) {
    return reply(res, 409, {{"error", "the job failed: " + j.error}, {"status", "failed"}});
  }
  if (j.state == JobState::kCancelled) {
    return reply(res, 409, {{"error", "the job was cancelled; it has no result"}, {"status", "cancelled"}});
  }
  if (j.state != JobState::kDone) {
    return reply(res, 409, {{"error", "the job is " + std::string(job_state_name(j.state)) + "; no result yet"},
                            {"status", job_state_name(j.state)}});
  }
  auto result = stores.with([&](JobStore& s) { return s.get_result(id); });
  if (!result.ok()) return error(res, result.status());
  if (!result->has_value()) return error(res, data_loss("job " + id + " is done but its result is missing"));
  res.status = 200;
  res.set_content(text_of(**result), "application/json");
}

void Server::Impl::verify(const Request& req, const std::string& request_body, Response& res) {
  if (media_type(req) != "application/json") return error(res, 415, "send the request as application/json");
  auto body = json_body(request_body, res);
  if (!body) return;
  // The document: a result or a bundle, bare or under "result" / "bundle" beside "policy",
  // "min_level" and "at".
  const json* doc = &*body;
  std::optional<tee::Policy> policy = options.policy;
  std::optional<tee::SecurityLevel> min_level;
  int64_t at = static_cast<int64_t>(std::time(nullptr));
  bool wrapped = body->contains("result") || body->contains("bundle");
  if (wrapped) {
    if (body->contains("result") && body->contains("bundle")) {
      return error(res, 400, "give a 'result' or a 'bundle', not both");
    }
    for (const auto& [key, value] : body->items()) {
      if (key == "result" || key == "bundle") {
        if (!value.is_object()) return error(res, 400, "'" + key + "' must be a JSON object");
        doc = &value;
      } else if (key == "policy") {
        auto p = tee::Policy::from_json(value);
        if (!p.ok()) return error(res, p.status().with_context("policy"));
        policy = std::move(*p);
      } else if (key == "min_level") {
        auto level = value.is_string() ? tee::parse_security_level(value.get<std::string>())
                                       : StatusOr<tee::SecurityLevel>(invalid_argument("must be a string"));
        if (!level.ok() || *level == tee::SecurityLevel::kAuto) {
          return error(res, 400, "'min_level' must be zk-only, tee or full-cc");
        }
        min_level = *level;
      } else if (key == "at") {
        if (!value.is_number_integer() || value.get<int64_t>() < 0) {
          return error(res, 400, "'at' must be Unix seconds");
        }
        at = value.get<int64_t>();
      } else {
        return error(res, 400, "unknown key '" + key + "' (result or bundle, policy, min_level, at)");
      }
    }
  }
  const bool is_result = wrapped ? body->contains("result") : doc->contains("files");
  const bool is_bundle = wrapped ? body->contains("bundle") : doc->contains("combined_hash") && doc->contains("version");
  if (!is_result && !is_bundle) {
    return error(res, 400, "expected a job result ({\"files\": ...}) or an evidence bundle ({\"version\", ...})");
  }
  // The request's min_level adds to the policy (the server's, the request's or the production
  // default): it can raise the level required, never lower it.
  if (min_level) {
    if (!policy) policy.emplace();
    if (!policy->min_level || tee::level_rank(*min_level) > tee::level_rank(*policy->min_level)) policy->min_level = min_level;
  }
  const tee::Policy* pp = policy ? &*policy : nullptr;
  tee::Verdict verdict;
  if (is_result) {
    std::optional<Felt252> expected_model;
    std::optional<Bytes> graph;
    if (doc->contains("model_id")) {
      const json& spelled = (*doc)["model_id"];
      if (!spelled.is_string()) return error(res, 400, "'model_id' must be a model commitment in 0x hex");
      auto id = canonical_model_id(spelled.get_ref<const std::string&>(), "'model_id'");
      if (!id.ok()) return error(res, id.status());
      expected_model = *Felt252::from_hex(*id);
      const json& files = doc->value("files", json::object());
      if (!files.is_object() || !files.contains("model_commitment.bin")) {
        auto record = stores.with([&](JobStore& s) { return s.get_model(*id); });
        if (!record.ok()) return error(res, record.status());
        if (record->has_value()) {
          // The registered model's public commitment (no weights leave the server).
          auto g = model::decode_graph((*record)->graph);
          if (!g.ok()) return error(res, g.status());
          auto loaded = pipeline::prepare_model(std::move(*g));
          if (!loaded.ok()) return error(res, loaded.status());
          graph = proof::encode_model_commitment(loaded->circuit.model_commitment());
        }
      }
    }
    auto files = result_files(*doc, graph ? &*graph : nullptr);
    if (!files.ok()) return error(res, files.status());
    // Every file is there and decodes: a package that still does not parse (a receipt whose
    // receipt_hash is not its fields' hash, a proof that does not decode) is an edited result,
    // which is not verified, rather than a malformed request.
    auto package = pipeline::parse_package(*files);
    if (package.ok()) {
      verdict = pipeline::verify_package(*package, roots, pp, at, expected_model);
    } else {
      verdict.kind = "package";
      verdict.add("package", false, package.status().message());
    }
  } else {
    verdict = tee::verify_bundle(*doc, roots, pp, at);
  }
  metrics.verification(verdict.ok());
  json failed = json::array();
  for (const tee::Check& c : verdict.checks) {
    if (!c.ok) failed.push_back(c.name + (c.detail.empty() ? "" : ": " + c.detail));
  }
  reply(res, 200, {{"verified", verdict.ok()},
                   {"summary", verdict.summary_line()},
                   {"kind", is_result ? "result" : "bundle"},
                   {"checks", verdict.checks.size()},
                   {"failed", failed},
                   {"verdict", verdict.to_json()}});
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

const std::string& Server::host() const { return impl_->options.host; }
int Server::port() const { return impl_->port; }

StatusOr<std::unique_ptr<Server>> Server::start(ServerOptions options) {
  if (!is_loopback_host(options.host) && options.tokens.empty() && !options.insecure) {
    return failed_precondition("refusing to serve on " + options.host +
                               " without an API token (--tokens-file or ZKCC_API_TOKENS); --insecure overrides");
  }
  if (options.port < 0 || options.port > 65535) return invalid_argument("the port must be 0 to 65535");
  ZKCC_RETURN_IF_ERROR(tee::parse_security_level(options.default_level).status());
  if (options.max_queued < 1) return invalid_argument("the queue must hold at least one job");
  if (options.http_threads < 1 || options.http_threads > 1024) return invalid_argument("1 to 1024 HTTP threads");
  if (options.max_body_bytes < 1024) return invalid_argument("the body limit must be at least 1 KiB");
  if (options.max_connections < 1 || options.max_connections > 65536) {
    return invalid_argument("1 to 65536 connections");
  }
  if (options.max_connections_per_ip < 0 || options.max_connections_per_ip > options.max_connections) {
    return invalid_argument("0 (no limit) to --max-connections connections per client address");
  }
  for (std::chrono::seconds t : {options.header_timeout, options.body_timeout, options.idle_timeout}) {
    if (t.count() < 1 || t.count() > 86400) return invalid_argument("the header, body and idle timeouts: 1 to 86400 seconds");
  }
  if (options.detect_interval.count() < 1) return invalid_argument("the detection interval must be a second or more");
  ZKCC_RETURN_IF_ERROR(check_platform_options(options.worker.platform));

  auto impl = std::make_unique<Impl>(std::move(options));
  ServerOptions& o = impl->options;
  if (!o.models_dir.empty()) {
    std::error_code ec;
    impl->models_dir = fs::canonical(o.models_dir, ec);
    if (ec || !fs::is_directory(impl->models_dir)) {
      return not_found("the model directory " + o.models_dir + " does not exist");
    }
  }
  ZKCC_RETURN_IF_ERROR(impl->stores.open(o.worker.store, o.worker.data_dir,
                                         static_cast<size_t>(std::clamp(o.http_threads / 4, 1, 4))));
  ZKCC_ASSIGN_OR_RETURN(std::vector<tee::Certificate> extra, platform_roots(o.worker.platform));
  impl->roots = tee::roots_with_extra(extra);
  impl->monitor.start(o.worker.platform.root, o.detect_interval);

  http::Limits limits;
  limits.max_body_bytes = o.max_body_bytes;
  limits.max_connections = o.max_connections;
  limits.max_connections_per_ip = o.max_connections_per_ip;
  limits.header_timeout = o.header_timeout;
  limits.body_timeout = o.body_timeout;
  limits.idle_timeout = o.idle_timeout;
  limits.handler_threads = o.http_threads;
  Impl* p = impl.get();
  auto http_server = http::HttpServer::start(
      o.host, o.port, limits,
      // On an event thread, before the body is read: cheap checks only (a token bucket, a digest).
      [p](const Request& req, Response& res) { return p->admit(req, res); },
      [p](const Request& req, Response& res) { p->handle(req, res); },
      [p](int status) { p->metrics.http_response(status); });
  if (!http_server.ok()) {
    impl->monitor.stop();
    return http_server.status();
  }
  impl->http_server = std::move(*http_server);
  impl->port = impl->http_server->port();
  if (o.worker.threads > 0) {
    auto pool = WorkerPool::start(o.worker, &impl->metrics);
    if (!pool.ok()) {
      impl->monitor.stop();
      return pool.status();
    }
    impl->workers = std::move(*pool);
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::stop(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return impl_->given_back;
  impl_->stopped = true;
  if (impl_->http_server) impl_->http_server->stop();
  impl_->monitor.stop();
  if (impl_->workers) impl_->given_back = impl_->workers->stop(grace);
  return impl_->given_back;
}

}  // namespace zkcc::service
