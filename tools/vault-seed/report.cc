#include "vault-seed/report.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
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

Report::Report(Format format, bool plan, std::FILE* out) : format_(format), plan_(plan), out_(out) {}

void Report::put(const std::string& text) {
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size())
    throw Error(cat("stdout: write failed (", std::strerror(errno), "): the output is incomplete"));
}

void Report::add(const Item& item) {
  Item clean = item;
  clean.path = printable(item.path, 300);
  clean.detail = printable(item.detail, 600);
  items_.push_back(clean);
  if (format_ != Format::kJsonl) return;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto str = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  };
  w.StartObject();
  str("kind", "vault_seed");
  str("step", clean.step);
  str("path", clean.path);
  str("action", action_name(clean.action));
  w.Key("version");
  if (clean.version) w.Int64(*clean.version);
  else w.Null();
  str("detail", clean.detail);
  w.Key("plan");
  w.Bool(plan_);
  w.EndObject();
  put(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
  if (std::fflush(out_) != 0)
    throw Error(cat("stdout: write failed (", std::strerror(errno), "): the output is incomplete"));
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
    put(text);
  }
  if (std::fflush(out_) != 0)
    throw Error(cat("stdout: write failed (", std::strerror(errno), "): the output is incomplete"));
}

size_t Report::count(Action action) const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [&](const Item& i) { return i.action == action; }));
}

}  // namespace sf::vs
