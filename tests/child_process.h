// Test helpers for the servers tests start themselves (swtpm, PostgreSQL): stopping one.
#ifndef ZKCC_TESTS_CHILD_PROCESS_H_
#define ZKCC_TESTS_CHILD_PROCESS_H_

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

namespace zkcc::testing {

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
