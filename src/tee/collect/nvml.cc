#include "zkcc/tee/collect/nvml.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "zkcc/tee/nvidia_gpu/report.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::collect {
namespace {

// NVML's ABI (nvml.h), declared here so the build needs no NVIDIA headers.
using nvmlReturn_t = int;
using nvmlDevice_t = void*;

struct ConfComputeSystemState {
  unsigned int environment;
  unsigned int cc_feature;
  unsigned int dev_tools_mode;
};

constexpr size_t kNonceSize = 32;            // NVML_CC_GPU_CEC_NONCE_SIZE
constexpr size_t kReportSize = 0x2000;       // NVML_CC_GPU_ATTESTATION_REPORT_SIZE
constexpr size_t kCecReportSize = 0x1000;    // NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE
constexpr size_t kCertChainSize = 0x1000;    // NVML_GPU_CERT_CHAIN_SIZE
constexpr size_t kAttestationChainSize = 0x1400;  // NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE
constexpr unsigned kNameSize = 96;           // NVML_DEVICE_NAME_V2_BUFFER_SIZE

struct GpuAttestationReport {
  unsigned int is_cec_attestation_report_present;
  unsigned int attestation_report_size;
  unsigned int cec_attestation_report_size;
  unsigned char nonce[kNonceSize];
  unsigned char attestation_report[kReportSize];
  unsigned char cec_attestation_report[kCecReportSize];
};
static_assert(sizeof(GpuAttestationReport) == 12 + kNonceSize + kReportSize + kCecReportSize);

struct GpuCertificate {
  unsigned int cert_chain_size;
  unsigned int attestation_cert_chain_size;
  unsigned char cert_chain[kCertChainSize];
  unsigned char attestation_cert_chain[kAttestationChainSize];
};
static_assert(sizeof(GpuCertificate) == 8 + kCertChainSize + kAttestationChainSize);

constexpr unsigned kCcFeatureEnabled = 1;        // NVML_CC_SYSTEM_FEATURE_ENABLED
constexpr unsigned kAcceptingClientRequests = 1;  // NVML_CC_ACCEPTING_CLIENT_REQUESTS_TRUE
constexpr size_t kMaxChainCertificates = 16;

const char* nvml_error_name(nvmlReturn_t rc) {
  static const char* const kNames[] = {
      "SUCCESS",          "UNINITIALIZED",   "INVALID_ARGUMENT",  "NOT_SUPPORTED",     "NO_PERMISSION",
      "ALREADY_INITIALIZED", "NOT_FOUND",    "INSUFFICIENT_SIZE", "INSUFFICIENT_POWER", "DRIVER_NOT_LOADED",
      "TIMEOUT",          "IRQ_ISSUE",       "LIBRARY_NOT_FOUND", "FUNCTION_NOT_FOUND", "CORRUPTED_INFOROM",
      "GPU_IS_LOST",      "RESET_REQUIRED",  "OPERATING_SYSTEM",  "LIB_RM_VERSION_MISMATCH", "IN_USE",
      "MEMORY",           "NO_DATA",
  };
  if (rc >= 0 && static_cast<size_t>(rc) < std::size(kNames)) return kNames[rc];
  if (rc == 999) return "UNKNOWN";
  return "unrecognised";
}

Status nvml_error(nvmlReturn_t rc, const std::string& call) {
  std::string m = call + " failed with NVML error " + std::to_string(rc) + " (" + nvml_error_name(rc) + ")";
  switch (rc) {
    case 4: return permission_denied(m);
    case 3:
    case 9:
    case 18: return failed_precondition(m);
    case 10:
    case 15: return unavailable(m);
    default: return internal_error(m);
  }
}

// Printable ASCII up to the first NUL: NVML's text is another library's memory.
std::string printable(const char* s, size_t max) {
  std::string out;
  for (size_t i = 0; i < max && s[i] != '\0'; ++i) out += (s[i] >= 0x20 && s[i] <= 0x7e) ? s[i] : '?';
  return out;
}

std::string pem_of(const Bytes& der) {
  std::string b64 = to_base64(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

// Splits concatenated DER certificates by their outer SEQUENCE headers.
StatusOr<std::vector<Certificate>> split_der(std::span<const uint8_t> der) {
  std::vector<Certificate> out;
  size_t pos = 0;
  while (pos < der.size()) {
    auto rest = der.subspan(pos);
    if (std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; })) break;  // padding
    std::string where = "DER certificate " + std::to_string(out.size()) + " at byte " + std::to_string(pos);
    if (rest.size() < 2 || rest[0] != 0x30) return data_loss(where + " does not start with a SEQUENCE");
    size_t header = 2, len = rest[1];
    if (len & 0x80) {
      size_t n = len & 0x7f;
      if (n == 0 || n > 3 || rest.size() < 2 + n) return data_loss(where + " has a bad length");
      len = 0;
      for (size_t i = 0; i < n; ++i) len = len << 8 | rest[2 + i];
      header += n;
    }
    if (len > rest.size() - header) return data_loss(where + " runs past the end of the chain");
    ZKCC_ASSIGN_OR_RETURN(Certificate c, Certificate::from_der(rest.first(header + len)));
    out.push_back(std::move(c));
    pos += header + len;
    if (out.size() > kMaxChainCertificates) {
      return data_loss("certificate chain has more than " + std::to_string(kMaxChainCertificates) + " certificates");
    }
  }
  return out;
}

}  // namespace

