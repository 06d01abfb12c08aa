#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "common/strings.h"

namespace sf {
namespace {

// The file a path names, symlinks followed (a link to a report keeps being a link).
std::string resolve(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char buffer[PATH_MAX];
  if (::realpath(path.c_str(), buffer) == nullptr) return path;  // dangling: replaced like a file
  return buffer;
}

void sync_directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // the rename is durable too (best effort: some filesystems refuse)
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, unsigned new_file_mode, unsigned at_most_mode)
    : path_(resolve(path)) {
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw UsageError(cat(path_, ": is a directory; give a file name"));
  if (exists && !S_ISREG(st.st_mode))
    throw UsageError(cat(path_, ": not a regular file; it cannot be replaced (write to it in place instead)"));
  std::vector<char> name(path_.begin(), path_.end());
  const std::string suffix = ".tmp.XXXXXX";
  name.insert(name.end(), suffix.begin(), suffix.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0)
    throw UsageError(cat(path_, ": cannot create a file beside it: ", std::strerror(errno),
                         "; check the directory exists and is writable"));
  temp_path_ = name.data();
  const mode_t mode = exists ? (st.st_mode & 07777 & at_most_mode) : (new_file_mode & ~current_umask() & 07777);
  if (exists && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
    if (::fchown(fd, st.st_uid, st.st_gid) != 0) {
      // Not ours to give away (not root): the new file is ours, with the old mode.
    }
  }
  ::fchmod(fd, mode);
  stream_ = ::fdopen(fd, "w");
  if (stream_ == nullptr) {
    ::close(fd);
    ::unlink(temp_path_.c_str());
    throw Error(cat(path_, ": fdopen failed: ", std::strerror(errno)));
  }
  out_ = std::make_unique<Output>(stream_, path_, cat("; ", path_, " was left as it was"));
}

AtomicFile::~AtomicFile() {
  if (stream_ != nullptr) std::fclose(stream_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFile::commit() {
  out_->flush();
  auto fail = [&](const char* what) {
    return WriteError(cat(path_, ": ", what, " failed: ", std::strerror(errno), "; ", path_, " was left as it was"),
                      false);
  };
  if (::fsync(fileno(stream_)) != 0) throw fail("fsync");
  std::FILE* f = stream_;
  stream_ = nullptr;
  if (std::fclose(f) != 0) throw fail("close");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) throw fail("rename");
  committed_ = true;
  sync_directory_of(path_);
}

}  // namespace sf
