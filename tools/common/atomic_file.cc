#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/strings.h"

namespace sf {

AtomicFile::AtomicFile(std::string path, unsigned mode) : path_(std::move(path)) {
  std::vector<char> name(path_.begin(), path_.end());
  const std::string suffix = ".tmp.XXXXXX";
  name.insert(name.end(), suffix.begin(), suffix.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0)
    throw UsageError(cat(path_, ": cannot create a file beside it: ", std::strerror(errno),
                         "; check the directory exists and is writable"));
  temp_path_ = name.data();
  ::fchmod(fd, static_cast<mode_t>(mode));
  stream_ = ::fdopen(fd, "w");
  if (stream_ == nullptr) {
    ::close(fd);
    ::unlink(temp_path_.c_str());
    throw Error(cat(path_, ": fdopen failed: ", std::strerror(errno)));
  }
}

AtomicFile::~AtomicFile() {
  if (stream_ != nullptr) std::fclose(stream_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::commit() {
  if (std::fflush(stream_) != 0 || ::fsync(fileno(stream_)) != 0)
    throw Error(cat(path_, ": write failed: ", std::strerror(errno), "; the file was left as it was"));
  const int rc = std::fclose(stream_);
  stream_ = nullptr;
  if (rc != 0) throw Error(cat(path_, ": write failed: ", std::strerror(errno), "; the file was left as it was"));
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw Error(cat(path_, ": rename failed: ", std::strerror(errno), "; the file was left as it was"));
  committed_ = true;
}

}  // namespace sf
