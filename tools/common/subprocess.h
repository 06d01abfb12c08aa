// Running a program bounded and without a shell (exec credential plugins now; vault-seed and
// render-manifests next): argv is a vector handed to posix_spawn (no shell, no word splitting,
// no globbing), environment additions go on top of this process's environment, stdin comes from
// given bytes or /dev/null (or this process's stdin for interactive programs), stdout and stderr
// are captured up to a byte cap or passed through, and one deadline ends everything: when it
// passes, the program's whole process group is killed.
//
// Secrets go to a program through stdin or its environment, never argv: every local user can
// read any process's argv in /proc.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace sf::proc {

using Steady = std::chrono::steady_clock;

enum class Input {
  kNull,     // /dev/null
  kData,     // Command::input_data, then end of file
  kInherit,  // this process's stdin (interactive plugins); the program then stays in our process
             // group so a terminal lets it read, and a timeout kills the program only
};

enum class Output { kCapture, kInherit, kDiscard };

struct Command {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;  // set (replacing any inherited value)
  std::vector<std::string> unset_env;                    // removed from the inherited environment
  Input input = Input::kNull;
  std::string input_data;
  Output out = Output::kCapture;
  Output err = Output::kCapture;
  size_t max_out_bytes = 1u << 20;  // more is Outcome::kTooMuchOutput, and the program is killed
  size_t max_err_bytes = 64u << 10; // more stderr is dropped (kept: the first max_err_bytes)
  Steady::time_point deadline = Steady::time_point::max();
};

enum class Outcome {
  kExited,         // exit_code holds its status
  kSignaled,       // killed by signal `signal` (not by us)
  kTimedOut,       // the deadline passed: the process group was killed
  kTooMuchOutput,  // stdout went past max_out_bytes: the process group was killed
};

struct Result {
  Outcome outcome = Outcome::kExited;
  int exit_code = -1;
  int signal = 0;
  std::string out;            // captured stdout (at most max_out_bytes)
  std::string err;            // captured stderr (at most max_err_bytes)
  bool err_truncated = false;
  std::chrono::milliseconds elapsed{0};
  bool succeeded() const { return outcome == Outcome::kExited && exit_code == 0; }
};

// The program could not be started at all: `error_number` is the errno (ENOENT: not found,
// EACCES: not executable, ...).
class SpawnError : public Error {
 public:
  SpawnError(const std::string& message, int error_number) : Error(message), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

// Runs `command` to completion or to its deadline. Throws SpawnError when it cannot start, and
// Error for a failure of this process (no pipes left); what the program does is in Result.
Result run(const Command& command);

}  // namespace sf::proc
