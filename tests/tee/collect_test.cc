// The hardware evidence collectors against fakes of what they talk to:
//   /dev/sev-guest and /dev/tdx_guest: DeviceIo fakes that play the kernel's side of each ioctl
//     (request checks, the INVALID_LEN size protocol, errno and exitinfo2) with real report bytes;
//   configfs-tsm: the production code runs against a directory tree served by a fake kernel
//     thread (inotify), with configfs's mkdir/rmdir semantics provided below;
//   NVML: a fake libnvidia-ml built as a shared library and loaded through the production dlopen;
//   nvattest: fake executables (shell scripts) in a PATH directory under a fake system root.
// Collected evidence is checked with the production verifiers where the real samples allow it.
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/sev-guest.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/collect/collect.h"
#include "zkcc/tee/collect/configfs_tsm.h"
#include "zkcc/tee/collect/nvattest.h"
#include "zkcc/tee/collect/nvml.h"
#include "zkcc/tee/collect/sev_guest.h"
#include "zkcc/tee/collect/snp_crl.h"
#include "zkcc/tee/collect/tdx_guest.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/collateral/cache.h"
#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/sim/platform.h"
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/tdx/tdreport.h"

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// configfs's directory semantics. On configfs an entry's attributes exist as soon as mkdir
// returns, and rmdir removes the entry with its attributes; an inotify watcher sees a new
// directory only after the fact and a plain directory refuses rmdir while it holds files. So this
// test binary defines mkdir and rmdir (resolved before libc's): both do the real system call and,
// for entries of the fake report directory, let the fake kernel add or remove the attributes.

namespace zkcc::tee::collect {
namespace {
class FakeTsmKernel;
std::mutex g_fake_mu;
FakeTsmKernel* g_fake = nullptr;
void fake_mkdir_hook(const char* path);
void fake_rmdir_hook(const char* path);
}  // namespace
}  // namespace zkcc::tee::collect

extern "C" int mkdir(const char* path, mode_t mode) noexcept {
  int rc = static_cast<int>(::syscall(SYS_mkdirat, AT_FDCWD, path, mode));
  if (rc == 0) zkcc::tee::collect::fake_mkdir_hook(path);
  return rc;
}

extern "C" int rmdir(const char* path) noexcept {
  zkcc::tee::collect::fake_rmdir_hook(path);
  return static_cast<int>(::syscall(SYS_unlinkat, AT_FDCWD, path, AT_REMOVEDIR));
}

namespace zkcc::tee::collect {
namespace {

std::string shared(const std::string& rel) { return std::string(ZKCC_TEST_DATA) + "/attestation/" + rel; }

Bytes load(const std::string& rel) {
  auto b = read_file(shared(rel));
  EXPECT_TRUE(b.ok()) << rel << ": " << b.status().to_string();
  return b.ok() ? *b : Bytes{};
}

std::string load_text(const std::string& rel) {
  Bytes b = load(rel);
  return std::string(b.begin(), b.end());
}

Bytes load_hex(const std::string& rel) {
  std::string t = load_text(rel);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return *from_hex(t);
}

int64_t at(const char* t) { return *parse_rfc3339(t); }

std::array<uint8_t, 64> report_data_of(const Bytes& snp_report) {
  std::array<uint8_t, 64> rd{};
  std::copy(snp_report.begin() + 0x50, snp_report.begin() + 0x90, rd.begin());
  return rd;
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}

fs::path fresh_dir(const std::string& tag) {
  fs::path d = fs::temp_directory_path() / ("zkcc_collect_" + std::to_string(::getpid()) + "_" + tag + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// ---------------------------------------------------------------------------------------------
// SEV-SNP certificate tables.

using Guid = std::array<uint8_t, 16>;
// The GHCB specification's GUIDs, in the byte order of their text.
const Guid kVcekGuid = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
const Guid kVlekGuid = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
const Guid kAskGuid = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
const Guid kArkGuid = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
// VCEK in the mixed-endian UEFI layout.
const Guid kVcekGuidUefi = {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};

void put_le32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

// A table as a host lays it out: the entries, the all-zero terminator, then the certificates.
Bytes make_table(const std::vector<std::pair<Guid, Bytes>>& entries) {
  size_t header = (entries.size() + 1) * 24;
  Bytes t(header, 0);
  size_t off = header;
  for (size_t i = 0; i < entries.size(); ++i) {
    std::copy(entries[i].first.begin(), entries[i].first.end(), t.begin() + static_cast<std::ptrdiff_t>(i * 24));
    put_le32(t, i * 24 + 16, static_cast<uint32_t>(off));
    put_le32(t, i * 24 + 20, static_cast<uint32_t>(entries[i].second.size()));
    t.insert(t.end(), entries[i].second.begin(), entries[i].second.end());
    off += entries[i].second.size();
  }
  return t;
}

struct MilanCerts {
  Bytes vcek, ask, ark;
};

MilanCerts milan_certs() {
  MilanCerts c;
  c.vcek = load("sev-snp/gosevguest_milan_vcek.der");
  auto chain = Certificate::from_pem_bundle(load_text("sev-snp/amd_milan_vcek_ask_ark.pem"));
  EXPECT_TRUE(chain.ok() && chain->size() == 2);
  c.ask = (*chain)[0].der();
  c.ark = (*chain)[1].der();
  return c;
}

// Evidence order regardless of table order.
Bytes milan_table() {
  MilanCerts c = milan_certs();
  return make_table({{kArkGuid, c.ark}, {kAskGuid, c.ask}, {kVcekGuid, c.vcek}});
}

Verdict verify_snp(const CpuEvidence& ev) {
  std::vector<Certificate> certs;
  for (const Bytes& der : ev.certificates) certs.push_back(*Certificate::from_der(der));
  return sev_snp::verify_report(ev.report, certs, sev_snp::TrustRoots{}, at("2026-11-25T00:00:00Z"));
}

TEST(SnpCertTable, EntriesComeOutInEvidenceOrder) {
  MilanCerts c = milan_certs();
  auto entries = parse_snp_cert_table(milan_table());
  ASSERT_TRUE(entries.ok()) << entries.status().to_string();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].kind, SnpCertKind::kArk);
  EXPECT_EQ((*entries)[2].kind, SnpCertKind::kVcek);
  std::vector<Bytes> certs = snp_evidence_certificates(*entries);
  ASSERT_EQ(certs.size(), 3u);
  EXPECT_EQ(certs[0], c.vcek);
  EXPECT_EQ(certs[1], c.ask);
  EXPECT_EQ(certs[2], c.ark);

  Bytes vlek = load("sev-snp/trustee_milan_vlek.der");
  auto vlek_entries = parse_snp_cert_table(make_table({{kAskGuid, c.ask}, {kVlekGuid, vlek}}));
  ASSERT_TRUE(vlek_entries.ok()) << vlek_entries.status().to_string();
  EXPECT_EQ((*vlek_entries)[1].kind, SnpCertKind::kVlek);
  EXPECT_EQ(snp_evidence_certificates(*vlek_entries), (std::vector<Bytes>{vlek, c.ask}));
}

TEST(SnpCertTable, AcceptsUefiOrderGuidsPemEntriesAndUnknownGuids) {
  MilanCerts c = milan_certs();
  std::string pem = "-----BEGIN CERTIFICATE-----\n" + to_base64(c.ask) + "\n-----END CERTIFICATE-----\n";
  Guid other = kVcekGuid;
  other[0] ^= 0xff;
  auto entries = parse_snp_cert_table(
      make_table({{kVcekGuidUefi, c.vcek}, {kAskGuid, Bytes(pem.begin(), pem.end())}, {other, Bytes{1, 2, 3}}}));
  ASSERT_TRUE(entries.ok()) << entries.status().to_string();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].kind, SnpCertKind::kVcek);
  EXPECT_EQ((*entries)[1].data, c.ask);  // PEM converted to DER
  EXPECT_EQ((*entries)[2].kind, SnpCertKind::kOther);
  std::vector<Bytes> certs = snp_evidence_certificates(*entries);
  ASSERT_EQ(certs.size(), 2u);  // the unknown entry is not a certificate of the chain
  EXPECT_EQ(certs[0], c.vcek);
}

TEST(SnpCertTable, EmptyAndZeroFilledTablesHaveNoEntries) {
  EXPECT_TRUE(parse_snp_cert_table({})->empty());
  EXPECT_TRUE(parse_snp_cert_table(Bytes(4096, 0))->empty());
}

