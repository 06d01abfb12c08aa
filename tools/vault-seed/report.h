// vault-seed's output, and the only place that writes to stdout: one item per thing it
// manages (step, path, action, version, detail), as a table when stdout is a terminal, else
// as JSON lines of kind "vault_seed". Never a secret value, never a token: items carry paths,
// key names and versions only. The seam the hardened output writer plugs into (one file).
//
//   {"kind":"vault_seed","step":"secret","path":"secret/apps/demo/db","action":"create",
//    "version":1,"detail":"keys username, password, database","plan":false}
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace sf::vs {

enum class Action { kCreate, kUpdate, kUnchanged, kRevoke, kError, kAgrees };

const char* action_name(Action action);

struct Item {
  std::string step;              // init, unseal, token, audit, mount, policy, auth, role, secret, snapshot, check
  std::string path;              // what it is about: "secret/", "policy external-secrets-read", ...
  Action action = Action::kUnchanged;
  std::optional<long> version;   // KV version written or found
  std::string detail;            // one line, printable; never a value
};

enum class Format { kTable, kJsonl };

// kTable when stdout is a terminal, else kJsonl.
Format default_format();

class Report {
 public:
  Report(Format format, bool plan, std::FILE* out = stdout);
  // JSON lines are written at once (a pipe sees progress); table rows when finish() runs.
  void add(const Item& item);
  // Prints the table (kTable) and flushes. Throws sf::Error when stdout cannot be written
  // (closed pipe, full disk): the output is then incomplete and the exit code says so.
  void finish();

  size_t count(Action action) const;
  size_t changes() const { return count(Action::kCreate) + count(Action::kUpdate) + count(Action::kRevoke); }
  size_t errors() const { return count(Action::kError); }
  const std::vector<Item>& items() const { return items_; }

 private:
  void put(const std::string& text);

  Format format_;
  bool plan_;
  std::FILE* out_;
  std::vector<Item> items_;
};

}  // namespace sf::vs
