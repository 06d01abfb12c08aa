#include "render-manifests/output.h"

#include <fcntl.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/strings.h"

namespace fs = std::filesystem;

namespace sf::rm {

Output::Output(const std::string& path, unsigned mode) {
  if (path.empty() || path == "-") {
    name_ = "stdout";
    stream_ = stdout;
    return;
  }
  name_ = path;
  file_ = std::make_unique<AtomicFile>(path, mode);
  stream_ = file_->stream();
}

void Output::write(std::string_view text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stream_) != text.size())
    throw Error(cat(name_, ": write failed: ", std::strerror(errno)));
}

void Output::json_line(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                    rapidjson::kWriteValidateEncodingFlag>
      writer(buffer);
  if (!value.Accept(writer))
    throw Error(cat(name_, ": refusing to write a JSON line with invalid UTF-8 or a non-finite number"));
  buffer.Put('\n');
  write(std::string_view(buffer.GetString(), buffer.GetSize()));
}

void Output::finish() {
  if (std::fflush(stream_) != 0 || std::ferror(stream_))
    throw Error(cat(name_, ": write failed: ", std::strerror(errno)));
  if (file_) file_->commit();
}

namespace {

constexpr const char* kMarker = ".render-manifests";

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::FILE* f = std::fopen(path.c_str(), "wbx");
  if (f == nullptr) throw Error(cat(path.string(), ": cannot create: ", std::strerror(errno)));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                  ::fsync(fileno(f)) == 0;
  const int saved = errno;
  if (std::fclose(f) != 0 || !ok) throw Error(cat(path.string(), ": write failed: ", std::strerror(ok ? errno : saved)));
}

bool safe_relative(const std::string& relative) {
  const fs::path p(relative);
  if (relative.empty() || p.is_absolute()) return false;
  for (const auto& part : p)
    if (part == ".." || part == "." || part.empty()) return false;
  return true;
}

}  // namespace

void replace_directory(const std::string& dir, const std::map<std::string, std::string>& files) {
  const fs::path target = fs::path(dir).lexically_normal();
  std::error_code ec;
  const bool exists = fs::exists(target, ec);
  if (exists) {
    if (!fs::is_directory(target)) throw UsageError(cat(dir, ": exists and is not a folder; -o names a folder here"));
    if (!fs::is_empty(target) && !fs::exists(target / kMarker))
      throw UsageError(cat(dir, ": not empty and not made by render-manifests (no ", kMarker,
                           " inside); it is replaced as a whole, so give a new or empty folder"));
  }
  for (const auto& [relative, content] : files)
    if (!safe_relative(relative)) throw UsageError(cat("output name '", relative, "' must be a relative path inside ", dir));
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string pattern = (parent / (target.filename().string() + ".new.XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw UsageError(cat(dir, ": cannot create a folder beside it: ", std::strerror(errno)));
  const fs::path fresh(pattern);
  try {
    for (const auto& [relative, content] : files) write_file(fresh / relative, content);
    std::string marker = "# Made by render-manifests; this folder is replaced as a whole on every render.\n";
    for (const auto& [relative, content] : files) marker += relative + "\n";
    write_file(fresh / kMarker, marker);
    fs::permissions(fresh, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    if (exists) {
      const fs::path old = parent / (target.filename().string() + ".old." + fresh.extension().string().substr(1));
      fs::rename(target, old);
      try {
        fs::rename(fresh, target);
      } catch (...) {
        fs::rename(old, target);  // put the old set back
        throw;
      }
      fs::remove_all(old, ec);
    } else {
      fs::rename(fresh, target);
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(fresh, ec);
    throw Error(cat(dir, ": could not replace the folder: ", e.code().message(), "; it was left as it was"));
  } catch (...) {
    fs::remove_all(fresh, ec);
    throw;
  }
}

std::string read_input(const std::string& path_or_dash, size_t max_bytes) {
  const bool is_stdin = path_or_dash.empty() || path_or_dash == "-";
  const std::string name = is_stdin ? "stdin" : path_or_dash;
  const int fd = is_stdin ? 0 : ::open(path_or_dash.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError(cat(name, ": cannot read: ", std::strerror(errno)));
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      if (!is_stdin) ::close(fd);
      throw UsageError(cat(name, ": read failed: ", std::strerror(saved)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      if (!is_stdin) ::close(fd);
      throw UsageError(cat(name, ": larger than ", max_bytes >> 20, " MiB, the limit for one input"));
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  if (!is_stdin) ::close(fd);
  return out;
}

}  // namespace sf::rm
