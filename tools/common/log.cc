#include "common/log.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <mutex>

#include "common/redact.h"

namespace sf::log {
namespace {

std::string g_program = "sf";
Level g_level = Level::kInfo;
std::mutex g_mutex;  // scrapes run callbacks from one thread, but tools may log from several

void emit(const char* tag, const char* color, const std::string& raw) {
  const std::string message = safe_text(raw);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::cerr << g_program << ": ";
  if (use_color()) {
    std::cerr << color << tag << "\033[0m";
  } else {
    std::cerr << tag;
  }
  std::cerr << message << '\n' << std::flush;
}

}  // namespace

std::string safe_text(const std::string& message) {
  const std::string text = redact_urls_in(message);
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (true) {
    // Continuation lines ("\n  ") are kept; printable() escapes every other control byte.
    const size_t nl = text.find("\n  ", start);
    const std::string_view line = std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos
                                                                                                  : nl - start);
    out += printable(line, kMaxLineBytes);
    if (nl == std::string::npos) break;
    out += "\n  ";
    start = nl + 3;
  }
  return out;
}

void set_program(const std::string& name) { g_program = name; }
void set_level(Level level) { g_level = level; }
Level level() { return g_level; }

void error(const std::string& message) { emit("error: ", "\033[1;31m", message); }
void warn(const std::string& message) {
  if (g_level >= Level::kInfo) emit("warning: ", "\033[1;33m", message);
}
void info(const std::string& message) {
  if (g_level >= Level::kInfo) emit("", "", message);
}
void debug(const std::string& message) {
  if (g_level >= Level::kDebug) emit("debug: ", "\033[2m", message);
}

bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

bool use_color() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return stderr_is_tty();
}

Progress::Progress() : enabled_(stderr_is_tty() && g_level >= Level::kInfo) {}
Progress::~Progress() { clear(); }

void Progress::update(const std::string& line) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  std::cerr << "\r\033[K" << printable(redact_urls_in(line), 200) << std::flush;
  shown_ = true;
}

void Progress::clear() {
  if (!enabled_ || !shown_) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace sf::log
