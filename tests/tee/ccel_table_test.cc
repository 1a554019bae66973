// The ACPI CCEL table from a real GCP TD (go-tdx-guest's test data), and damaged copies of it.
#include "zkcc/tee/tdx/ccel_table.h"

#include <gtest/gtest.h>

#include <numeric>

#include "zkcc/base/bytes.h"

namespace zkcc::tee::tdx {
namespace {

Bytes load(const std::string& rel) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/" + rel);
  EXPECT_TRUE(b.ok()) << rel;
  return b.ok() ? *b : Bytes{};
}

Bytes real_table() { return load("gcp/gotdxguest_cos113_ccel_acpi_table.bin"); }

// Sets the checksum byte (offset 9) so the table's bytes sum to zero again.
Bytes with_checksum(Bytes t) {
  t[9] = 0;
  uint8_t sum = std::accumulate(t.begin(), t.end(), uint8_t{0}, [](uint8_t a, uint8_t b) { return static_cast<uint8_t>(a + b); });
  t[9] = static_cast<uint8_t>(0x100 - sum);
  return t;
}

void put_le64(Bytes& t, size_t at, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) t[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

std::string error(const Bytes& t) {
  auto r = parse_ccel_table(t);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.status().message();
}

TEST(CcelTable, RealGcpTableParses) {
  Bytes raw = real_table();
  ASSERT_EQ(raw.size(), kCcelTableSize);
  auto t = parse_ccel_table(raw);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->revision, 1);
  EXPECT_EQ(t->oem_id, "INTEL ");
  EXPECT_EQ(t->oem_table_id, "EDK2    ");
  EXPECT_EQ(t->oem_revision, 2u);
  EXPECT_EQ(t->creator_id, "    ");
  EXPECT_EQ(t->creator_revision, 0x01000013u);
  EXPECT_EQ(t->cc_type, kCcTypeTdx);
  EXPECT_EQ(t->cc_subtype, 0);
  EXPECT_EQ(t->log_area_start_address, 0xBEDBF000u);
  // The log area it describes is the event log file published beside it.
  EXPECT_EQ(t->log_area_minimum_length, 0x40000u);
  EXPECT_EQ(t->log_area_minimum_length, load("gcp/gotdxguest_cos113_ccel_eventlog.bin").size());
}

TEST(CcelTable, TruncatedTablesAreRefused) {
  Bytes raw = real_table();
  for (size_t n = 0; n < raw.size(); ++n) {
    std::string e = error(Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n)));
    const char* want = n < 36 ? "ACPI table header" : "Length field says 56 bytes";
    EXPECT_NE(e.find(want), std::string::npos) << n << ": " << e;
  }
  Bytes longer = raw;
  longer.push_back(0);
  EXPECT_NE(error(longer).find("the table has 57"), std::string::npos);
}

TEST(CcelTable, CorruptedFieldsAreNamed) {
  Bytes raw = real_table();
  Bytes sig = raw;
  sig[0] = 'T';
  EXPECT_NE(error(sig).find("not \"CCEL\""), std::string::npos);
  Bytes oem = raw;
  oem[12] ^= 1;  // OEM ID changed, checksum not fixed
  EXPECT_NE(error(oem).find("checksum"), std::string::npos);
  EXPECT_TRUE(parse_ccel_table(with_checksum(oem)).ok());
  Bytes revision = raw;
  revision[8] = 2;
  EXPECT_NE(error(with_checksum(revision)).find("revision 2"), std::string::npos);
  Bytes length = with_checksum(raw);
  length[4] = 60;
  length.resize(60, 0);
  EXPECT_NE(error(with_checksum(length)).find("56 bytes, this one 60"), std::string::npos);
  for (uint8_t type : {uint8_t{0}, uint8_t{3}, uint8_t{0xFF}}) {
    Bytes t = raw;
    t[36] = type;
    EXPECT_NE(error(with_checksum(t)).find("CC type " + std::to_string(type) + " is reserved"), std::string::npos);
  }
  Bytes sev = raw;
  sev[36] = kCcTypeSev;
  auto parsed = parse_ccel_table(with_checksum(sev));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->cc_type, kCcTypeSev);
  Bytes reserved = raw;
  reserved[39] = 1;
  EXPECT_NE(error(with_checksum(reserved)).find("reserved bytes"), std::string::npos);
  Bytes no_length = raw;
  put_le64(no_length, 40, 0);
  EXPECT_NE(error(with_checksum(no_length)).find("minimum length is zero"), std::string::npos);
  Bytes no_start = raw;
  put_le64(no_start, 48, 0);
  EXPECT_NE(error(with_checksum(no_start)).find("start address is zero"), std::string::npos);
  Bytes wraps = raw;
  put_le64(wraps, 48, ~uint64_t{0} - 0x1000);
  EXPECT_NE(error(with_checksum(wraps)).find("past the end of the address space"), std::string::npos);
}

}  // namespace
}  // namespace zkcc::tee::tdx
