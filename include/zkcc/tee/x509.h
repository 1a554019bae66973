// Thin, owning wrappers over OpenSSL X.509 for the attestation verifiers: parsing, signature
// links, validity at a given time, and the vendor extensions they read.
#ifndef ZKCC_TEE_X509_H_
#define ZKCC_TEE_X509_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace zkcc::tee {

class Certificate {
 public:
  static StatusOr<Certificate> from_der(std::span<const uint8_t> der);
  // Every certificate in a PEM bundle, in order; fails if there is none or one is malformed.
  static StatusOr<std::vector<Certificate>> from_pem_bundle(std::string_view pem);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&& other) noexcept : cert_(other.cert_) { other.cert_ = nullptr; }
  Certificate& operator=(Certificate&& other) noexcept;
  ~Certificate();

  std::string subject() const;
  std::string issuer() const;
  // The subject's common name (CN), or "" when absent.
  std::string common_name() const;
  Bytes der() const;
  // SHA-256 of the DER encoding, lowercase hex.
  std::string sha256_fingerprint() const;
  // notBefore <= t <= notAfter, t in Unix seconds.
  bool valid_at(int64_t unix_seconds) const;
  int64_t not_before() const;
  int64_t not_after() const;
  // Empty when valid at t; otherwise what is wrong, to act on: "CN has expired (or is not yet
  // valid) at the verification time T: valid from A to B", times in UTC (RFC 3339).
  std::string validity_problem(int64_t unix_seconds) const;
  // True when `issuer`'s key verifies this certificate's signature (any algorithm OpenSSL knows,
  // RSASSA-PSS included) and this certificate names it as issuer. Results are memoized in a
  // process-wide cache keyed by both certificates' SHA-256, so a warm verifier skips repeated
  // signature checks on the same chain (a pure function's result: caching cannot change verdicts).
  bool signed_by(const Certificate& issuer) const;
  // The raw value bytes of an extension by dotted OID (the OCTET STRING contents), if present.
  std::optional<Bytes> extension(const std::string& oid) const;
  // An extension holding a DER INTEGER (AMD's SPL extensions), if present and well formed.
  std::optional<uint64_t> extension_integer(const std::string& oid) const;
  // An extension holding a DER OCTET STRING (AMD's hwID), unwrapped, if present and well formed.
  std::optional<Bytes> extension_octets(const std::string& oid) const;
  // An extension holding a DER IA5String (AMD's product name), if present and well formed.
  std::optional<std::string> extension_ia5(const std::string& oid) const;

  // The X.509 path fields a chain's shape is judged by (RFC 5280 4.2.1.3, 4.2.1.9):
  // basicConstraints cA (false when the extension is absent), its pathLenConstraint (nullopt when
  // absent or not a CA), and whether keyUsage is absent or permits keyCertSign.
  bool is_ca() const;
  std::optional<long> path_len() const;
  bool may_sign_certificates() const;
  // True when the extensions OpenSSL reads (basicConstraints, keyUsage) are well formed.
  bool extensions_well_formed() const;

  X509* raw() const { return cert_; }

 private:
  explicit Certificate(X509* cert) : cert_(cert) {}
  X509* cert_ = nullptr;
};

// Empties the signature cache used by Certificate::signed_by (for cold-cache measurements).
void clear_signature_cache();

// A compiled-in certificate, parsed once and accepted only if its DER SHA-256 matches `sha256`;
// nullopt otherwise (a corrupt binary: nothing may chain to it).
std::optional<Certificate> pinned_certificate(const char* pem, const char* sha256);

// Verifies an ECDSA P-384 / SHA-384 signature given as big-endian r and s (48 bytes each) with the
// certificate's public key.
bool verify_ecdsa_p384_sha384(const Certificate& signer, std::span<const uint8_t> message,
                              std::span<const uint8_t, 48> r_be, std::span<const uint8_t, 48> s_be);

// ECDSA P-256 / SHA-256 with the certificate's key (r and s big endian, 32 bytes each).
bool verify_ecdsa_p256_sha256(const Certificate& signer, std::span<const uint8_t> message,
                              std::span<const uint8_t, 32> r_be, std::span<const uint8_t, 32> s_be);
// ECDSA P-256 / SHA-256 with a raw public key given as x || y (64 bytes, big endian).
bool verify_ecdsa_p256_sha256_raw(std::span<const uint8_t, 64> public_xy, std::span<const uint8_t> message,
                                  std::span<const uint8_t, 32> r_be, std::span<const uint8_t, 32> s_be);

// RSASSA-PKCS1-v1_5 / SHA-256 with a raw public key (modulus and exponent, big endian).
bool verify_rsa_pkcs1_sha256(std::span<const uint8_t> n_be, std::span<const uint8_t> e_be, std::span<const uint8_t> message,
                             std::span<const uint8_t> signature);

// Parses an RFC 3339 time ("2025-06-20T00:00:00Z") to Unix seconds.
StatusOr<int64_t> parse_rfc3339(const std::string& text);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_X509_H_
