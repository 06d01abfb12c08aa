#include "common/tls_material.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace sf::tls {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// No passphrase prompt, ever: an encrypted key simply fails to load (client-go cannot use one).
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

PairProblem check_key_pair(std::string_view certificate_pem, std::string_view key_pem) {
  auto cert_bio = memory_bio(certificate_pem);
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr));
  auto key_bio = memory_bio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr));
  ERR_clear_error();  // leave nothing in this thread's queue for libcurl to misreport later
  if (!cert) return PairProblem::kNoCertificate;
  if (!key) return PairProblem::kNoKey;
  const int match = X509_check_private_key(cert.get(), key.get());
  ERR_clear_error();
  return match == 1 ? PairProblem::kNone : PairProblem::kMismatch;
}

size_t count_certificates(std::string_view pem) {
  auto bio = memory_bio(pem);
  size_t count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();
  return count;
}

const char* describe(PairProblem problem) {
  switch (problem) {
    case PairProblem::kNone: return "the client certificate and key belong together";
    case PairProblem::kNoCertificate: return "the client certificate is not a PEM certificate";
    case PairProblem::kNoKey: return "the client key is not an unencrypted PEM private key";
    case PairProblem::kMismatch: return "the client key does not match the client certificate (they are from different pairs)";
  }
  return "unknown";
}

}  // namespace sf::tls