StatusOr<std::string> leaf_first_pem_chain(std::span<const uint8_t> chain) {
  while (!chain.empty() && chain.back() == 0) chain = chain.first(chain.size() - 1);
  size_t start = 0;
  auto space = [](uint8_t b) { return b == ' ' || b == '\n' || b == '\r' || b == '\t'; };
  while (start < chain.size() && space(chain[start])) ++start;
  std::vector<Certificate> certs;
  static constexpr std::string_view kPem = "-----BEGIN";
  auto body = chain.subspan(start);
  if (body.size() >= kPem.size() && std::equal(kPem.begin(), kPem.end(), body.begin())) {
    ZKCC_ASSIGN_OR_RETURN(certs, Certificate::from_pem_bundle(std::string(body.begin(), body.end())));
  } else {
    ZKCC_ASSIGN_OR_RETURN(certs, split_der(body));
  }
  if (certs.empty()) return data_loss("certificate chain is empty");
  if (certs.size() > kMaxChainCertificates) {
    return data_loss("certificate chain has more than " + std::to_string(kMaxChainCertificates) + " certificates");
  }
  bool leaf_first = true, root_first = true;
  for (size_t i = 0; i + 1 < certs.size(); ++i) {
    leaf_first = leaf_first && certs[i].issuer() == certs[i + 1].subject();
    root_first = root_first && certs[i + 1].issuer() == certs[i].subject();
  }
  if (!leaf_first) {
    if (!root_first) return data_loss("the certificates do not form one issuer chain in either order");
    std::reverse(certs.begin(), certs.end());
  }
  std::string pem;
  for (const Certificate& c : certs) pem += pem_of(c.der());
  return pem;
}

struct NvmlAttester::Api {
  nvmlReturn_t (*init)();
  nvmlReturn_t (*shutdown)();
  nvmlReturn_t (*count)(unsigned int*);
  nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t*);
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned int);
  nvmlReturn_t (*cc_state)(ConfComputeSystemState*);
  nvmlReturn_t (*cc_ready)(unsigned int*);
  nvmlReturn_t (*report)(nvmlDevice_t, GpuAttestationReport*);
  nvmlReturn_t (*certificate)(nvmlDevice_t, GpuCertificate*);
};

