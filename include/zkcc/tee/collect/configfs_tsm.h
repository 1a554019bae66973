// CPU evidence through Linux configfs-tsm (Documentation/ABI/testing/configfs-tsm-report, Linux
// 6.7+): a report is an entry directory made under <configfs>/tsm/report/, whose attributes the
// kernel creates with it:
//   provider    (RO) "sev_guest" or "tdx_guest": the format of outblob;
//   generation  (RO) counts the writes to inblob and the options, so a writer can tell whether
//               another process wrote the same entry between its writes and its reads;
//   privlevel   (WO) SEV-SNP VMPL of the report (not below privlevel_floor);
//   inblob      (WO) up to 64 bytes: the report data;
//   outblob     (RO) the SNP ATTESTATION_REPORT or the TDX quote, generated when read;
//   auxblob     (RO) SEV-SNP: the host's certificate table (GHCB specification, MSG_REPORT_REQ),
//               whose layout sev_guest.h parses.
// Removing the entry with rmdir removes its attributes. The entry is always removed, on errors too.
#ifndef ZKCC_TEE_COLLECT_CONFIGFS_TSM_H_
#define ZKCC_TEE_COLLECT_CONFIGFS_TSM_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::collect {

struct ConfigfsTsmOptions {
  std::string provider;               // when set, the entry's provider must be this
  std::optional<uint32_t> privlevel;  // written before inblob when set (SEV-SNP only, 0-3)
  bool auxblob = true;                // read auxblob (SEV-SNP certificates)
  // Rounds of writes and reads tried when generation shows another writer raced this one.
  int max_attempts = 3;
  size_t max_blob_bytes = 64 * 1024;  // the kernel's own limit is 32 KiB
  // TDX: the CC event log's path (Linux: /sys/firmware/acpi/tables/data/CCEL). When it can be
  // read, parses and replays to the quote's RTMRs, the evidence carries it (CpuEvidence::event_log);
  // otherwise the evidence goes without it (RTMRs also extended after boot have no CCEL entries).
  std::string event_log;
  // TDX: the ACPI CCEL table's path (Linux: /sys/firmware/acpi/tables/CCEL). When set, the log is
  // carried only if the table parses strictly (tdx::parse_ccel_table), is a TDX table, and the log
  // is exactly its log area minimum length (which also bounds the read).
  std::string ccel_table;
};

struct TsmReport {
  std::string provider;
  Bytes outblob;
  Bytes auxblob;  // empty when the provider has none
  uint64_t generation = 0;
  int attempts = 0;
};

// Makes a fresh entry under `report_dir`, writes privlevel (if set) and the 64-byte inblob, reads
// outblob (and auxblob), and checks that generation grew by exactly this call's writes, repeating
// the round up to max_attempts times when it did not. The entry is removed before returning.
StatusOr<TsmReport> read_tsm_report(const std::string& report_dir, std::span<const uint8_t, 64> inblob,
                                    const ConfigfsTsmOptions& options = {});

// kSevSnp: evidence is the 1184-byte report with the auxblob's certificates (VCEK or VLEK first).
// kTdx: evidence is the quote cut to its declared length (the kernel may pad it). The provider must
// match `platform` (options.provider is set from it), and the report must carry the requested
// report data (and VMPL, when privlevel is set).
class ConfigfsTsmAttester : public CpuAttester {
 public:
  ConfigfsTsmAttester(std::string report_dir, CpuPlatform platform, ConfigfsTsmOptions options = {});
  CpuPlatform platform() const override { return platform_; }
  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override;

 private:
  std::string report_dir_;
  CpuPlatform platform_;
  ConfigfsTsmOptions options_;
};

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_CONFIGFS_TSM_H_
