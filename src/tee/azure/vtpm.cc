#include "zkcc/tee/azure/vtpm.h"

#include <httplib.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "zkcc/tee/azure/tpm_quote.h"
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/tdx/tdreport.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::azure {
namespace {

using nlohmann::json;

constexpr size_t kPcrCount = 24;
constexpr size_t kUserDataSize = 64;
constexpr size_t kMaxNonceSize = sizeof(TPM2B_DATA::buffer);
constexpr size_t kMaxImdsBody = 64 << 10;
// Quotes taken again when a PCR is extended between the quote and the PCR reads.
constexpr int kQuoteAttempts = 3;
// The fixed part of an HCL report (header, hardware area, IGVM request header).
constexpr size_t kMinHclReport = 32 + 1184 + 20;

std::string hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string tss_error(TSS2_RC rc) { return std::string(Tss2_RC_Decode(rc)) + " (" + hex32(rc) + ")"; }

struct EsysFree {
  void operator()(void* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree>;

// Whether an NV index or persistent object exists, asked with TPM2_GetCapability(TPM2_CAP_HANDLES)
// rather than by opening it: a failed open is logged as an error by ESYS, and an absent user-data
// index is the normal case on a fresh VM.
StatusOr<bool> handle_defined(ESYS_CONTEXT* esys, uint32_t handle) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* data = nullptr;
  TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, handle, 1, &more, &data);
  EsysPtr<TPMS_CAPABILITY_DATA> own(data);
  if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_GetCapability(TPM2_CAP_HANDLES, " + hex32(handle) + ") failed: " + tss_error(rc));
  if (data->capability != TPM2_CAP_HANDLES) return data_loss("TPM2_GetCapability(TPM2_CAP_HANDLES) answered with another capability");
  const TPML_HANDLE& list = data->data.handles;
  return list.count >= 1 && list.handle[0] == handle;
}

std::string base64url(std::span<const uint8_t> data, bool pad) {
  std::string s = to_base64(data);
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  if (!pad) s.erase(s.find_last_not_of('=') + 1);
  return s;
}

// One ESYS connection, closed with its TCTI when it goes out of scope. A connection is held only
// for one call: a software TPM serves one client at a time.
class Tpm {
 public:
  static StatusOr<std::unique_ptr<Tpm>> connect(const std::string& conf) {
    auto tpm = std::unique_ptr<Tpm>(new Tpm);
    TSS2_RC rc = Tss2_TctiLdr_Initialize(conf.c_str(), &tpm->tcti_);
    if (rc != TSS2_RC_SUCCESS) return unavailable("cannot open the TPM through TCTI \"" + conf + "\": " + tss_error(rc));
    rc = Esys_Initialize(&tpm->esys_, tpm->tcti_, nullptr);
    if (rc != TSS2_RC_SUCCESS) return unavailable("cannot start an ESYS context on TCTI \"" + conf + "\": " + tss_error(rc));
    return tpm;
  }
  Tpm(const Tpm&) = delete;
  Tpm& operator=(const Tpm&) = delete;
  ~Tpm() {
    if (esys_ != nullptr) Esys_Finalize(&esys_);
    if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
  }
  ESYS_CONTEXT* esys() const { return esys_; }

 private:
  Tpm() = default;
  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
};

struct NvIndex {
  ESYS_TR handle = ESYS_TR_NONE;
  TPMS_NV_PUBLIC pub{};
};

std::string nv_name(uint32_t index) {
  return "NV index " + hex32(index) + (index == kNvIndexHclReport ? " (HCL report)" : index == kNvIndexUserData ? " (user data)" : "");
}

StatusOr<NvIndex> open_nv(ESYS_CONTEXT* esys, uint32_t index) {
  ZKCC_ASSIGN_OR_RETURN(bool defined, handle_defined(esys, index));
  if (!defined) return not_found(nv_name(index) + " is not defined in the TPM");
  NvIndex nv;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv.handle);
  if (rc != TSS2_RC_SUCCESS) return unavailable("cannot open " + nv_name(index) + ": " + tss_error(rc));
  TPM2B_NV_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  rc = Esys_NV_ReadPublic(esys, nv.handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
  EsysPtr<TPM2B_NV_PUBLIC> own_pub(pub);
  EsysPtr<TPM2B_NAME> own_name(name);
  if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_NV_ReadPublic of " + nv_name(index) + " failed: " + tss_error(rc));
  nv.pub = pub->nvPublic;
  if (nv.pub.nvIndex != index) return data_loss("TPM2_NV_ReadPublic of " + nv_name(index) + " answered for " + hex32(nv.pub.nvIndex));
  uint32_t type = (nv.pub.attributes & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT;
  if (type != TPM2_NT_ORDINARY) return failed_precondition(nv_name(index) + " is not an ordinary index (type " + std::to_string(type) + ")");
  return nv;
}

// The largest NV read or write the TPM accepts in one command.
StatusOr<uint16_t> nv_buffer_max(ESYS_CONTEXT* esys) {
  TPMI_YES_NO more = TPM2_NO;
  TPMS_CAPABILITY_DATA* data = nullptr;
  TSS2_RC rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX,
                                  1, &more, &data);
  EsysPtr<TPMS_CAPABILITY_DATA> own(data);
  if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_GetCapability(TPM2_PT_NV_BUFFER_MAX) failed: " + tss_error(rc));
  const TPML_TAGGED_TPM_PROPERTY& props = data->data.tpmProperties;
  if (data->capability != TPM2_CAP_TPM_PROPERTIES || props.count < 1 || props.tpmProperty[0].property != TPM2_PT_NV_BUFFER_MAX) {
    return data_loss("the TPM does not report TPM2_PT_NV_BUFFER_MAX");
  }
  uint32_t max = props.tpmProperty[0].value;
  if (max == 0) return data_loss("the TPM reports an NV buffer of 0 bytes");
  return static_cast<uint16_t>(std::min<uint32_t>(max, TPM2_MAX_NV_BUFFER_SIZE));
}

// Reads the whole index, in chunks the TPM accepts, with owner authorization when the index
// allows it (as Azure's HCL report index does), else with its own empty authValue.
StatusOr<Bytes> nv_read_all(ESYS_CONTEXT* esys, uint32_t index, size_t min_size) {
  ZKCC_ASSIGN_OR_RETURN(NvIndex nv, open_nv(esys, index));
  TPMA_NV a = nv.pub.attributes;
  if ((a & TPMA_NV_WRITTEN) == 0) return failed_precondition(nv_name(index) + " has never been written");
  if ((a & TPMA_NV_READLOCKED) != 0) return failed_precondition(nv_name(index) + " is read-locked");
  ESYS_TR auth = ESYS_TR_NONE;
  if ((a & TPMA_NV_OWNERREAD) != 0) {
    auth = ESYS_TR_RH_OWNER;
  } else if ((a & TPMA_NV_AUTHREAD) != 0) {
    auth = nv.handle;
  } else {
    return failed_precondition(nv_name(index) + " allows neither owner nor index authorization for reads");
  }
  size_t size = nv.pub.dataSize;
  if (size < min_size) {
    return failed_precondition(nv_name(index) + " holds " + std::to_string(size) + " bytes, fewer than the " + std::to_string(min_size) +
                               " expected");
  }
  ZKCC_ASSIGN_OR_RETURN(uint16_t chunk, nv_buffer_max(esys));
  Bytes out;
  out.reserve(size);
  while (out.size() < size) {
    auto want = static_cast<uint16_t>(std::min<size_t>(chunk, size - out.size()));
    auto offset = static_cast<uint16_t>(out.size());
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    TSS2_RC rc = Esys_NV_Read(esys, auth, nv.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, want, offset, &data);
    EsysPtr<TPM2B_MAX_NV_BUFFER> own(data);
    if (rc != TSS2_RC_SUCCESS) {
      return unavailable("TPM2_NV_Read of " + nv_name(index) + " (" + std::to_string(want) + " bytes at " + std::to_string(offset) +
                         ") failed: " + tss_error(rc));
    }
    if (data->size != want) {
      return data_loss("TPM2_NV_Read of " + nv_name(index) + " returned " + std::to_string(data->size) + " bytes for " +
                       std::to_string(want) + " asked at " + std::to_string(offset));
    }
    out.insert(out.end(), data->buffer, data->buffer + data->size);
  }
  return out;
}

// The user-data index as Azure guests define it when it is absent: 64 bytes, read and written
// with owner authorization or the index's empty authValue.
StatusOr<NvIndex> define_user_data_index(ESYS_CONTEXT* esys) {
  TPM2B_AUTH empty{};
  TPM2B_NV_PUBLIC info{};
  info.nvPublic.nvIndex = kNvIndexUserData;
  info.nvPublic.nameAlg = TPM2_ALG_SHA256;
  info.nvPublic.attributes = TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD;
  info.nvPublic.dataSize = kUserDataSize;
  NvIndex nv;
  TSS2_RC rc = Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &info, &nv.handle);
  if (rc != TSS2_RC_SUCCESS) return unavailable("cannot define " + nv_name(kNvIndexUserData) + " with owner authorization: " + tss_error(rc));
  nv.pub = info.nvPublic;
  return nv;
}

Status write_user_data(ESYS_CONTEXT* esys, std::span<const uint8_t, 64> report_data, bool define) {
  auto opened = open_nv(esys, kNvIndexUserData);
  if (!opened.ok() && opened.status().code() == StatusCode::kNotFound && define) opened = define_user_data_index(esys);
  if (!opened.ok()) return opened.status();
  const NvIndex& nv = *opened;
  TPMA_NV a = nv.pub.attributes;
  if (nv.pub.dataSize != kUserDataSize) {
    return failed_precondition(nv_name(kNvIndexUserData) + " holds " + std::to_string(nv.pub.dataSize) + " bytes, not 64");
  }
  if ((a & TPMA_NV_WRITELOCKED) != 0) return failed_precondition(nv_name(kNvIndexUserData) + " is write-locked");
  ESYS_TR auth = ESYS_TR_NONE;
  if ((a & TPMA_NV_OWNERWRITE) != 0) {
    auth = ESYS_TR_RH_OWNER;
  } else if ((a & TPMA_NV_AUTHWRITE) != 0) {
    auth = nv.handle;
  } else {
    return failed_precondition(nv_name(kNvIndexUserData) + " allows neither owner nor index authorization for writes");
  }
  TPM2B_MAX_NV_BUFFER data{};
  data.size = kUserDataSize;
  std::copy(report_data.begin(), report_data.end(), data.buffer);
  TSS2_RC rc = Esys_NV_Write(esys, auth, nv.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &data, 0);
  if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_NV_Write of " + nv_name(kNvIndexUserData) + " failed: " + tss_error(rc));
  return ok_status();
}

struct Hcl {
  Bytes bytes;
  HclReport parsed;
};

// Reads the HCL report until its runtime claims carry `report_data`: the paravisor regenerates
// the report after the user data changes, not necessarily before our first read.
StatusOr<Hcl> read_bound_hcl_report(ESYS_CONTEXT* esys, std::span<const uint8_t, 64> report_data, const VtpmOptions& o) {
  Status last;
  for (int attempt = 0; attempt < o.report_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(o.retry_delay);
    ZKCC_ASSIGN_OR_RETURN(Bytes bytes, nv_read_all(esys, kNvIndexHclReport, kMinHclReport));
    auto parsed = parse_hcl_report(bytes);
    if (!parsed.ok()) {
      last = parsed.status().with_context(nv_name(kNvIndexHclReport));
      continue;
    }
    if (constant_time_equal(parsed->user_data, report_data)) return Hcl{std::move(bytes), std::move(*parsed)};
    last = failed_precondition("the HCL report's runtime claims carry user-data " + to_hex(std::span(parsed->user_data).first(8)) +
                               "..., not the " + to_hex(report_data.first(8)) + "... written to " + nv_name(kNvIndexUserData) +
                               ": the paravisor did not regenerate the report, or another writer raced this one");
  }
  return Status(last.code(), last.message() + " (after " + std::to_string(o.report_attempts) + " reads, " +
                                 std::to_string(o.retry_delay.count()) + " ms apart)");
}

TPML_PCR_SELECTION all_sha256_pcrs() {
  TPML_PCR_SELECTION s{};
  s.count = 1;
  s.pcrSelections[0].hash = TPM2_ALG_SHA256;
  s.pcrSelections[0].sizeofSelect = 3;
  s.pcrSelections[0].pcrSelect[0] = 0xFF;
  s.pcrSelections[0].pcrSelect[1] = 0xFF;
  s.pcrSelections[0].pcrSelect[2] = 0xFF;
  return s;
}

// The 24 SHA-256 PCRs; TPM2_PCR_Read returns at most eight digests a call, so the selection is
// narrowed by what each answer covered until nothing is left.
StatusOr<PcrBank> read_pcrs(ESYS_CONTEXT* esys) {
  PcrBank bank(kPcrCount);
  std::array<bool, kPcrCount> have{};
  size_t missing = kPcrCount;
  TPML_PCR_SELECTION want = all_sha256_pcrs();
  while (missing > 0) {
    UINT32 counter = 0;
    TPML_PCR_SELECTION* out = nullptr;
    TPML_DIGEST* values = nullptr;
    TSS2_RC rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &want, &counter, &out, &values);
    EsysPtr<TPML_PCR_SELECTION> own_out(out);
    EsysPtr<TPML_DIGEST> own_values(values);
    if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_PCR_Read failed: " + tss_error(rc));
    size_t used = 0;
    for (uint32_t b = 0; b < out->count; ++b) {
      const TPMS_PCR_SELECTION& s = out->pcrSelections[b];
      if (s.hash != TPM2_ALG_SHA256) return data_loss("TPM2_PCR_Read answered with a bank other than SHA-256");
      for (uint32_t pcr = 0; pcr < s.sizeofSelect * 8u; ++pcr) {
        if ((s.pcrSelect[pcr / 8] >> (pcr % 8) & 1) == 0) continue;
        if (pcr >= kPcrCount || have[pcr]) return data_loss("TPM2_PCR_Read answered with PCR " + std::to_string(pcr) + ", which was not asked");
        if (used >= values->count) return data_loss("TPM2_PCR_Read selects more PCRs than it returns digests");
        const TPM2B_DIGEST& d = values->digests[used++];
        if (d.size != 32) return data_loss("TPM2_PCR_Read returned a " + std::to_string(d.size) + "-byte SHA-256 value for PCR " + std::to_string(pcr));
        std::copy(d.buffer, d.buffer + 32, bank[pcr].begin());
        have[pcr] = true;
        --missing;
        want.pcrSelections[0].pcrSelect[pcr / 8] &= static_cast<uint8_t>(~(1u << (pcr % 8)));
      }
    }
    if (used != values->count) return data_loss("TPM2_PCR_Read returns more digests than it selects PCRs");
    if (used == 0) return data_loss("TPM2_PCR_Read returned none of the " + std::to_string(missing) + " SHA-256 PCRs still unread");
  }
  return bank;
}