TEST(SnpCertTable, RejectsMalformedTables) {
  MilanCerts c = milan_certs();
  Bytes good = make_table({{kVcekGuid, c.vcek}, {kAskGuid, c.ask}});

  Bytes past_end = good;
  put_le32(past_end, 20, static_cast<uint32_t>(good.size()));  // VCEK length runs past the end
  EXPECT_EQ(parse_snp_cert_table(past_end).status().code(), StatusCode::kDataLoss);

  Bytes overflow = good;
  put_le32(overflow, 16, 0xfffffff0u);  // offset + length wraps 32 bits
  EXPECT_EQ(parse_snp_cert_table(overflow).status().code(), StatusCode::kDataLoss);

  Bytes inside_header = good;
  put_le32(inside_header, 16, 24);  // points into the entry list
  auto s = parse_snp_cert_table(inside_header);
  EXPECT_EQ(s.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(s.status().message().find("inside the entry list"), std::string::npos);

  Bytes empty_entry = good;
  put_le32(empty_entry, 20, 0);
  EXPECT_FALSE(parse_snp_cert_table(empty_entry).ok());

  Bytes unterminated(good.begin(), good.begin() + 48);  // two entries, no terminator, no data
  EXPECT_EQ(parse_snp_cert_table(unterminated).status().code(), StatusCode::kOutOfRange);

  Bytes twice = make_table({{kVcekGuid, c.vcek}, {kVcekGuidUefi, c.vcek}});
  EXPECT_NE(parse_snp_cert_table(twice).status().message().find("two VCEK"), std::string::npos);

  Bytes dirty_terminator = good;
  put_le32(dirty_terminator, 48 + 20, 5);  // zero GUID with a length
  EXPECT_FALSE(parse_snp_cert_table(dirty_terminator).ok());

  Bytes bad_pem = make_table({{kVcekGuid, Bytes{'-', '-', '-', '-', '-', 'B', 'E', 'G', 'I', 'N', ' ', 'x'}}});
  EXPECT_FALSE(parse_snp_cert_table(bad_pem).ok());
}

// ---------------------------------------------------------------------------------------------
// /dev/sev-guest: the kernel's side of SNP_GET_REPORT and SNP_GET_EXT_REPORT, written from the
// uapi header (linux/sev-guest.h) independently of the collector's own declarations.

constexpr int kSevFd = 7;
constexpr uint64_t kInvalidLen = uint64_t(1) << 32;  // SNP_GUEST_VMM_ERR(SNP_GUEST_VMM_ERR_INVALID_LEN)

class FakeSevGuest : public DeviceIo {
 public:
  std::string path = "/dev/sev-guest";
  Bytes report = load("sev-snp/gosevguest_milan_v2_report.bin");
  Bytes table;          // the host's certificate table; empty: none
  Bytes grown_table;    // when set, replaces `table` after the first size answer
  int open_errno = 0;
  int fail_errno = 0;   // every request fails with this errno and exitinfo2
  uint64_t fail_exitinfo2 = 0;
  uint32_t firmware_status = 0;
  uint32_t report_size = 1184;
  uint32_t guest_vmpl = 0;

  // What the device saw.
  int open_fds = 0;
  std::vector<unsigned long> requests;
  std::vector<uint32_t> certs_lens;
  std::array<uint8_t, 64> user_data{};
  uint32_t vmpl = 99;

  int open(const std::string& p, int flags) override {
    if (open_errno != 0) return -open_errno;
    if (p != path) return -ENOENT;
    if ((flags & O_ACCMODE) != O_RDWR) return -EINVAL;
    ++open_fds;
    return kSevFd;
  }
  int close(int fd) override {
    if (fd != kSevFd) return -EBADF;
    --open_fds;
    return 0;
  }
  int ioctl(int fd, unsigned long request, void* arg) override {
    if (fd != kSevFd) return -EBADF;
    requests.push_back(request);
    auto* io = static_cast<snp_guest_request_ioctl*>(arg);
    io->exitinfo2 = 0xff;  // the driver's starting value
    if (io->msg_version == 0) return -EINVAL;
    if (request != SNP_GET_REPORT && request != SNP_GET_EXT_REPORT) return -ENOTTY;
    if (io->req_data == 0 || io->resp_data == 0) return -EINVAL;
    if (fail_errno != 0) {
      io->exitinfo2 = fail_exitinfo2;
      return -fail_errno;
    }
    snp_ext_report_req* ext = nullptr;
    snp_report_req* req;
    if (request == SNP_GET_EXT_REPORT) {
      ext = reinterpret_cast<snp_ext_report_req*>(io->req_data);
      req = &ext->data;
    } else {
      req = reinterpret_cast<snp_report_req*>(io->req_data);
    }
    for (uint8_t b : req->rsvd) {
      if (b != 0) {
        io->exitinfo2 = 22;  // firmware: INVALID_PARAM
        return -EIO;
      }
    }
    if (req->vmpl > 3 || req->vmpl < guest_vmpl) {
      io->exitinfo2 = 22;
      return -EIO;
    }
    std::memcpy(user_data.data(), req->user_data, 64);
    vmpl = req->vmpl;
    if (ext != nullptr) {
      certs_lens.push_back(ext->certs_len);
      bool wants = ext->certs_len != 0 && ext->certs_address != 0;
      if (wants && (ext->certs_len > 0x4000 || ext->certs_len % 4096 != 0)) return -EINVAL;
      if (!table.empty()) {
        uint32_t need = static_cast<uint32_t>((table.size() + 4095) / 4096 * 4096);
        if (!wants || ext->certs_len < need) {
          ext->certs_len = need;
          io->exitinfo2 = kInvalidLen;
          if (!grown_table.empty()) table = std::exchange(grown_table, {});
          return -EIO;
        }
        auto* out = reinterpret_cast<uint8_t*>(ext->certs_address);
        std::memset(out, 0, ext->certs_len);
        std::memcpy(out, table.data(), table.size());
      }
    }
    auto* resp = reinterpret_cast<uint8_t*>(io->resp_data);
    std::memset(resp, 0, sizeof(snp_report_resp));
    std::memcpy(resp, &firmware_status, 4);
    std::memcpy(resp + 4, &report_size, 4);
    std::memcpy(resp + 32, report.data(), std::min<size_t>(report.size(), sizeof(snp_report_resp) - 32));
    io->exitinfo2 = 0;
    return 0;
  }
};

SevGuestOptions with(FakeSevGuest& dev, bool extended = true) {
  SevGuestOptions o;
  o.io = &dev;
  o.extended = extended;
  return o;
}

TEST(SevGuest, ExtendedReportAsksForTheTableSizeThenCollectsVerifiableEvidence) {
  FakeSevGuest dev;
  dev.table = milan_table();
  auto rd = report_data_of(dev.report);
  SevGuestAttester attester(dev.path, with(dev));
  auto ev = attester.attest(rd);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->platform, CpuPlatform::kSevSnp);
  EXPECT_EQ(ev->source, "/dev/sev-guest");
  EXPECT_EQ(ev->report, dev.report);
  ASSERT_EQ(ev->certificates.size(), 3u);
  EXPECT_EQ(ev->certificates[0], milan_certs().vcek);
  Verdict v = verify_snp(*ev);
  EXPECT_TRUE(v.ok()) << v.summary();

  ASSERT_EQ(dev.certs_lens.size(), 2u);
  EXPECT_EQ(dev.certs_lens[0], 0u);  // the size query
  EXPECT_EQ(dev.certs_lens[1], 8192u);
  EXPECT_EQ(dev.requests[0], static_cast<unsigned long>(SNP_GET_EXT_REPORT));
  EXPECT_EQ(dev.user_data, rd);
  EXPECT_EQ(dev.vmpl, 0u);
  EXPECT_EQ(dev.open_fds, 0);  // closed again
}

TEST(SevGuest, PlainReportUsesSnpGetReportAtTheRequestedVmpl) {
  FakeSevGuest dev;
  dev.table = milan_table();
  SevGuestOptions o = with(dev, false);
  o.vmpl = 1;
  dev.report[0x30] = 1;  // the sample's VMPL field, as a VMPL-1 request returns it
  auto ev = SevGuestAttester(dev.path, o).attest(report_data_of(dev.report));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->report, dev.report);
  EXPECT_TRUE(ev->certificates.empty());
  ASSERT_EQ(dev.requests.size(), 1u);
  EXPECT_EQ(dev.requests[0], static_cast<unsigned long>(SNP_GET_REPORT));
  EXPECT_EQ(dev.vmpl, 1u);

  dev.report[0x30] = 0;  // a report for another VMPL than asked for
  auto wrong = SevGuestAttester(dev.path, o).attest(report_data_of(dev.report));
  EXPECT_EQ(wrong.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(wrong.status().message().find("VMPL 0"), std::string::npos);
}

TEST(SevGuest, HostWithoutCertificatesAnswersTheFirstRequest) {
  FakeSevGuest dev;
  SevGuestAttester attester(dev.path, with(dev));
  auto ev = attester.attest(report_data_of(dev.report));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_TRUE(ev->certificates.empty());
  EXPECT_EQ(dev.certs_lens.size(), 1u);
}

