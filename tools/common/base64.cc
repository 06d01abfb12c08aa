#include "common/base64.h"

namespace sf {
namespace {

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  std::string clean;
  clean.reserve(text.size());
  for (const char c : text)
    if (c != '\r' && c != '\n') clean.push_back(c);
  if (clean.size() % 4 != 0) return false;
  out.reserve(clean.size() / 4 * 3);
  for (size_t i = 0; i < clean.size(); i += 4) {
    unsigned v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = clean[i + k];
      if (c == '=') {
        // Padding only in the last quantum, only in its last two places, and nothing after it.
        if (i + 4 != clean.size() || k < 2) {
          out.clear();
          return false;
        }
        ++pad;
        v[k] = 0;
        continue;
      }
      const int s = sextet(c);
      if (pad > 0 || s < 0) {
        out.clear();
        return false;
      }
      v[k] = static_cast<unsigned>(s);
    }
    const unsigned triple = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    // Non-zero bits after the last byte are accepted, as Go's non-strict decoding does.
    out.push_back(static_cast<char>((triple >> 16) & 0xFF));
    if (pad < 2) out.push_back(static_cast<char>((triple >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(triple & 0xFF));
  }
  return true;
}

std::string base64_encode(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto byte = [&](size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[i])); };
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned t = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(alphabet[(t >> 18) & 63]);
    out.push_back(alphabet[(t >> 12) & 63]);
    out.push_back(alphabet[(t >> 6) & 63]);
    out.push_back(alphabet[t & 63]);
  }
  if (i < bytes.size()) {
    unsigned t = byte(i) << 16;
    if (i + 1 < bytes.size()) t |= byte(i + 1) << 8;
    out.push_back(alphabet[(t >> 18) & 63]);
    out.push_back(alphabet[(t >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? alphabet[(t >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace sf