Bytes strip_leading_zeros(std::span<const uint8_t> b) {
  size_t i = 0;
  while (i < b.size() && b[i] == 0) ++i;
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(i), b.end());
}

struct Quote {
  Bytes attest;
  Bytes signature;
  PcrBank pcrs;
};

// Opens the attestation key and checks it is the HCLAkPub that the hardware report vouches for;
// otherwise the quote could never verify.
StatusOr<ESYS_TR> open_attestation_key(ESYS_CONTEXT* esys, const RsaPublicKey& hcl_key) {
  ZKCC_ASSIGN_OR_RETURN(bool defined, handle_defined(esys, kAttestationKeyHandle));
  if (!defined) return not_found("no attestation key at persistent handle " + hex32(kAttestationKeyHandle));
  ESYS_TR ak = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys, kAttestationKeyHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ak);
  if (rc != TSS2_RC_SUCCESS) return unavailable("cannot open the attestation key " + hex32(kAttestationKeyHandle) + ": " + tss_error(rc));
  TPM2B_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  TPM2B_NAME* qualified = nullptr;
  rc = Esys_ReadPublic(esys, ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name, &qualified);
  EsysPtr<TPM2B_PUBLIC> own_pub(pub);
  EsysPtr<TPM2B_NAME> own_name(name);
  EsysPtr<TPM2B_NAME> own_qualified(qualified);
  if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_ReadPublic of the attestation key failed: " + tss_error(rc));
  const TPMT_PUBLIC& p = pub->publicArea;
  if (p.type != TPM2_ALG_RSA) return failed_precondition("the attestation key at " + hex32(kAttestationKeyHandle) + " is not an RSA key");
  Bytes n(p.unique.rsa.buffer, p.unique.rsa.buffer + p.unique.rsa.size);
  uint32_t exponent = p.parameters.rsaDetail.exponent == 0 ? 65537 : p.parameters.rsaDetail.exponent;
  Bytes e = {static_cast<uint8_t>(exponent >> 24), static_cast<uint8_t>(exponent >> 16), static_cast<uint8_t>(exponent >> 8),
             static_cast<uint8_t>(exponent)};
  if (strip_leading_zeros(n) != strip_leading_zeros(hcl_key.n) || strip_leading_zeros(e) != strip_leading_zeros(hcl_key.e)) {
    return failed_precondition("the attestation key at " + hex32(kAttestationKeyHandle) + " is not the HCLAkPub of the HCL report");
  }
  return ak;
}

