#include "zkcc/tee/x509.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <mutex>
#include <string>
#include <unordered_map>

#include "zkcc/hash/sha2.h"

namespace zkcc::tee {
namespace {

int64_t asn1_time_to_unix(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return INT64_MIN;
  return static_cast<int64_t>(timegm(&tm));
}

std::string name_to_string(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace

StatusOr<Certificate> Certificate::from_der(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) return invalid_argument("certificate is not valid DER X.509");
  if (p != der.data() + der.size()) {
    X509_free(cert);
    return invalid_argument("certificate DER has " + std::to_string(der.data() + der.size() - p) + " trailing bytes");
  }
  return Certificate(cert);
}

StatusOr<std::vector<Certificate>> Certificate::from_pem_bundle(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return internal_error("out of memory");
  std::vector<Certificate> out;
  for (;;) {
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (cert == nullptr) break;
    out.push_back(Certificate(cert));
  }
  BIO_free(bio);
  if (out.empty()) return invalid_argument("no PEM certificate found");
  // Anything after the last certificate that still looks like one is a malformed certificate.
  size_t begins = 0;
  for (size_t at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string_view::npos;
       at = pem.find("-----BEGIN CERTIFICATE-----", at + 1)) {
    ++begins;
  }
  if (begins != out.size()) {
    return invalid_argument("PEM bundle holds " + std::to_string(begins) + " certificates but only " +
                            std::to_string(out.size()) + " parse");
  }
  return out;
}

Certificate::Certificate(const Certificate& other) : cert_(other.cert_) {
  if (cert_ != nullptr) X509_up_ref(cert_);
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    if (cert_ != nullptr) X509_free(cert_);
    cert_ = other.cert_;
    if (cert_ != nullptr) X509_up_ref(cert_);
  }
  return *this;
}

Certificate& Certificate::operator=(Certificate&& other) noexcept {
  if (this != &other) {
    if (cert_ != nullptr) X509_free(cert_);
    cert_ = other.cert_;
    other.cert_ = nullptr;
  }
  return *this;
}

Certificate::~Certificate() {
  if (cert_ != nullptr) X509_free(cert_);
}

std::string Certificate::subject() const { return name_to_string(X509_get_subject_name(cert_)); }
std::string Certificate::issuer() const { return name_to_string(X509_get_issuer_name(cert_)); }

std::string Certificate::common_name() const {
  char buf[256] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert_), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

Bytes Certificate::der() const {
  int len = i2d_X509(cert_, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert_, &p);
  return out;
}

std::string Certificate::sha256_fingerprint() const { return to_hex(hash::sha256(der())); }

int64_t Certificate::not_before() const { return asn1_time_to_unix(X509_get0_notBefore(cert_)); }
int64_t Certificate::not_after() const { return asn1_time_to_unix(X509_get0_notAfter(cert_)); }

bool Certificate::valid_at(int64_t t) const { return not_before() <= t && t <= not_after(); }

namespace {

std::string utc_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds) + " (Unix seconds)";
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return n == 0 ? std::to_string(unix_seconds) + " (Unix seconds)" : std::string(buf, n);
}

}  // namespace

std::string Certificate::validity_problem(int64_t t) const {
  if (valid_at(t)) return "";
  return common_name() + (t < not_before() ? " is not yet valid" : " has expired") + " at the verification time " +
         utc_time(t) + ": valid from " + utc_time(not_before()) + " to " + utc_time(not_after());
}

namespace {

// Memoized signature links: SHA-256(child DER) || SHA-256(issuer DER) -> verified. Bounded: the
// whole cache is dropped when it fills (verifiers see few distinct chains).
struct SignatureCache {
  std::mutex mu;
  std::unordered_map<std::string, bool> links;
};

SignatureCache& signature_cache() {
  static SignatureCache cache;
  return cache;
}

constexpr size_t kSignatureCacheLimit = 4096;

}  // namespace

