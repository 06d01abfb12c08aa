// Errors as exceptions with context, caught once in main (cli.h run_tool), which maps them to
// the exit codes every tool shares. Modules that need expected-style results say so locally.
#pragma once

#include <stdexcept>
#include <string>

namespace sf {

// The exit codes of DESIGN.md: one table, used by every tool.
enum ExitCode : int {
  kExitOk = 0,       // done
  kExitFailed = 1,   // the work failed or the wait timed out
  kExitUsage = 2,    // bad flag, unreadable or invalid input or configuration
  kExitPartial = 3,  // some targets failed, the rest is on stdout
};

// An error that already says what, where and what to do; `exit_code` is what main returns.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitFailed)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Bad flag, bad file, bad field: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, kExitUsage) {}
};

// Input that does not parse; `where` is "file:line" (or "URL line N") so the message can name it.
class ParseError : public UsageError {
 public:
  ParseError(const std::string& where, const std::string& what)
      : UsageError(where + ": " + what), where_(where), what_(what) {}
  const std::string& where() const { return where_; }
  const std::string& detail() const { return what_; }

 private:
  std::string where_;
  std::string what_;
};

}  // namespace sf
