#include "vault-seed/pgp_keys.h"

#include <cstdint>

#include "common/base64.h"
#include "common/error.h"
#include "common/file_read.h"
#include "common/strings.h"

namespace sf::vs {
// RFC 4880 section 6.1.
uint32_t crc24(const std::string& data) {
  uint32_t crc = 0xB704CEu;
  for (const char c : data) {
    crc ^= static_cast<uint32_t>(static_cast<unsigned char>(c)) << 16;
    for (int i = 0; i < 8; ++i) {
      crc <<= 1;
      if (crc & 0x1000000u) crc ^= 0x1864CFBu;
    }
  }
  return crc & 0xFFFFFFu;
}

namespace {

// The packet tag of the first packet (old or new format), or -1.
int first_tag(const std::string& binary) {
  if (binary.empty()) return -1;
  const auto b = static_cast<unsigned char>(binary[0]);
  if ((b & 0x80) == 0) return -1;
  return (b & 0x40) ? (b & 0x3F) : ((b >> 2) & 0x0F);
}

std::string check_binary(const std::string& binary, const std::string& path) {
  const int tag = first_tag(binary);
  if (tag == 5)
    throw UsageError(cat(path, " is a secret key: give the public key (gpg --export KEYID > file); the secret key stays "
                           "with its holder"));
  if (tag != 6)
    throw UsageError(cat(path, " is not an OpenPGP public key (its first packet is not a public-key packet): "
                           "export one with gpg --export KEYID"));
  return base64_encode(binary);
}

std::string dearmor(const std::string& text, const std::string& path) {
  const size_t begin = text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----");
  if (begin == std::string::npos) {
    if (text.find("-----BEGIN PGP PRIVATE KEY BLOCK-----") != std::string::npos)
      throw UsageError(cat(path, " is a secret key: give the public key (gpg --export --armor KEYID)"));
    throw UsageError(cat(path, ": armour without a PUBLIC KEY BLOCK"));
  }
  const size_t end = text.find("-----END PGP PUBLIC KEY BLOCK-----", begin);
  if (end == std::string::npos) throw UsageError(cat(path, ": the armoured key is cut short (no END line)"));
  const auto lines = split(text.substr(begin, end - begin), '\n');
  std::string body;
  std::string checksum;
  bool in_headers = true;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string line(trim(lines[i]));
    if (in_headers) {
      if (line.empty()) in_headers = false;
      else if (line.find(':') == std::string::npos) in_headers = false, body += line;  // no header block
      continue;
    }
    if (!line.empty() && line[0] == '=') checksum = line.substr(1);
    else body += line;
  }
  std::string binary;
  if (!base64_decode(body, binary) || binary.empty())
    throw UsageError(cat(path, ": the armoured key's base64 does not decode"));
  if (!checksum.empty()) {
    std::string crc;
    if (!base64_decode(checksum, crc) || crc.size() != 3 ||
        ((static_cast<uint32_t>(static_cast<unsigned char>(crc[0])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(crc[1])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(crc[2]))) != crc24(binary))
      throw UsageError(cat(path, ": the armoured key's CRC-24 checksum does not match (damaged copy?)"));
  }
  return binary;
}

}  // namespace

std::string pgp_key_from_content(const std::string& content, const std::string& path) {
  if (content.empty()) throw UsageError(cat(path, " is empty: give an OpenPGP public key"));
  if (content.find("-----BEGIN PGP") != std::string::npos) return check_binary(dearmor(content, path), path);
  if (first_tag(content) >= 0) return check_binary(content, path);
  std::string compact;
  for (const char c : content)
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  std::string binary;
  if (base64_decode(compact, binary)) return check_binary(binary, path);
  throw UsageError(cat(path, " is neither an armoured, binary nor base64 OpenPGP public key"));
}

std::string pgp_key_for_vault(const std::string& path) {
  return pgp_key_from_content(read_small_file(path, 1u << 20, "PGP public key"), path);
}

}  // namespace sf::vs
