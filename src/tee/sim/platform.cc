#include "zkcc/tee/sim/platform.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "state.h"
#include "zkcc/hash/sha2.h"

namespace zkcc::tee::sim {
namespace {

constexpr const char* kManifest = "sim.json";
constexpr const char* kFormat = "zkcc simulated platform";
constexpr int kFormatVersion = 1;

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

// An exclusive advisory lock on DIR/.lock for as long as it lives.
class DirLock {
 public:
  static StatusOr<DirLock> acquire(const std::filesystem::path& dir) {
    std::filesystem::path path = dir / ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return unavailable("cannot open " + path.string() + ": " + std::strerror(errno));
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      int saved = errno;
      ::close(fd);
      return unavailable("cannot lock " + path.string() + ": " + std::strerror(saved));
    }
    return DirLock(fd);
  }
  DirLock(DirLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  DirLock& operator=(DirLock&&) = delete;
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

Status make_dir(const std::filesystem::path& d, std::filesystem::perms perms) {
  std::error_code ec;
  bool created = std::filesystem::create_directories(d, ec);
  if (ec) return unavailable("cannot create " + d.string() + ": " + ec.message());
  if (created) std::filesystem::permissions(d, perms, ec);
  if (ec) return unavailable("cannot set the permissions of " + d.string() + ": " + ec.message());
  return ok_status();
}

StatusOr<Certificate> load_root(const std::filesystem::path& path) {
  ZKCC_ASSIGN_OR_RETURN(Certificate c, load_cert(path));
  if (!c.signed_by(c)) return data_loss(path.string() + " is not a self-signed root certificate");
  return c;
}

Status check_manifest(const std::filesystem::path& path) {
  ZKCC_ASSIGN_OR_RETURN(std::string text, pki::read_text(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", std::string()) != kFormat) {
    return failed_precondition(path.string() + " does not describe a simulated platform");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kFormatVersion) {
    return failed_precondition(path.string() + " has an unsupported version (expected " + std::to_string(kFormatVersion) + ")");
  }
  return ok_status();
}

}  // namespace

Status save_key(const std::filesystem::path& path, const pki::Key& key) {
  ZKCC_ASSIGN_OR_RETURN(std::string pem, pki::private_key_pem(key));
  return pki::write_file(path, pem, kKeyMode);
}

Status save_cert(const std::filesystem::path& path, const Certificate& cert) {
  std::string pem = pki::certificate_pem(cert);
  if (pem.empty()) return internal_error("cannot write a certificate as PEM");
  return pki::write_file(path, pem, kCertMode);
}

StatusOr<pki::Key> load_key(const std::filesystem::path& path) {
  ZKCC_ASSIGN_OR_RETURN(std::string pem, pki::read_text(path));
  auto key = pki::key_from_pem(pem);
  if (!key.ok()) return key.status().with_context(path.string());
  return key;
}

StatusOr<Certificate> load_cert(const std::filesystem::path& path) {
  ZKCC_ASSIGN_OR_RETURN(std::string pem, pki::read_text(path));
  auto certs = Certificate::from_pem_bundle(pem);
  if (!certs.ok()) return certs.status().with_context(path.string());
  if (certs->size() != 1) return data_loss(path.string() + " holds " + std::to_string(certs->size()) + " certificates, not one");
  return (*certs)[0];
}

StatusOr<KeyedCert> load_keyed(const std::filesystem::path& dir, const std::string& name,
                               const std::filesystem::path& cert_path) {
  ZKCC_ASSIGN_OR_RETURN(pki::Key key, load_key(dir / (name + ".key.pem")));
  ZKCC_ASSIGN_OR_RETURN(Certificate cert, load_cert(cert_path));
  if (!pki::key_matches(key, cert)) {
    return data_loss((dir / (name + ".key.pem")).string() + " is not the key of " + cert_path.string());
  }
  return KeyedCert{std::move(key), std::move(cert)};
}

std::array<uint8_t, 48> default_measurement() {
  static constexpr char kLabel[] = "zkcc simulated guest";
  return hash::sha384(std::span(reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1));
}

StatusOr<SimRoots> load_roots(const std::filesystem::path& dir) {
  std::filesystem::path d = dir / "roots";
  SimRoots r;
  ZKCC_ASSIGN_OR_RETURN(Certificate amd, load_root(d / "amd_ark.pem"));
  ZKCC_ASSIGN_OR_RETURN(Certificate intel, load_root(d / "intel_root.pem"));
  ZKCC_ASSIGN_OR_RETURN(Certificate nvidia, load_root(d / "nvidia_root.pem"));
  r.amd.push_back(std::move(amd));
  r.intel.push_back(std::move(intel));
  r.nvidia.push_back(std::move(nvidia));
  return r;
}

bool SimPlatform::is_created(const std::filesystem::path& dir) {
  std::error_code ec;
  return !dir.empty() && std::filesystem::exists(dir / kManifest, ec);
}

StatusOr<SimPlatform> SimPlatform::open(const std::filesystem::path& dir) {
  if (dir.empty()) return invalid_argument("the simulated platform needs a directory");
  using std::filesystem::perms;
  ZKCC_RETURN_IF_ERROR(make_dir(dir, perms::owner_all));
  ZKCC_ASSIGN_OR_RETURN(DirLock lock, DirLock::acquire(dir));
  std::filesystem::path manifest = dir / kManifest;
  std::error_code ec;
  bool exists = std::filesystem::exists(manifest, ec);
  if (ec) return unavailable("cannot read " + manifest.string() + ": " + ec.message());

  auto make = [&dir](SnpAuthority snp, TdxAuthority tdx, NvidiaAuthority nvidia) {
    return SimPlatform(std::shared_ptr<State>(new State{dir, std::move(snp), std::move(tdx), std::move(nvidia), {}, {}}));
  };
  if (exists) {
    // A complete platform: load it, and never regenerate (that would change its roots).
    ZKCC_RETURN_IF_ERROR(check_manifest(manifest));
    auto snp = load_snp(dir);
    auto tdx = load_tdx(dir);
    auto nvidia = load_nvidia(dir);
    for (const Status* s : {&snp.status(), &tdx.status(), &nvidia.status()}) {
      if (!s->ok()) return s->with_context("simulated platform " + dir.string());
    }
    return make(std::move(*snp), std::move(*tdx), std::move(*nvidia));
  }

  // First use (or an earlier creation that stopped before the manifest): create everything, then
  // write the manifest last.
  ZKCC_RETURN_IF_ERROR(make_dir(dir / "roots", perms::owner_all | perms::group_read | perms::group_exec |
                                                   perms::others_read | perms::others_exec));
  for (const char* sub : {"sev_snp", "tdx", "nvidia"}) ZKCC_RETURN_IF_ERROR(make_dir(dir / sub, perms::owner_all));
  int64_t now = now_seconds();
  ZKCC_ASSIGN_OR_RETURN(SnpAuthority snp, create_snp(now));
  ZKCC_ASSIGN_OR_RETURN(TdxAuthority tdx, create_tdx(now));
  ZKCC_ASSIGN_OR_RETURN(NvidiaAuthority nvidia, create_nvidia(now));
  ZKCC_RETURN_IF_ERROR(save_snp(dir, snp));
  ZKCC_RETURN_IF_ERROR(save_tdx(dir, tdx));
  ZKCC_RETURN_IF_ERROR(save_nvidia(dir, nvidia));
  nlohmann::json m = {{"format", kFormat},
                      {"version", kFormatVersion},
                      {"created", pki::rfc3339(now)},
                      {"note", "test keys: evidence signed here proves nothing about real hardware"}};
  ZKCC_RETURN_IF_ERROR(pki::write_file(manifest, m.dump(2) + "\n", kCertMode));
  return make(std::move(snp), std::move(tdx), std::move(nvidia));
}

const std::filesystem::path& SimPlatform::dir() const { return state_->dir; }

SimRoots SimPlatform::roots() const {
  SimRoots r;
  r.amd.push_back(state_->snp.ark.cert);
  r.intel.push_back(state_->tdx.root.cert);
  r.nvidia.push_back(state_->nvidia.root.cert);
  return r;
}

StatusOr<Bytes> SimPlatform::snp_report(std::span<const uint8_t, 64> report_data, const SnpGuest& guest) const {
  return build_snp_report(state_->snp, report_data, guest);
}

StatusOr<Bytes> SimPlatform::snp_vcek(const SnpVcekOptions& options) const { return build_snp_vcek(state_->snp, options); }

uint64_t SimPlatform::snp_tcb() const { return state_->snp.tcb; }

StatusOr<Bytes> SimPlatform::snp_crl(int64_t issued_at, const SnpCrlOptions& options) const {
  return build_snp_crl(state_->snp, issued_at, options);
}

std::vector<Bytes> SimPlatform::snp_certificates() const {
  return {state_->snp.vcek.cert.der(), state_->snp.ask.cert.der(), state_->snp.ark.cert.der()};
}

StatusOr<Bytes> SimPlatform::tdx_quote(std::span<const uint8_t, 64> report_data, const TdxGuest& guest) const {
  return build_tdx_quote(state_->tdx, report_data, guest);
}

StatusOr<std::string> SimPlatform::tdx_collateral(int64_t issued_at, const TdxCollateralOptions& options) const {
  return build_tdx_collateral(state_->tdx, issued_at, options);
}

StatusOr<Certificate> SimPlatform::nvidia_provisioner_with_path_len(int path_len) const {
  return reissue_provisioner(state_->nvidia, path_len);
}

StatusOr<const GpuIdentity*> SimPlatform::gpu(unsigned index) const {
  if (index >= kMaxGpus) {
    return invalid_argument("simulated GPU index " + std::to_string(index) + " is not below " + std::to_string(kMaxGpus));
  }
  State& s = *state_;
  std::lock_guard<std::mutex> guard(s.gpu_mu);
  auto it = s.gpus.find(index);
  if (it == s.gpus.end()) {
    ZKCC_ASSIGN_OR_RETURN(DirLock lock, DirLock::acquire(s.dir));
    ZKCC_ASSIGN_OR_RETURN(GpuIdentity gpu, load_or_create_gpu(s.dir, s.nvidia, index, now_seconds()));
    it = s.gpus.emplace(index, std::move(gpu)).first;
  }
  // std::map nodes stay put; identities are never replaced once made.
  return &it->second;
}

StatusOr<GpuEvidence> SimPlatform::gpu_evidence(unsigned index, std::span<const uint8_t, 32> nonce) const {
  ZKCC_ASSIGN_OR_RETURN(const GpuIdentity* g, gpu(index));
  return build_gpu_evidence(state_->nvidia, *g, index, nonce);
}

StatusOr<Certificate> SimPlatform::nvidia_leaf_reissued_by(unsigned index, LeafIssuer issuer) const {
  ZKCC_ASSIGN_OR_RETURN(const GpuIdentity* g, gpu(index));
  const KeyedCert& by = issuer == LeafIssuer::kRoot ? state_->nvidia.root : g->leaf;
  return reissue_leaf(*g, by);
}

StatusOr<Certificate> SimPlatform::nvidia_leaf_with_fwid(unsigned index, std::span<const uint8_t> fwid) const {
  if (fwid.size() != 48) return invalid_argument("a simulated FWID is a 48-byte SHA-384 digest");
  ZKCC_ASSIGN_OR_RETURN(const GpuIdentity* g, gpu(index));
  return reissue_leaf(*g, g->brom, Bytes(fwid.begin(), fwid.end()));
}

}  // namespace zkcc::tee::sim
