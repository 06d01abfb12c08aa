// Secret values made here, from the kernel's CSPRNG (getrandom), never from a seeded PRNG:
// characters drawn from an alphabet without modulo bias (rejection sampling), hex and base64
// of random bytes, RFC 4122 version 4 UUIDs. Values live only in memory and are wiped (wipe())
// once sent; nothing here logs or prints them.
#pragma once

#include <cstddef>
#include <string>

#include "common/secret_text.h"
#include "vault-seed/spec.h"

namespace sf::vs {

// `n` bytes from getrandom(2). Throws sf::Error if the kernel cannot deliver them.
std::string random_bytes(size_t n);

// A value by the rule of a `generate:` source.
std::string generate_value(const GenerateRule& rule);

using sf::wipe;  // common/secret_text.h

// Owns a secret value and wipes it when it goes out of scope.
class SecretValue {
 public:
  SecretValue() = default;
  explicit SecretValue(std::string value) : value_(std::move(value)) {}
  ~SecretValue() { wipe(value_); }
  SecretValue(SecretValue&& other) noexcept : value_(std::move(other.value_)) { other.value_.clear(); }
  SecretValue& operator=(SecretValue&& other) noexcept {
    if (this != &other) {
      wipe(value_);
      value_ = std::move(other.value_);
      other.value_.clear();
    }
    return *this;
  }
  SecretValue(const SecretValue&) = delete;
  SecretValue& operator=(const SecretValue&) = delete;
  const std::string& get() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace sf::vs
