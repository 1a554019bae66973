#include "progress.h"

#include <cstdio>
#include <string>

#include "zkcc/base/terminal.h"

namespace zkcc::cli {

Progress::Progress(bool quiet) : on_(!quiet && stderr_is_terminal()) {}

void Progress::stage(std::string_view what) {
  if (!on_) return;
  std::fprintf(stderr, "\r\033[K%.*s...", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::step(std::string_view what, size_t done, size_t total) {
  if (!on_ || total == 0) return;
  constexpr size_t kWidth = 30;
  const size_t filled = done * kWidth / total;
  std::fprintf(stderr, "\r\033[K%-8.*s [%s%s] %zu/%zu layers", static_cast<int>(what.size()), what.data(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, ' ').c_str(), done, total);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::done() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace zkcc::cli
