// A secret on its way out of a tool because a user asked for it by name (vault-seed get,
// kind-wait --secret): to stdout, or to a file created 0600 and replaced only when complete.
// Never through a log. And the wipe every holder of a secret value uses.
#pragma once

#include <optional>
#include <string>

namespace sf {

// Overwrites the string's bytes (explicit_bzero, not optimised away) and empties it.
void wipe(std::string& secret);

// Writes `text` to stdout, or to `out` (mode 0600 even when the file was wider before;
// the old file stays whole if anything fails), then wipes `text`. `newline_on_terminal`: a
// newline is added when stdout is a terminal (a pipe gets the value exactly).
void write_secret_text(std::string& text, const std::optional<std::string>& out, bool newline_on_terminal);

}  // namespace sf