StatusOr<Quote> quote_pcrs(ESYS_CONTEXT* esys, const HclReport& hcl, std::span<const uint8_t> nonce) {
  ZKCC_ASSIGN_OR_RETURN(RsaPublicKey key, hcl_attestation_key(hcl));
  ZKCC_ASSIGN_OR_RETURN(ESYS_TR ak, open_attestation_key(esys, key));
  TPM2B_DATA qualifying{};
  qualifying.size = static_cast<UINT16>(nonce.size());
  std::copy(nonce.begin(), nonce.end(), qualifying.buffer);
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_RSASSA;
  scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
  TPML_PCR_SELECTION selection = all_sha256_pcrs();
  std::string last;
  for (int attempt = 0; attempt < kQuoteAttempts; ++attempt) {
    TPM2B_ATTEST* quoted = nullptr;
    TPMT_SIGNATURE* signature = nullptr;
    TSS2_RC rc = Esys_Quote(esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying, &scheme, &selection, &quoted, &signature);
    EsysPtr<TPM2B_ATTEST> own_quoted(quoted);
    EsysPtr<TPMT_SIGNATURE> own_signature(signature);
    if (rc != TSS2_RC_SUCCESS) return unavailable("TPM2_Quote with the attestation key failed: " + tss_error(rc));
    if (signature->sigAlg != TPM2_ALG_RSASSA || signature->signature.rsassa.hash != TPM2_ALG_SHA256) {
      return data_loss("TPM2_Quote signed with another scheme than RSASSA / SHA-256");
    }
    Quote q;
    q.attest.assign(quoted->attestationData, quoted->attestationData + quoted->size);
    const TPM2B_PUBLIC_KEY_RSA& sig = signature->signature.rsassa.sig;
    q.signature.assign(sig.buffer, sig.buffer + sig.size);
    ZKCC_ASSIGN_OR_RETURN(q.pcrs, read_pcrs(esys));
    // Check what a verifier will check, so that no evidence leaves here that cannot verify.
    Verdict v;
    verify_tpm_quote(q.attest, q.signature, q.pcrs, key, Bytes(nonce.begin(), nonce.end()), v);
    if (v.ok()) return q;
    const Check* failure = v.first_failure();
    last = failure->name + (failure->detail.empty() ? "" : ": " + failure->detail);
    // Only a PCR extended between the quote and the reads is worth another quote.
    if (failure->name != "PCR values match the quote's digest") break;
  }
  return data_loss("the vTPM quote does not verify: " + last);
}

