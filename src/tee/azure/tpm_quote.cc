#include "zkcc/tee/azure/tpm_quote.h"

#include <nlohmann/json.hpp>

#include "zkcc/hash/sha2.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::azure {
namespace {

constexpr uint32_t kTpmGeneratedValue = 0xFF544347;
constexpr uint16_t kTpmStAttestQuote = 0x8018;
constexpr size_t kMaxBanks = 16;
constexpr size_t kMaxSelectBytes = 8;
constexpr size_t kPcrCount = 24;

// TPM structures are big endian, unlike everything else we parse.
class BigEndianReader {
 public:
  explicit BigEndianReader(std::span<const uint8_t> b) : b_(b) {}
  Status need(size_t n, const char* field) const {
    if (b_.size() - pos_ < n) {
      return out_of_range("TPM quote ends at byte " + std::to_string(b_.size()) + " inside " + field + " (" + std::to_string(n) +
                          " bytes needed at " + std::to_string(pos_) + ")");
    }
    return ok_status();
  }
  uint64_t uint(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | b_[pos_++];
    return v;
  }
  Bytes take(size_t n) {
    Bytes out(b_.begin() + static_cast<std::ptrdiff_t>(pos_), b_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    return out;
  }
  size_t left() const { return b_.size() - pos_; }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

StatusOr<uint64_t> read_uint(BigEndianReader& r, size_t n, const char* field) {
  ZKCC_RETURN_IF_ERROR(r.need(n, field));
  return r.uint(n);
}

StatusOr<Bytes> read_tpm2b(BigEndianReader& r, const char* field) {
  ZKCC_ASSIGN_OR_RETURN(uint64_t size, read_uint(r, 2, field));
  ZKCC_RETURN_IF_ERROR(r.need(size, field));
  return r.take(size);
}

}  // namespace

StatusOr<TpmQuote> parse_tpm_quote(std::span<const uint8_t> attest) {
  BigEndianReader r(attest);
  TpmQuote q;
  ZKCC_ASSIGN_OR_RETURN(uint64_t magic, read_uint(r, 4, "magic"));
  if (magic != kTpmGeneratedValue) return invalid_argument("TPM quote magic is not TPM_GENERATED_VALUE (0xFF544347)");
  ZKCC_ASSIGN_OR_RETURN(uint64_t type, read_uint(r, 2, "type"));
  if (type != kTpmStAttestQuote) return invalid_argument("TPM attestation type " + std::to_string(type) + " is not a quote (0x8018)");
  ZKCC_ASSIGN_OR_RETURN(q.qualified_signer, read_tpm2b(r, "qualifiedSigner"));
  ZKCC_ASSIGN_OR_RETURN(q.extra_data, read_tpm2b(r, "extraData"));
  ZKCC_RETURN_IF_ERROR(r.need(8 + 4 + 4 + 1 + 8, "clockInfo"));
  q.clock = r.uint(8);
  q.reset_count = static_cast<uint32_t>(r.uint(4));
  q.restart_count = static_cast<uint32_t>(r.uint(4));
  uint64_t safe = r.uint(1);
  if (safe > 1) return invalid_argument("TPM quote clockInfo.safe is " + std::to_string(safe) + ", not a boolean");
  q.safe = safe == 1;
  q.firmware_version = r.uint(8);
  ZKCC_ASSIGN_OR_RETURN(uint64_t banks, read_uint(r, 4, "pcrSelect.count"));
  if (banks > kMaxBanks) return invalid_argument("TPM quote selects " + std::to_string(banks) + " PCR banks");
  for (uint64_t i = 0; i < banks; ++i) {
    PcrSelection s;
    ZKCC_ASSIGN_OR_RETURN(uint64_t hash, read_uint(r, 2, "pcrSelect.hash"));
    s.hash = static_cast<uint16_t>(hash);
    ZKCC_ASSIGN_OR_RETURN(uint64_t size, read_uint(r, 1, "pcrSelect.sizeofSelect"));
    if (size > kMaxSelectBytes) return invalid_argument("TPM quote PCR bitmap of " + std::to_string(size) + " bytes");
    ZKCC_RETURN_IF_ERROR(r.need(size, "pcrSelect.pcrSelect"));
    Bytes bitmap = r.take(size);
    for (uint32_t pcr = 0; pcr < size * 8; ++pcr) {
      if (bitmap[pcr / 8] >> (pcr % 8) & 1) s.pcrs.push_back(pcr);
    }
    q.selections.push_back(std::move(s));
  }
  ZKCC_ASSIGN_OR_RETURN(q.pcr_digest, read_tpm2b(r, "pcrDigest"));
  if (r.left() != 0) return invalid_argument("TPM quote has " + std::to_string(r.left()) + " bytes after the PCR digest");
  return q;
}

StatusOr<RsaPublicKey> hcl_attestation_key(const HclReport& report) {
  auto doc = nlohmann::json::parse(report.runtime_claims, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return invalid_argument("HCL runtime claims carry no \"keys\" array");
  }
  for (const auto& k : doc["keys"]) {
    if (!k.is_object() || k.value("kid", "") != "HCLAkPub") continue;
    if (k.value("kty", "") != "RSA" || !k.contains("n") || !k.contains("e") || !k["n"].is_string() || !k["e"].is_string()) {
      return invalid_argument("HCLAkPub is not an RSA JWK with \"n\" and \"e\"");
    }
    RsaPublicKey key;
    ZKCC_ASSIGN_OR_RETURN(key.n, from_base64url(k["n"].get_ref<const std::string&>()));
    ZKCC_ASSIGN_OR_RETURN(key.e, from_base64url(k["e"].get_ref<const std::string&>()));
    if (key.n.size() < 256) return invalid_argument("HCLAkPub modulus is " + std::to_string(key.n.size() * 8) + " bits; 2048 needed");
    return key;
  }
  return invalid_argument("HCL runtime claims carry no \"HCLAkPub\" key");
}

void verify_tpm_quote(std::span<const uint8_t> attest, std::span<const uint8_t> signature, const PcrBank& pcrs,
                      const RsaPublicKey& key, const std::optional<Bytes>& expected_nonce, Verdict& v) {
  bool signed_ok = verify_rsa_pkcs1_sha256(key.n, key.e, attest, signature);
  v.add("TPM quote signed by HCLAkPub", signed_ok, signed_ok ? "" : "RSASSA-PKCS1-v1_5 / SHA-256 signature does not verify");
  auto q = parse_tpm_quote(attest);
  v.add("TPM quote parses", q.ok(), q.ok() ? "" : q.status().message());
  if (!q.ok()) return;
  v.claims["tpm_nonce"] = to_hex(q->extra_data);

  std::string why;
  Bytes concat;
  nlohmann::json selected = nlohmann::json::object();
  if (pcrs.size() != kPcrCount) why = "expected 24 SHA-256 PCR values, got " + std::to_string(pcrs.size());
  for (const PcrSelection& s : q->selections) {
    if (!why.empty()) break;
    if (s.hash != kTpmAlgSha256) {
      why = "the quote selects a PCR bank other than SHA-256";
      break;
    }
    for (uint32_t i : s.pcrs) {
      if (i >= kPcrCount) {
        why = "the quote selects PCR " + std::to_string(i);
        break;
      }
      concat.insert(concat.end(), pcrs[i].begin(), pcrs[i].end());
      selected[std::to_string(i)] = to_hex(pcrs[i]);
    }
  }
  if (why.empty() && q->selections.empty()) why = "the quote selects no PCRs";
  if (why.empty()) {
    auto digest = hash::sha256(concat);
    if (!constant_time_equal(digest, q->pcr_digest)) why = "SHA-256 of the selected PCR values is not the quote's PCR digest";
  }
  v.add("PCR values match the quote's digest", why.empty(), why);
  if (why.empty()) v.claims["pcrs"] = selected;
  if (expected_nonce) {
    bool match = constant_time_equal(*expected_nonce, q->extra_data);
    v.add("TPM quote nonce", match, match ? "" : "extraData is not the expected nonce");
  }
}

}  // namespace zkcc::tee::azure
