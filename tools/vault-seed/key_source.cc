#include "vault-seed/key_source.h"

#include <unistd.h>

#include "common/file_read.h"
#include "common/redact.h"
#include "common/strings.h"

namespace sf::vs {

constexpr size_t kMaxValueBytes = 1u << 20;

SecretValue read_source(const KeySource& source, const Getenv& getenv) {
  switch (source.type) {
    case SourceType::kGenerate:
      return SecretValue(generate_value(source.generate));
    case SourceType::kFile: {
      std::string text;
      try {
        text = read_small_file(source.file, kMaxValueBytes, "secret key file");
      } catch (const FileReadError& e) {
        throw SourceError(e.what());
      }
      if (!valid_utf8(text)) {
        wipe(text);
        throw SourceError(cat(source.file, " is not UTF-8 text: Vault's KV values are JSON strings; store a binary "
                                           "file base64-encoded"));
      }
      if (text.empty()) throw SourceError(cat(source.file, " is empty"));
      return SecretValue(std::move(text));
    }
    case SourceType::kEnv: {
      const char* v = getenv(source.env.c_str());
      if (v == nullptr || *v == '\0') throw SourceError(cat("the environment variable ", source.env, " is not set"));
      std::string text(v);
      if (!valid_utf8(text)) {
        wipe(text);
        throw SourceError(cat("the environment variable ", source.env, " is not UTF-8 text"));
      }
      return SecretValue(std::move(text));
    }
  }
  throw SourceError("unknown source");
}

std::string source_problem(const KeySource& source, const Getenv& getenv) {
  switch (source.type) {
    case SourceType::kGenerate:
      return "";
    case SourceType::kFile:
      if (::access(source.file.c_str(), R_OK) != 0) return cat(source.file, " cannot be read (missing?)");
      return "";
    case SourceType::kEnv: {
      const char* v = getenv(source.env.c_str());
      if (v == nullptr || *v == '\0') return cat("the environment variable ", source.env, " is not set");
      return "";
    }
  }
  return "";
}

}  // namespace sf::vs
