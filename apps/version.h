// The line `--version` prints, the same shape for every program of the project:
// "PROGRAM (zkcc) X.Y.Z". ZKCC_VERSION is the project version, defined by apps/CMakeLists.txt.
#ifndef ZKCC_APPS_VERSION_H_
#define ZKCC_APPS_VERSION_H_

#include <string>
#include <string_view>

namespace zkcc::apps {

inline std::string version_line(std::string_view program) {
  return std::string(program) + " (zkcc) " + ZKCC_VERSION;
}

}  // namespace zkcc::apps

#endif  // ZKCC_APPS_VERSION_H_
