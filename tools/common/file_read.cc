#include "common/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"
#include "common/unique_fd.h"

namespace sf {
namespace {

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

// Reads `fd` to its end. Past `max_bytes` is an error, found while reading (a file that grows,
// a pipe): no more than one buffer beyond the cap is ever held.
std::string read_capped(int fd, const std::string& name, std::string_view role, size_t max_bytes, size_t expected) {
  std::string text;
  text.reserve(expected);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw FileReadError(cat(name, ": cannot read it (", std::strerror(errno), ")"), FileReadError::Kind::kUnreadable);
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > max_bytes)
      throw FileReadError(cat(name, ": more than the ", describe_size(max_bytes), " a ", role,
                              " may have (reading stopped there); is this the right input?"),
                          FileReadError::Kind::kTooLarge);
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

std::string describe_size(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) return cat(bytes >> 20, " MiB");
  if (bytes >= 1024 && bytes % 1024 == 0) return cat(bytes >> 10, " KiB");
  return cat(bytes, bytes == 1 ? " byte" : " bytes");
}

std::string read_small_file(const std::string& path, size_t max_bytes, std::string_view role) {
  const std::string name = cat(role, " ", path);
  // O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore the flag.
  const UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (file.fd < 0) {
    const int e = errno;
    if (e == ENOENT || e == ENOTDIR)
      throw FileReadError(cat(name, ": no such file; check the path"), FileReadError::Kind::kMissing);
    throw FileReadError(cat(name, ": cannot open it (", std::strerror(e), "); check its permissions"),
                        FileReadError::Kind::kUnreadable);
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    throw FileReadError(cat(name, ": cannot stat it (", std::strerror(errno), ")"), FileReadError::Kind::kUnreadable);
  if (!S_ISREG(st.st_mode))
    throw FileReadError(cat(name, ": is ", file_type(st.st_mode), ", not a regular file; give the path of the file itself"),
                        FileReadError::Kind::kNotRegular);
  if (st.st_size > 0 && static_cast<unsigned long long>(st.st_size) > max_bytes)
    throw FileReadError(cat(name, ": is ", st.st_size, " bytes, more than the ", describe_size(max_bytes), " a ", role,
                            " may have; is this the right file?"),
                        FileReadError::Kind::kTooLarge);
  return read_capped(file.fd, name, role, max_bytes, static_cast<size_t>(st.st_size));
}

std::string read_small_input(const std::string& path_or_dash, size_t max_bytes, std::string_view role) {
  if (path_or_dash != "-") return read_small_file(path_or_dash, max_bytes, role);
  return read_capped(STDIN_FILENO, "stdin", role, max_bytes, 0);
}

}  // namespace sf
