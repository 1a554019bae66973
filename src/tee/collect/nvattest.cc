#include "zkcc/tee/collect/nvattest.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <thread>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/collect/nvml.h"
#include "zkcc/tee/nvidia_gpu/report.h"

extern char** environ;

namespace zkcc::tee::collect {
namespace {

constexpr size_t kStderrTail = 4096;
constexpr size_t kMaxReportBytes = 64 * 1024;
constexpr size_t kMaxChainBytes = 64 * 1024;

std::string errno_text(int err) { return std::system_category().message(err) + " (errno " + std::to_string(err) + ")"; }

// The tool's text is never trusted; what appears in error messages is printable and bounded.
std::string printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, std::min(s.size(), max))) out += (c >= 0x20 && c <= 0x7e) ? c : ' ';
  if (s.size() > max) out += "...";
  return out;
}

std::string stderr_note(const std::string& tail) {
  std::string t = printable(tail, 600);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t.empty() ? "" : "; stderr ends with: " + t;
}

struct ProcessResult {
  int status = 0;
  std::string out;
  std::string err_tail;
};

void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);  // its process group: a script's children too
  ::kill(pid, SIGKILL);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

class Pipe {
 public:
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }
  bool open() { return ::pipe2(fd_, O_CLOEXEC) == 0; }
  int read_end() const { return fd_[0]; }
  int write_end() const { return fd_[1]; }
  void close_read() {
    if (fd_[0] >= 0) ::close(fd_[0]);
    fd_[0] = -1;
  }
  void close_write() {
    if (fd_[1] >= 0) ::close(fd_[1]);
    fd_[1] = -1;
  }

 private:
  int fd_[2] = {-1, -1};
};