TEST(SevGuest, GrowingTableIsAskedForAgain) {
  FakeSevGuest dev;
  dev.table = milan_table();
  dev.grown_table = dev.table;
  dev.grown_table.resize(10000, 0);  // now needs three pages
  auto ev = SevGuestAttester(dev.path, with(dev)).attest(report_data_of(dev.report));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->certificates.size(), 3u);
  EXPECT_EQ(dev.certs_lens, (std::vector<uint32_t>{0, 8192, 12288}));
}

TEST(SevGuest, OversizedTableIsRefusedWithoutAllocating) {
  FakeSevGuest dev;
  dev.table = Bytes(1 << 20, 0);
  auto r = sev_guest_report(dev.path, report_data_of(dev.report), with(dev));
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("1048576"), std::string::npos);
  EXPECT_EQ(dev.certs_lens.size(), 1u);
}

TEST(SevGuest, KernelAndFirmwareErrorsArePrecise) {
  auto rd = std::array<uint8_t, 64>{};
  {
    FakeSevGuest dev;
    dev.fail_errno = ENOTTY;  // VMPCK disabled: the driver returns before reaching the firmware
    dev.fail_exitinfo2 = 0xff;
    auto r = sev_guest_report(dev.path, rd, with(dev));
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("VMPCK"), std::string::npos);
    EXPECT_NE(r.status().message().find("did not reach the firmware"), std::string::npos);
    EXPECT_EQ(dev.open_fds, 0);
  }
  for (int err : {EBUSY, EAGAIN, ETIMEDOUT}) {
    FakeSevGuest dev;
    dev.fail_errno = err;
    EXPECT_EQ(sev_guest_report(dev.path, rd, with(dev)).status().code(), StatusCode::kUnavailable) << err;
  }
  {
    FakeSevGuest dev;
    dev.fail_errno = EIO;
    dev.fail_exitinfo2 = uint64_t(2) << 32;  // vmm_error BUSY
    EXPECT_EQ(sev_guest_report(dev.path, rd, with(dev)).status().code(), StatusCode::kUnavailable);
  }
  {
    FakeSevGuest dev;
    dev.fail_errno = EIO;
    dev.fail_exitinfo2 = 0x7;  // firmware POLICY_FAILURE
    auto r = sev_guest_report(dev.path, rd, with(dev));
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    EXPECT_NE(r.status().message().find("fw_error 0x7 (POLICY_FAILURE)"), std::string::npos) << r.status().message();
  }
  {
    FakeSevGuest dev;
    dev.guest_vmpl = 2;  // a guest at VMPL 2 asking for a VMPL-0 report
    auto r = sev_guest_report(dev.path, rd, with(dev));
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("INVALID_PARAM"), std::string::npos);
  }
  {
    FakeSevGuest dev;
    dev.open_errno = EACCES;
    EXPECT_EQ(sev_guest_report(dev.path, rd, with(dev)).status().code(), StatusCode::kPermissionDenied);
  }
  {
    FakeSevGuest dev;
    auto r = sev_guest_report("/dev/sev-guest-missing", rd, with(dev));
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  }
  {
    SevGuestOptions o;
    o.vmpl = 4;
    EXPECT_EQ(sev_guest_report("/dev/sev-guest", rd, o).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SevGuest, BadResponsesAreRejected) {
  {
    FakeSevGuest dev;
    dev.firmware_status = 0x16;  // MSG_REPORT_RSP status INVALID_PARAM
    auto r = sev_guest_report(dev.path, report_data_of(dev.report), with(dev));
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("INVALID_PARAM"), std::string::npos);
  }
  {
    FakeSevGuest dev;
    dev.report_size = 1000;
    EXPECT_EQ(sev_guest_report(dev.path, report_data_of(dev.report), with(dev)).status().code(), StatusCode::kDataLoss);
  }
  {
    FakeSevGuest dev;  // the device answers for other report data
    auto other = report_data_of(dev.report);
    other[63] ^= 1;
    auto ev = SevGuestAttester(dev.path, with(dev)).attest(other);
    EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(ev.status().message().find("REPORT_DATA"), std::string::npos);
  }
  {
    FakeSevGuest dev;  // the host's table is malformed
    dev.table = milan_table();
    put_le32(dev.table, 20, 1 << 20);
    auto ev = SevGuestAttester(dev.path, with(dev)).attest(report_data_of(dev.report));
    EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(ev.status().message().find("certificate table"), std::string::npos);
  }
  {
    FakeSevGuest dev;  // not an SNP report at all
    std::fill(dev.report.begin(), dev.report.begin() + 4, 0xee);
    auto ev = SevGuestAttester(dev.path, with(dev)).attest(report_data_of(dev.report));
    EXPECT_FALSE(ev.ok());
  }
}

// ---------------------------------------------------------------------------------------------
// /dev/tdx_guest.

struct TdxReportReq {
  uint8_t reportdata[64];
  uint8_t tdreport[1024];
};
constexpr unsigned long kTdxGetReport0 = _IOWR('T', 1, TdxReportReq);

Bytes real_tdreport() {
  Bytes hcl = load("azure/trustee_az_tdx_hcl_report.bin");
  return Bytes(hcl.begin() + 32, hcl.begin() + 32 + 1024);
}

class FakeTdxGuest : public DeviceIo {
 public:
  Bytes tdreport = real_tdreport();
  int fail_errno = 0;
  int open_fds = 0;
  int open(const std::string& p, int) override {
    if (p != "/dev/tdx_guest") return -ENOENT;
    ++open_fds;
    return 9;
  }
  int close(int) override {
    --open_fds;
    return 0;
  }
  int ioctl(int fd, unsigned long request, void* arg) override {
    if (fd != 9) return -EBADF;
    if (request != kTdxGetReport0) return -ENOTTY;
    if (fail_errno != 0) return -fail_errno;
    auto* req = static_cast<TdxReportReq*>(arg);
    // TDG.MR.REPORT: REPORTDATA goes into REPORTMACSTRUCT at offset 128 (covered only by the MAC).
    std::memcpy(req->tdreport, tdreport.data(), 1024);
    std::memcpy(req->tdreport + 128, req->reportdata, 64);
    return 0;
  }
};

TEST(TdxGuest, TdreportCarriesTheReportData) {
  FakeTdxGuest dev;
  std::array<uint8_t, 64> rd{};
  for (size_t i = 0; i < rd.size(); ++i) rd[i] = static_cast<uint8_t>(i * 3);
  auto r = tdx_guest_tdreport("/dev/tdx_guest", rd, &dev);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 1024u);
  auto parsed = tdx::parse_tdreport(*r);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->body.report_data, rd);
  EXPECT_EQ(dev.open_fds, 0);
}

