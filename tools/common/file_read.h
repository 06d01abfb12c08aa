// Reading a small file whole (a kubeconfig, a token, a certificate, a plugin's config, a tool's
// YAML or JSON input) with a byte cap, so that a wrong path never costs more than the cap in memory and never blocks:
// a directory, FIFO, socket or device, a missing or unreadable file, or one over the cap is a
// FileReadError (exit 2) naming the file, its role and what to do.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.h"

namespace sf {

class FileReadError : public UsageError {
 public:
  enum class Kind { kMissing, kNotRegular, kUnreadable, kTooLarge };
  FileReadError(const std::string& message, Kind kind) : UsageError(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Reads `path` whole. `role` names it in messages ("kubeconfig", "tokenFile of user \"u\"").
// Opening never blocks (a FIFO without a writer is refused, not waited on); more than
// `max_bytes` is an error, not a truncation.
std::string read_small_file(const std::string& path, size_t max_bytes, std::string_view role);

// The same for a tool's input operand: "-" is stdin, read whole as the shell connected it (a
// pipe, a terminal or a file: the user chose it), with the same cap; any other path is
// read_small_file. For inputs that are parsed whole (YAML, a JSON document), not streamed.
std::string read_small_input(const std::string& path_or_dash, size_t max_bytes, std::string_view role);

// "4 MiB", "512 KiB", "100 bytes": limits as people write them, for messages.
std::string describe_size(size_t bytes);

}  // namespace sf
