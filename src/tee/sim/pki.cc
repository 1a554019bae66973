#include "pki.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace zkcc::tee::sim::pki {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using NamePtr = std::unique_ptr<X509_NAME, Free<X509_NAME, X509_NAME_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Free<X509_EXTENSION, X509_EXTENSION_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Free<X509_CRL, X509_CRL_free>>;
using RevokedPtr = std::unique_ptr<X509_REVOKED, Free<X509_REVOKED, X509_REVOKED_free>>;
using BioPtr = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, Free<ASN1_OBJECT, ASN1_OBJECT_free>>;
using OctetsPtr = std::unique_ptr<ASN1_OCTET_STRING, Free<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using IntegerPtr = std::unique_ptr<ASN1_INTEGER, Free<ASN1_INTEGER, ASN1_INTEGER_free>>;
using EnumPtr = std::unique_ptr<ASN1_ENUMERATED, Free<ASN1_ENUMERATED, ASN1_ENUMERATED_free>>;
using Ia5Ptr = std::unique_ptr<ASN1_IA5STRING, Free<ASN1_IA5STRING, ASN1_IA5STRING_free>>;
using TypePtr = std::unique_ptr<ASN1_TYPE, Free<ASN1_TYPE, ASN1_TYPE_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, Free<ASN1_TIME, ASN1_TIME_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG, ECDSA_SIG_free>>;

struct SequenceFree {
  void operator()(ASN1_SEQUENCE_ANY* s) const { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }
};
using SequencePtr = std::unique_ptr<ASN1_SEQUENCE_ANY, SequenceFree>;

Key own(EVP_PKEY* k) { return Key(k, EVP_PKEY_free); }

// The newest OpenSSL error queued on this thread, for messages; the queue is cleared.
std::string ssl_error(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return what + (e != 0 ? std::string(": ") + buf : std::string());
}

// Encodes an OpenSSL ASN.1 object with its i2d function; empty on failure.
template <typename T>
Bytes encode(const T* value, int (*i2d)(const T*, unsigned char**)) {
  if (value == nullptr) return {};
  unsigned char* out = nullptr;
  int len = i2d(value, &out);
  if (len <= 0) return {};
  Bytes b(out, out + len);
  OPENSSL_free(out);
  return b;
}

// Never prompts for a passphrase: stored keys are unencrypted, and an encrypted one is an error.
int no_passphrase(char*, int, int, void*) { return 0; }

Status add_conf_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return internal_error(ssl_error("cannot add extension " + value));
  return ok_status();
}

Status add_raw_extension(X509* cert, const Extension& e) {
  if (e.value.empty()) return internal_error("extension " + e.oid + " has no value");
  ObjPtr obj(OBJ_txt2obj(e.oid.c_str(), 1));
  OctetsPtr data(ASN1_OCTET_STRING_new());
  if (!obj || !data || ASN1_OCTET_STRING_set(data.get(), e.value.data(), static_cast<int>(e.value.size())) != 1) {
    return internal_error(ssl_error("cannot encode extension " + e.oid));
  }
  ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0, data.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return internal_error(ssl_error("cannot add extension " + e.oid));
  return ok_status();
}

Status set_time(ASN1_TIME* field, int64_t t) {
  if (ASN1_TIME_set(field, static_cast<time_t>(t)) == nullptr) return internal_error("cannot encode time " + rfc3339(t));
  return ok_status();
}

}  // namespace

StatusOr<Key> generate_rsa(unsigned bits) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (k == nullptr) return internal_error(ssl_error("RSA key generation failed"));
  return own(k);
}

StatusOr<Key> generate_ec(const char* group) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group);
  if (k == nullptr) return internal_error(ssl_error(std::string("EC key generation failed for ") + group));
  return own(k);
}