TEST(TdxGuest, FailuresAndCorruptReportsAreRejected) {
  std::array<uint8_t, 64> rd{};
  FakeTdxGuest failing;
  failing.fail_errno = EIO;
  auto r = tdx_guest_tdreport("/dev/tdx_guest", rd, &failing);
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("TDG.MR.REPORT"), std::string::npos);
  EXPECT_EQ(failing.open_fds, 0);

  FakeTdxGuest corrupt;
  corrupt.tdreport[600] ^= 1;  // TDINFO no longer matches its hash in REPORTMACSTRUCT
  EXPECT_FALSE(tdx_guest_tdreport("/dev/tdx_guest", rd, &corrupt).ok());

  FakeTdxGuest dev;
  EXPECT_EQ(tdx_guest_tdreport("/dev/tdx_guest-missing", rd, &dev).status().code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// configfs-tsm: a fake kernel serving a report directory.
//
// On mkdir of an entry it creates the attributes: provider, generation, privlevel and
// privlevel_floor (sev_guest), inblob, and outblob and auxblob as FIFOs, because configfs makes
// the report when outblob is read: a reader blocks in open() until the fake kernel has seen every
// write before it (inotify IN_CLOSE_WRITE on inblob and privlevel, each incrementing generation)
// and writes the blob. A reader's IN_CLOSE_NOWRITE re-arms the FIFO for the next read.

struct TsmConfig {
  std::string provider = "sev_guest";  // empty: no provider attribute
  Bytes outblob;
  Bytes auxblob;
  bool has_auxblob = true;
  // Times another writer bumps generation while outblob is being read; -1: every time.
  int races = 0;
};

class FakeTsmKernel {
 public:
  FakeTsmKernel(fs::path report_dir, TsmConfig config) : dir_(std::move(report_dir)), config_(std::move(config)) {
    fs::create_directories(dir_);
    ::signal(SIGPIPE, SIG_IGN);  // a reader that gives up early must not kill the test
    inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    EXPECT_GE(inotify_, 0);
    {
      std::lock_guard<std::mutex> l(g_fake_mu);
      g_fake = this;
    }
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeTsmKernel() {
    {
      std::lock_guard<std::mutex> l(g_fake_mu);
      g_fake = nullptr;
    }
    stop_ = true;
    thread_.join();
    ::close(inotify_);
  }

  const fs::path& dir() const { return dir_; }
  std::vector<Bytes> inblobs() {
    std::lock_guard<std::mutex> l(mu_);
    return inblobs_;
  }
  std::vector<std::string> privlevels() {
    std::lock_guard<std::mutex> l(mu_);
    return privlevels_;
  }
  int entries_made() {
    std::lock_guard<std::mutex> l(mu_);
    return made_;
  }
  bool empty() const { return fs::is_empty(dir_); }

  // Called by mkdir/rmdir on the collector's thread.
  void on_mkdir(const fs::path& entry) {
    if (entry.parent_path() != dir_) return;
    std::lock_guard<std::mutex> l(mu_);
    if (!config_.provider.empty()) write_text(entry / "provider", config_.provider + "\n");
    write_text(entry / "generation", "0\n");
    write_text(entry / "inblob", "");
    if (config_.provider == "sev_guest") {
      write_text(entry / "privlevel", "");
      write_text(entry / "privlevel_floor", "0\n");
    }
    EXPECT_EQ(::mkfifo((entry / "outblob").c_str(), 0600), 0);
    if (config_.has_auxblob) {
      EXPECT_EQ(::mkfifo((entry / "auxblob").c_str(), 0600), 0);
    }
    int wd = ::inotify_add_watch(inotify_, entry.c_str(), IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
    EXPECT_GE(wd, 0);
    entries_[wd] = Entry{entry};
    ++made_;
  }
  void on_rmdir(const fs::path& entry) {
    if (entry.parent_path() != dir_) return;
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.path == entry) {
        ::inotify_rm_watch(inotify_, it->first);
        entries_.erase(it);
        break;
      }
    }
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(entry, ec)) fs::remove(f.path(), ec);
  }

 private:
  struct Entry {
    fs::path path;
    uint64_t generation = 0;
    bool outblob_armed = true;
    bool auxblob_armed = true;
  };

  void set_generation(Entry& e, uint64_t g) {
    e.generation = g;
    write_text(e.path / "generation.new", std::to_string(g) + "\n");
    fs::rename(e.path / "generation.new", e.path / "generation");
  }

  // Applies the writes and reader closes inotify has reported. Called with mu_ held.
  void drain() {
    alignas(inotify_event) char buf[8192];
    for (;;) {
      ssize_t n = ::read(inotify_, buf, sizeof buf);
      if (n <= 0) return;
      for (ssize_t off = 0; off < n;) {
        auto* ev = reinterpret_cast<inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        auto it = entries_.find(ev->wd);
        if (it == entries_.end() || ev->len == 0) continue;
        Entry& e = it->second;
        std::string name = ev->name;
        if ((ev->mask & IN_CLOSE_WRITE) && (name == "inblob" || name == "privlevel")) {
          set_generation(e, e.generation + 1);
          auto content = read_file((e.path / name).string());
          if (name == "inblob" && content.ok()) inblobs_.push_back(*content);
          if (name == "privlevel" && content.ok()) privlevels_.emplace_back(content->begin(), content->end());
        } else if (ev->mask & IN_CLOSE_NOWRITE) {
          if (name == "outblob") e.outblob_armed = true;
          if (name == "auxblob") e.auxblob_armed = true;
        }
      }
    }
  }

  // Writes a blob to a FIFO that has a reader waiting; false when none does.
  bool serve(Entry& e, const char* name, const Bytes& data, bool is_outblob) {
    int fd = ::open((e.path / name).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return false;
    drain();  // every write the reader made before opening is now counted
    ::fcntl(fd, F_SETFL, 0);
    for (size_t off = 0; off < data.size();) {
      ssize_t w = ::write(fd, data.data() + off, data.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    if (is_outblob && config_.races != 0) {
      set_generation(e, e.generation + 1);  // another process's write, behind the reader's back
      if (config_.races > 0) --config_.races;
    }
    ::close(fd);
    return true;
  }

  void loop() {
    while (!stop_) {
      pollfd p{inotify_, POLLIN, 0};
      ::poll(&p, 1, 2);
      std::lock_guard<std::mutex> l(mu_);
      drain();
      for (auto& kv : entries_) {
        Entry& e = kv.second;
        if (e.outblob_armed && serve(e, "outblob", config_.outblob, true)) e.outblob_armed = false;
        if (config_.has_auxblob && e.auxblob_armed && serve(e, "auxblob", config_.auxblob, false)) e.auxblob_armed = false;
      }
    }
  }

  fs::path dir_;
  TsmConfig config_;
  int inotify_ = -1;
  std::mutex mu_;
  std::map<int, Entry> entries_;
  std::vector<Bytes> inblobs_;
  std::vector<std::string> privlevels_;
  int made_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void fake_mkdir_hook(const char* path) {
  std::lock_guard<std::mutex> l(g_fake_mu);
  if (g_fake != nullptr) g_fake->on_mkdir(fs::path(path).lexically_normal());
}

void fake_rmdir_hook(const char* path) {
  std::lock_guard<std::mutex> l(g_fake_mu);
  if (g_fake != nullptr) g_fake->on_rmdir(fs::path(path).lexically_normal());
}

class ConfigfsTsm : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_dir("tsm");
    report_dir_ = (root_ / "sys/kernel/config/tsm/report").lexically_normal();
  }
  void TearDown() override { fs::remove_all(root_); }

  TsmConfig snp_config() {
    TsmConfig c;
    c.outblob = load("sev-snp/gosevguest_milan_v2_report.bin");
    c.auxblob = milan_table();
    c.auxblob.resize(8192, 0);  // the kernel hands over whole pages
    return c;
  }
  TsmConfig tdx_config() {
    TsmConfig c;
    c.provider = "tdx_guest";
    c.has_auxblob = false;
    c.outblob = load("gcp/gotdxguest_cos113_tdx_quote_v4.bin");  // 8000 bytes, zero padded
    return c;
  }

  fs::path root_;
  fs::path report_dir_;
};

TEST_F(ConfigfsTsm, SnpReportAndAuxblobCertificatesVerify) {
  TsmConfig c = snp_config();
  FakeTsmKernel kernel(report_dir_, c);
  auto rd = report_data_of(c.outblob);
  ConfigfsTsmAttester attester(report_dir_.string(), CpuPlatform::kSevSnp);
  EXPECT_EQ(attester.platform(), CpuPlatform::kSevSnp);
  auto ev = attester.attest(rd);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->source, "configfs-tsm");
  EXPECT_EQ(ev->report, c.outblob);
  ASSERT_EQ(ev->certificates.size(), 3u);
  Verdict v = verify_snp(*ev);
  EXPECT_TRUE(v.ok()) << v.summary();

  ASSERT_EQ(kernel.inblobs().size(), 1u);
  EXPECT_EQ(kernel.inblobs()[0], Bytes(rd.begin(), rd.end()));  // exactly the 64 bytes
  EXPECT_TRUE(kernel.privlevels().empty());
  EXPECT_EQ(kernel.entries_made(), 1);
  EXPECT_TRUE(kernel.empty());  // the entry was removed
}

TEST_F(ConfigfsTsm, TdxEvidenceCarriesTheEventLogThatReplays) {
  TsmConfig c = tdx_config();
  FakeTsmKernel kernel(report_dir_, c);
  std::array<uint8_t, 64> zeros{};
  fs::path ccel = root_ / "sys/firmware/acpi/tables/data/CCEL";
  fs::create_directories(ccel.parent_path());
  Bytes log = load("gcp/gotdxguest_cos113_ccel_eventlog.bin");
  write_text(ccel, std::string(log.begin(), log.end()));
  ConfigfsTsmOptions o;
  o.event_log = ccel.string();
  auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx, o).attest(zeros);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->event_log, log);
  // A log that does not replay to this quote's RTMRs, or none at all, is left out.
  Bytes changed = log;
  changed[32 + 33 + 12 + 2 + 5] ^= 1;
  write_text(ccel, std::string(changed.begin(), changed.end()));
  ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx, o).attest(zeros);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_TRUE(ev->event_log.empty());
  fs::remove(ccel);
  ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx, o).attest(zeros);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_TRUE(ev->event_log.empty());
  EXPECT_TRUE(kernel.empty());
}

