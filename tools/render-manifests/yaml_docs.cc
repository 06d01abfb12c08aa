#include "render-manifests/yaml_docs.h"

#include <algorithm>

#include "common/strings.h"

namespace sf::rm {
namespace {

constexpr size_t kMaxNodes = 200'000;
constexpr size_t kMaxDepth = 128;

// A document marker line: "---" or "...", alone or followed by a space, a tab or a comment.
bool marker_line(std::string_view line, bool& starts_document) {
  if (line.size() < 3) return false;
  const std::string_view head = line.substr(0, 3);
  if (head != "---" && head != "...") return false;
  if (line.size() > 3 && line[3] != ' ' && line[3] != '\t' && line[3] != '\r' && line[3] != '\n') return false;
  starts_document = head == "---";
  return true;
}

struct Chunk {
  std::string text;
  size_t line;
};

std::vector<Chunk> split_documents(const std::string& text) {
  std::vector<Chunk> chunks{{"", 1}};
  size_t line = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string_view l(text.data() + pos, end - pos);
    bool starts = false;
    if (marker_line(l, starts)) {
      chunks.push_back({"", line});
      // Keep what follows "---" ("--- # Source: ..."), in its columns; "..." ends the document.
      if (starts) {
        chunks.back().text.append(3, ' ');
        chunks.back().text.append(l.substr(3));
      } else {
        chunks.back().text.push_back('\n');
      }
    } else {
      chunks.back().text.append(l);
    }
    ++line;
    pos = end;
  }
  return chunks;
}

std::string helm_source_of(const std::string& chunk) {
  size_t pos = 0;
  while (pos < chunk.size()) {
    const size_t nl = chunk.find('\n', pos);
    const std::string_view line = trim(std::string_view(chunk).substr(pos, (nl == std::string::npos ? chunk.size() : nl) - pos));
    if (!line.empty()) {
      constexpr std::string_view kSource = "# Source: ";
      return line.starts_with(kSource) ? std::string(line.substr(kSource.size())) : std::string();
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return "";
}

// The 1-based line of the first thing in `chunk` that is neither blank, a comment nor an
// explicit null; 0 when there is none.
size_t first_content_line(const std::string& chunk) {
  size_t line = 1;
  for (const auto& l : split(chunk, '\n')) {
    const std::string_view t = trim(l);
    if (!t.empty() && t[0] != '#' && t != "~" && t != "null" && t != "Null" && t != "NULL") return line;
    ++line;
  }
  return 0;
}

class Walker {
 public:
  Walker(const YamlDocument& doc, const std::function<void(const YamlVisit&)>& visit) : doc_(doc), visit_(visit) {}

  bool walk(const YAML::Node& node, size_t line) {
    if (++nodes_ > kMaxNodes || path_.size() > kMaxDepth) return false;
    visit_(YamlVisit{node, path_, line});
    if (node.IsMap()) {
      for (const auto& kv : node) {
        path_.push_back(kv.first.IsScalar() ? kv.first.Scalar() : "?");
        const bool ok = walk(kv.second, doc_.file_line(kv.first, line));
        path_.pop_back();
        if (!ok) return false;
      }
    } else if (node.IsSequence()) {
      size_t i = 0;
      for (const auto& item : node) {
        path_.push_back(cat('[', i++, ']'));
        const bool ok = walk(item, doc_.file_line(item, line));
        path_.pop_back();
        if (!ok) return false;
      }
    }
    return true;
  }

 private:
  const YamlDocument& doc_;
  const std::function<void(const YamlVisit&)>& visit_;
  std::vector<std::string> path_;
  size_t nodes_ = 0;
};

}  // namespace

size_t YamlDocument::file_line(const YAML::Node& node, size_t fallback) const {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0 || node.IsNull()) return fallback;
  return line + static_cast<size_t>(mark.line);
}

YamlFile parse_yaml_file(std::string path, std::string text) {
  YamlFile file;
  file.path = std::move(path);
  file.text = std::move(text);
  for (const auto& chunk : split_documents(file.text)) {
    if (trim(chunk.text).empty()) continue;
    YamlDocument doc;
    doc.line = chunk.line;
    doc.helm_source = helm_source_of(chunk.text);
    try {
      doc.root = YAML::Load(chunk.text);
    } catch (const YAML::Exception& e) {
      // yaml-cpp may mark the end of input, past the document's last line: keep it inside.
      size_t last = chunk.text.empty() ? 0 : static_cast<size_t>(std::count(chunk.text.begin(), chunk.text.end(), '\n'));
      if (last > 0 && chunk.text.back() == '\n') --last;
      const size_t offset = std::min(static_cast<size_t>(e.mark.line < 0 ? 0 : e.mark.line), last);
      file.problems.push_back({chunk.line + offset, e.msg});
      continue;
    }
    if (doc.root.IsNull()) {
      // yaml-cpp 0.7 reads some garbage (a lone ",") as an empty document: only comments and
      // an explicit null may be empty.
      if (const size_t bad = first_content_line(chunk.text); bad > 0)
        file.problems.push_back({chunk.line + bad - 1, "yaml-cpp reads this as an empty document, but it is not blank, a comment or null"});
      continue;
    }
    file.documents.push_back(std::move(doc));
  }
  return file;
}

std::vector<YamlDocument> embedded_yaml(const YamlFile& file, const YamlDocument& doc, const YAML::Node& scalar,
                                        size_t key_line, std::vector<YamlProblem>* problems) {
  const size_t first = doc.file_line(scalar, key_line) + 1;
  YamlFile inner = parse_yaml_file(file.path, scalar.Scalar());
  for (auto& d : inner.documents) d.line += first - 1;
  if (problems != nullptr)
    for (auto& p : inner.problems) problems->push_back({p.line + first - 1, p.message});
  return std::move(inner.documents);
}

bool walk_yaml(const YamlDocument& doc, const std::function<void(const YamlVisit&)>& visit) {
  Walker w(doc, visit);
  return w.walk(doc.root, doc.file_line(doc.root, doc.line));
}

std::string path_text(const std::vector<std::string>& path) {
  std::string out;
  for (const auto& p : path) {
    if (!p.empty() && p[0] == '[') {
      out += p;
      continue;
    }
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

YAML::Node child(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return YAML::Node();
  const YAML::Node v = map[key];
  return v.IsDefined() ? v : YAML::Node();
}

bool has_key(const YAML::Node& map, const char* key) { return map.IsMap() && map[key].IsDefined(); }

std::string scalar_at(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return "";
  const YAML::Node v = map[key];
  return v.IsDefined() && v.IsScalar() ? v.Scalar() : "";
}

}  // namespace sf::rm