StatusOr<std::string> private_key_pem(const Key& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return internal_error(ssl_error("cannot write the private key as PEM"));
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

StatusOr<Key> key_from_pem(std::string_view pem) {
  if (pem.size() > (1u << 20)) return invalid_argument("private key PEM is larger than 1 MiB");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return internal_error("out of memory");
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (k == nullptr) return invalid_argument(ssl_error("not an unencrypted PEM private key"));
  return own(k);
}

bool key_matches(const Key& key, const Certificate& cert) {
  bool ok = X509_check_private_key(cert.raw(), key.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::string certificate_pem(const Certificate& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert.raw()) != 1) return "";
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

namespace {

// A digest-signing context for `alg` with `signer`. AMD signs its certificates and CRLs with
// RSASSA-PSS, SHA-384, MGF1-SHA-384 and a 48-byte salt.
StatusOr<MdCtxPtr> signing_context(const Key& signer, SigAlg alg) {
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* digest = alg == SigAlg::kEcdsaSha256 ? EVP_sha256() : EVP_sha384();
  if (!md || EVP_DigestSignInit(md.get(), &pctx, digest, nullptr, signer.get()) != 1) {
    return internal_error(ssl_error("cannot start a signature"));
  }
  if (alg == SigAlg::kRsaPssSha384 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) != 1)) {
    return internal_error(ssl_error("cannot configure RSASSA-PSS"));
  }
  return md;
}

}  // namespace

StatusOr<Certificate> issue(const CertSpec& spec, const Key& subject_key, const Certificate* issuer, const Key& issuer_key,
                            SigAlg alg) {
  X509Ptr x(X509_new());
  NamePtr name(X509_NAME_new());
  if (!x || !name || X509_set_version(x.get(), X509_VERSION_3) != 1) return internal_error("out of memory");
  // A random positive 127-bit serial, as RFC 5280 recommends for unpredictability.
  ZKCC_ASSIGN_OR_RETURN(Bytes serial, random_bytes(16));
  serial[0] &= 0x7f;
  serial[0] |= 0x40;
  BnPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())) == nullptr) return internal_error("cannot set serial");
  for (const auto& [field, value] : spec.subject) {
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                   -1, -1, 0) != 1) {
      return internal_error(ssl_error("cannot add " + field + " to a name"));
    }
  }
  if (X509_set_subject_name(x.get(), name.get()) != 1 ||
      X509_set_issuer_name(x.get(), issuer != nullptr ? X509_get_subject_name(issuer->raw()) : name.get()) != 1 ||
      X509_set_pubkey(x.get(), subject_key.get()) != 1) {
    return internal_error(ssl_error("cannot set names or key"));
  }
  ZKCC_RETURN_IF_ERROR(set_time(X509_getm_notBefore(x.get()), spec.not_before));
  ZKCC_RETURN_IF_ERROR(set_time(X509_getm_notAfter(x.get()), spec.not_after));

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->raw() : x.get(), x.get(), nullptr, nullptr, 0);
  std::string bc = spec.ca ? "critical,CA:TRUE" + (spec.path_len >= 0 ? ",pathlen:" + std::to_string(spec.path_len) : "")
                           : "critical,CA:FALSE";
  ZKCC_RETURN_IF_ERROR(add_conf_extension(x.get(), &ctx, NID_basic_constraints, bc));
  if (!spec.key_usage.empty()) ZKCC_RETURN_IF_ERROR(add_conf_extension(x.get(), &ctx, NID_key_usage, spec.key_usage));
  ZKCC_RETURN_IF_ERROR(add_conf_extension(x.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (issuer != nullptr) ZKCC_RETURN_IF_ERROR(add_conf_extension(x.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  for (const Extension& e : spec.extensions) ZKCC_RETURN_IF_ERROR(add_raw_extension(x.get(), e));

  const Key& signer = issuer != nullptr ? issuer_key : subject_key;
  ZKCC_ASSIGN_OR_RETURN(MdCtxPtr md, signing_context(signer, alg));
  if (X509_sign_ctx(x.get(), md.get()) <= 0) return internal_error(ssl_error("cannot sign a certificate"));
  Bytes der = encode<X509>(x.get(), i2d_X509);
  if (der.empty()) return internal_error("cannot encode a certificate");
  return Certificate::from_der(der);
}

StatusOr<Bytes> issue_crl(const Certificate& issuer, const Key& issuer_key, int64_t last_update, int64_t next_update,
                          uint64_t number, std::span<const Certificate> revoked, SigAlg alg) {
  CrlPtr crl(X509_CRL_new());
  TimePtr last(ASN1_TIME_set(nullptr, static_cast<time_t>(last_update)));
  TimePtr next(ASN1_TIME_set(nullptr, static_cast<time_t>(next_update)));
  IntegerPtr n(ASN1_INTEGER_new());
  if (!crl || !last || !next || !n || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.raw())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 || X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1 ||
      ASN1_INTEGER_set_uint64(n.get(), number) != 1 || X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, n.get(), 0, 0) != 1) {
    return internal_error(ssl_error("cannot build a CRL"));
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer.raw(), nullptr, nullptr, crl.get(), 0);
  ExtPtr aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) return internal_error(ssl_error("cannot add the CRL's AKI"));
  for (const Certificate& c : revoked) {
    RevokedPtr entry(X509_REVOKED_new());
    if (!entry || X509_REVOKED_set_serialNumber(entry.get(), X509_get_serialNumber(c.raw())) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), last.get()) != 1 || X509_CRL_add0_revoked(crl.get(), entry.get()) != 1) {
      return internal_error(ssl_error("cannot list a revoked certificate"));
    }
    entry.release();  // owned by the CRL now
  }
  if (!revoked.empty() && X509_CRL_sort(crl.get()) != 1) return internal_error(ssl_error("cannot sort a CRL"));
  ZKCC_ASSIGN_OR_RETURN(MdCtxPtr md, signing_context(issuer_key, alg));
  if (X509_CRL_sign_ctx(crl.get(), md.get()) <= 0) return internal_error(ssl_error("cannot sign a CRL"));
  Bytes der = encode<X509_CRL>(crl.get(), i2d_X509_CRL);
  if (der.empty()) return internal_error("cannot encode a CRL");
  return der;
}

