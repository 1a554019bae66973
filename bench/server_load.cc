// Load client for prove-server: N concurrent clients (one thread and one keep-alive connection
// each) send requests back to back for a bounded time, then the throughput and the latency
// percentiles are printed, per phase:
//   health  GET /health
//   prove   POST /api/v1/prove (202 accepted; 429 when the queue is full is counted apart)
//
//   server_load --url http://127.0.0.1:8080 [--token T] [--clients N] [--seconds S]
//               [--mode health|prove|both] [--model-id ID | --model FILE.onnx]
//               [--input FILE.json] [--level L] [--hostile N] [--json]
//
// --hostile N keeps, throughout the phases, N slow-header clients (a byte of headers every
// 250 ms each, reconnecting when the server closes them), N idle keep-alive connections (one
// request answered, then silence; reconnecting when closed) and one client after another sending
// a chunked body without end, until the server refuses it; the counts are printed at the end.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Args {
  std::string url = "http://127.0.0.1:8080";
  std::string token;
  int clients = 8;
  double seconds = 10;
  std::string mode = "both";
  std::string model_id, model_file;
  std::string input_file = "models/digits/inputs/heldout_000.json";
  std::string level = "zk-only";
  int hostile = 0;
  bool json = false;
};

struct Sample {
  double ms;
  int status;  // 0: transport error
};

struct Phase {
  std::string name;
  double seconds = 0;
  std::vector<Sample> samples;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "server_load: %s\nusage: server_load --url URL [--token T] [--clients N] [--seconds S] "
               "[--mode health|prove|both] [--model-id ID | --model FILE.onnx] [--input FILE.json] [--level L] "
               "[--hostile N] [--json]\n",
               why);
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + k).c_str());
      return argv[++i];
    };
    if (k == "--url") a.url = value();
    else if (k == "--token") a.token = value();
    else if (k == "--clients") a.clients = std::atoi(value().c_str());
    else if (k == "--seconds") a.seconds = std::atof(value().c_str());
    else if (k == "--mode") a.mode = value();
    else if (k == "--model-id") a.model_id = value();
    else if (k == "--model") a.model_file = value();
    else if (k == "--input") a.input_file = value();
    else if (k == "--level") a.level = value();
    else if (k == "--hostile") a.hostile = std::atoi(value().c_str());
    else if (k == "--json") a.json = true;
    else usage(("unknown option " + k).c_str());
  }
  if (a.clients < 1 || a.clients > 1024) usage("--clients must be 1 to 1024");
  if (a.hostile < 0 || a.hostile > 1000) usage("--hostile must be 0 to 1000");
  if (!(a.seconds > 0) || a.seconds > 3600) usage("--seconds must be in (0, 3600]");
  if (a.mode != "health" && a.mode != "prove" && a.mode != "both") usage("--mode must be health, prove or both");
  if (a.url.starts_with("https://")) usage("only http:// (loopback) is supported");
  if (!a.url.starts_with("http://")) usage("--url must start with http://");
  return a;
}

std::unique_ptr<httplib::Client> make_client(const Args& a) {
  auto c = std::make_unique<httplib::Client>(a.url);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(60, 0);
  if (!a.token.empty()) c->set_default_headers({{"Authorization", "Bearer " + a.token}});
  return c;
}

std::string read_text(const std::string& path) {
  auto b = zkcc::read_file(path, size_t{1} << 30);
  if (!b.ok()) {
    std::fprintf(stderr, "server_load: %s\n", b.status().message().c_str());
    std::exit(1);
  }
  return std::string(b->begin(), b->end());
}

