#include "zkcc/tee/crl.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>

namespace zkcc::tee {

StatusOr<Crl> Crl::from_der(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  if (crl == nullptr) {
    ERR_clear_error();
    return invalid_argument("the CRL is not valid DER");
  }
  Crl out(crl);
  if (p != der.data() + der.size()) return invalid_argument("the CRL has " + std::to_string(der.data() + der.size() - p) + " trailing bytes");
  return out;
}

Crl& Crl::operator=(Crl&& other) noexcept {
  if (this != &other) {
    X509_CRL_free(crl_);
    crl_ = other.crl_;
    other.crl_ = nullptr;
  }
  return *this;
}

Crl::~Crl() { X509_CRL_free(crl_); }

bool Crl::signed_by(const Certificate& issuer) const {
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl_), X509_get_subject_name(issuer.raw())) != 0) return false;
  EVP_PKEY* key = X509_get0_pubkey(issuer.raw());
  bool ok = key != nullptr && X509_CRL_verify(crl_, key) == 1;
  ERR_clear_error();
  return ok;
}

std::string Crl::validity_problem(int64_t unix_seconds) const {
  time_t t = static_cast<time_t>(unix_seconds);
  const ASN1_TIME* last = X509_CRL_get0_lastUpdate(crl_);
  if (last == nullptr || X509_cmp_time(last, &t) > 0) return "the CRL is not yet valid";
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl_);
  if (next != nullptr && X509_cmp_time(next, &t) < 0) return "the CRL has expired";
  return "";
}

bool Crl::lists(const Certificate& cert) const {
  X509_REVOKED* revoked = nullptr;
  return X509_CRL_get0_by_serial(crl_, &revoked, X509_get0_serialNumber(cert.raw())) == 1;
}

std::string crl_problem(std::span<const uint8_t> der, const Certificate& issuer, const Certificate& cert, int64_t at) {
  auto crl = Crl::from_der(der);
  if (!crl.ok()) return crl.status().message();
  if (!crl->signed_by(issuer)) return "the CRL is not signed by " + issuer.common_name();
  if (std::string when = crl->validity_problem(at); !when.empty()) return when;
  if (crl->lists(cert)) return cert.common_name() + " is revoked";
  return "";
}

}  // namespace zkcc::tee