// Printable ASCII only, and not much of it: IMDS error bodies end up in our messages.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 160)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out;
}

StatusOr<std::string> imds_request(const VtpmOptions& o, const std::string& method, const std::string& path, const std::string& body) {
  std::string url = o.imds_url + path;
  Status last;
  for (int attempt = 0; attempt < o.imds_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(o.retry_delay);
    httplib::Client client(o.imds_url);
    if (!client.is_valid()) return invalid_argument("IMDS URL \"" + o.imds_url + "\" is not http://host[:port]");
    auto timeout = static_cast<time_t>(o.imds_timeout.count());
    client.set_connection_timeout(timeout, 0);
    client.set_read_timeout(timeout, 0);
    client.set_write_timeout(timeout, 0);
    client.set_follow_location(false);
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (method == "GET") {
      req.headers.emplace("Metadata", "true");
    } else {
      req.headers.emplace("Content-Type", "application/json");
      req.body = body;
    }
    std::string answer;
    bool too_big = false;
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (answer.size() + n > kMaxImdsBody) {
        too_big = true;
        return false;
      }
      answer.append(data, n);
      return true;
    };
    auto res = client.send(req);
    if (too_big) return out_of_range("IMDS " + method + " " + url + " answered with more than " + std::to_string(kMaxImdsBody) + " bytes");
    if (!res) {
      last = unavailable("IMDS is unreachable (" + method + " " + url + ": " + httplib::to_string(res.error()) + ")");
      continue;
    }
    if (res->status == 200) return answer;
    last = unavailable("IMDS answered HTTP " + std::to_string(res->status) + " to " + method + " " + url + ": " + excerpt(answer));
    // Only the service being busy or failing is worth another try.
    if (res->status != 429 && res->status < 500) break;
  }
  return Status(last.code(), last.message() + " (" + std::to_string(o.imds_attempts) + " attempts)");
}

