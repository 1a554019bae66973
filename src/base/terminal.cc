#include "zkcc/base/terminal.h"

#include <unistd.h>

namespace zkcc {

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace zkcc
