#include "common/secret_text.h"

#include <unistd.h>

#include <cstring>

#include "common/output.h"

namespace sf {

void wipe(std::string& secret) {
  if (!secret.empty()) explicit_bzero(secret.data(), secret.size());
  secret.clear();
}

void write_secret_text(std::string& text, const std::optional<std::string>& out, bool newline_on_terminal) {
  if (!out && newline_on_terminal && isatty(STDOUT_FILENO) == 1) text += '\n';
  try {
    OutputFile file(out, 0600, 0600);
    file.out().write(text);
    file.commit();
  } catch (...) {
    wipe(text);
    throw;
  }
  wipe(text);
}

}  // namespace sf
