#include "zkcc/tee/collect/configfs_tsm.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>
#include <system_error>

#include "zkcc/tee/collect/sev_guest.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/tdx/ccel.h"
#include "zkcc/tee/tdx/ccel_table.h"
#include "zkcc/tee/tdx/quote.h"

namespace zkcc::tee::collect {
namespace {

constexpr size_t kMaxTextAttribute = 256;
constexpr int kMaxNameTries = 8;

std::string errno_text(int err) { return std::system_category().message(err) + " (errno " + std::to_string(err) + ")"; }

// What failed on which attribute, with the errno the kernel gave.
Status attribute_error(int err, const std::string& what) {
  std::string m = what + ": " + errno_text(err);
  switch (err) {
    case ENOENT: return not_found(m);
    case EACCES:
    case EPERM: return permission_denied(m);
    case EBUSY:
    case EAGAIN:
    case ETIMEDOUT: return unavailable(m);
    case EFBIG: return out_of_range(m + "; the report exceeds configfs-tsm's limit");
    case EINVAL: return invalid_argument(m);
    case ENOTTY:
    case ENXIO: return failed_precondition(m);
    default: return internal_error(m);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the result: configfs commits a binary attribute's write on close.
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// The whole attribute, refusing more than `max` bytes.
StatusOr<Bytes> read_attribute(const std::string& path, size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return attribute_error(errno, "cannot open " + path);
  Fd guard(fd);
  Bytes out;
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return attribute_error(errno, "cannot read " + path);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max) {
      return out_of_range(path + " holds more than " + std::to_string(max) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

StatusOr<std::string> read_text(const std::string& path) {
  ZKCC_ASSIGN_OR_RETURN(Bytes b, read_attribute(path, kMaxTextAttribute));
  std::string s(b.begin(), b.end());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return data_loss(path + " is not a line of text");
  }
  return s;
}

StatusOr<uint64_t> read_number(const std::string& path) {
  ZKCC_ASSIGN_OR_RETURN(std::string s, read_text(path));
  if (s.empty() || s.size() > 19) return data_loss(path + " holds \"" + s + "\", not a decimal number");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return data_loss(path + " holds \"" + s + "\", not a decimal number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// One write of the whole value, then close (where configfs stores a binary attribute).
Status write_attribute(const std::string& path, std::span<const uint8_t> value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return attribute_error(errno, "cannot open " + path + " for writing");
  Fd guard(fd);
  ssize_t n;
  do {
    n = ::write(fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return attribute_error(errno, "cannot write " + path);
  if (static_cast<size_t>(n) != value.size()) {
    return data_loss("short write to " + path + ": " + std::to_string(n) + " of " + std::to_string(value.size()) + " bytes");
  }
  if (guard.close() != 0) return attribute_error(errno, "writing " + path + " failed on close");
  return ok_status();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string entry_name() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rd()));
  return "zkcc-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" + suffix;
}

// The report entry: made by create(), removed by remove() or, on early returns, the destructor.
class Entry {
 public:
  Entry() = default;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
  ~Entry() {
    if (!path_.empty()) ::rmdir(path_.c_str());
  }

  Status create(const std::string& report_dir) {
    for (int i = 0; i < kMaxNameTries; ++i) {
      std::string path = report_dir + "/" + entry_name();
      if (::mkdir(path.c_str(), 0700) == 0) {
        path_ = path;
        return ok_status();
      }
      int err = errno;
      if (err == EEXIST) continue;
      if (err == ENXIO) {
        return failed_precondition("cannot create a report under " + report_dir +
                                   ": no TSM provider is registered (sev-guest or tdx-guest driver not loaded)");
      }
      return attribute_error(err, "cannot create a report entry under " + report_dir);
    }
    return internal_error("cannot find a free report entry name under " + report_dir);
  }

  Status remove() {
    std::string path = std::move(path_);
    path_.clear();
    if (::rmdir(path.c_str()) != 0) return attribute_error(errno, "cannot remove the report entry " + path);
    return ok_status();
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

StatusOr<TsmReport> read_rounds(const Entry& entry, std::span<const uint8_t, 64> inblob, const ConfigfsTsmOptions& options) {
  const std::string& dir = entry.path();
  TsmReport r;
  auto provider = read_text(dir + "/provider");
  if (!provider.ok()) {
    if (provider.status().code() == StatusCode::kNotFound) {
      return failed_precondition(dir + " has no provider attribute: not a configfs-tsm report entry");
    }
    return provider.status();
  }
  r.provider = *provider;
  if (!options.provider.empty() && r.provider != options.provider) {
    return failed_precondition("configfs-tsm provider is \"" + r.provider + "\", expected \"" + options.provider + "\"");
  }
  std::string privlevel_text;
  if (options.privlevel) {
    if (exists(dir + "/privlevel_floor")) {
      ZKCC_ASSIGN_OR_RETURN(uint64_t floor, read_number(dir + "/privlevel_floor"));
      if (*options.privlevel < floor) {
        return failed_precondition("privlevel " + std::to_string(*options.privlevel) + " is below this guest's privlevel_floor " +
                                   std::to_string(floor));
      }
    }
    privlevel_text = std::to_string(*options.privlevel) + "\n";
  }
  bool want_auxblob = options.auxblob && r.provider == "sev_guest";

  uint64_t first = 0, last = 0;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    ZKCC_ASSIGN_OR_RETURN(uint64_t before, read_number(dir + "/generation"));
    uint64_t writes = 0;
    if (options.privlevel) {
      ZKCC_RETURN_IF_ERROR(write_attribute(
          dir + "/privlevel", std::span(reinterpret_cast<const uint8_t*>(privlevel_text.data()), privlevel_text.size())));
      ++writes;
    }
    ZKCC_RETURN_IF_ERROR(write_attribute(dir + "/inblob", inblob));
    ++writes;
    ZKCC_ASSIGN_OR_RETURN(r.outblob, read_attribute(dir + "/outblob", options.max_blob_bytes));
    r.auxblob.clear();
    if (want_auxblob) {
      auto aux = read_attribute(dir + "/auxblob", options.max_blob_bytes);
      if (aux.ok()) {
        r.auxblob = std::move(*aux);
      } else if (aux.status().code() != StatusCode::kNotFound) {
        return aux.status();
      }
    }
    ZKCC_ASSIGN_OR_RETURN(uint64_t after, read_number(dir + "/generation"));
    if (attempt == 1) first = before;
    last = after;
    // Anything but exactly our writes means another writer's inblob may be what we read.
    if (after == before + writes) {
      if (r.outblob.empty()) return data_loss(dir + "/outblob is empty");
      r.generation = after;
      r.attempts = attempt;
      return r;
    }
  }
  return unavailable("another process kept writing the configfs-tsm entry " + dir + ": generation went from " +
                     std::to_string(first) + " to " + std::to_string(last) + " over " + std::to_string(options.max_attempts) +
                     " attempts");
}

// The CC event log when it replays to `rtmrs`; empty otherwise. The log area is at most a few MiB.
// With the ACPI CCEL table, which reserves the area, the table must parse strictly and be a TDX
// table, and the log is read up to the area's length and must fill it exactly.
Bytes replaying_event_log(const ConfigfsTsmOptions& o, const tdx::Rtmrs& rtmrs) {
  constexpr size_t kMaxLog = 16 << 20;
  if (o.event_log.empty()) return {};
  size_t limit = kMaxLog;
  if (!o.ccel_table.empty()) {
    auto raw = read_file(o.ccel_table, 4096);
    if (!raw.ok()) return {};
    auto table = tdx::parse_ccel_table(*raw);
    if (!table.ok() || table->cc_type != tdx::kCcTypeTdx || table->log_area_minimum_length > kMaxLog) return {};
    limit = static_cast<size_t>(table->log_area_minimum_length);
  }
  auto log = read_file(o.event_log, limit);
  if (!log.ok() || (!o.ccel_table.empty() && log->size() != limit)) return {};
  auto events = tdx::parse_ccel(*log);
  if (!events.ok() || tdx::replay_rtmrs(*events) != rtmrs) return {};
  return std::move(*log);
}

}  // namespace

StatusOr<TsmReport> read_tsm_report(const std::string& report_dir, std::span<const uint8_t, 64> inblob,
                                    const ConfigfsTsmOptions& options) {
  if (options.privlevel && *options.privlevel > 3) {
    return invalid_argument("privlevel " + std::to_string(*options.privlevel) + " is out of range (0-3)");
  }
  if (options.max_attempts < 1) return invalid_argument("max_attempts must be at least 1");
  struct stat st;
  if (::stat(report_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return not_found(report_dir + " is not a directory (kernel without CONFIG_TSM_REPORTS, or configfs not mounted)");
  }
  Entry entry;
  ZKCC_RETURN_IF_ERROR(entry.create(report_dir));
  auto report = read_rounds(entry, inblob, options);
  Status removed = entry.remove();
  if (!report.ok()) return report.status();
  if (!removed.ok()) return removed;
  return report;
}

ConfigfsTsmAttester::ConfigfsTsmAttester(std::string report_dir, CpuPlatform platform, ConfigfsTsmOptions options)
    : report_dir_(std::move(report_dir)), platform_(platform), options_(std::move(options)) {}

StatusOr<CpuEvidence> ConfigfsTsmAttester::attest(std::span<const uint8_t, 64> report_data) {
  ConfigfsTsmOptions options = options_;
  if (platform_ == CpuPlatform::kSevSnp) {
    options.provider = "sev_guest";
  } else if (platform_ == CpuPlatform::kTdx) {
    options.provider = "tdx_guest";
    if (options.privlevel) return invalid_argument("privlevel applies to SEV-SNP only");
  } else {
    return invalid_argument("configfs-tsm serves SEV-SNP and TDX, not " + std::string(cpu_platform_name(platform_)));
  }
  ZKCC_ASSIGN_OR_RETURN(TsmReport tsm, read_tsm_report(report_dir_, report_data, options));

  CpuEvidence ev;
  ev.platform = platform_;
  ev.source = "configfs-tsm";
  if (platform_ == CpuPlatform::kSevSnp) {
    if (tsm.outblob.size() != sev_snp::kReportSize) {
      return data_loss("configfs-tsm outblob holds " + std::to_string(tsm.outblob.size()) + " bytes; an SNP report has " +
                       std::to_string(sev_snp::kReportSize));
    }
    auto parsed = sev_snp::parse_report(tsm.outblob);
    if (!parsed.ok()) return parsed.status().with_context("configfs-tsm outblob");
    if (!std::equal(parsed->report_data.begin(), parsed->report_data.end(), report_data.begin())) {
      return data_loss("the SNP report from configfs-tsm carries other REPORT_DATA than was written to inblob");
    }
    if (options.privlevel && parsed->vmpl != *options.privlevel) {
      return data_loss("the SNP report from configfs-tsm is for VMPL " + std::to_string(parsed->vmpl) + ", not the requested " +
                       std::to_string(*options.privlevel));
    }
    if (!tsm.auxblob.empty()) {
      auto table = parse_snp_cert_table(tsm.auxblob);
      if (!table.ok()) return table.status().with_context("configfs-tsm auxblob");
      ev.certificates = snp_evidence_certificates(*table);
    }
    ev.report = std::move(tsm.outblob);
  } else {
    auto quote = tdx::parse_quote(tsm.outblob);
    if (!quote.ok()) return quote.status().with_context("configfs-tsm outblob");
    if (!std::equal(quote->body.report_data.begin(), quote->body.report_data.end(), report_data.begin())) {
      return data_loss("the TDX quote from configfs-tsm carries other REPORTDATA than was written to inblob");
    }
    ev.report.assign(tsm.outblob.begin(), tsm.outblob.begin() + static_cast<std::ptrdiff_t>(quote->declared_size));
    ev.event_log = replaying_event_log(options, quote->body.rtmr);
  }
  return ev;
}

}  // namespace zkcc::tee::collect
