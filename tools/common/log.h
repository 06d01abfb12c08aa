// Logging to stderr, with -q/-v levels and TTY-aware progress. Data goes to stdout, never here.
//
// Every message is made safe here, whatever it quotes (server bodies, exporter labels, file
// contents): credentials in URLs are redacted (redact_urls_in), control characters and invalid
// UTF-8 are shown escaped (printable), and each line is bounded (kMaxLineBytes). A message may
// span lines only as indented continuation lines ("\n  ..."); any other line break or CR is
// escaped, so quoted text cannot forge a line of its own on the terminal.
#pragma once

#include <string>

namespace sf::log {

enum class Level { kQuiet = 0, kInfo = 1, kDebug = 2 };

void set_program(const std::string& name);  // prefixes every message: "scrape-nodes: ..."
void set_level(Level level);
Level level();

constexpr size_t kMaxLineBytes = 4096;

// What emit() prints for `message` (without the program prefix): safe as described above.
std::string safe_text(const std::string& message);

void error(const std::string& message);  // always shown
void warn(const std::string& message);   // shown unless -q
void info(const std::string& message);   // shown unless -q
void debug(const std::string& message);  // shown with -v

bool stderr_is_tty();
// Colour only on a TTY and when NO_COLOR is unset or empty (https://no-color.org).
bool use_color();

// One self-overwriting status line on stderr, only when stderr is a TTY and not -q.
class Progress {
 public:
  Progress();
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  bool enabled() const { return enabled_; }
  void update(const std::string& line);
  void clear();  // erase the line, e.g. before the final result

 private:
  bool enabled_;
  bool shown_ = false;
};

}  // namespace sf::log