TEST_F(ConfigfsTsm, TheAcpiCcelTableVouchesForTheEventLog) {
  TsmConfig c = tdx_config();
  FakeTsmKernel kernel(report_dir_, c);
  std::array<uint8_t, 64> zeros{};
  fs::path tables = root_ / "sys/firmware/acpi/tables";
  fs::create_directories(tables / "data");
  Bytes log = load("gcp/gotdxguest_cos113_ccel_eventlog.bin");
  Bytes table = load("gcp/gotdxguest_cos113_ccel_acpi_table.bin");
  write_text(tables / "data/CCEL", std::string(log.begin(), log.end()));
  ConfigfsTsmOptions o;
  o.event_log = (tables / "data/CCEL").string();
  o.ccel_table = (tables / "CCEL").string();
  auto with_table = [&](const Bytes& t) {
    write_text(tables / "CCEL", std::string(t.begin(), t.end()));
    auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx, o).attest(zeros);
    EXPECT_TRUE(ev.ok()) << ev.status().to_string();
    return ev.ok() ? ev->event_log : Bytes{};
  };
  // GCP's table describes exactly this 256 KiB log area: the log is carried.
  EXPECT_EQ(with_table(table), log);
  // A table that fails its checksum, or is not a TDX table (CC type 1 with the checksum adjusted),
  // or one whose log area is another length than the log: the log is left out.
  Bytes bad_sum = table;
  bad_sum[20] ^= 1;
  EXPECT_TRUE(with_table(bad_sum).empty());
  Bytes sev = table;
  sev[36] = 1;
  sev[9] = static_cast<uint8_t>(sev[9] + 1);
  EXPECT_TRUE(with_table(sev).empty());
  Bytes shorter = table;
  shorter[42] = 0x02;  // LAML 0x20000: half the log
  shorter[9] = static_cast<uint8_t>(shorter[9] + 2);
  EXPECT_TRUE(with_table(shorter).empty());
  Bytes truncated(table.begin(), table.begin() + 40);
  EXPECT_TRUE(with_table(truncated).empty());
  // No table where one is expected: left out.
  fs::remove(tables / "CCEL");
  auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx, o).attest(zeros);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_TRUE(ev->event_log.empty());
  EXPECT_TRUE(kernel.empty());
}

TEST_F(ConfigfsTsm, PrivlevelIsWrittenAndCountedInGeneration) {
  TsmConfig c = snp_config();
  FakeTsmKernel kernel(report_dir_, c);
  ConfigfsTsmOptions o;
  o.privlevel = 0;
  auto r = read_tsm_report(report_dir_.string(), report_data_of(c.outblob), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "sev_guest");
  EXPECT_EQ(r->generation, 2u);  // privlevel and inblob
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->outblob, c.outblob);
  EXPECT_EQ(r->auxblob, c.auxblob);
  EXPECT_EQ(kernel.privlevels(), (std::vector<std::string>{"0\n"}));
  EXPECT_TRUE(kernel.empty());

  // A VMPL the report does not carry is refused.
  ConfigfsTsmOptions vmpl2;
  vmpl2.privlevel = 2;
  auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kSevSnp, vmpl2).attest(report_data_of(c.outblob));
  EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(ev.status().message().find("VMPL 0"), std::string::npos);
  EXPECT_TRUE(kernel.empty());
}

TEST_F(ConfigfsTsm, TdxQuoteIsCutToItsDeclaredLength) {
  TsmConfig c = tdx_config();
  FakeTsmKernel kernel(report_dir_, c);
  std::array<uint8_t, 64> zeros{};  // the sample's REPORTDATA
  auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx).attest(zeros);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  auto q = tdx::parse_quote(c.outblob);
  ASSERT_TRUE(q.ok());
  ASSERT_GT(q->trailing_bytes, 0u);
  EXPECT_EQ(ev->report.size(), q->declared_size);
  EXPECT_TRUE(std::equal(ev->report.begin(), ev->report.end(), c.outblob.begin()));
  EXPECT_EQ(ev->platform, CpuPlatform::kTdx);
  EXPECT_TRUE(ev->certificates.empty());
  EXPECT_TRUE(kernel.empty());

  std::array<uint8_t, 64> other{};
  other[0] = 1;
  auto bad = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kTdx).attest(other);
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(kernel.empty());
}

TEST_F(ConfigfsTsm, GenerationRaceIsRetried) {
  TsmConfig c = snp_config();
  c.races = 1;
  FakeTsmKernel kernel(report_dir_, c);
  auto r = read_tsm_report(report_dir_.string(), report_data_of(c.outblob));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->generation, 3u);  // ours, the racer's, ours again
  EXPECT_EQ(kernel.inblobs().size(), 2u);
  EXPECT_EQ(kernel.entries_made(), 1);
  EXPECT_TRUE(kernel.empty());
}

TEST_F(ConfigfsTsm, EndlessRaceFailsAfterTheAttempts) {
  TsmConfig c = tdx_config();
  c.races = -1;
  FakeTsmKernel kernel(report_dir_, c);
  ConfigfsTsmOptions o;
  o.max_attempts = 3;
  auto r = read_tsm_report(report_dir_.string(), std::array<uint8_t, 64>{}, o);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("another process"), std::string::npos);
  EXPECT_EQ(kernel.inblobs().size(), 3u);
  EXPECT_TRUE(kernel.empty());
}

TEST_F(ConfigfsTsm, MissingOrWrongProviderIsRefusedAndTheEntryRemoved) {
  {
    TsmConfig c = snp_config();
    c.provider = "";
    FakeTsmKernel kernel(report_dir_, c);
    auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kSevSnp).attest(report_data_of(c.outblob));
    EXPECT_EQ(ev.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(ev.status().message().find("no provider"), std::string::npos);
    EXPECT_EQ(kernel.entries_made(), 1);
    EXPECT_TRUE(kernel.empty());
    EXPECT_TRUE(kernel.inblobs().empty());
  }
  {
    TsmConfig c = tdx_config();
    FakeTsmKernel kernel(report_dir_, c);
    auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kSevSnp).attest(std::array<uint8_t, 64>{});
    EXPECT_EQ(ev.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(ev.status().message().find("tdx_guest"), std::string::npos);
    EXPECT_TRUE(kernel.empty());
  }
}

TEST_F(ConfigfsTsm, BadBlobsAreRejectedAndTheEntryRemoved) {
  {
    TsmConfig c = snp_config();
    c.outblob.resize(1000);
    FakeTsmKernel kernel(report_dir_, c);
    auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kSevSnp).attest(std::array<uint8_t, 64>{});
    EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(kernel.empty());
  }
  {
    TsmConfig c = snp_config();
    put_le32(c.auxblob, 16, 4);  // first entry's offset inside the entry list
    FakeTsmKernel kernel(report_dir_, c);
    auto ev = ConfigfsTsmAttester(report_dir_.string(), CpuPlatform::kSevSnp).attest(report_data_of(c.outblob));
    EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(ev.status().message().find("auxblob"), std::string::npos);
    EXPECT_TRUE(kernel.empty());
  }
  {
    TsmConfig c = snp_config();
    c.outblob = Bytes(70000, 1);  // more than the bound
    FakeTsmKernel kernel(report_dir_, c);
    auto r = read_tsm_report(report_dir_.string(), std::array<uint8_t, 64>{});
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
    EXPECT_TRUE(kernel.empty());
  }
}

