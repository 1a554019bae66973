// Test helpers for the servers tests start themselves (swtpm, PostgreSQL): starting and stopping one.
#ifndef ZKCC_TESTS_CHILD_PROCESS_H_
#define ZKCC_TESTS_CHILD_PROCESS_H_

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "zkcc/base/status.h"

namespace zkcc::testing {

struct SpawnOptions {
  std::string cwd;            // empty: the test's own
  bool truncate_log = false;  // else append
  bool drop = false;          // run as uid/gid (servers that refuse root)
  uid_t uid = 0;
  gid_t gid = 0;
};

// Starts args[0] (a path) with stdout and stderr to `log`; the child dies with the test process.
inline StatusOr<pid_t> spawn_logged(std::vector<std::string> args, const std::string& log, const SpawnOptions& o = {}) {
  // Everything the child needs is prepared before fork: it only calls async-signal-safe functions.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (o.truncate_log ? O_TRUNC : O_APPEND);
  int log_fd = ::open(log.c_str(), flags, 0600);
  if (log_fd < 0) return internal_error("cannot create " + log);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return internal_error("fork failed");
  }
  if (pid == 0) {
    if (o.drop && (::setgroups(0, nullptr) != 0 || ::setgid(o.gid) != 0 || ::setuid(o.uid) != 0)) ::_exit(126);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // after setuid, which clears it
    // Some servers look up their own path, which needs a readable working directory.
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) ::_exit(125);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  return pid;
}

// Sends `sig`, waits up to `grace` for the child to exit, then kills it; and removes `dir`.
inline void stop_child(pid_t pid, int sig, std::chrono::seconds grace, const std::filesystem::path& dir) {
  if (pid > 0) {
    ::kill(pid, sig);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

}  // namespace zkcc::testing

#endif  // ZKCC_TESTS_CHILD_PROCESS_H_
