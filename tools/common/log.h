// Logging to stderr, with -q/-v levels and TTY-aware progress. Data goes to stdout, never here.
#pragma once

#include <string>

namespace sf::log {

enum class Level { kQuiet = 0, kInfo = 1, kDebug = 2 };

void set_program(const std::string& name);  // prefixes every message: "scrape-nodes: ..."
void set_level(Level level);
Level level();

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
