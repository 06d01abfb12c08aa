// The command-line conventions every tool shares: --help with examples, --version, -q/-v,
// kebab-case long options (Boost.Program_options), and one main() wrapper that maps
// exceptions to the exit codes of error.h.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace sf::cli {

namespace po = boost::program_options;

struct ToolInfo {
  std::string name;      // "scrape-nodes"
  std::string synopsis;  // "scrape-nodes [options] [TARGET...]"
  std::string summary;   // one paragraph: what it does
  std::string details;   // printed after the options: inputs, outputs, notes
  std::string examples;  // printed last, one example per line
};

class App {
 public:
  explicit App(ToolInfo info);
  po::options_description& options() { return options_; }
  po::positional_options_description& positional() { return positional_; }
  // Parses argv. Returns false when --help or --version was handled (exit 0 follows).
  // Throws UsageError on a bad flag, naming it and pointing at --help.
  bool parse(int argc, char** argv, po::variables_map& vm);
  std::string help_text() const;

 private:
  ToolInfo info_;
  po::options_description options_;
  po::positional_options_description positional_;
};

// Runs a tool's body; catches sf::Error (its exit code), other exceptions (1), prints them
// as "<tool>: error: <message>" on stderr. Also ignores SIGPIPE so `| head` ends cleanly.
int run_tool(const std::string& name, const std::function<int()>& body);

// Durations as written by people and by Go tools: "90s", "5m", "1h30m", "250ms", "1.5h";
// a bare number means seconds. Throws UsageError naming `what` (e.g. "--timeout").
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

}  // namespace sf::cli
