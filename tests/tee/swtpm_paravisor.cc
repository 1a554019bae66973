#include "swtpm_paravisor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "../child_process.h"

namespace zkcc::tee::azure::testing {
namespace {

namespace fs = std::filesystem;

std::string tss_error(const char* what, TSS2_RC rc) { return std::string(what) + ": " + Tss2_RC_Decode(rc); }

// PATH first, then where Debian puts it.
std::string find_swtpm() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      if (end > start) dirs.push_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  dirs.push_back("/usr/bin");
  dirs.push_back("/usr/local/bin");
  for (const std::string& d : dirs) {
    std::string candidate = d + "/swtpm";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

int bound_socket(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A port P such that P and P + 1 are both free now (swtpm's server and control channels).
int free_port_pair() {
  for (int tries = 0; tries < 50; ++tries) {
    int fd = bound_socket(0);
    if (fd < 0) continue;
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    int port = ntohs(a.sin_port);
    if (port >= 65535) {
      ::close(fd);
      continue;
    }
    int next = bound_socket(port + 1);
    ::close(fd);
    if (next >= 0) {
      ::close(next);
      return port;
    }
  }
  return -1;
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string log_tail(const std::string& path) {
  auto b = read_file(path, 1 << 20);
  if (!b.ok()) return "";
  std::string s(b->begin(), b->end());
  return s.size() > 400 ? s.substr(s.size() - 400) : s;
}

}  // namespace

StatusOr<std::unique_ptr<Swtpm>> Swtpm::start() {
  std::string binary = find_swtpm();
  if (binary.empty()) {
    return failed_precondition("swtpm is not installed (no executable swtpm on PATH or in /usr/bin): run scripts/install-deps.sh");
  }
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto tpm = std::unique_ptr<Swtpm>(new Swtpm);
    std::string pattern = (fs::temp_directory_path() / "zkcc-swtpm-XXXXXX").string();
    std::vector<char> dir(pattern.begin(), pattern.end());
    dir.push_back('\0');
    if (::mkdtemp(dir.data()) == nullptr) return internal_error("mkdtemp failed for " + pattern);
    tpm->dir_ = dir.data();
    tpm->port_ = free_port_pair();
    if (tpm->port_ < 0) return unavailable("no free pair of loopback ports for swtpm");
    std::string log = tpm->dir_ + "/swtpm.log";
    std::vector<std::string> args = {binary,
                                     "socket",
                                     "--tpm2",
                                     "--tpmstate",
                                     "dir=" + tpm->dir_,
                                     "--server",
                                     "type=tcp,port=" + std::to_string(tpm->port_) + ",bindaddr=127.0.0.1",
                                     "--ctrl",
                                     "type=tcp,port=" + std::to_string(tpm->port_ + 1) + ",bindaddr=127.0.0.1",
                                     "--flags",
                                     "not-need-init,startup-clear"};
    zkcc::testing::SpawnOptions spawn;
    spawn.truncate_log = true;
    ZKCC_ASSIGN_OR_RETURN(pid_t pid, zkcc::testing::spawn_logged(std::move(args), log, spawn));
    tpm->pid_ = pid;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        tpm->pid_ = -1;
        break;
      }
      if (accepts(tpm->port_)) return tpm;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    last_error = exited ? "swtpm exited at start: " + log_tail(log) : "swtpm did not accept connections within 15 s";
    // A port taken between our check and swtpm's bind: try other ports.
  }
  return unavailable(last_error);
}

Swtpm::~Swtpm() { zkcc::testing::stop_child(pid_, SIGTERM, std::chrono::seconds(5), dir_); }

std::string Swtpm::tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

StatusOr<std::unique_ptr<Paravisor>> Paravisor::connect(const std::string& tcti) {
  auto p = std::unique_ptr<Paravisor>(new Paravisor);
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &p->tcti_);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Tss2_TctiLdr_Initialize", rc));
  rc = Esys_Initialize(&p->esys_, p->tcti_, nullptr);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_Initialize", rc));
  return p;
}

Paravisor::~Paravisor() {
  if (esys_ != nullptr) Esys_Finalize(&esys_);
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

StatusOr<RsaPublicKey> Paravisor::create_attestation_key(uint32_t handle) {
  TPM2B_PUBLIC in{};
  TPMT_PUBLIC& p = in.publicArea;
  p.type = TPM2_ALG_RSA;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH;
  p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
  p.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
  p.parameters.rsaDetail.keyBits = 2048;
  p.parameters.rsaDetail.exponent = 0;
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcrs{};
  ESYS_TR key = ESYS_TR_NONE;
  TPM2B_PUBLIC* out = nullptr;
  TPM2B_CREATION_DATA* creation_data = nullptr;
  TPM2B_DIGEST* creation_hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &in, &outside,
                                  &creation_pcrs, &key, &out, &creation_data, &creation_hash, &ticket);
  Esys_Free(creation_data);
  Esys_Free(creation_hash);
  Esys_Free(ticket);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_CreatePrimary", rc));
  RsaPublicKey pub;
  pub.n.assign(out->publicArea.unique.rsa.buffer, out->publicArea.unique.rsa.buffer + out->publicArea.unique.rsa.size);
  pub.e = {0x01, 0x00, 0x01};
  Esys_Free(out);
  ESYS_TR persistent = ESYS_TR_NONE;
  rc = Esys_EvictControl(esys_, ESYS_TR_RH_OWNER, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, handle, &persistent);
  Esys_FlushContext(esys_, key);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_EvictControl", rc));
  return pub;
}

Status Paravisor::evict(uint32_t handle) {
  ESYS_TR object = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &object);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_TR_FromTPMPublic", rc));
  ESYS_TR gone = ESYS_TR_NONE;
  rc = Esys_EvictControl(esys_, ESYS_TR_RH_OWNER, object, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, handle, &gone);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_EvictControl", rc));
  return ok_status();
}

Status Paravisor::define_nv(uint32_t index, uint16_t size, TPMA_NV attributes) {
  TPM2B_AUTH empty{};
  TPM2B_NV_PUBLIC info{};
  info.nvPublic.nvIndex = index;
  info.nvPublic.nameAlg = TPM2_ALG_SHA256;
  info.nvPublic.attributes = attributes;
  info.nvPublic.dataSize = size;
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_NV_DefineSpace(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &info, &handle);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_NV_DefineSpace", rc));
  return ok_status();
}

Status Paravisor::undefine_nv(uint32_t index) {
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &handle);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_TR_FromTPMPublic", rc));
  rc = Esys_NV_UndefineSpace(esys_, ESYS_TR_RH_OWNER, handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_NV_UndefineSpace", rc));
  return ok_status();
}

Status Paravisor::write_nv(uint32_t index, std::span<const uint8_t> data) {
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &handle);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_TR_FromTPMPublic", rc));
  constexpr size_t kChunk = 512;
  for (size_t off = 0; off < data.size(); off += kChunk) {
    TPM2B_MAX_NV_BUFFER buf{};
    size_t n = std::min(kChunk, data.size() - off);
    buf.size = static_cast<UINT16>(n);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(off), n, buf.buffer);
    rc = Esys_NV_Write(esys_, ESYS_TR_RH_OWNER, handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &buf, static_cast<UINT16>(off));
    if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_NV_Write", rc));
  }
  return ok_status();
}