// Runs `clients` threads that call `request` until the time is up.
Phase run_phase(const Args& a, const std::string& name,
                const std::function<int(httplib::Client&)>& request) {
  Phase p;
  p.name = name;
  std::vector<std::vector<Sample>> per_client(static_cast<size_t>(a.clients));
  std::atomic<bool> go{false};
  const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
  std::vector<std::thread> threads;
  Clock::time_point start;
  for (int t = 0; t < a.clients; ++t) {
    threads.emplace_back([&, t] {
      auto client = make_client(a);
      while (!go.load()) std::this_thread::yield();
      auto& out = per_client[static_cast<size_t>(t)];
      const auto end = start + duration;
      while (Clock::now() < end) {
        auto t0 = Clock::now();
        int status = request(*client);
        out.push_back({std::chrono::duration<double, std::milli>(Clock::now() - t0).count(), status});
      }
    });
  }
  start = Clock::now();
  go = true;
  for (auto& t : threads) t.join();
  p.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per_client) p.samples.insert(p.samples.end(), v.begin(), v.end());
  return p;
}

double percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

json summarize(const Phase& p, int clients) {
  std::vector<double> ms;
  std::map<int, size_t> by_status;
  for (const Sample& s : p.samples) {
    ms.push_back(s.ms);
    ++by_status[s.status];
  }
  std::sort(ms.begin(), ms.end());
  json statuses = json::object();
  for (const auto& [status, n] : by_status) statuses[status == 0 ? "error" : std::to_string(status)] = n;
  return {{"phase", p.name},
          {"clients", clients},
          {"seconds", p.seconds},
          {"requests", p.samples.size()},
          {"throughput_rps", static_cast<double>(p.samples.size()) / p.seconds},
          {"p50_ms", percentile(ms, 0.50)},
          {"p90_ms", percentile(ms, 0.90)},
          {"p99_ms", percentile(ms, 0.99)},
          {"max_ms", ms.empty() ? 0.0 : ms.back()},
          {"status", statuses}};
}

void print(const json& s) {
  std::printf("%-7s %3d clients %6.1f s  %8zu requests  %9.1f req/s  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %7.2f ms  ",
              s["phase"].get<std::string>().c_str(), s["clients"].get<int>(), s["seconds"].get<double>(),
              s["requests"].get<size_t>(), s["throughput_rps"].get<double>(), s["p50_ms"].get<double>(),
              s["p90_ms"].get<double>(), s["p99_ms"].get<double>(), s["max_ms"].get<double>());
  for (const auto& [status, n] : s["status"].items()) std::printf(" %s:%zu", status.c_str(), n.get<size_t>());
  std::printf("\n");
}


// A TCP connection to the server's loopback port, or -1.
int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    fd = -1;
  }
  return fd;
}

bool send_text(int fd, const std::string& s) {
  return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

// Whether the server has closed `fd` (reads and drops whatever it sent).
bool closed_by_server(int fd) {
  char buf[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) return true;
  }
}

// The hostile clients of --hostile, on two threads, until stop().
class Hostile {
 public:
  Hostile(int port, int n, std::string token) : port_(port), n_(n), token_(std::move(token)) {}
  ~Hostile() { stop(); }