TEST_F(ConfigfsTsm, MissingDirectoryAndBadOptionsAreErrors) {
  EXPECT_EQ(read_tsm_report((root_ / "nope").string(), std::array<uint8_t, 64>{}).status().code(), StatusCode::kNotFound);
  ConfigfsTsmOptions o;
  o.privlevel = 4;
  fs::create_directories(report_dir_);
  EXPECT_EQ(read_tsm_report(report_dir_.string(), std::array<uint8_t, 64>{}, o).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// make_cpu_attester.

TEST_F(ConfigfsTsm, FactoryPrefersConfigfsTsm) {
  TsmConfig c = snp_config();
  FakeTsmKernel kernel(report_dir_, c);
  CpuCapability cap;
  cap.platform = CpuPlatform::kSevSnp;
  cap.interface = CpuInterface::kConfigfsTsm;
  cap.device = report_dir_.string();
  cap.device_available = true;
  auto attester = make_cpu_attester(cap);
  ASSERT_TRUE(attester.ok()) << attester.status().to_string();
  EXPECT_EQ((*attester)->platform(), CpuPlatform::kSevSnp);
  auto ev = (*attester)->attest(report_data_of(c.outblob));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->source, "configfs-tsm");
  EXPECT_EQ(ev->certificates.size(), 3u);
  EXPECT_TRUE(kernel.empty());
}

// An SEV-SNP guest whose usable interface is the ioctl device `device`.
CpuCapability sev_guest_capability(const std::string& device) {
  CpuCapability cap;
  cap.platform = CpuPlatform::kSevSnp;
  cap.interface = CpuInterface::kIoctl;
  cap.device = device;
  cap.device_available = true;
  return cap;
}

// AMD's CRL from a collateral cache (what fetch-collateral stores) travels with the collected
// report into the bundle, and offline verification applies it: a CRL that lists the ASK fails
// "cpu: ASK not revoked". The device answers with a simulated Milan report made for the
// statement's report data, and the simulated VCEK, ASK and ARK as the host's table.
TEST(SnpCrlCollector, TheCachedCrlTravelsInTheBundleAndARevokedAskIsRefused) {
  fs::path dir = fresh_dir("crl");
  auto platform = sim::SimPlatform::open(dir / "sim");
  ASSERT_TRUE(platform.ok()) << platform.status().to_string();
  const Felt252 statement = Felt252::from_u64(42);
  FakeSevGuest dev;
  auto report = platform->snp_report(cpu_report_data(Felt252::zero(), statement));
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  dev.report = *report;
  std::vector<Bytes> certs = platform->snp_certificates();
  dev.table = make_table({{kVcekGuid, certs[0]}, {kAskGuid, certs[1]}, {kArkGuid, certs[2]}});
  collateral::Cache cache(dir / "cache");
  const collateral::Item crl_item = collateral::amd_crl(sev_snp::Product::kMilan, sev_snp::SigningKey::kVcek);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const BundleRoots roots = roots_with_extra(platform->roots().amd);
  // Through the factory, as prove --collateral-cache builds it.
  CpuCapability cap = sev_guest_capability(dev.path);
  CpuCollectOptions o;
  o.io = &dev;
  o.collateral_cache = cache.root().string();
  auto attester = make_cpu_attester(cap, o);
  ASSERT_TRUE(attester.ok()) << attester.status().to_string();
  auto collect = [&] { return attest(statement, SecurityLevel::kTee, attester->get(), nullptr); };

  // Nothing cached: refused, naming the file and how to fill it.
  auto none = collect();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("amd/Milan/vcek_crl.der"), std::string::npos) << none.status().message();
  EXPECT_NE(none.status().message().find("prove-model fetch-collateral"), std::string::npos) << none.status().message();

  // A current CRL: in the bundle's collateral, and checked.
  auto current = platform->snp_crl(now);
  ASSERT_TRUE(current.ok()) << current.status().to_string();
  ASSERT_TRUE(cache.write(crl_item, *current).ok());
  auto honest = collect();
  ASSERT_TRUE(honest.ok()) << honest.status().to_string();
  nlohmann::json bundle = bundle_to_json(*honest);
  EXPECT_EQ(bundle["cpu"]["collateral"], nlohmann::json({{"crl", to_hex(*current)}}));
  Verdict v = verify_bundle(bundle, roots, nullptr, now);
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.summary_line(), "VERIFIED: tee, SEV-SNP, SIMULATED test roots");
  auto named = [](const Verdict& verdict, const std::string& name) {
    for (const Check& c : verdict.checks) {
      if (c.name == name) return &c;
    }
    return static_cast<const Check*>(nullptr);
  };
  ASSERT_NE(named(v, "cpu: ASK not revoked"), nullptr) << v.summary();
  EXPECT_TRUE(named(v, "cpu: ASK not revoked")->ok);

  // AMD revokes the ASK: the next bundle carries that CRL and is refused by the CRL check alone.
  auto revoking = platform->snp_crl(now, {.revoke_ask = true});
  ASSERT_TRUE(revoking.ok()) << revoking.status().to_string();
  ASSERT_TRUE(cache.write(crl_item, *revoking).ok());
  auto revoked = collect();
  ASSERT_TRUE(revoked.ok()) << revoked.status().to_string();
  Verdict r = verify_bundle(bundle_to_json(*revoked), roots, nullptr, now);
  EXPECT_FALSE(r.ok());
  std::vector<std::string> failed;
  for (const Check& c : r.checks) {
    if (!c.ok) failed.push_back(c.name);
  }
  EXPECT_EQ(failed, std::vector<std::string>{"cpu: ASK not revoked"}) << r.summary();
  EXPECT_EQ(r.summary_line(), "REJECTED: tee, SEV-SNP, SIMULATED test roots (failed: cpu: ASK not revoked)");
  EXPECT_NE(named(r, "cpu: ASK not revoked")->detail.find("is revoked by"), std::string::npos);

  // Without a cache the factory adds nothing: the evidence carries no CRL.
  o.collateral_cache.clear();
  auto plain = make_cpu_attester(cap, o);
  ASSERT_TRUE(plain.ok());
  auto bare = (*plain)->attest(cpu_report_data(Felt252::zero(), statement));
  ASSERT_TRUE(bare.ok()) << bare.status().to_string();
  EXPECT_TRUE(bare->collateral.empty());
  fs::remove_all(dir);
}

TEST(CpuFactory, SevGuestDeviceAndItsFallback) {
  FakeSevGuest dev;
  CpuCapability cap = sev_guest_capability(dev.path);
  CpuCollectOptions o;
  o.io = &dev;
  auto attester = make_cpu_attester(cap, o);
  ASSERT_TRUE(attester.ok()) << attester.status().to_string();
  auto ev = (*attester)->attest(report_data_of(dev.report));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->source, "/dev/sev-guest");

  // configfs-tsm present but not writable: <root>/dev/sev-guest is used instead.
  fs::path root = fresh_dir("fallback");
  fs::create_directories(root / "dev");
  write_text(root / "dev/sev-guest", "");
  dev.path = (root / "dev/sev-guest").string();
  CpuCapability tsm;
  tsm.platform = CpuPlatform::kSevSnp;
  tsm.interface = CpuInterface::kConfigfsTsm;
  tsm.device = (root / "sys/kernel/config/tsm/report").string();
  tsm.device_available = false;
  o.root = root.string();
  auto fallback = make_cpu_attester(tsm, o);
  ASSERT_TRUE(fallback.ok()) << fallback.status().to_string();
  auto ev2 = (*fallback)->attest(report_data_of(dev.report));
  EXPECT_TRUE(ev2.ok()) << ev2.status().to_string();
  fs::remove_all(root);

  cap.device_available = false;
  EXPECT_EQ(make_cpu_attester(cap, o).status().code(), StatusCode::kFailedPrecondition);
}

