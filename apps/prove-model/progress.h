// What a long command is doing, for a person at a terminal: one line on standard error, redrawn in
// place, and nothing at all when standard error is not a terminal or the output is --json.
#ifndef ZKCC_APPS_PROVE_MODEL_PROGRESS_H_
#define ZKCC_APPS_PROVE_MODEL_PROGRESS_H_

#include <cstddef>
#include <string_view>

namespace zkcc::cli {

class Progress {
 public:
  explicit Progress(bool quiet);
  ~Progress() { done(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void stage(std::string_view what);  // "WHAT..."
  void step(std::string_view what, size_t done, size_t total);  // a bar of `done` out of `total` layers
  void done();  // erases the line

 private:
  bool on_;
  bool drawn_ = false;
};

}  // namespace zkcc::cli

#endif  // ZKCC_APPS_PROVE_MODEL_PROGRESS_H_