  void start() {
    if (n_ == 0) return;
    threads_.emplace_back([this] { slow_and_idle(); });
    threads_.emplace_back([this] { oversized(); });
  }
  void stop() {
    stopping_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  json counts() const {
    return {{"hostile_clients", n_},
            {"slow_header_closed", slow_closed_.load()},
            {"idle_keepalive_closed", idle_closed_.load()},
            {"oversized_refused", oversized_refused_.load()},
            {"oversized_unanswered", oversized_unanswered_.load()}};
  }

 private:
  void slow_and_idle() {
    const std::string slow_request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(200, 's') + "\r\n\r\n";
    std::vector<int> slow(static_cast<size_t>(n_), -1), idle(static_cast<size_t>(n_), -1);
    std::vector<size_t> sent(slow.size(), 0);
    while (!stopping_) {
      for (size_t i = 0; i < slow.size(); ++i) {
        if (slow[i] >= 0 && (closed_by_server(slow[i]) || !send_text(slow[i], slow_request.substr(sent[i] % slow_request.size(), 1)))) {
          ::close(slow[i]);
          slow[i] = -1;
          ++slow_closed_;
        }
        if (slow[i] < 0) {
          slow[i] = connect_to(port_);
          sent[i] = 0;
        } else {
          ++sent[i];
        }
        if (idle[i] >= 0 && closed_by_server(idle[i])) {
          ::close(idle[i]);
          idle[i] = -1;
          ++idle_closed_;
        }
        if (idle[i] < 0) {
          idle[i] = connect_to(port_);
          if (idle[i] >= 0) send_text(idle[i], "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    for (int fd : slow) if (fd >= 0) ::close(fd);
    for (int fd : idle) if (fd >= 0) ::close(fd);
  }

  // Chunked bodies of 64 KiB chunks until the server answers (or 256 MiB went unanswered).
  void oversized() {
    const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
    while (!stopping_) {
      int fd = connect_to(port_);
      if (fd < 0) continue;
      bool failed = !send_text(fd, "POST /api/v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ +
                                        "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 4096 && !failed && !stopping_; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) break;
        if (!send_text(fd, chunk)) break;
      }
      char buf[16];
      pollfd p{fd, POLLIN, 0};
      const ssize_t n = ::poll(&p, 1, 5000) > 0 ? ::recv(fd, buf, sizeof buf, 0) : 0;
      if (n >= 12 && std::string(buf, 12) == "HTTP/1.1 413") {
        ++oversized_refused_;
      } else if (!stopping_) {
        ++oversized_unanswered_;
      }
      ::close(fd);
    }
  }

  int port_, n_;
  std::string token_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::atomic<int64_t> slow_closed_{0}, idle_closed_{0}, oversized_refused_{0}, oversized_unanswered_{0};
};

}  // namespace

int main(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  json results = json::array();
  const size_t colon = a.url.rfind(':');
  Hostile hostile(colon == std::string::npos ? 80 : std::atoi(a.url.c_str() + colon + 1), a.hostile, a.token);
  hostile.start();
  if (a.hostile > 0) std::this_thread::sleep_for(std::chrono::seconds(1));  // the hostile clients connect first

  if (a.mode == "health" || a.mode == "both") {
    Phase p = run_phase(a, "health", [](httplib::Client& c) {
      auto r = c.Get("/health");
      return r ? r->status : 0;
    });
    results.push_back(summarize(p, a.clients));
  }

  if (a.mode == "prove" || a.mode == "both") {
    std::string model_id = a.model_id;
    if (model_id.empty()) {
      if (a.model_file.empty()) usage("--mode prove needs --model-id or --model");
      auto c = make_client(a);
      auto r = c->Post("/api/v1/models", read_text(a.model_file), "application/octet-stream");
      if (!r || (r->status != 200 && r->status != 201)) {
        std::fprintf(stderr, "server_load: registering %s failed: %s\n", a.model_file.c_str(),
                     r ? r->body.c_str() : httplib::to_string(r.error()).c_str());
        return 1;
      }
      model_id = json::parse(r->body).value("model_id", "");
    }
    const std::string body =
        json{{"model_id", model_id}, {"input", json::parse(read_text(a.input_file))}, {"level", a.level}}.dump();
    Phase p = run_phase(a, "prove", [&](httplib::Client& c) {
      auto r = c.Post("/api/v1/prove", body, "application/json");
      return r ? r->status : 0;
    });
    results.push_back(summarize(p, a.clients));
  }

  hostile.stop();
  if (a.hostile > 0) results.push_back(hostile.counts());
  if (a.json) {
    std::printf("%s\n", results.dump(2).c_str());
  } else {
    for (const json& s : results) {
      if (s.contains("phase")) {
        print(s);
      } else {
        std::printf("hostile: %s\n", s.dump().c_str());
      }
    }
  }
  return 0;
}