StatusOr<std::unique_ptr<NvmlAttester>> NvmlAttester::load(const NvmlOptions& options) {
  void* lib = ::dlopen(options.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* err = ::dlerror();
    return not_found("cannot load " + options.library + " (no NVIDIA driver?): " + printable(err != nullptr ? err : "", 512));
  }
  auto api = std::make_unique<Api>();
  std::string missing;
  auto sym = [&](auto& fn, const char* name) {
    void* p = ::dlsym(lib, name);
    if (p == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(name);
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
  sym(api->init, "nvmlInit_v2");
  sym(api->shutdown, "nvmlShutdown");
  sym(api->count, "nvmlDeviceGetCount_v2");
  sym(api->handle, "nvmlDeviceGetHandleByIndex_v2");
  sym(api->name, "nvmlDeviceGetName");
  sym(api->cc_state, "nvmlSystemGetConfComputeState");
  sym(api->cc_ready, "nvmlSystemGetConfComputeGpusReadyState");
  sym(api->report, "nvmlDeviceGetConfComputeGpuAttestationReport");
  sym(api->certificate, "nvmlDeviceGetConfComputeGpuCertificate");
  if (!missing.empty()) {
    ::dlclose(lib);
    return failed_precondition(options.library + " lacks " + missing +
                               " (a driver without confidential-computing support; R535 or later is needed)");
  }
  return std::unique_ptr<NvmlAttester>(new NvmlAttester(lib, std::move(api), options));
}

NvmlAttester::NvmlAttester(void* handle, std::unique_ptr<Api> api, NvmlOptions options)
    : handle_(handle), api_(std::move(api)), options_(std::move(options)) {}

NvmlAttester::~NvmlAttester() {
  api_.reset();
  if (handle_ != nullptr) ::dlclose(handle_);
}

StatusOr<std::vector<GpuEvidence>> NvmlAttester::attest(std::span<const uint8_t, 32> nonce) {
  const Api& nv = *api_;
  if (nvmlReturn_t rc = nv.init(); rc != 0) return nvml_error(rc, "nvmlInit_v2");
  struct Shutdown {
    const Api& nv;
    ~Shutdown() { nv.shutdown(); }
  } shutdown{nv};

  ConfComputeSystemState state{};
  if (nvmlReturn_t rc = nv.cc_state(&state); rc != 0) return nvml_error(rc, "nvmlSystemGetConfComputeState");
  if (state.cc_feature != kCcFeatureEnabled) {
    return failed_precondition("confidential computing is off on this system's GPUs (NVML CC environment " +
                               std::to_string(state.environment) + ", feature " + std::to_string(state.cc_feature) +
                               "): the GPUs cannot produce attestation reports");
  }
  if (options_.require_ready) {
    unsigned int ready = 0;
    if (nvmlReturn_t rc = nv.cc_ready(&ready); rc != 0) return nvml_error(rc, "nvmlSystemGetConfComputeGpusReadyState");
    if (ready != kAcceptingClientRequests) {
      return failed_precondition("the GPUs are in CC mode but not ready for work (NVML ready state " + std::to_string(ready) +
                                 "): set them ready after attesting them, or collect with require_ready off");
    }
  }
  unsigned int count = 0;
  if (nvmlReturn_t rc = nv.count(&count); rc != 0) return nvml_error(rc, "nvmlDeviceGetCount_v2");
  if (count == 0) return failed_precondition("NVML reports no GPUs");
  if (count > options_.max_gpus) {
    return out_of_range("NVML reports " + std::to_string(count) + " GPUs, more than the " + std::to_string(options_.max_gpus) + " allowed");
  }

  std::vector<GpuEvidence> out;
  for (unsigned int i = 0; i < count; ++i) {
    std::string gpu = "GPU " + std::to_string(i);
    nvmlDevice_t dev = nullptr;
    if (nvmlReturn_t rc = nv.handle(i, &dev); rc != 0) return nvml_error(rc, "nvmlDeviceGetHandleByIndex_v2 for " + gpu);
    char name[kNameSize + 1] = {};
    if (nvmlReturn_t rc = nv.name(dev, name, kNameSize); rc != 0) return nvml_error(rc, "nvmlDeviceGetName for " + gpu);

    auto report = std::make_unique<GpuAttestationReport>();
    std::memset(report.get(), 0, sizeof *report);
    std::memcpy(report->nonce, nonce.data(), nonce.size());
    if (nvmlReturn_t rc = nv.report(dev, report.get()); rc != 0) {
      return nvml_error(rc, "nvmlDeviceGetConfComputeGpuAttestationReport for " + gpu);
    }
    size_t size = report->attestation_report_size;
    if (size == 0 || size > kReportSize) {
      return data_loss("NVML gave " + gpu + " an attestation report size of " + std::to_string(size) + " (1 to " +
                       std::to_string(kReportSize) + " allowed)");
    }
    GpuEvidence ev;
    ev.index = i;
    ev.name = printable(name, kNameSize);
    ev.source = "nvml";
    ev.report.assign(report->attestation_report, report->attestation_report + size);
    auto parsed = nvidia_gpu::parse_gpu_report(ev.report);
    if (!parsed.ok()) return parsed.status().with_context("NVML attestation report of " + gpu);
    if (!std::equal(parsed->requester_nonce.begin(), parsed->requester_nonce.end(), nonce.begin())) {
      return data_loss("NVML returned a report for another nonce for " + gpu + " (" + to_hex(parsed->requester_nonce) + ")");
    }

    auto cert = std::make_unique<GpuCertificate>();
    std::memset(cert.get(), 0, sizeof *cert);
    if (nvmlReturn_t rc = nv.certificate(dev, cert.get()); rc != 0) {
      return nvml_error(rc, "nvmlDeviceGetConfComputeGpuCertificate for " + gpu);
    }
    size_t chain_size = cert->attestation_cert_chain_size;
    if (chain_size == 0 || chain_size > kAttestationChainSize) {
      return data_loss("NVML gave " + gpu + " an attestation certificate chain size of " + std::to_string(chain_size) + " (1 to " +
                       std::to_string(kAttestationChainSize) + " allowed)");
    }
    auto pem = leaf_first_pem_chain(std::span<const uint8_t>(cert->attestation_cert_chain, chain_size));
    if (!pem.ok()) return pem.status().with_context("NVML attestation certificate chain of " + gpu);
    ev.certificate_chain_pem = std::move(*pem);
    out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace zkcc::tee::collect