TEST(CpuFactory, RefusesWhatItCannotCollect) {
  CpuCapability none;
  none.notes.push_back("not a confidential VM");
  auto s = make_cpu_attester(none);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("not a confidential VM"), std::string::npos);

  CpuCapability tdx_ioctl;
  tdx_ioctl.platform = CpuPlatform::kTdx;
  tdx_ioctl.interface = CpuInterface::kIoctl;
  tdx_ioctl.device = "/dev/tdx_guest";
  tdx_ioctl.device_available = true;
  auto t = make_cpu_attester(tdx_ioctl);
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(t.status().message().find("configfs-tsm"), std::string::npos);

  for (CpuPlatform p : {CpuPlatform::kAzureSnpVtpm, CpuPlatform::kAzureTdxVtpm}) {
    CpuCapability azure;
    azure.platform = p;
    azure.interface = CpuInterface::kVtpm;
    azure.device_available = true;
    // The vTPM collector is chosen; with no TPM behind its TCTI it fails, naming the cause.
    CpuCollectOptions no_tpm;
    no_tpm.vtpm.tcti = "swtpm:host=127.0.0.1,port=1";
    auto a = make_cpu_attester(azure, no_tpm);
    EXPECT_FALSE(a.ok());
    EXPECT_NE(a.status().code(), StatusCode::kUnimplemented);
    EXPECT_FALSE(a.status().message().empty());
  }

  CpuCapability snp_nothing;
  snp_nothing.platform = CpuPlatform::kSevSnp;
  CpuCollectOptions o;
  o.root = "/nonexistent-root";
  EXPECT_EQ(make_cpu_attester(snp_nothing, o).status().code(), StatusCode::kFailedPrecondition);

  CpuCapability vmpl;
  vmpl.platform = CpuPlatform::kSevSnp;
  o.vmpl = 7;
  EXPECT_EQ(make_cpu_attester(vmpl, o).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// NVML through the fake library.

enum FakeNvmlScenario { kOk = 0, kCcOff = 1, kNotReady = 2, kInitFails = 3, kReportFails = 4, kOversizedReport = 5, kOversizedChain = 6 };

// The test's own handle on the fake library keeps it (and its state) loaded while the collector
// opens and closes it through dlopen.
class FakeNvml {
 public:
  FakeNvml() {
    lib_ = ::dlopen(ZKCC_FAKE_NVML, RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(lib_, nullptr) << ::dlerror();
    reset_ = reinterpret_cast<void (*)(int, unsigned)>(::dlsym(lib_, "zkcc_fake_nvml_reset"));
    set_ = reinterpret_cast<void (*)(const unsigned char*, unsigned, const unsigned char*, unsigned)>(
        ::dlsym(lib_, "zkcc_fake_nvml_set_evidence"));
    sessions_ = reinterpret_cast<int (*)()>(::dlsym(lib_, "zkcc_fake_nvml_sessions"));
    report_calls_ = reinterpret_cast<int (*)()>(::dlsym(lib_, "zkcc_fake_nvml_report_calls"));
    last_nonce_ = reinterpret_cast<void (*)(unsigned char*)>(::dlsym(lib_, "zkcc_fake_nvml_last_nonce"));
  }
  ~FakeNvml() { ::dlclose(lib_); }

  void use(int scenario, unsigned gpus, const Bytes& report, const Bytes& chain) {
    reset_(scenario, gpus);
    set_(report.data(), static_cast<unsigned>(report.size()), chain.data(), static_cast<unsigned>(chain.size()));
  }
  int sessions() { return sessions_(); }
  int report_calls() { return report_calls_(); }
  std::array<uint8_t, 32> last_nonce() {
    std::array<uint8_t, 32> n{};
    last_nonce_(n.data());
    return n;
  }

 private:
  void* lib_ = nullptr;
  void (*reset_)(int, unsigned) = nullptr;
  void (*set_)(const unsigned char*, unsigned, const unsigned char*, unsigned) = nullptr;
  int (*sessions_)() = nullptr;
  int (*report_calls_)() = nullptr;
  void (*last_nonce_)(unsigned char*) = nullptr;
};

Bytes hopper_report() { return load_hex("nvidia/nvtrust_hopper_report_550.90.07.hex"); }
Bytes hopper_chain() { return load("nvidia/nvtrust_hopper_cert_chain.pem"); }

std::array<uint8_t, 32> nonce_of(const Bytes& report) {
  std::array<uint8_t, 32> n{};
  std::copy(report.begin() + 4, report.begin() + 36, n.begin());  // the SPDM request's nonce
  return n;
}

Verdict verify_gpu(const GpuEvidence& ev, const std::array<uint8_t, 32>& nonce) {
  auto chain = Certificate::from_pem_bundle(ev.certificate_chain_pem);
  EXPECT_TRUE(chain.ok());
  return nvidia_gpu::verify_gpu_report(ev.report, *chain, nvidia_gpu::TrustRoots{}, nonce, at("2026-11-25T00:00:00Z"));
}

NvmlOptions fake_nvml(bool require_ready = true) {
  NvmlOptions o;
  o.library = ZKCC_FAKE_NVML;
  o.require_ready = require_ready;
  return o;
}

TEST(Nvml, CollectsVerifiableEvidenceFromEveryGpu) {
  FakeNvml fake;
  Bytes report = hopper_report();
  fake.use(kOk, 2, report, hopper_chain());
  auto attester = NvmlAttester::load(fake_nvml());
  ASSERT_TRUE(attester.ok()) << attester.status().to_string();
  auto nonce = nonce_of(report);
  auto ev = (*attester)->attest(nonce);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  ASSERT_EQ(ev->size(), 2u);
  for (unsigned i = 0; i < 2; ++i) {
    const GpuEvidence& g = (*ev)[i];
    EXPECT_EQ(g.index, i);
    EXPECT_EQ(g.name, "NVIDIA H100 80GB HBM3");
    EXPECT_EQ(g.source, "nvml");
    EXPECT_EQ(g.report, report);
    Verdict v = verify_gpu(g, nonce);
    EXPECT_TRUE(v.ok()) << v.summary();
  }
  EXPECT_EQ(fake.last_nonce(), nonce);  // the collector handed NVML the nonce
  EXPECT_EQ(fake.report_calls(), 2);
  EXPECT_EQ(fake.sessions(), 0);  // nvmlShutdown after the work
}

TEST(Nvml, ReportForAnotherNonceIsRejected) {
  FakeNvml fake;
  Bytes report = hopper_report();
  fake.use(kOk, 1, report, hopper_chain());
  auto attester = NvmlAttester::load(fake_nvml());
  ASSERT_TRUE(attester.ok());
  auto nonce = nonce_of(report);
  nonce[0] ^= 1;  // the fake returns its recorded report whatever nonce it is given
  auto ev = (*attester)->attest(nonce);
  EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(ev.status().message().find("another nonce"), std::string::npos);
  EXPECT_EQ(fake.last_nonce(), nonce);
  EXPECT_EQ(fake.sessions(), 0);
}

TEST(Nvml, CcStateAndFailuresArePrecise) {
  FakeNvml fake;
  Bytes report = hopper_report();
  auto nonce = nonce_of(report);
  struct Case {
    int scenario;
    bool require_ready;
    StatusCode code;
    const char* words;
  };
  const Case cases[] = {
      {kCcOff, true, StatusCode::kFailedPrecondition, "confidential computing is off"},
      {kNotReady, true, StatusCode::kFailedPrecondition, "not ready"},
      {kInitFails, true, StatusCode::kFailedPrecondition, "DRIVER_NOT_LOADED"},
      {kReportFails, true, StatusCode::kFailedPrecondition, "NOT_SUPPORTED"},
      {kOversizedReport, true, StatusCode::kDataLoss, "report size of 8193"},
      {kOversizedChain, true, StatusCode::kDataLoss, "chain size of 65536"},
  };
  for (const Case& c : cases) {
    fake.use(c.scenario, 1, report, hopper_chain());
    auto attester = NvmlAttester::load(fake_nvml(c.require_ready));
    ASSERT_TRUE(attester.ok());
    auto ev = (*attester)->attest(nonce);
    EXPECT_EQ(ev.status().code(), c.code) << c.scenario << ": " << ev.status().to_string();
    EXPECT_NE(ev.status().message().find(c.words), std::string::npos) << ev.status().message();
    EXPECT_EQ(fake.sessions(), 0) << c.scenario;
  }
  // GPUs not yet set ready can still be attested when the caller allows it.
  fake.use(kNotReady, 1, report, hopper_chain());
  auto lenient = NvmlAttester::load(fake_nvml(false));
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE((*lenient)->attest(nonce).ok());

  fake.use(kOk, 0, report, hopper_chain());
  EXPECT_EQ((*lenient)->attest(nonce).status().code(), StatusCode::kFailedPrecondition);

  fake.use(kOk, 1, Bytes(report.begin(), report.end() - 1), hopper_chain());  // truncated signature
  EXPECT_FALSE((*lenient)->attest(nonce).ok());
}

TEST(Nvml, DerChainGivenRootFirstBecomesLeafFirstPem) {
  auto chain = Certificate::from_pem_bundle(load_text("nvidia/nvtrust_hopper_cert_chain.pem"));
  ASSERT_TRUE(chain.ok());
  Bytes der_root_first;
  for (auto it = chain->rbegin(); it != chain->rend(); ++it) {
    Bytes d = it->der();
    der_root_first.insert(der_root_first.end(), d.begin(), d.end());
  }
  auto expected = leaf_first_pem_chain(hopper_chain());
  ASSERT_TRUE(expected.ok());
  auto pem = leaf_first_pem_chain(der_root_first);
  ASSERT_TRUE(pem.ok()) << pem.status().to_string();
  EXPECT_EQ(*pem, *expected);
  auto back = Certificate::from_pem_bundle(*pem);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), chain->size());
  EXPECT_EQ((*back)[0].der(), (*chain)[0].der());

  FakeNvml fake;
  Bytes report = hopper_report();
  fake.use(kOk, 1, report, der_root_first);
  auto attester = NvmlAttester::load(fake_nvml());
  ASSERT_TRUE(attester.ok());
  auto ev = (*attester)->attest(nonce_of(report));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ((*ev)[0].certificate_chain_pem, *expected);
}

TEST(Nvml, ChainsThatAreNotChainsAreRejected) {
  auto chain = Certificate::from_pem_bundle(load_text("nvidia/nvtrust_hopper_cert_chain.pem"));
  ASSERT_TRUE(chain.ok());
  Bytes shuffled;
  for (size_t i : {1u, 0u, 3u, 2u, 4u}) {
    Bytes d = (*chain)[i].der();
    shuffled.insert(shuffled.end(), d.begin(), d.end());
  }
  EXPECT_EQ(leaf_first_pem_chain(shuffled).status().code(), StatusCode::kDataLoss);
  Bytes truncated = (*chain)[0].der();
  truncated.pop_back();
  EXPECT_FALSE(leaf_first_pem_chain(truncated).ok());
  EXPECT_FALSE(leaf_first_pem_chain(Bytes{}).ok());
  std::string garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(leaf_first_pem_chain(Bytes(garbage.begin(), garbage.end())).ok());
}

