// Checks of PEM material before it is used, so that a bad kubeconfig is reported as what it is
// (the client key does not belong to the certificate, the CA file holds no certificate) instead
// of as a TLS failure blamed on the server. Uses OpenSSL, the TLS library libcurl runs on.
#pragma once

#include <string>
#include <string_view>

namespace sf::tls {

enum class PairProblem {
  kNone,
  kNoCertificate,  // no PEM certificate could be read
  kNoKey,          // no PEM private key could be read (or it is encrypted)
  kMismatch,       // the key does not belong to the certificate's public key
};

// As Go's tls.X509KeyPair checks a client certificate and key: the first certificate and the
// first private key in the PEM texts, and whether they belong together.
PairProblem check_key_pair(std::string_view certificate_pem, std::string_view key_pem);

// The number of PEM certificates OpenSSL can read from `pem` (a CA bundle needs at least one).
size_t count_certificates(std::string_view pem);

// "the client key does not match the client certificate" etc., for messages.
const char* describe(PairProblem problem);

}  // namespace sf::tls
