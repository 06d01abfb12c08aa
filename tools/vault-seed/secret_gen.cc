#include "vault-seed/secret_gen.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "common/base64.h"
#include "common/error.h"
#include "common/strings.h"

namespace sf::vs {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t filled = 0;
  while (filled < n) {
    const ssize_t got = ::getrandom(out.data() + filled, n - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(cat("cannot read random bytes from the kernel (getrandom: ", std::strerror(errno), ")"));
    }
    filled += static_cast<size_t>(got);
  }
  return out;
}

namespace {

// Uniform characters: a random byte is used only below the largest multiple of the alphabet
// size, so every character is equally likely.
std::string from_alphabet(const std::string& alphabet, size_t length) {
  const size_t k = alphabet.size();
  const size_t limit = 256 - (256 % k);
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    std::string pool = random_bytes(length - out.size() + 16);
    for (const char c : pool) {
      const auto b = static_cast<unsigned char>(c);
      if (b >= limit) continue;
      out.push_back(alphabet[b % k]);
      if (out.size() == length) break;
    }
    wipe(pool);
  }
  return out;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string uuid_v4() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3f) | 0x80);  // RFC 4122 variant
  std::string h = hex(b);
  wipe(b);
  std::string out = cat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-", h.substr(16, 4), "-",
                        h.substr(20, 12));
  wipe(h);
  return out;
}

}  // namespace

std::string generate_value(const GenerateRule& rule) {
  switch (rule.kind) {
    case GenerateKind::kPassword:
    case GenerateKind::kAlphabet:
      return from_alphabet(rule.alphabet, rule.length);
    case GenerateKind::kHex: {
      std::string bytes = random_bytes(rule.bytes);
      std::string out = hex(bytes);
      wipe(bytes);
      return out;
    }
    case GenerateKind::kBase64: {
      std::string bytes = random_bytes(rule.bytes);
      std::string out = base64_encode(bytes);
      wipe(bytes);
      return out;
    }
    case GenerateKind::kUuid:
      return uuid_v4();
  }
  throw Error("unknown generate kind");
}

}  // namespace sf::vs