TEST(Nvml, LibrariesThatAreNotNvmlAreRefused) {
  NvmlOptions missing;
  missing.library = "/nonexistent/libnvidia-ml.so.1";
  EXPECT_EQ(NvmlAttester::load(missing).status().code(), StatusCode::kNotFound);
  NvmlOptions libc;
  libc.library = "libc.so.6";  // loads, but has none of NVML's functions
  auto s = NvmlAttester::load(libc);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("nvmlDeviceGetConfComputeGpuAttestationReport"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// nvattest through fake executables.

class Nvattest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fresh_dir("nvattest");
    fs::create_directories(root_ / "usr/bin");
    evidence_path_ = shared("nvidia/nvat_hopper_evidence_590.12.json");
    auto doc = nlohmann::json::parse(load_text("nvidia/nvat_hopper_evidence_590.12.json"));
    nonce_hex_ = doc[0]["nonce"].get<std::string>();
    auto n = from_hex(nonce_hex_);
    std::copy(n->begin(), n->end(), nonce_.begin());
  }
  void TearDown() override { fs::remove_all(root_); }

  // Installs <root>/usr/bin/nvattest with this body after a POSIX sh preamble.
  std::string install(const std::string& body) {
    fs::path p = root_ / "usr/bin/nvattest";
    write_text(p, "#!/bin/sh\n" + body);
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    return p.string();
  }
  // A faithful collect-evidence: checks its arguments, then prints the sample as the SDK does.
  std::string install_collector(bool format_flag = true, bool bare = false) {
    std::string args = "collect-evidence --device gpu --nonce " + nonce_hex_ + (format_flag ? " --format json" : "");
    std::string body = "if [ \"$*\" != \"" + args + "\" ]; then echo \"unexpected arguments: $*\" >&2; exit 2; fi\n";
    if (bare) {
      body += "cat '" + evidence_path_ + "'\n";
    } else {
      body += "printf '{\"evidences\": '\ncat '" + evidence_path_ + "'\nprintf ', \"result_code\": 0, \"result_message\": \"Ok\"}\\n'\n";
    }
    return install(body);
  }

  fs::path root_;
  std::string evidence_path_;
  std::string nonce_hex_;
  std::array<uint8_t, 32> nonce_{};
};

TEST_F(Nvattest, CollectsEvidenceThatVerifies) {
  std::string exe = install_collector();
  auto found = find_nvattest(root_.string());
  ASSERT_TRUE(found.ok()) << found.status().to_string();
  EXPECT_EQ(*found, exe);
  NvattestAttester attester(*found);
  auto ev = attester.attest(nonce_);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  ASSERT_EQ(ev->size(), 1u);
  const GpuEvidence& g = (*ev)[0];
  EXPECT_EQ(g.index, 0u);
  EXPECT_EQ(g.name, "HOPPER");
  EXPECT_EQ(g.source, "nvattest");
  Verdict v = verify_gpu(g, nonce_);
  EXPECT_TRUE(v.ok()) << v.summary();
}

TEST_F(Nvattest, BareEvidenceArrayAndNoFormatFlag) {
  install_collector(false, true);
  NvattestOptions o;
  o.format_flag = false;
  auto ev = NvattestAttester(*find_nvattest(root_.string()), o).attest(nonce_);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->size(), 1u);
  // The same script insists on its arguments: with --format json it refuses.
  auto refused = NvattestAttester(*find_nvattest(root_.string())).attest(nonce_);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("status 2"), std::string::npos);
  EXPECT_NE(refused.status().message().find("unexpected arguments"), std::string::npos);
}

TEST_F(Nvattest, FailuresArePrecise) {
  std::string exe = install(
      "echo 'NVML init failed: driver not loaded' >&2\n"
      "echo '{\"evidences\": null, \"result_code\": 6, \"result_message\": \"NVML init failed\"}'\nexit 6\n");
  auto failed = NvattestAttester(exe).attest(nonce_);
  EXPECT_EQ(failed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(failed.status().message().find("exited with status 6"), std::string::npos) << failed.status().message();
  EXPECT_NE(failed.status().message().find("it reports: NVML init failed"), std::string::npos);
  EXPECT_NE(failed.status().message().find("driver not loaded"), std::string::npos);

  install("echo 'this is not json'\n");
  EXPECT_EQ(NvattestAttester(exe).attest(nonce_).status().code(), StatusCode::kInvalidArgument);

  install("echo '{\"evidences\": [], \"result_code\": 0, \"result_message\": \"Ok\"}'\n");
  EXPECT_EQ(NvattestAttester(exe).attest(nonce_).status().code(), StatusCode::kFailedPrecondition);

  install("kill -9 $$\n");
  auto killed = NvattestAttester(exe).attest(nonce_);
  EXPECT_NE(killed.status().message().find("signal 9"), std::string::npos) << killed.status().message();

  install_collector();
  auto other = nonce_;
  other[5] ^= 1;
  EXPECT_EQ(NvattestAttester(exe).attest(other).status().code(), StatusCode::kFailedPrecondition);  // script refuses
}

TEST_F(Nvattest, TimeoutAndOutputAreBounded) {
  std::string exe = install("echo started\nsleep 20\n");
  NvattestOptions o;
  o.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto slow = NvattestAttester(exe, o).attest(nonce_);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(slow.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(slow.status().message().find("300 ms"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(5));

  install("head -c 3000000 /dev/zero\n");
  NvattestOptions small;
  small.max_output_bytes = 1 << 20;
  auto big = NvattestAttester(exe, small).attest(nonce_);
  EXPECT_EQ(big.status().code(), StatusCode::kOutOfRange);
}

TEST_F(Nvattest, EvidenceParserChecksEveryField) {
  std::string sample = load_text("nvidia/nvat_hopper_evidence_590.12.json");
  auto ok = parse_nvattest_evidence(sample, nonce_);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->size(), 1u);

  auto other = nonce_;
  other[0] ^= 1;
  EXPECT_EQ(parse_nvattest_evidence(sample, other).status().code(), StatusCode::kDataLoss);

  auto doc = nlohmann::json::parse(sample);
  auto broken = doc;
  broken[0].erase("certificate");
  EXPECT_EQ(parse_nvattest_evidence(broken.dump(), nonce_).status().code(), StatusCode::kInvalidArgument);
  broken = doc;
  broken[0]["evidence"] = "!!!";
  EXPECT_FALSE(parse_nvattest_evidence(broken.dump(), nonce_).ok());
  broken = doc;
  broken[0]["nonce"] = "abcd";
  EXPECT_EQ(parse_nvattest_evidence(broken.dump(), nonce_).status().code(), StatusCode::kInvalidArgument);

  // The stated nonce matches but the report inside was made for another one.
  broken = doc;
  Bytes report = *from_base64(doc[0]["evidence"].get<std::string>());
  report[10] ^= 1;
  broken[0]["evidence"] = to_base64(report);
  auto swapped = parse_nvattest_evidence(broken.dump(), nonce_);
  EXPECT_EQ(swapped.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(swapped.status().message().find("report was made for nonce"), std::string::npos);

  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 3; ++i) many.push_back(doc[0]);
  EXPECT_EQ(parse_nvattest_evidence(many.dump(), nonce_, 2).status().code(), StatusCode::kOutOfRange);
  auto three = parse_nvattest_evidence(many.dump(), nonce_);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ((*three)[2].index, 2u);

  EXPECT_EQ(parse_nvattest_evidence("{\"result_code\": 0}", nonce_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_nvattest_evidence("\"text\"", nonce_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(Nvattest, FindingTheExecutable) {
  EXPECT_EQ(find_nvattest(root_.string()).status().code(), StatusCode::kNotFound);
  NvattestOptions o;
  o.path = (root_ / "usr/bin/missing").string();
  EXPECT_EQ(find_nvattest(root_.string(), o).status().code(), StatusCode::kNotFound);
  write_text(root_ / "usr/bin/nvattest", "#!/bin/sh\n");  // not executable
  EXPECT_EQ(find_nvattest(root_.string()).status().code(), StatusCode::kNotFound);
  std::string exe = install_collector();
  o.path = exe;
  EXPECT_EQ(*find_nvattest("/nonexistent", o), exe);
}

// ---------------------------------------------------------------------------------------------
// make_gpu_attester.

TEST_F(Nvattest, GpuFactoryPrefersNvmlThenNvattest) {
  install_collector();
  FakeNvml fake;
  Bytes report = hopper_report();
  fake.use(kOk, 1, report, hopper_chain());
  GpuCollectOptions o;
  o.nvml = fake_nvml();
  auto nvml = make_gpu_attester(root_.string(), o);
  ASSERT_TRUE(nvml.ok()) << nvml.status().to_string();
  auto ev = (*nvml)->attest(nonce_of(report));
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ((*ev)[0].source, "nvml");

  o.nvml.library = "/nonexistent/libnvidia-ml.so.1";
  auto fallback = make_gpu_attester(root_.string(), o);
  ASSERT_TRUE(fallback.ok()) << fallback.status().to_string();
  auto ev2 = (*fallback)->attest(nonce_);
  ASSERT_TRUE(ev2.ok()) << ev2.status().to_string();
  EXPECT_EQ((*ev2)[0].source, "nvattest");

  fs::remove(root_ / "usr/bin/nvattest");
  auto neither = make_gpu_attester(root_.string(), o);
  EXPECT_EQ(neither.status().code(), StatusCode::kNotFound);
  EXPECT_NE(neither.status().message().find("cannot load"), std::string::npos);
  EXPECT_NE(neither.status().message().find("nvattest"), std::string::npos);

  // A fake root never loads the machine's real NVML.
  GpuCollectOptions defaults;
  auto fake_root = make_gpu_attester(root_.string(), defaults);
  EXPECT_EQ(fake_root.status().code(), StatusCode::kNotFound);
  EXPECT_NE(fake_root.status().message().find("system root"), std::string::npos);
}

}  // namespace
}  // namespace zkcc::tee::collect