void clear_signature_cache() {
  SignatureCache& c = signature_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.links.clear();
}

bool Certificate::signed_by(const Certificate& issuer) const {
  if (X509_NAME_cmp(X509_get_issuer_name(cert_), X509_get_subject_name(issuer.cert_)) != 0) return false;
  std::string key = sha256_fingerprint() + issuer.sha256_fingerprint();
  SignatureCache& cache = signature_cache();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.links.find(key);
    if (it != cache.links.end()) return it->second;
  }
  EVP_PKEY* pkey = X509_get0_pubkey(issuer.cert_);
  bool ok = pkey != nullptr && X509_verify(cert_, pkey) == 1;
  std::lock_guard<std::mutex> lock(cache.mu);
  if (cache.links.size() >= kSignatureCacheLimit) cache.links.clear();
  cache.links.emplace(std::move(key), ok);
  return ok;
}

bool Certificate::extensions_well_formed() const { return (X509_get_extension_flags(cert_) & EXFLAG_INVALID) == 0; }

bool Certificate::is_ca() const {
  uint32_t flags = X509_get_extension_flags(cert_);
  return (flags & EXFLAG_INVALID) == 0 && (flags & EXFLAG_BCONS) != 0 && (flags & EXFLAG_CA) != 0;
}

std::optional<long> Certificate::path_len() const {
  if (!is_ca()) return std::nullopt;
  long n = X509_get_pathlen(cert_);
  return n < 0 ? std::nullopt : std::optional<long>(n);
}

bool Certificate::may_sign_certificates() const {
  uint32_t flags = X509_get_extension_flags(cert_);
  if ((flags & EXFLAG_INVALID) != 0) return false;
  return (flags & EXFLAG_KUSAGE) == 0 || (X509_get_key_usage(cert_) & KU_KEY_CERT_SIGN) != 0;
}

std::optional<Bytes> Certificate::extension(const std::string& oid) const {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid.c_str(), 1);
  if (obj == nullptr) return std::nullopt;
  int idx = X509_get_ext_by_OBJ(cert_, obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_get_ext(cert_, idx);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  const unsigned char* p = ASN1_STRING_get0_data(data);
  return Bytes(p, p + ASN1_STRING_length(data));
}

std::optional<uint64_t> Certificate::extension_integer(const std::string& oid) const {
  auto raw = extension(oid);
  if (!raw) return std::nullopt;
  const unsigned char* p = raw->data();
  ASN1_INTEGER* i = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(raw->size()));
  if (i == nullptr) return std::nullopt;
  uint64_t v = 0;
  bool ok = p == raw->data() + raw->size() && ASN1_INTEGER_get_uint64(&v, i) == 1;
  ASN1_INTEGER_free(i);
  if (!ok) return std::nullopt;
  return v;
}

std::optional<Bytes> Certificate::extension_octets(const std::string& oid) const {
  auto raw = extension(oid);
  if (!raw) return std::nullopt;
  const unsigned char* p = raw->data();
  ASN1_OCTET_STRING* s = d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(raw->size()));
  if (s == nullptr) return std::nullopt;
  std::optional<Bytes> out;
  if (p == raw->data() + raw->size()) {
    const unsigned char* d = ASN1_STRING_get0_data(s);
    out = Bytes(d, d + ASN1_STRING_length(s));
  }
  ASN1_OCTET_STRING_free(s);
  return out;
}

std::optional<std::string> Certificate::extension_ia5(const std::string& oid) const {
  auto raw = extension(oid);
  if (!raw) return std::nullopt;
  const unsigned char* p = raw->data();
  ASN1_IA5STRING* s = d2i_ASN1_IA5STRING(nullptr, &p, static_cast<long>(raw->size()));
  if (s == nullptr) return std::nullopt;
  std::optional<std::string> out;
  if (p == raw->data() + raw->size()) {
    out = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
  }
  ASN1_IA5STRING_free(s);
  return out;
}

