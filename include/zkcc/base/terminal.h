// Notes for a person watching a command: printed only when standard error is a terminal, so that
// scripts, logs and --json output see nothing extra.
#ifndef ZKCC_BASE_TERMINAL_H_
#define ZKCC_BASE_TERMINAL_H_

namespace zkcc {

bool stderr_is_terminal();

}  // namespace zkcc

#endif  // ZKCC_BASE_TERMINAL_H_