StatusOr<Bytes> Paravisor::read_nv(uint32_t index) {
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &handle);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_TR_FromTPMPublic", rc));
  TPM2B_NV_PUBLIC* pub = nullptr;
  rc = Esys_NV_ReadPublic(esys_, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, nullptr);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_NV_ReadPublic", rc));
  size_t size = pub->nvPublic.dataSize;
  Esys_Free(pub);
  Bytes out;
  constexpr size_t kChunk = 512;
  while (out.size() < size) {
    auto n = static_cast<UINT16>(std::min(kChunk, size - out.size()));
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    rc = Esys_NV_Read(esys_, ESYS_TR_RH_OWNER, handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
                      static_cast<UINT16>(out.size()), &data);
    if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_NV_Read", rc));
    out.insert(out.end(), data->buffer, data->buffer + data->size);
    Esys_Free(data);
  }
  return out;
}

Status Paravisor::extend_pcr(uint32_t pcr, std::span<const uint8_t, 32> digest) {
  TPML_DIGEST_VALUES values{};
  values.count = 1;
  values.digests[0].hashAlg = TPM2_ALG_SHA256;
  std::copy(digest.begin(), digest.end(), values.digests[0].digest.sha256);
  TSS2_RC rc = Esys_PCR_Extend(esys_, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &values);
  if (rc != TSS2_RC_SUCCESS) return unavailable(tss_error("Esys_PCR_Extend", rc));
  return ok_status();
}

std::string base64url(std::span<const uint8_t> data) {
  std::string s = to_base64(data);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  s.erase(s.find_last_not_of('=') + 1);
  return s;
}

std::string runtime_claims(const RsaPublicKey& key, std::span<const uint8_t> user_data) {
  std::string hex = to_hex(user_data);
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  nlohmann::json claims = {
      {"keys", {{{"kid", "HCLAkPub"}, {"key_ops", {"sign"}}, {"kty", "RSA"}, {"e", base64url(key.e)}, {"n", base64url(key.n)}}}},
      {"vm-configuration", {{"console-enabled", false}, {"secure-boot", true}, {"tpm-enabled", true}}},
      {"user-data", hex},
  };
  return claims.dump();
}

Bytes build_hcl_report(HclReportType type, std::span<const uint8_t> hardware_area, const std::string& claims) {
  auto put32 = [](Bytes& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  size_t total = 32 + 1184 + 20 + claims.size();
  Bytes out = {'H', 'C', 'L', 'A'};
  put32(out, type == HclReportType::kSnp ? 1 : 2);  // the versions of the real samples
  put32(out, static_cast<uint32_t>(total));
  put32(out, 2);  // request type
  put32(out, 0);  // status
  out.resize(32, 0);
  out.insert(out.end(), hardware_area.begin(), hardware_area.end());
  out.resize(32 + 1184, 0);
  put32(out, static_cast<uint32_t>(20 + claims.size()));
  put32(out, 1);  // IGVM request data version
  put32(out, static_cast<uint32_t>(type));
  put32(out, 1);  // SHA-256
  put32(out, static_cast<uint32_t>(claims.size()));
  out.insert(out.end(), claims.begin(), claims.end());
  return out;
}

}  // namespace zkcc::tee::azure::testing
