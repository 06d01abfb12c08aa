// A file replaced atomically: written to a temporary file beside it through a checked Output,
// flushed and fsync'd, then renamed over the target. Readers see the old file or the new one,
// never half of it; if commit() is not reached, or any write, flush, fsync or rename fails,
// the temporary file is removed and the target is left untouched.
//
// Modes: a file that exists keeps its mode (at most `at_most_mode`) and, when we may, its
// owner; a new file gets `new_file_mode` minus the umask. Secrets: new_file_mode = at_most_mode
// = 0600. A symlink is followed: its target is replaced, the link stays.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "common/output.h"

namespace sf {

class AtomicFile {
 public:
  // Throws UsageError when the directory is missing or not writable, or `path` is a directory.
  explicit AtomicFile(std::string path, unsigned new_file_mode = 0666, unsigned at_most_mode = 07777);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Output& out() { return *out_; }
  std::FILE* stream() { return stream_; }  // writes here are checked by out().flush() / commit()
  const std::string& path() const { return path_; }  // the file replaced (symlinks resolved)
  void commit();  // throws WriteError; the target stays as it was on failure

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* stream_ = nullptr;
  std::unique_ptr<Output> out_;
  bool committed_ = false;
};

}  // namespace sf
