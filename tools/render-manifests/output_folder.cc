#include "render-manifests/output_folder.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/error.h"
#include "common/output.h"
#include "common/strings.h"

namespace fs = std::filesystem;

namespace sf::rm {

namespace {

constexpr const char* kMarker = ".render-manifests";

// A new file in the new folder, written through a checked Output and fsync'd before the swap.
void write_file(const fs::path& path, const std::string& content, const std::string& dir) {
  fs::create_directories(path.parent_path());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wbx"), &std::fclose);
  if (file == nullptr) throw Error(cat(path.string(), ": cannot create: ", std::strerror(errno)));
  const std::string note = cat("; ", dir, " was left as it was");
  Output out(file.get(), path.string(), note);
  out.write(content);
  out.flush();
  if (::fsync(::fileno(file.get())) != 0)
    throw WriteError(cat(path.string(), ": fsync failed: ", std::strerror(errno), note), false);
  errno = 0;
  if (std::fclose(file.release()) != 0) throw WriteError(write_error_message(path.string(), errno) + note, false);
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
    for (const auto& [relative, content] : files) write_file(fresh / relative, content, dir);
    std::string marker = "# Made by render-manifests; this folder is replaced as a whole on every render.\n";
    for (const auto& [relative, content] : files) marker += relative + "\n";
    write_file(fresh / kMarker, marker, dir);
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

}  // namespace sf::rm