std::optional<Certificate> pinned_certificate(const char* pem, const char* sha256) {
  auto parsed = Certificate::from_pem_bundle(pem);
  if (!parsed.ok() || parsed->size() != 1 || (*parsed)[0].sha256_fingerprint() != sha256) return std::nullopt;
  return (*parsed)[0];
}

namespace {

// Verifies an ECDSA signature (big-endian r and s) with `key`, which must be on `group`.
bool verify_ecdsa(EVP_PKEY* key, const char* group, const EVP_MD* md, std::span<const uint8_t> message,
                  std::span<const uint8_t> r_be, std::span<const uint8_t> s_be) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", name, sizeof name, &len) != 1 || std::string(name) != group) {
    return false;
  }
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(r_be.data(), static_cast<int>(r_be.size()), nullptr);
  BIGNUM* s = BN_bin2bn(s_be.data(), static_cast<int>(s_be.size()), nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

}  // namespace

bool verify_ecdsa_p384_sha384(const Certificate& signer, std::span<const uint8_t> message,
                              std::span<const uint8_t, 48> r_be, std::span<const uint8_t, 48> s_be) {
  return verify_ecdsa(X509_get0_pubkey(signer.raw()), "secp384r1", EVP_sha384(), message, r_be, s_be);
}

bool verify_ecdsa_p256_sha256(const Certificate& signer, std::span<const uint8_t> message,
                              std::span<const uint8_t, 32> r_be, std::span<const uint8_t, 32> s_be) {
  return verify_ecdsa(X509_get0_pubkey(signer.raw()), "prime256v1", EVP_sha256(), message, r_be, s_be);
}

bool verify_ecdsa_p256_sha256_raw(std::span<const uint8_t, 64> public_xy, std::span<const uint8_t> message,
                                  std::span<const uint8_t, 32> r_be, std::span<const uint8_t, 32> s_be) {
  unsigned char point[65];
  point[0] = 0x04;  // uncompressed
  std::copy(public_xy.begin(), public_xy.end(), point + 1);
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("group", group, 0),
                         OSSL_PARAM_construct_octet_string("pub", point, sizeof point), OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  bool made = pctx != nullptr && EVP_PKEY_fromdata_init(pctx) == 1 &&
              EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(pctx);
  if (!made) return false;  // not a point on P-256
  bool ok = verify_ecdsa(key, "prime256v1", EVP_sha256(), message, r_be, s_be);
  EVP_PKEY_free(key);
  return ok;
}

bool verify_rsa_pkcs1_sha256(std::span<const uint8_t> n_be, std::span<const uint8_t> e_be, std::span<const uint8_t> message,
                             std::span<const uint8_t> signature) {
  BIGNUM* n = BN_bin2bn(n_be.data(), static_cast<int>(n_be.size()), nullptr);
  BIGNUM* e = BN_bin2bn(e_be.data(), static_cast<int>(e_be.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = n != nullptr && e != nullptr && bld != nullptr && OSSL_PARAM_BLD_push_BN(bld, "n", n) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld, "e", e) == 1 && (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
            (pctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) != nullptr && EVP_PKEY_fromdata_init(pctx) == 1 &&
            EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  if (ok) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_PKEY_CTX* vctx = nullptr;
    ok = md != nullptr && EVP_DigestVerifyInit(md, &vctx, EVP_sha256(), nullptr, key) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) == 1 &&
         EVP_DigestVerify(md, signature.data(), signature.size(), message.data(), message.size()) == 1;
    EVP_MD_CTX_free(md);
  }
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return ok;
}

StatusOr<int64_t> parse_rfc3339(const std::string& text) {
  struct tm tm {};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      static_cast<size_t>(consumed) != text.size()) {
    return invalid_argument("time '" + text + "' is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)");
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return invalid_argument("time '" + text + "' is out of range");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace zkcc::tee
