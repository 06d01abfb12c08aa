#include "vault-seed/init_file.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/atomic_file.h"
#include "common/file_read.h"
#include "common/strings.h"
#include "common/time_util.h"
#include "vault-seed/secret_gen.h"

namespace sf::vs {
namespace {

namespace fs = std::filesystem;

std::string folder_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : ".";
}

std::string mode_text(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(cat(path, ": cannot write: ", std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
}

void fsync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::vector<std::string> strings_of(const rapidjson::Value& doc, const char* name, const std::string& path) {
  std::vector<std::string> out;
  const auto it = doc.FindMember(name);
  if (it == doc.MemberEnd()) return out;
  if (!it->value.IsArray()) throw UsageError(cat(path, ": field ", name, " must be a list of strings"));
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsString()) throw UsageError(cat(path, ": field ", name, " must be a list of strings"));
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

std::string string_of(const rapidjson::Value& doc, const char* name) {
  const auto it = doc.FindMember(name);
  return it != doc.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                       : std::string();
}

}  // namespace

std::string init_file_text(const InitMaterial& m) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  const auto strings = [&](const char* name, const std::vector<std::string>& values) {
    w.Key(name);
    w.StartArray();
    for (const auto& v : values) w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
  };
  const auto str = [&](const char* name, const std::string& value) {
    w.Key(name);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  strings("unseal_keys_b64", m.keys_b64);
  strings("unseal_keys_hex", m.keys_hex);
  w.Key("unseal_shares");
  w.Int(m.shares);
  w.Key("unseal_threshold");
  w.Int(m.threshold);
  if (!m.root_token.empty()) str("root_token", m.root_token);
  w.Key("vault_seed");
  w.StartObject();
  w.Key("format");
  w.Int(1);
  str("created", m.created);
  str("vault", m.vault);
  str("cluster_id", m.cluster_id);
  str("cluster_name", m.cluster_name);
  if (!m.seed_token.empty()) {
    str("seed_token", m.seed_token);
    str("seed_token_accessor", m.seed_token_accessor);
  }
  w.Key("root_token_revoked");
  w.Bool(m.root_token_revoked);
  w.Key("pgp_encrypted");
  w.Bool(m.pgp_encrypted);
  w.EndObject();
  w.EndObject();
  std::string text(buffer.GetString(), buffer.GetSize());
  text += "\n";
  return text;
}

InitMaterial parse_init_file(const std::string& text, const std::string& path) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw UsageError(cat("init file ", path, " is not the JSON vault-seed writes (cut short or edited?); it still "
                         "holds what it holds: do not delete it, fix it or move it aside"));
  InitMaterial m;
  m.keys_b64 = strings_of(doc, "unseal_keys_b64", path);
  m.keys_hex = strings_of(doc, "unseal_keys_hex", path);
  const rapidjson::Value& root = doc;  // const iterators: clang reads != on rapidjson's as ambiguous in C++20
  const auto shares = root.FindMember("unseal_shares");
  const auto threshold = root.FindMember("unseal_threshold");
  if (shares != root.MemberEnd() && shares->value.IsInt()) m.shares = shares->value.GetInt();
  if (threshold != root.MemberEnd() && threshold->value.IsInt()) m.threshold = threshold->value.GetInt();
  m.root_token = string_of(doc, "root_token");
  if (m.keys_b64.empty() && m.keys_hex.empty())
    throw UsageError(cat("init file ", path, " holds no unseal keys (unseal_keys_b64)"));
  if (m.threshold <= 0 || m.threshold > static_cast<int>(std::max(m.keys_b64.size(), m.keys_hex.size())))
    throw UsageError(cat("init file ", path, ": unseal_threshold ", m.threshold, " does not fit its ",
                         std::max(m.keys_b64.size(), m.keys_hex.size()), " keys"));
  const auto record = root.FindMember("vault_seed");
  if (record != root.MemberEnd() && record->value.IsObject()) {
    const rapidjson::Value& r = record->value;
    m.created = string_of(r, "created");
    m.vault = string_of(r, "vault");
    m.cluster_id = string_of(r, "cluster_id");
    m.cluster_name = string_of(r, "cluster_name");
    m.seed_token = string_of(r, "seed_token");
    m.seed_token_accessor = string_of(r, "seed_token_accessor");
    const auto revoked = r.FindMember("root_token_revoked");
    m.root_token_revoked = revoked != r.MemberEnd() && revoked->value.IsBool() && revoked->value.GetBool();
    const auto pgp = r.FindMember("pgp_encrypted");
    m.pgp_encrypted = pgp != r.MemberEnd() && pgp->value.IsBool() && pgp->value.GetBool();
  }
  return m;
}

std::optional<InitMaterial> read_init_file(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw UsageError(cat("init file ", path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode))
    throw UsageError(cat("init file ", path, " is not a regular file (a link or folder?): vault-seed reads only the "
                         "file it wrote"));
  if ((st.st_mode & 077) != 0)
    throw UsageError(cat("init file ", path, " has mode ", mode_text(st.st_mode),
                         ": other users can read the unseal keys. Fix it with chmod 600 ", path,
                         " (and consider the keys exposed)"));
  std::string text = read_small_file(path, 1u << 20, "init file");
  InitMaterial m = parse_init_file(text, path);
  wipe(text);
  return m;
}

void ensure_private_folder(const std::string& file_path) {
  const fs::path folder = fs::absolute(folder_of(file_path));
  std::error_code ec;
  if (!fs::exists(folder, ec)) {
    // Create each missing level 0700, like `install -d -m 0700`.
    std::vector<fs::path> missing;
    for (fs::path p = folder; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
        throw UsageError(cat("cannot create the folder ", it->string(), " for the init file: ", std::strerror(errno)));
    }
  }
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw UsageError(cat(folder.string(), " is not a folder: the init file cannot go there"));
  if ((st.st_mode & 077) != 0)
    throw UsageError(cat("the init file's folder ", folder.string(), " has mode ", mode_text(st.st_mode),
                         ": it must be private (chmod 700 ", folder.string(), ")"));
}

void check_writable(const std::string& file_path) {
  ensure_private_folder(file_path);
  const std::string probe = cat(file_path, ".probe-", ::getpid());
  const int fd = ::open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    throw UsageError(cat("cannot create files beside ", file_path, " (", std::strerror(errno),
                         "): Vault is not initialised until its shares can be saved"));
  const bool ok = ::write(fd, "probe\n", 6) == 6 && ::fsync(fd) == 0;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!ok) throw UsageError(cat("cannot write beside ", file_path, " (disk full?): Vault is not initialised"));
}