StatusOr<Bytes> sign_ecdsa_raw(const Key& key, const char* md_name, std::span<const uint8_t> message, size_t width) {
  MdCtxPtr md(EVP_MD_CTX_new());
  size_t len = 0;
  if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, md_name, nullptr, nullptr, key.get(), nullptr) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1) {
    return internal_error(ssl_error("cannot start an ECDSA signature"));
  }
  Bytes der(len);
  if (EVP_DigestSign(md.get(), der.data(), &len, message.data(), message.size()) != 1) {
    return internal_error(ssl_error("ECDSA signing failed"));
  }
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) return internal_error("ECDSA signature does not decode");
  Bytes out(2 * width);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), static_cast<int>(width)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + width, static_cast<int>(width)) < 0) {
    return internal_error("ECDSA signature component is wider than " + std::to_string(width) + " bytes");
  }
  return out;
}

StatusOr<Bytes> ec_public_xy(const Key& key, size_t width) {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  bool got = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
             EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
  BnPtr bx(x), by(y);
  Bytes out(2 * width);
  if (!got || BN_bn2binpad(x, out.data(), static_cast<int>(width)) < 0 ||
      BN_bn2binpad(y, out.data() + width, static_cast<int>(width)) < 0) {
    return internal_error(ssl_error("cannot read the EC public key"));
  }
  return out;
}

StatusOr<Bytes> public_key_der(const Key& key) {
  Bytes der = encode<EVP_PKEY>(key.get(), i2d_PUBKEY);
  if (der.empty()) return internal_error(ssl_error("cannot encode a public key"));
  return der;
}

Bytes der_integer(uint64_t v) {
  IntegerPtr i(ASN1_INTEGER_new());
  if (!i || ASN1_INTEGER_set_uint64(i.get(), v) != 1) return {};
  return encode<ASN1_INTEGER>(i.get(), i2d_ASN1_INTEGER);
}

