// The simulated platform's small PKI toolkit over OpenSSL 3: key generation and PEM storage,
// certificates with vendor extensions, CRLs, raw ECDSA signatures, and DER values built with
// OpenSSL's ASN.1 encoders. Internal to src/tee/sim.
#ifndef ZKCC_SRC_TEE_SIM_PKI_H_
#define ZKCC_SRC_TEE_SIM_PKI_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::sim::pki {

// Shared so that copies of a platform reuse one key; freed with EVP_PKEY_free.
using Key = std::shared_ptr<EVP_PKEY>;

StatusOr<Key> generate_rsa(unsigned bits);
// group: "P-256" or "P-384".
StatusOr<Key> generate_ec(const char* group);

// Unencrypted PKCS#8 PEM, and back. key_from_pem reads the first private key in `pem`; an
// encrypted key is an error (it never prompts for a passphrase).
StatusOr<std::string> private_key_pem(const Key& key);
StatusOr<Key> key_from_pem(std::string_view pem);
// True when `key` is the private half of `cert`'s public key.
bool key_matches(const Key& key, const Certificate& cert);

std::string certificate_pem(const Certificate& cert);

enum class SigAlg { kEcdsaSha256, kEcdsaSha384, kRsaPssSha384 };

struct Extension {
  std::string oid;  // dotted
  Bytes value;      // the extnValue contents (usually a DER value)
  bool critical = false;
};

struct CertSpec {
  std::vector<std::pair<std::string, std::string>> subject;  // ("CN", "...") in order
  int64_t not_before = 0;
  int64_t not_after = 0;
  bool ca = false;
  int path_len = -1;      // CA only; -1 = unlimited
  std::string key_usage;  // OpenSSL syntax, e.g. "critical,keyCertSign,cRLSign"
  std::vector<Extension> extensions;
};

// Issues a certificate for `subject_key`, signed by `issuer_key` as `issuer` (nullptr: self-signed
// by subject_key). Serial numbers are random; SKI, and AKI when there is an issuer, are added.
StatusOr<Certificate> issue(const CertSpec& spec, const Key& subject_key, const Certificate* issuer,
                            const Key& issuer_key, SigAlg alg);

// An X.509 v2 CRL by `issuer` listing `revoked` (revoked at last_update), signed with `alg`
// (kEcdsaSha256 for Intel's, kRsaPssSha384 for AMD's); DER.
StatusOr<Bytes> issue_crl(const Certificate& issuer, const Key& issuer_key, int64_t last_update, int64_t next_update,
                          uint64_t number, std::span<const Certificate> revoked, SigAlg alg);

// ECDSA over `message` with `md_name` ("SHA256", "SHA384"), as big-endian r || s of `width` bytes each.
StatusOr<Bytes> sign_ecdsa_raw(const Key& key, const char* md_name, std::span<const uint8_t> message, size_t width);

// An EC public key's affine coordinates, big endian, `width` bytes each (x || y).
StatusOr<Bytes> ec_public_xy(const Key& key, size_t width);
// The key's SubjectPublicKeyInfo, DER.
StatusOr<Bytes> public_key_der(const Key& key);

// DER values, each encoded by OpenSSL's own ASN.1 encoders; empty when encoding fails (an empty
// value is rejected wherever it is used: der_sequence and extensions).
Bytes der_integer(uint64_t v);
Bytes der_enumerated(uint64_t v);
Bytes der_boolean(bool v);
Bytes der_octets(std::span<const uint8_t> v);
Bytes der_ia5(std::string_view v);
Bytes der_oid(const std::string& dotted);
// A SEQUENCE of already-encoded DER elements.
StatusOr<Bytes> der_sequence(const std::vector<Bytes>& elements);
// The DER elements of a SEQUENCE, each re-encoded whole.
StatusOr<std::vector<Bytes>> der_sequence_elements(std::span<const uint8_t> der);
// The contents of a DER OCTET STRING.
StatusOr<Bytes> der_octets_value(std::span<const uint8_t> der);

StatusOr<Bytes> random_bytes(size_t n);

// Unix seconds as RFC 3339 ("2025-06-19T10:16:03Z").
std::string rfc3339(int64_t unix_seconds);

// Files. write_file replaces `path` atomically (a temporary beside it, then rename) with the given
// mode; read_text refuses files over 1 MiB.
Status write_file(const std::filesystem::path& path, std::string_view data, unsigned mode);
StatusOr<std::string> read_text(const std::filesystem::path& path);

}  // namespace zkcc::tee::sim::pki

#endif  // ZKCC_SRC_TEE_SIM_PKI_H_
