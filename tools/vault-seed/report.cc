#include "vault-seed/report.h"

#include <unistd.h>

#include <algorithm>

#include "common/error.h"
#include "common/json_writer.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::vs {

const char* action_name(Action action) {
  switch (action) {
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kUnchanged: return "unchanged";
    case Action::kRevoke: return "revoke";
    case Action::kError: return "error";
    case Action::kAgrees: return "agrees";
  }
  return "?";
}

Format default_format() { return ::isatty(STDOUT_FILENO) ? Format::kTable : Format::kJsonl; }

Report::Report(Format format, bool plan, Output& out) : format_(format), plan_(plan), out_(out) {}

void Report::add(const Item& item) {
  Item clean = item;
  clean.path = printable(item.path, 300);
  clean.detail = printable(item.detail, 600);
  items_.push_back(clean);
  if (format_ != Format::kJsonl) return;
  // The common JSON writer: the line is built whole and checked (UTF-8) before a byte is written.
  std::string line;
  json::ObjectWriter w(line);
  w.text("kind", "vault_seed");
  w.text("step", clean.step);
  w.text("path", clean.path);
  w.text("action", action_name(clean.action));
  if (clean.version) w.number("version", static_cast<double>(*clean.version));
  else w.key("version") += "null";
  w.text("detail", clean.detail);
  w.key("plan") += plan_ ? "true" : "false";
  w.close();
  line += '\n';
  out_.write(line);
  out_.flush();  // a pipe sees progress, and a closed one stops the run at once
}

void Report::finish() {
  if (format_ == Format::kTable) {
    size_t step_w = 4, path_w = 4, action_w = 6;
    for (const auto& i : items_) {
      step_w = std::max(step_w, i.step.size());
      path_w = std::min<size_t>(60, std::max(path_w, i.path.size()));
      action_w = std::max(action_w, std::string(action_name(i.action)).size());
    }
    const auto pad = [](const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); };
    std::string text = cat(pad("STEP", step_w), "  ", pad("PATH", path_w), "  ", pad(plan_ ? "PLAN" : "ACTION", action_w),
                           "  VERSION  DETAIL\n");
    for (const auto& i : items_) {
      text += cat(pad(i.step, step_w), "  ", pad(i.path, path_w), "  ", pad(action_name(i.action), action_w), "  ",
                  pad(i.version ? std::to_string(*i.version) : "-", 7), "  ", i.detail, "\n");
    }
    if (count(Action::kAgrees) > 0)
      text += cat("Checked: ", count(Action::kAgrees), " agree, ", count(Action::kError), " errors\n");
    else if (plan_)
      text += cat("Plan: ", count(Action::kCreate), " to create, ", count(Action::kUpdate), " to update, ",
                  count(Action::kUnchanged), " unchanged, ", count(Action::kError), " errors\n");
    else
      text += cat("Done: ", count(Action::kCreate), " created, ", count(Action::kUpdate), " updated, ",
                  count(Action::kRevoke), " revoked, ", count(Action::kUnchanged), " unchanged, ",
                  count(Action::kError), " errors\n");
    out_.write(text);
  }
  out_.flush();
}

size_t Report::count(Action action) const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [&](const Item& i) { return i.action == action; }));
}

}  // namespace sf::vs