StatusOr<std::string> json_string(const json& doc, const char* key, const std::string& what) {
  if (!doc.contains(key) || !doc[key].is_string()) return data_loss(what + " has no \"" + key + "\" string");
  return doc[key].get<std::string>();
}

// THIM: {"vcekCert": PEM, "certificateChain": PEM (ASK, ARK), "tcbm": hex}.
StatusOr<std::vector<Certificate>> fetch_vcek(const VtpmOptions& o) {
  ZKCC_ASSIGN_OR_RETURN(std::string body, imds_request(o, "GET", "/metadata/THIM/amd/certification", ""));
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return data_loss("IMDS THIM answer is not a JSON object");
  ZKCC_ASSIGN_OR_RETURN(std::string vcek_pem, json_string(doc, "vcekCert", "IMDS THIM answer"));
  auto vcek = Certificate::from_pem_bundle(vcek_pem);
  if (!vcek.ok()) return data_loss("IMDS THIM vcekCert: " + vcek.status().message());
  if (vcek->size() != 1) return data_loss("IMDS THIM vcekCert holds " + std::to_string(vcek->size()) + " certificates, not 1");
  std::vector<Certificate> certs = std::move(*vcek);
  if (doc.contains("certificateChain")) {
    ZKCC_ASSIGN_OR_RETURN(std::string chain_pem, json_string(doc, "certificateChain", "IMDS THIM answer"));
    auto chain = Certificate::from_pem_bundle(chain_pem);
    if (!chain.ok()) return data_loss("IMDS THIM certificateChain: " + chain.status().message());
    for (Certificate& c : *chain) certs.push_back(std::move(c));
  }
  return certs;
}