// Runs `argv` (argv[0] the executable's path) without a shell, stdin from /dev/null, collecting
// stdout (at most max_out bytes) and the end of stderr, within `timeout`.
StatusOr<ProcessResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, size_t max_out) {
  const std::string& exe = argv[0];
  Pipe out, err;
  if (!out.open() || !err.open()) return internal_error("cannot create pipes for " + exe + ": " + errno_text(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out.close_write();
  err.close_write();
  if (rc != 0) {
    std::string m = "cannot run " + exe + ": " + errno_text(rc);
    if (rc == ENOENT) return not_found(m);
    if (rc == EACCES || rc == EPERM) return permission_denied(m);
    return internal_error(m);
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&deadline] {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    return d > 0 ? static_cast<int>(std::min<long long>(d, 1 << 30)) : 0;
  };
  ProcessResult r;
  Status failure;
  bool out_open = true, err_open = true;
  char buf[16384];
  while (out_open || err_open) {
    int wait = left_ms();
    if (wait == 0) {
      failure = unavailable(exe + " did not finish within " + std::to_string(timeout.count()) + " ms");
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    if (out_open) fds[n++] = {out.read_end(), POLLIN, 0};
    if (err_open) fds[n++] = {err.read_end(), POLLIN, 0};
    int ready = ::poll(fds, n, wait);
    if (ready < 0) {
      if (errno == EINTR) continue;
      failure = internal_error("poll on " + exe + "'s output failed: " + errno_text(errno));
      break;
    }
    for (nfds_t i = 0; i < n && failure.ok(); ++i) {
      if (fds[i].revents == 0) continue;
      bool is_out = fds[i].fd == out.read_end();
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        failure = internal_error("reading " + exe + "'s output failed: " + errno_text(errno));
      } else if (got == 0) {
        (is_out ? out_open : err_open) = false;
      } else if (is_out) {
        if (r.out.size() + static_cast<size_t>(got) > max_out) {
          failure = out_of_range(exe + " printed more than " + std::to_string(max_out) + " bytes");
        } else {
          r.out.append(buf, static_cast<size_t>(got));
        }
      } else {
        r.err_tail.append(buf, static_cast<size_t>(got));
        if (r.err_tail.size() > kStderrTail) r.err_tail.erase(0, r.err_tail.size() - kStderrTail);
      }
    }
    if (!failure.ok()) break;
  }
  out.close_read();
  err.close_read();
  if (!failure.ok()) {
    kill_and_reap(pid);
    return failure;
  }
  // Both streams are closed; the process may still be exiting.
  for (;;) {
    int status = 0;
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      r.status = status;
      return r;
    }
    if (w < 0 && errno != EINTR) {
      int e = errno;
      kill_and_reap(pid);
      return internal_error("waiting for " + exe + " failed: " + errno_text(e));
    }
    if (left_ms() == 0) {
      kill_and_reap(pid);
      return unavailable(exe + " did not exit within " + std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool executable_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

StatusOr<std::string> find_nvattest(const std::string& root, const NvattestOptions& options) {
  if (!options.path.empty()) {
    if (!executable_file(options.path)) return not_found(options.path + " is not an executable file");
    return options.path;
  }
  const char* env = std::getenv("PATH");
  std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty() || dir[0] != '/') continue;  // relative entries would depend on the working directory
    std::string candidate =
        (std::filesystem::path(root) / std::filesystem::path(dir).relative_path() / "nvattest").lexically_normal().string();
    if (executable_file(candidate)) return candidate;
  }
  return not_found("nvattest is not in any PATH directory (" + printable(path, 300) + ") under " + root);
}

StatusOr<std::vector<GpuEvidence>> parse_nvattest_evidence(std::string_view json, std::span<const uint8_t, 32> nonce,
                                                           unsigned max_gpus) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded()) return invalid_argument("nvattest output is not JSON");
  const nlohmann::json* list = &doc;
  if (doc.is_object()) {
    auto code = doc.find("result_code");
    if (code == doc.end() || !code->is_number_integer()) return invalid_argument("nvattest output lacks an integer result_code");
    if (code->get<int64_t>() != 0) {
      auto msg = doc.find("result_message");
      std::string text = msg != doc.end() && msg->is_string() ? printable(msg->get<std::string>(), 200) : "";
      return failed_precondition("nvattest reported result_code " + std::to_string(code->get<int64_t>()) + " (" + text + ")");
    }
    auto ev = doc.find("evidences");
    if (ev == doc.end() || !ev->is_array()) return invalid_argument("nvattest output lacks an \"evidences\" array");
    list = &*ev;
  } else if (!doc.is_array()) {
    return invalid_argument("nvattest output is neither an object nor an evidence array");
  }
  if (list->empty()) return failed_precondition("nvattest returned no GPU evidence");
  if (list->size() > max_gpus) {
    return out_of_range("nvattest returned evidence for " + std::to_string(list->size()) + " GPUs, more than the " +
                        std::to_string(max_gpus) + " allowed");
  }
  std::vector<GpuEvidence> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& g = (*list)[i];
    std::string where = "nvattest evidence " + std::to_string(i);
    for (const char* key : {"arch", "certificate", "evidence", "nonce"}) {
      if (!g.is_object() || !g.contains(key) || !g[key].is_string()) return invalid_argument(where + " lacks the string \"" + key + "\"");
    }
    auto stated = from_hex(g["nonce"].get<std::string>());
    if (!stated.ok() || stated->size() != nonce.size()) return invalid_argument(where + ": nonce is not 32 bytes of hex");
    if (!std::equal(stated->begin(), stated->end(), nonce.begin())) {
      return data_loss(where + " is for nonce " + to_hex(*stated) + ", not the one requested");
    }
    const std::string& evidence = g["evidence"].get_ref<const std::string&>();
    const std::string& certificate = g["certificate"].get_ref<const std::string&>();
    if (evidence.size() > kMaxReportBytes * 4 / 3 + 4) return out_of_range(where + ": the report is too large");
    if (certificate.size() > kMaxChainBytes * 4 / 3 + 4) return out_of_range(where + ": the certificate chain is too large");
    auto report = from_base64(evidence);
    if (!report.ok()) return report.status().with_context(where + " evidence");
    auto parsed = nvidia_gpu::parse_gpu_report(*report);
    if (!parsed.ok()) return parsed.status().with_context(where);
    if (!std::equal(parsed->requester_nonce.begin(), parsed->requester_nonce.end(), nonce.begin())) {
      return data_loss(where + ": the report was made for nonce " + to_hex(parsed->requester_nonce) + ", not the one requested");
    }
    auto chain = from_base64(certificate);
    if (!chain.ok()) return chain.status().with_context(where + " certificate");
    auto pem = leaf_first_pem_chain(*chain);
    if (!pem.ok()) return pem.status().with_context(where + " certificate");
    GpuEvidence ev;
    ev.index = static_cast<unsigned>(i);
    ev.name = printable(g["arch"].get<std::string>(), 64);
    ev.report = std::move(*report);
    ev.certificate_chain_pem = std::move(*pem);
    ev.source = "nvattest";
    out.push_back(std::move(ev));
  }
  return out;
}

NvattestAttester::NvattestAttester(std::string executable, NvattestOptions options)
    : executable_(std::move(executable)), options_(std::move(options)) {}

StatusOr<std::vector<GpuEvidence>> NvattestAttester::attest(std::span<const uint8_t, 32> nonce) {
  std::vector<std::string> argv = {executable_, "collect-evidence", "--device", "gpu", "--nonce", to_hex(nonce)};
  if (options_.format_flag) {
    argv.push_back("--format");
    argv.push_back("json");
  }
  ZKCC_ASSIGN_OR_RETURN(ProcessResult r, run(argv, options_.timeout, options_.max_output_bytes));
  if (WIFSIGNALED(r.status)) {
    return internal_error(executable_ + " was killed by signal " + std::to_string(WTERMSIG(r.status)) + stderr_note(r.err_tail));
  }
  int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
  if (code != 0) {
    std::string reported;
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("result_message") && doc["result_message"].is_string()) {
      reported = " (it reports: " + printable(doc["result_message"].get<std::string>(), 200) + ")";
    }
    return failed_precondition(executable_ + " collect-evidence exited with status " + std::to_string(code) + reported +
                               stderr_note(r.err_tail));
  }
  auto evidence = parse_nvattest_evidence(r.out, nonce, options_.max_gpus);
  if (!evidence.ok()) return evidence.status().with_context(executable_ + " collect-evidence");
  return evidence;
}

}  // namespace zkcc::tee::collect
