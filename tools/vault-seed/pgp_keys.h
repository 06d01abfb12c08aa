// OpenPGP public keys for Vault's init `pgp_keys` (one per share): Vault wants the base64 of
// the binary (unarmoured) key, as `gpg --export KEY | base64 -w0` gives it. A file may hold
// the armoured export (gpg --export --armor: headers skipped, the CRC-24 line checked), the
// binary export, or that base64 text already; its first packet must be a public key.
#pragma once

#include <cstdint>
#include <string>

namespace sf::vs {

// RFC 4880's CRC-24 of the armour checksum line.
uint32_t crc24(const std::string& data);

// Reads the file and returns what Vault wants; UsageError naming the file otherwise.
std::string pgp_key_for_vault(const std::string& path);
// The same from the file's content (tests).
std::string pgp_key_from_content(const std::string& content, const std::string& path);

}  // namespace sf::vs