// POST {"report": base64url(TDREPORT)} -> {"quote": base64url}; the quote must repeat the TDREPORT.
StatusOr<Bytes> fetch_td_quote(const VtpmOptions& o, const HclReport& hcl) {
  auto tdreport = tdx::parse_tdreport(hcl.hardware_report);
  if (!tdreport.ok()) return data_loss("the HCL report's TDREPORT: " + tdreport.status().message());
  json request = {{"report", base64url(hcl.hardware_report, false)}};
  ZKCC_ASSIGN_OR_RETURN(std::string body, imds_request(o, "POST", "/acc/tdquote", request.dump()));
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return data_loss("IMDS tdquote answer is not a JSON object");
  ZKCC_ASSIGN_OR_RETURN(std::string text, json_string(doc, "quote", "IMDS tdquote answer"));
  auto quote = from_base64url(text);
  if (!quote.ok()) return data_loss("IMDS tdquote \"quote\": " + quote.status().message());
  auto parsed = tdx::parse_quote(*quote);
  if (!parsed.ok()) return data_loss("IMDS returned a TD quote that does not parse: " + parsed.status().message());
  Verdict v;
  tdx::match_quote_body(*tdreport, parsed->body, "TD quote repeats the TDREPORT", v);
  if (!v.ok()) return data_loss("IMDS returned a TD quote for another TDREPORT: " + v.first_failure()->detail);
  return std::move(*quote);
}

