// A file replaced atomically: written to a temporary file beside it, flushed and fsync'd, then
// renamed over the target. Readers see the old file or the new one, never half of it; if
// commit() is not reached (an error, an exception) the temporary file is removed and the target
// is left untouched.
#pragma once

#include <cstdio>
#include <string>

namespace sf {

class AtomicFile {
 public:
  // Creates "<path>.tmp.XXXXXX" in the target's directory (mode 0644 unless `mode` says more
  // private, e.g. 0600 for files holding secrets). Throws UsageError when it cannot.
  explicit AtomicFile(std::string path, unsigned mode = 0644);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::FILE* stream() { return stream_; }
  const std::string& path() const { return path_; }
  void commit();  // flush, fsync, rename; throws Error on failure (the target stays as it was)

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* stream_ = nullptr;
  bool committed_ = false;
};

}  // namespace sf
