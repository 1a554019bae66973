// The ACPI "CCEL" table (Confidential Computing Event Log, ACPI 6.5 section 5.2.34): a standard
// 36-byte ACPI header, then CC type, CC subtype, two reserved bytes, the log area minimum length
// (LAML) and the log area start address (LASA) in guest memory, 56 bytes in all at revision 1.
// Linux exposes the table as /sys/firmware/acpi/tables/CCEL and the log area it describes (LAML
// bytes) as /sys/firmware/acpi/tables/data/CCEL.
#ifndef ZKCC_TEE_TDX_CCEL_TABLE_H_
#define ZKCC_TEE_TDX_CCEL_TABLE_H_

#include <cstdint>
#include <span>
#include <string>

#include "zkcc/base/status.h"

namespace zkcc::tee::tdx {

inline constexpr size_t kCcelTableSize = 56;
inline constexpr uint8_t kCcTypeSev = 1;
inline constexpr uint8_t kCcTypeTdx = 2;

struct CcelTable {
  uint8_t revision = 0;
  std::string oem_id;        // 6 characters, as stored
  std::string oem_table_id;  // 8 characters, as stored
  uint32_t oem_revision = 0;
  std::string creator_id;  // 4 characters, as stored
  uint32_t creator_revision = 0;
  uint8_t cc_type = 0;
  uint8_t cc_subtype = 0;
  uint64_t log_area_minimum_length = 0;
  uint64_t log_area_start_address = 0;
};

// Strict: signature "CCEL", a Length field equal to the buffer's size and to 56, revision 1, bytes
// summing to zero (the ACPI checksum), CC type SEV (1) or TDX (2), reserved bytes zero, a non-zero
// log area that does not wrap around the address space. Errors name the field.
StatusOr<CcelTable> parse_ccel_table(std::span<const uint8_t> table);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_CCEL_TABLE_H_
