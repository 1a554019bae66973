// The binary form of TableRangeProof (layout in table_range.h): the LogUp and the opening
// keep their own strict forms, nested with their lengths; the decoder trusts no length.
#include <algorithm>
#include <string>

#include "zkcc/base/byte_reader.h"
#include "zkcc/proof/encoding.h"
#include "zkcc/proof/table_range.h"

namespace zkcc::proof {
namespace {

constexpr uint8_t kMagic[6] = {'Z', 'K', 'C', 'C', 'P', 'F'};
constexpr uint8_t kTableRangeKind = 6;

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_blob(Bytes& out, const Bytes& blob) {
  put_u32(out, static_cast<uint32_t>(blob.size()));
  out.insert(out.end(), blob.begin(), blob.end());
}

// A u32 count of items of item_bytes each, refused when the bytes left cannot hold them.
StatusOr<size_t> read_count(ByteReader& r, size_t item_bytes, std::string_view field) {
  ZKCC_RETURN_IF_ERROR(r.need(4, field));
  const size_t at = r.pos();
  const uint32_t n = r.u32();
  if (n > r.left() / item_bytes) {
    return out_of_range("table range proof: count " + std::to_string(n) + " of the " + std::string(field) + " at byte " +
                        std::to_string(at) + " is larger than the input allows");
  }
  return static_cast<size_t>(n);
}

StatusOr<std::span<const uint8_t>> read_blob(ByteReader& r, std::string_view field) {
  ZKCC_ASSIGN_OR_RETURN(size_t n, read_count(r, 1, field));
  return r.take(n);
}

StatusOr<std::vector<QM31>> read_qm31s(ByteReader& r, std::string_view field) {
  ZKCC_ASSIGN_OR_RETURN(size_t n, read_count(r, 16, field));
  std::vector<QM31> out(n);
  for (QM31& q : out) {
    uint32_t c[4];
    for (uint32_t& x : c) {
      const size_t at = r.pos();
      x = r.u32();  // read_count checked the bytes
      if (x >= M31::kModulus) {
        return invalid_argument("table range proof: non-canonical M31 " + std::to_string(x) + " at byte " +
                                std::to_string(at) + " in the " + std::string(field));
      }
    }
    q = QM31::from_m31s(M31::from_canonical(c[0]), M31::from_canonical(c[1]), M31::from_canonical(c[2]),
                        M31::from_canonical(c[3]));
  }
  return out;
}

}  // namespace

Bytes encode_table_range_proof(const TableRangeProof& proof) {
  Bytes out(kMagic, kMagic + 6);
  out.push_back(static_cast<uint8_t>(kProofEncodingVersion));
  out.push_back(static_cast<uint8_t>(kProofEncodingVersion >> 8));
  out.push_back(kTableRangeKind);
  put_blob(out, encode_binary(proof.logup));
  for (const std::vector<QM31>* list : {&proof.stated, &proof.masks}) {
    put_u32(out, static_cast<uint32_t>(list->size()));
    for (const QM31& q : *list) {
      for (M31 c : q.to_m31s()) put_u32(out, c.value());
    }
  }
  put_blob(out, encode_pcs_proof(proof.opening));
  return out;
}

StatusOr<TableRangeProof> decode_table_range_proof(std::span<const uint8_t> bytes) {
  ByteReader r(bytes, "table range proof");
  ZKCC_RETURN_IF_ERROR(r.need(9, "header"));
  auto magic = r.take(6);
  if (!std::equal(magic.begin(), magic.end(), kMagic)) return invalid_argument("table range proof: bad magic");
  if (r.u16() != kProofEncodingVersion) return invalid_argument("table range proof: unsupported version");
  if (r.u8() != kTableRangeKind) return invalid_argument("table range proof: not a table range proof");

  TableRangeProof p;
  ZKCC_ASSIGN_OR_RETURN(auto logup, read_blob(r, "lookup proof"));
  auto lu = decode_logup_binary(logup);
  if (!lu.ok()) return lu.status().with_context("table range proof: lookup proof");
  p.logup = std::move(*lu);
  ZKCC_ASSIGN_OR_RETURN(p.stated, read_qm31s(r, "stated values"));
  ZKCC_ASSIGN_OR_RETURN(p.masks, read_qm31s(r, "masks' values"));
  ZKCC_ASSIGN_OR_RETURN(auto blob, read_blob(r, "opening"));
  auto o = decode_pcs_proof(blob);
  if (!o.ok()) return o.status().with_context("table range proof: opening");
  p.opening = std::move(*o);
  if (r.left() != 0) return invalid_argument("table range proof: " + std::to_string(r.left()) + " trailing bytes");
  return p;
}

}  // namespace zkcc::proof