Bytes der_enumerated(uint64_t v) {
  EnumPtr e(ASN1_ENUMERATED_new());
  if (!e || ASN1_ENUMERATED_set_int64(e.get(), static_cast<int64_t>(v)) != 1) return {};
  return encode<ASN1_ENUMERATED>(e.get(), i2d_ASN1_ENUMERATED);
}

Bytes der_boolean(bool v) {
  TypePtr t(ASN1_TYPE_new());
  if (!t) return {};
  // ASN1_TYPE_set stores a BOOLEAN's value in the pointer argument itself: non-null is TRUE.
  ASN1_TYPE_set(t.get(), V_ASN1_BOOLEAN, v ? t.get() : nullptr);
  return encode<ASN1_TYPE>(t.get(), i2d_ASN1_TYPE);
}

Bytes der_octets(std::span<const uint8_t> v) {
  OctetsPtr s(ASN1_OCTET_STRING_new());
  if (!s || ASN1_OCTET_STRING_set(s.get(), v.data(), static_cast<int>(v.size())) != 1) return {};
  return encode<ASN1_OCTET_STRING>(s.get(), i2d_ASN1_OCTET_STRING);
}

Bytes der_ia5(std::string_view v) {
  Ia5Ptr s(ASN1_IA5STRING_new());
  if (!s || ASN1_STRING_set(s.get(), v.data(), static_cast<int>(v.size())) != 1) return {};
  return encode<ASN1_IA5STRING>(s.get(), i2d_ASN1_IA5STRING);
}

Bytes der_oid(const std::string& dotted) {
  ObjPtr obj(OBJ_txt2obj(dotted.c_str(), 1));
  return encode<ASN1_OBJECT>(obj.get(), i2d_ASN1_OBJECT);
}

StatusOr<Bytes> der_sequence(const std::vector<Bytes>& elements) {
  SequencePtr seq(sk_ASN1_TYPE_new_null());
  if (!seq) return internal_error("out of memory");
  for (const Bytes& e : elements) {
    const unsigned char* p = e.data();
    TypePtr t(d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(e.size())));
    if (!t || p != e.data() + e.size()) return internal_error("a SEQUENCE element is not one DER value");
    if (sk_ASN1_TYPE_push(seq.get(), t.get()) <= 0) return internal_error("out of memory");
    t.release();  // owned by the stack now
  }
  Bytes der = encode<ASN1_SEQUENCE_ANY>(seq.get(), i2d_ASN1_SEQUENCE_ANY);
  if (der.empty()) return internal_error("cannot encode a SEQUENCE");
  return der;
}

StatusOr<std::vector<Bytes>> der_sequence_elements(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  SequencePtr seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(der.size())));
  if (!seq || p != der.data() + der.size()) return invalid_argument("not one DER SEQUENCE");
  std::vector<Bytes> out;
  for (int i = 0; i < sk_ASN1_TYPE_num(seq.get()); ++i) {
    out.push_back(encode<ASN1_TYPE>(sk_ASN1_TYPE_value(seq.get(), i), i2d_ASN1_TYPE));
  }
  return out;
}

StatusOr<Bytes> der_octets_value(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  OctetsPtr s(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(der.size())));
  if (!s || p != der.data() + der.size()) return invalid_argument("not one DER OCTET STRING");
  const unsigned char* d = ASN1_STRING_get0_data(s.get());
  return Bytes(d, d + ASN1_STRING_length(s.get()));
}

StatusOr<Bytes> random_bytes(size_t n) {
  Bytes b(n);
  if (n > 0 && RAND_bytes(b.data(), static_cast<int>(n)) != 1) return internal_error(ssl_error("the random generator failed"));
  return b;
}

std::string rfc3339(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  char buf[32] = {};
  if (gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "";
  return buf;
}

Status write_file(const std::filesystem::path& path, std::string_view data, unsigned mode) {
  return write_file_atomic(path.string(), data, mode);
}

StatusOr<std::string> read_text(const std::filesystem::path& path) {
  ZKCC_ASSIGN_OR_RETURN(Bytes b, read_file(path.string(), size_t{1} << 20));
  return std::string(b.begin(), b.end());
}

}  // namespace zkcc::tee::sim::pki
