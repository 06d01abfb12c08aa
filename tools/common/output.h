// Checked output: every byte a tool writes goes through sf::Output, which checks every write
// and every flush. A full disk (ENOSPC), a closed pipe (EPIPE: `| head -1`), a closed or bad
// descriptor is a WriteError with a message naming the stream, never a silent exit 0; the
// caller stops at once (an exception unwinds the work). Tools flush their Output before
// returning from main, so the last buffer is checked too.
//
// OutputFile is where a report goes with `-o FILE`: a regular file (or a new one) is replaced
// atomically (written beside it, fsync'd, renamed; on any failure the previous file is left
// untouched); a device, FIFO or socket (/dev/null, /dev/stdout, a named pipe) is written in
// place, never replaced. A replaced file keeps its mode (and, as root, its owner); a new one
// gets 0666 minus the umask, or a stricter mode when the caller asks (secrets: 0600).
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace sf {

class WriteError : public Error {
 public:
  WriteError(const std::string& message, bool broken_pipe) : Error(message, kExitFailed), broken_pipe_(broken_pipe) {}
  bool broken_pipe() const { return broken_pipe_; }  // the reader went away (EPIPE)

 private:
  bool broken_pipe_;
};

// "stdout: write failed: No space left on device"; for EPIPE, that the reader closed the pipe.
std::string write_error_message(const std::string& name, int error_number);

class Output {
 public:
  // The process's stdout (stdio's stdout, fully buffered when it is not a terminal).
  static Output& standard();
  // Writes to `stream` (not owned), named `name` in messages ("stdout", a file path); `note`
  // is added to every error message (e.g. "; report.csv was left as it was").
  Output(std::FILE* stream, std::string name, std::string note = "");
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  void write(std::string_view data);  // throws WriteError
  void flush();                        // throws WriteError
  const std::string& name() const { return name_; }
  std::FILE* stream() { return stream_; }

 private:
  [[noreturn]] void fail(int error_number);

  std::FILE* stream_;
  std::string name_;
  std::string note_;
};

class AtomicFile;

class OutputFile {
 public:
  // `path` absent or "-": stdout. `mode`: see AtomicFile (new files: 0666 minus the umask).
  explicit OutputFile(const std::optional<std::string>& path, unsigned new_file_mode = 0666,
                      unsigned at_most_mode = 07777);
  ~OutputFile();  // without commit(): a replaced file's temporary is removed, the target untouched
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Output& out() { return *out_; }
  // Flushes; for a replaced file also fsync and rename. Throws WriteError (the target is then
  // as it was).
  void commit();
  bool replaces_file() const { return atomic_ != nullptr; }

 private:
  std::unique_ptr<AtomicFile> atomic_;  // a regular file, replaced
  std::FILE* device_ = nullptr;          // a device, FIFO or socket, written in place (owned)
  std::unique_ptr<Output> device_out_;
  Output* out_ = nullptr;
};

// The process's umask (read without changing it for longer than the call).
unsigned current_umask();

}  // namespace sf
