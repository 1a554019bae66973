// A stand-in for libnvidia-ml.so.1, built as a shared library so the collector loads it through its
// production dlopen path. It exports the NVML functions the collector uses, with NVML's ABI
// (nvml.h), and answers with the evidence the test hands it: the report is returned as given, so
// the nonce the collector passes is recorded but not echoed (a real report's signature covers its
// nonce). zkcc_fake_nvml_* functions let the test choose failures and read what the library saw.
#include <cstring>
#include <vector>

namespace {

constexpr int kSuccess = 0;
constexpr int kUninitialized = 1;
constexpr int kInvalidArgument = 2;
constexpr int kNotSupported = 3;
constexpr int kDriverNotLoaded = 9;

struct SystemState {
  unsigned int environment;
  unsigned int cc_feature;
  unsigned int dev_tools_mode;
};

struct AttestationReport {
  unsigned int is_cec_attestation_report_present;
  unsigned int attestation_report_size;
  unsigned int cec_attestation_report_size;
  unsigned char nonce[32];
  unsigned char attestation_report[0x2000];
  unsigned char cec_attestation_report[0x1000];
};

struct Certificate {
  unsigned int cert_chain_size;
  unsigned int attestation_cert_chain_size;
  unsigned char cert_chain[0x1000];
  unsigned char attestation_cert_chain[0x1400];
};

// Scenarios, as the test names them.
enum Scenario {
  kOk = 0,
  kCcOff = 1,
  kNotReady = 2,
  kInitFails = 3,
  kReportFails = 4,
  kOversizedReport = 5,
  kOversizedChain = 6,
};

struct State {
  int scenario = kOk;
  unsigned gpus = 1;
  int sessions = 0;  // nvmlInit_v2 calls not yet shut down
  int report_calls = 0;
  std::vector<unsigned char> report;
  std::vector<unsigned char> chain;
  unsigned char last_nonce[32] = {};
  int handles[8] = {};
};

State& state() {
  static State s;
  return s;
}

bool valid(void* device) {
  State& s = state();
  for (unsigned i = 0; i < s.gpus && i < 8; ++i) {
    if (device == &s.handles[i]) return true;
  }
  return false;
}

}  // namespace

extern "C" {

// Test controls.
__attribute__((visibility("default"))) void zkcc_fake_nvml_reset(int scenario, unsigned gpus) {
  State& s = state();
  s.scenario = scenario;
  s.gpus = gpus > 8 ? 8 : gpus;
  s.sessions = 0;
  s.report_calls = 0;
  std::memset(s.last_nonce, 0, sizeof s.last_nonce);
}
__attribute__((visibility("default"))) void zkcc_fake_nvml_set_evidence(const unsigned char* report, unsigned report_size,
                                                                        const unsigned char* chain, unsigned chain_size) {
  state().report.assign(report, report + report_size);
  state().chain.assign(chain, chain + chain_size);
}
__attribute__((visibility("default"))) int zkcc_fake_nvml_sessions() { return state().sessions; }
__attribute__((visibility("default"))) int zkcc_fake_nvml_report_calls() { return state().report_calls; }
__attribute__((visibility("default"))) void zkcc_fake_nvml_last_nonce(unsigned char out[32]) {
  std::memcpy(out, state().last_nonce, 32);
}

// NVML.
__attribute__((visibility("default"))) int nvmlInit_v2() {
  if (state().scenario == kInitFails) return kDriverNotLoaded;
  ++state().sessions;
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlShutdown() {
  if (state().sessions == 0) return kUninitialized;
  --state().sessions;
  return kSuccess;
}
__attribute__((visibility("default"))) const char* nvmlErrorString(int) { return "fake NVML error"; }
__attribute__((visibility("default"))) int nvmlDeviceGetCount_v2(unsigned int* count) {
  if (state().sessions == 0) return kUninitialized;
  if (count == nullptr) return kInvalidArgument;
  *count = state().gpus;
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** device) {
  State& s = state();
  if (s.sessions == 0) return kUninitialized;
  if (device == nullptr || index >= s.gpus) return kInvalidArgument;
  *device = &s.handles[index];
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlDeviceGetName(void* device, char* name, unsigned int length) {
  if (state().sessions == 0) return kUninitialized;
  if (!valid(device) || name == nullptr || length < 64) return kInvalidArgument;
  std::strncpy(name, "NVIDIA H100 80GB HBM3", length - 1);
  name[length - 1] = '\0';
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlSystemGetConfComputeState(SystemState* st) {
  if (state().sessions == 0) return kUninitialized;
  if (st == nullptr) return kInvalidArgument;
  st->environment = 2;  // production
  st->cc_feature = state().scenario == kCcOff ? 0 : 1;
  st->dev_tools_mode = 0;
  return kSuccess;
}
// The hardware's CC capability, whatever mode the system runs in: {cpuCaps, gpusCaps}.
__attribute__((visibility("default"))) int nvmlSystemGetConfComputeCapabilities(unsigned int* caps) {
  if (state().sessions == 0) return kUninitialized;
  if (caps == nullptr) return kInvalidArgument;
  caps[0] = 1;  // AMD SEV
  caps[1] = 1;  // GPUs CC capable
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlSystemGetConfComputeGpusReadyState(unsigned int* ready) {
  if (state().sessions == 0) return kUninitialized;
  if (ready == nullptr) return kInvalidArgument;
  *ready = state().scenario == kNotReady ? 0 : 1;
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlDeviceGetConfComputeGpuAttestationReport(void* device, AttestationReport* r) {
  State& s = state();
  if (s.sessions == 0) return kUninitialized;
  if (!valid(device) || r == nullptr) return kInvalidArgument;
  ++s.report_calls;
  std::memcpy(s.last_nonce, r->nonce, 32);
  if (s.scenario == kReportFails) return kNotSupported;
  if (s.report.size() > sizeof r->attestation_report) return kInvalidArgument;
  std::memcpy(r->attestation_report, s.report.data(), s.report.size());
  r->attestation_report_size = static_cast<unsigned int>(s.report.size());
  if (s.scenario == kOversizedReport) r->attestation_report_size = sizeof r->attestation_report + 1;
  r->is_cec_attestation_report_present = 0;
  r->cec_attestation_report_size = 0;
  return kSuccess;
}
__attribute__((visibility("default"))) int nvmlDeviceGetConfComputeGpuCertificate(void* device, Certificate* c) {
  State& s = state();
  if (s.sessions == 0) return kUninitialized;
  if (!valid(device) || c == nullptr) return kInvalidArgument;
  if (s.chain.size() > sizeof c->attestation_cert_chain) return kInvalidArgument;
  std::memcpy(c->attestation_cert_chain, s.chain.data(), s.chain.size());
  c->attestation_cert_chain_size = static_cast<unsigned int>(s.chain.size());
  if (s.scenario == kOversizedChain) c->attestation_cert_chain_size = 0x10000;
  c->cert_chain_size = 0;
  return kSuccess;
}

}  // extern "C"
