#include "common/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "common/atomic_file.h"
#include "common/strings.h"

namespace sf {

std::string write_error_message(const std::string& name, int error_number) {
  if (error_number == EPIPE)
    return cat(name, ": the reader closed the pipe (broken pipe); stopped writing");
  if (error_number == 0) return cat(name, ": write failed");
  return cat(name, ": write failed: ", std::strerror(error_number));
}

Output& Output::standard() {
  static Output out(stdout, "stdout", " (the output is incomplete)");
  return out;
}

Output::Output(std::FILE* stream, std::string name, std::string note)
    : stream_(stream), name_(std::move(name)), note_(std::move(note)) {}

void Output::fail(int error_number) {
  std::string message = write_error_message(name_, error_number);
  if (error_number != EPIPE) message += note_;
  throw WriteError(message, error_number == EPIPE);
}

void Output::write(std::string_view data) {
  if (data.empty()) return;
  errno = 0;
  if (std::fwrite(data.data(), 1, data.size(), stream_) != data.size() || std::ferror(stream_)) fail(errno);
}

void Output::flush() {
  errno = 0;
  if (std::fflush(stream_) != 0 || std::ferror(stream_)) fail(errno);
}

unsigned current_umask() {
  // /proc keeps it readable without changing it (umask(2) can only swap it, racing other threads).
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) != 0) continue;
    const std::string_view digits = trim(std::string_view(line).substr(6));
    unsigned value = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), value, 8);
    if (r.ec == std::errc()) return value;
  }
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

namespace {

// The descriptor a /dev/stdout-like path names, or -1: such paths are written in place, never
// replaced (a regular file behind /dev/stdout belongs to the shell's redirection).
int named_descriptor(const std::string& path) {
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (const std::string_view prefix : {std::string_view("/dev/fd/"), std::string_view("/proc/self/fd/")}) {
    if (path.rfind(prefix, 0) != 0) continue;
    int fd = -1;
    const char* first = path.data() + prefix.size();
    const auto r = std::from_chars(first, path.data() + path.size(), fd);
    if (r.ec == std::errc() && r.ptr == path.data() + path.size() && fd >= 0) return fd;
  }
  return -1;
}

}  // namespace

OutputFile::OutputFile(const std::optional<std::string>& path, unsigned new_file_mode, unsigned at_most_mode) {
  if (!path || path->empty() || *path == "-" || named_descriptor(*path) == 1) {
    out_ = &Output::standard();
    return;
  }
  const int fd_named = named_descriptor(*path);
  struct stat st {};
  const bool exists = ::stat(path->c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode))
    throw UsageError(cat(*path, ": is a directory; give -o a file name"));
  if (fd_named >= 0 || (exists && !S_ISREG(st.st_mode))) {
    // A device, FIFO or socket: written in place, as a shell redirection would.
    const int fd = fd_named >= 0 ? ::fcntl(fd_named, F_DUPFD_CLOEXEC, 3)
                                 : ::open(path->c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw UsageError(cat(*path, ": cannot open for writing: ", std::strerror(errno)));
    device_ = ::fdopen(fd, "w");
    if (device_ == nullptr) {
      ::close(fd);
      throw Error(cat(*path, ": fdopen failed: ", std::strerror(errno)));
    }
    device_out_ = std::make_unique<Output>(device_, *path, " (the output is incomplete)");
    out_ = device_out_.get();
    return;
  }
  atomic_ = std::make_unique<AtomicFile>(*path, new_file_mode, at_most_mode);
  out_ = &atomic_->out();
}

OutputFile::~OutputFile() {
  if (device_ != nullptr) std::fclose(device_);
}

void OutputFile::commit() {
  if (atomic_) {
    atomic_->commit();
    return;
  }
  out_->flush();
  if (device_ != nullptr) {
    std::FILE* f = device_;
    device_ = nullptr;
    errno = 0;
    if (std::fclose(f) != 0) throw WriteError(write_error_message(device_out_->name(), errno), errno == EPIPE);
  }
}

}  // namespace sf
