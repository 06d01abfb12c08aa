// The command-line conventions every tool shares: --help with examples, --version, -q/-v,
// kebab-case long options (Boost.Program_options), and one main() wrapper that maps
// exceptions to the exit codes of error.h. The man page (help2man over --help) and the bash
// completion (the hidden `--completion bash`, generated from the same option table) come from
// here, so neither can drift from the real flags.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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
  // For the completion: the values an option takes, or that it takes a file path.
  void choices(const std::string& long_name, std::vector<std::string> values);
  void file_option(const std::string& long_name);
  // Parses argv. Returns false when --help, --version or --completion was handled (exit 0
  // follows); their text goes to Output::standard(), which run_tool flushes and checks. Throws UsageError on a bad flag, naming it and pointing at --help.
  bool parse(int argc, char** argv, po::variables_map& vm);
  std::string help_text() const;
  // A bash completion script offering exactly the options of options() (and their values).
  // For a subcommand's App (a name with a space, "tool command") only the function
  // _sf_tool_command, which the tool's dispatcher calls.
  std::string bash_completion() const;

 private:
  bool takes_path(const std::string& long_name, const std::string& value_name) const;
  ToolInfo info_;
  po::options_description options_;
  po::options_description hidden_;
  po::positional_options_description positional_;
  std::map<std::string, std::vector<std::string>> choices_;
  std::set<std::string> file_options_;
};

// Runs a tool's body, then flushes Output::standard() (checked: a failed write is exit 1 with
// a message, whatever the body returned); catches sf::Error (its exit code), other exceptions
// (1), prints them as "<tool>: error: <message>" on stderr. Ignores SIGPIPE, so a closed pipe
// is a write error (EPIPE) the tool reports, never a silent death.
int run_tool(const std::string& name, const std::function<int()>& body);

// Durations as written by people and by Go tools: "90s", "5m", "1h30m", "250ms", "1.5h";
// a bare number means seconds. At most Go's limit (2562047h, a time.Duration in int64
// nanoseconds): longer is an error, never a wrapped value. Throws UsageError naming `what`
// (e.g. "--timeout").
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

// Byte sizes: "1048576", "64Mi", "64MiB", "1Gi", "512Ki" (binary units, as Kubernetes
// quantities). Must be at least 1 and fit the machine's size_t. Throws UsageError naming `what`.
size_t parse_size(std::string_view text, std::string_view what);

// A whole-number flag within [low, high]. Flags are read as long long, never as an unsigned
// type: Boost's lexical_cast turns "-1" into a huge unsigned count instead of refusing it.
// Throws UsageError naming `flag` and the range.
long long checked_count(long long value, std::string_view flag, long long low, long long high);

}  // namespace sf::cli
