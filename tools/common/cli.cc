#include "common/cli.h"

#include <csignal>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "common/strings.h"

#ifndef SF_VERSION
#define SF_VERSION "0.0.0"
#endif

namespace sf::cli {

App::App(ToolInfo info) : info_(std::move(info)), options_("Options") {
  options_.add_options()
    ("help,h", "show this help and exit")
    ("version", "print the version and exit")
    ("quiet,q", "log errors only")
    ("verbose,v", "log debug details too");
}

std::string App::help_text() const {
  std::ostringstream out;
  out << "Usage: " << info_.synopsis << "\n\n" << info_.summary << "\n\n" << options_ << "\n";
  if (!info_.details.empty()) out << info_.details << "\n";
  out << "Exit codes: 0 done, 1 failed or timed out, 2 usage or invalid input, 3 partial\n";
  if (!info_.examples.empty()) out << "\nExamples:\n" << info_.examples;
  return out.str();
}

bool App::parse(int argc, char** argv, po::variables_map& vm) {
  log::set_program(info_.name);
  try {
    po::store(po::command_line_parser(argc, argv).options(options_).positional(positional_).run(), vm);
    if (vm.count("help")) {
      std::cout << help_text();
      return false;
    }
    if (vm.count("version")) {
      std::cout << info_.name << " " << SF_VERSION << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(cat(e.what(), " (see ", info_.name, " --help)"));
  }
  if (vm.count("quiet")) log::set_level(log::Level::kQuiet);
  if (vm.count("verbose")) log::set_level(log::Level::kDebug);
  return true;
}

int run_tool(const std::string& name, const std::function<int()>& body) {
  log::set_program(name);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const int code = body();
    std::cout.flush();
    return code;
  } catch (const Error& e) {
    log::error(e.what());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    log::error("out of memory");
    return kExitFailed;
  } catch (const std::exception& e) {
    log::error(e.what());
    return kExitFailed;
  }
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what) {
  const std::string_view original = text;
  auto fail = [&]() -> UsageError {
    return UsageError(cat(what, ": '", original, "' is not a duration; write it like 90s, 5m, 1h30m or 250ms"));
  };
  text = trim(text);
  if (text.empty()) throw fail();
  double seconds_value = 0;
  if (parse_double(text, seconds_value)) {
    if (seconds_value < 0) throw fail();
    return std::chrono::milliseconds(static_cast<long long>(seconds_value * 1000 + 0.5));
  }
  double total_ms = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
      ++digits;
    double amount = 0;
    if (digits == 0 || !parse_double(text.substr(0, digits), amount)) throw fail();
    text.remove_prefix(digits);
    size_t unit_len = 0;
    while (unit_len < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_len]))) ++unit_len;
    const std::string_view unit = text.substr(0, unit_len);
    text.remove_prefix(unit_len);
    if (unit == "ms") total_ms += amount;
    else if (unit == "s") total_ms += amount * 1000;
    else if (unit == "m") total_ms += amount * 60'000;
    else if (unit == "h") total_ms += amount * 3'600'000;
    else if (unit == "d") total_ms += amount * 86'400'000;
    else throw fail();
  }
  return std::chrono::milliseconds(static_cast<long long>(total_ms + 0.5));
}

}  // namespace sf::cli
