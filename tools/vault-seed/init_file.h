// The init file: what `sys/init` returned (unseal shares, root token), in the field names of
// `vault operator init -format=json`, plus vault-seed's own record (cluster id, seed token,
// whether the root token was revoked). It holds everything needed to unseal and administer
// Vault, so:
//   - it lives outside Git (the state folder), in a folder of mode 0700, as a file of mode
//     0600; a looser mode is refused when it is read;
//   - it is created exclusively (a complete temporary file, fsync'd, then link()ed to its
//     name, which fails if the name exists): a file that exists is never overwritten;
//   - later updates (cluster id, seed token, root revoked) replace it atomically with the same
//     shares, under an advisory lock (<file>.lock) shared by concurrent runs;
//   - a file left from an earlier Vault is moved aside (<file>.stale-<UTC time>), never deleted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace sf::vs {

struct InitMaterial {
  std::vector<std::string> keys_b64;   // unseal shares (or PGP-encrypted shares)
  std::vector<std::string> keys_hex;
  int shares = 0;
  int threshold = 0;
  std::string root_token;              // "" once revoked
  // vault-seed's record
  std::string created;                 // RFC 3339 UTC
  std::string vault;                   // where Vault was reached (no credentials)
  std::string cluster_id;
  std::string cluster_name;
  std::string seed_token;              // the scoped token (policy vault-seed)
  std::string seed_token_accessor;
  bool root_token_revoked = false;
  bool pgp_encrypted = false;          // the shares are encrypted to the spec's PGP keys
};

// Reads the file; nullopt when it does not exist. UsageError (exit 2) when it is not a regular
// file, is readable by others, or does not parse.
std::optional<InitMaterial> read_init_file(const std::string& path);

// The JSON text of the file (pretty, keys in a fixed order).
std::string init_file_text(const InitMaterial& material);
InitMaterial parse_init_file(const std::string& text, const std::string& path);

// Creates the folder (0700, parents as needed) if missing; refuses a folder others can read.
void ensure_private_folder(const std::string& file_path);

// Proves the folder takes a new file (a temporary file made and removed), before Vault is
// initialised: shares that cannot be saved are lost for good.
void check_writable(const std::string& file_path);

// Exclusive creation, as described above. Throws Error if the file exists or cannot be written.
void create_init_file(const std::string& path, const InitMaterial& material);

// Atomic replacement of an existing file whose shares equal `material`'s.
void update_init_file(const std::string& path, const InitMaterial& material);

// Renames the file to <path>.stale-<UTC time>; returns the new name.
std::string move_init_file_aside(const std::string& path);

// An advisory lock on <path>.lock (flock), held while the object lives.
class InitFileLock {
 public:
  explicit InitFileLock(const std::string& path);
  ~InitFileLock();
  InitFileLock(const InitFileLock&) = delete;
  InitFileLock& operator=(const InitFileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace sf::vs
