// X.509 certificate revocation lists (RFC 5280 section 5) as the attestation verifiers use them:
// Intel's Root CA and PCK CRLs and AMD's ARK-signed CRL. A CRL is judged for one certificate: it
// must be issued and signed by that certificate's issuer, be current at the verification time,
// and not list the certificate's serial number.
#ifndef ZKCC_TEE_CRL_H_
#define ZKCC_TEE_CRL_H_

#include <cstdint>
#include <span>
#include <string>

#include "zkcc/base/status.h"
#include "zkcc/tee/x509.h"

typedef struct X509_crl_st X509_CRL;

namespace zkcc::tee {

class Crl {
 public:
  // DER, with no trailing bytes.
  static StatusOr<Crl> from_der(std::span<const uint8_t> der);

  Crl(Crl&& other) noexcept : crl_(other.crl_) { other.crl_ = nullptr; }
  Crl& operator=(Crl&& other) noexcept;
  Crl(const Crl&) = delete;
  Crl& operator=(const Crl&) = delete;
  ~Crl();

  // True when `issuer` is named as the CRL's issuer and its key verifies the CRL's signature
  // (any algorithm OpenSSL knows, RSASSA-PSS included).
  bool signed_by(const Certificate& issuer) const;
  // Empty when thisUpdate <= t <= nextUpdate (no nextUpdate: no end); otherwise what is wrong.
  std::string validity_problem(int64_t unix_seconds) const;
  // True when the CRL lists `cert`'s serial number.
  bool lists(const Certificate& cert) const;

 private:
  explicit Crl(X509_CRL* crl) : crl_(crl) {}
  X509_CRL* crl_ = nullptr;
};

// The CRL `der` judged for `cert` issued by `issuer` at time `at`: "" when it parses, `issuer`
// signed it, it is current and it does not list `cert`; otherwise the first thing wrong.
std::string crl_problem(std::span<const uint8_t> der, const Certificate& issuer, const Certificate& cert, int64_t at);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_CRL_H_
