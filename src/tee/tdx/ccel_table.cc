#include "zkcc/tee/tdx/ccel_table.h"

#include <numeric>

#include "zkcc/base/byte_reader.h"
#include "zkcc/base/bytes.h"

namespace zkcc::tee::tdx {
namespace {

constexpr size_t kHeaderSize = 36;
constexpr uint8_t kRevision = 1;

std::string chars(std::span<const uint8_t> b) { return std::string(b.begin(), b.end()); }

}  // namespace

StatusOr<CcelTable> parse_ccel_table(std::span<const uint8_t> table) {
  ByteReader r(table, "ACPI CCEL table");
  ZKCC_RETURN_IF_ERROR(r.need(kHeaderSize, "ACPI table header"));
  auto signature = r.take(4);
  if (chars(signature) != "CCEL") return invalid_argument("ACPI table signature is " + to_hex(signature) + ", not \"CCEL\"");
  uint32_t length = r.u32();
  if (length != table.size()) {
    return invalid_argument("ACPI CCEL table's Length field says " + std::to_string(length) + " bytes, the table has " +
                            std::to_string(table.size()));
  }
  CcelTable t;
  t.revision = r.u8();
  if (t.revision != kRevision) return invalid_argument("ACPI CCEL table revision " + std::to_string(t.revision) + ", expected 1");
  if (length != kCcelTableSize) {
    return invalid_argument("ACPI CCEL table revision 1 is 56 bytes, this one " + std::to_string(length));
  }
  uint8_t sum = std::accumulate(table.begin(), table.end(), uint8_t{0}, [](uint8_t a, uint8_t b) { return static_cast<uint8_t>(a + b); });
  if (sum != 0) return invalid_argument("ACPI CCEL table checksum fails: its bytes sum to " + std::to_string(sum) + " mod 256, not 0");
  (void)r.u8();  // the checksum byte, covered by the sum
  t.oem_id = chars(r.take(6));
  t.oem_table_id = chars(r.take(8));
  t.oem_revision = r.u32();
  t.creator_id = chars(r.take(4));
  t.creator_revision = r.u32();
  ZKCC_RETURN_IF_ERROR(r.need(kCcelTableSize - kHeaderSize, "CCEL fields"));
  t.cc_type = r.u8();
  if (t.cc_type != kCcTypeSev && t.cc_type != kCcTypeTdx) {
    return invalid_argument("ACPI CCEL table CC type " + std::to_string(t.cc_type) + " is reserved (1 SEV, 2 TDX)");
  }
  t.cc_subtype = r.u8();
  if (r.u16() != 0) return invalid_argument("ACPI CCEL table's reserved bytes 38-39 are not zero");
  t.log_area_minimum_length = r.u64();
  t.log_area_start_address = r.u64();
  if (t.log_area_minimum_length == 0) return invalid_argument("ACPI CCEL table's log area minimum length is zero");
  if (t.log_area_start_address == 0) return invalid_argument("ACPI CCEL table's log area start address is zero");
  if (t.log_area_start_address > ~uint64_t{0} - t.log_area_minimum_length) {
    return invalid_argument("ACPI CCEL table's log area runs past the end of the address space");
  }
  return t;
}

}  // namespace zkcc::tee::tdx