void create_init_file(const std::string& path, const InitMaterial& material) {
  ensure_private_folder(path);
  std::string text = init_file_text(material);
  const std::string temp = cat(path, ".new-", ::getpid());
  const int fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    wipe(text);
    throw Error(cat("cannot create ", temp, ": ", std::strerror(errno)));
  }
  try {
    write_all(fd, text, temp);
    if (::fsync(fd) != 0) throw Error(cat(temp, ": fsync failed: ", std::strerror(errno)));
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    wipe(text);
    throw;
  }
  wipe(text);
  ::close(fd);
  // link() publishes the complete file under its name and fails if the name is taken.
  if (::link(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw Error(cat("cannot create the init file ", path, ": ", std::strerror(err),
                    err == EEXIST ? " (it appeared meanwhile: another vault-seed run?)" : ""));
  }
  ::unlink(temp.c_str());
  fsync_folder(folder_of(path));
}

void update_init_file(const std::string& path, const InitMaterial& material) {
  const auto current = read_init_file(path);
  if (!current) throw Error(cat("init file ", path, " disappeared while vault-seed was updating it"));
  if (current->keys_b64 != material.keys_b64 || current->keys_hex != material.keys_hex)
    throw Error(cat("init file ", path, " now holds other unseal keys than this run read: left untouched"));
  std::string text = init_file_text(material);
  AtomicFile file(path, 0600);
  const size_t n = std::fwrite(text.data(), 1, text.size(), file.stream());
  const bool ok = n == text.size();
  wipe(text);
  if (!ok) throw Error(cat(path, ": cannot write the update: ", std::strerror(errno), "; the file was left as it was"));
  file.commit();
  fsync_folder(folder_of(path));
}

std::string move_init_file_aside(const std::string& path) {
  std::string stamp = format_rfc3339(Clock::now());
  for (char& c : stamp)
    if (c == ':') c = '-';
  std::string target = cat(path, ".stale-", stamp);
  for (int i = 2; fs::exists(target); ++i) target = cat(path, ".stale-", stamp, "-", i);
  if (std::rename(path.c_str(), target.c_str()) != 0)
    throw Error(cat("cannot move the old init file ", path, " aside: ", std::strerror(errno)));
  fsync_folder(folder_of(path));
  return target;
}

InitFileLock::InitFileLock(const std::string& path) {
  ensure_private_folder(path);
  const std::string lock = path + ".lock";
  fd_ = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0) throw UsageError(cat("cannot open the lock file ", lock, ": ", std::strerror(errno)));
  // Another run holds it only while it rewrites the file; a lock held longer is a stuck run.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      ::close(fd_);
      throw Error(cat("cannot lock ", lock, ": ", std::strerror(errno)));
    }
    if (std::chrono::steady_clock::now() > give_up) {
      ::close(fd_);
      throw Error(cat("another process has held ", lock, " for 30 s: is a vault-seed run stuck? (fuser ", lock, ")"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

InitFileLock::~InitFileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace sf::vs
