#include "zkcc/tee/nvidia_gpu/report.h"

#include <cstdio>

#include "zkcc/base/byte_reader.h"

namespace zkcc::tee::nvidia_gpu {
namespace {

std::optional<std::string> text_field(const GpuReport& r, uint16_t type) {
  const OpaqueField* f = r.field(type);
  if (f == nullptr) return std::nullopt;
  std::string s(f->value.begin(), f->value.end());
  while (!s.empty() && s.back() == '\0') s.pop_back();
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  }
  return s;
}

}  // namespace

const OpaqueField* GpuReport::field(uint16_t type) const {
  for (const auto& f : opaque) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

std::optional<std::string> GpuReport::driver_version() const { return text_field(*this, kDriverVersion); }
std::optional<std::string> GpuReport::project() const { return text_field(*this, kProject); }
std::optional<std::string> GpuReport::project_sku() const { return text_field(*this, kProjectSku); }
std::optional<std::string> GpuReport::chip_sku() const { return text_field(*this, kChipSku); }

std::optional<std::string> GpuReport::vbios_version() const {
  const OpaqueField* f = field(kVbiosVersion);
  if (f == nullptr || f->value.size() < 5) return std::nullopt;
  const Bytes& v = f->value;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02X.%02X.%02X.%02X.%02X", v[3], v[2], v[1], v[0], v[4]);
  return std::string(buf);
}

StatusOr<GpuReport> parse_gpu_report(std::span<const uint8_t> bytes) {
  GpuReport r;
  ByteReader c(bytes, "GPU report");
  ZKCC_RETURN_IF_ERROR(c.need(kRequestSize, "GET_MEASUREMENTS request"));
  r.spdm_version = c.u8();
  if (r.spdm_version != 0x11) {
    return invalid_argument("GPU report request has SPDM version 0x" + to_hex(std::span(&r.spdm_version, 1)) + ", expected 0x11");
  }
  if (c.u8() != 0xE0) return invalid_argument("GPU report does not start with a GET_MEASUREMENTS request (0xE0)");
  r.request_param1 = c.u8();
  r.request_param2 = c.u8();
  auto nonce = c.take(32);
  std::copy(nonce.begin(), nonce.end(), r.requester_nonce.begin());
  r.slot = c.u8();
  if ((r.request_param1 & 1) == 0) return invalid_argument("GPU report request did not ask for a signature");

  ZKCC_RETURN_IF_ERROR(c.need(8, "MEASUREMENTS response header"));
  if (c.u8() != r.spdm_version) return invalid_argument("GPU report response version differs from the request's");
  if (c.u8() != 0x60) return invalid_argument("GPU report response is not MEASUREMENTS (0x60)");
  c.u8();  // param1
  c.u8();  // param2
  size_t blocks = c.u8();
  size_t record_len = c.u24();
  ZKCC_RETURN_IF_ERROR(c.need(record_len, "measurement record"));
  ByteReader rec(c.take(record_len), "measurement record");
  for (size_t i = 0; i < blocks; ++i) {
    ZKCC_RETURN_IF_ERROR(rec.need(4, "measurement block header"));
    MeasurementBlock m;
    m.index = rec.u8();
    m.specification = rec.u8();
    size_t size = rec.u16();
    ZKCC_RETURN_IF_ERROR(rec.need(size, "measurement block"));
    ByteReader val(rec.take(size), "measurement block");
    if (m.specification != 1) return invalid_argument("measurement block " + std::to_string(i) + " is not DMTF-specified");
    ZKCC_RETURN_IF_ERROR(val.need(3, "DMTF measurement header"));
    m.value_type = val.u8();
    size_t vsize = val.u16();
    if (vsize != val.left()) {
      return invalid_argument("measurement block " + std::to_string(i) + " declares a " + std::to_string(vsize) +
                              "-byte value in " + std::to_string(val.left()) + " bytes");
    }
    auto v = val.take(vsize);
    m.value.assign(v.begin(), v.end());
    r.blocks.push_back(std::move(m));
  }
  if (rec.left() != 0) return invalid_argument("measurement record has " + std::to_string(rec.left()) + " bytes beyond its blocks");
  ZKCC_RETURN_IF_ERROR(c.need(34, "responder nonce and opaque length"));
  auto rn = c.take(32);
  std::copy(rn.begin(), rn.end(), r.responder_nonce.begin());
  size_t opaque_len = c.u16();
  ZKCC_RETURN_IF_ERROR(c.need(opaque_len, "opaque data"));
  ByteReader od(c.take(opaque_len), "opaque data");
  while (od.left() > 0) {
    ZKCC_RETURN_IF_ERROR(od.need(4, "opaque field header"));
    OpaqueField f;
    f.type = od.u16();
    size_t len = od.u16();
    ZKCC_RETURN_IF_ERROR(od.need(len, "opaque field"));
    auto v = od.take(len);
    f.value.assign(v.begin(), v.end());
    r.opaque.push_back(std::move(f));
  }
  r.signed_size = c.pos();
  if (c.left() != kSignatureSize) {
    return invalid_argument("GPU report has " + std::to_string(c.left()) + " bytes after the opaque data; the signature takes " +
                            std::to_string(kSignatureSize));
  }
  auto rs = c.take(48);
  std::copy(rs.begin(), rs.end(), r.signature_r.begin());
  auto ss = c.take(48);
  std::copy(ss.begin(), ss.end(), r.signature_s.begin());
  return r;
}

}  // namespace zkcc::tee::nvidia_gpu