Status check_options(const VtpmOptions& o) {
  if (o.quote_nonce && (o.quote_nonce->empty() || o.quote_nonce->size() > kMaxNonceSize)) {
    return invalid_argument("the quote nonce is " + std::to_string(o.quote_nonce->size()) + " bytes; 1 to " +
                            std::to_string(kMaxNonceSize) + " are accepted");
  }
  if (o.report_attempts < 1 || o.imds_attempts < 1) return invalid_argument("report_attempts and imds_attempts must be at least 1");
  if (o.imds_url.rfind("http://", 0) != 0 || o.imds_url.find('/', 7) != std::string::npos) {
    return invalid_argument("IMDS URL \"" + o.imds_url + "\" is not http://host[:port]");
  }
  return ok_status();
}

CpuPlatform platform_of(const HclReport& r) {
  return r.type == HclReportType::kSnp ? CpuPlatform::kAzureSnpVtpm : CpuPlatform::kAzureTdxVtpm;
}

}  // namespace

Bytes default_quote_nonce(std::span<const uint8_t, 64> report_data) {
  return Bytes(report_data.begin(), report_data.begin() + kDefaultQuoteNonceSize);
}

StatusOr<Bytes> read_hcl_report(const std::string& tcti) {
  ZKCC_ASSIGN_OR_RETURN(auto tpm, Tpm::connect(tcti));
  return nv_read_all(tpm->esys(), kNvIndexHclReport, kMinHclReport);
}

StatusOr<std::unique_ptr<VtpmAttester>> VtpmAttester::open(VtpmOptions options) {
  ZKCC_RETURN_IF_ERROR(check_options(options));
  ZKCC_ASSIGN_OR_RETURN(Bytes bytes, read_hcl_report(options.tcti));
  auto parsed = parse_hcl_report(bytes);
  if (!parsed.ok()) return parsed.status().with_context(nv_name(kNvIndexHclReport));
  return std::unique_ptr<VtpmAttester>(new VtpmAttester(std::move(options), platform_of(*parsed)));
}

StatusOr<CpuEvidence> VtpmAttester::attest(std::span<const uint8_t, 64> report_data) {
  ZKCC_RETURN_IF_ERROR(check_options(options_));
  Bytes nonce = options_.quote_nonce ? *options_.quote_nonce : default_quote_nonce(report_data);
  Hcl hcl;
  Quote quote;
  {
    ZKCC_ASSIGN_OR_RETURN(auto tpm, Tpm::connect(options_.tcti));
    ZKCC_RETURN_IF_ERROR(write_user_data(tpm->esys(), report_data, options_.define_user_data_index));
    ZKCC_ASSIGN_OR_RETURN(hcl, read_bound_hcl_report(tpm->esys(), report_data, options_));
    if (platform_of(hcl.parsed) != platform_) {
      return failed_precondition(std::string("the HCL report now holds ") + (hcl.parsed.type == HclReportType::kSnp ? "an SNP report" : "a TDREPORT") +
                                 ", not what it held when the collector was opened");
    }
    ZKCC_ASSIGN_OR_RETURN(quote, quote_pcrs(tpm->esys(), hcl.parsed, nonce));
  }

  CpuEvidence ev;
  ev.platform = platform_;
  ev.source = "vtpm";
  json pcrs = json::array();
  for (const auto& pcr : quote.pcrs) pcrs.push_back(to_hex(pcr));
  json doc = {
      {"tpm_quote", {{"signature", to_hex(quote.signature)}, {"message", to_hex(quote.attest)}, {"pcrs", pcrs}}},
      {"hcl_report", base64url(hcl.bytes, true)},
  };
  // The version numbers of the same shapes from the confidential-containers attesters.
  if (platform_ == CpuPlatform::kAzureSnpVtpm) {
    ZKCC_ASSIGN_OR_RETURN(std::vector<Certificate> certs, fetch_vcek(options_));
    doc["version"] = 2;
    doc["vcek"] = to_base64(certs.front().der());
    for (const Certificate& c : certs) ev.certificates.push_back(c.der());
  } else {
    ZKCC_ASSIGN_OR_RETURN(Bytes td_quote, fetch_td_quote(options_, hcl.parsed));
    doc["version"] = 1;
    doc["td_quote"] = base64url(td_quote, true);
  }
  std::string text = doc.dump();
  ev.report.assign(text.begin(), text.end());
  return ev;
}

}  // namespace zkcc::tee::azure
