// The binary form of PcsProof (layout in pcs.h); the decoder trusts no length.
#include <string>

#include "zkcc/base/byte_reader.h"
#include "zkcc/proof/encoding.h"
#include "zkcc/proof/pcs/pcs.h"

namespace zkcc::proof {
namespace {

constexpr uint8_t kMagic[6] = {'Z', 'K', 'C', 'C', 'P', 'F'};
constexpr uint8_t kPcsKind = 5;
// Version 2 added the masks of hiding openings.
constexpr uint16_t kPcsVersion = 2;
// Per-round and per-layer lists: far above any valid proof (at most kMaxPcsLogSize rounds).
constexpr size_t kMaxListEntries = 64;

void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(Bytes& out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v));
  put_u32(out, static_cast<uint32_t>(v >> 32));
}
void put_qm31(Bytes& out, const QM31& q) {
  for (M31 c : q.to_m31s()) put_u32(out, c.value());
}
void put_digests(Bytes& out, const std::vector<Digest>& ds) {
  put_u32(out, static_cast<uint32_t>(ds.size()));
  for (const Digest& d : ds) out.insert(out.end(), d.begin(), d.end());
}

// A list count, refused when above `max` or when the bytes left cannot hold that many items.
StatusOr<size_t> read_count(ByteReader& r, size_t item_bytes, size_t max, std::string_view field) {
  ZKCC_RETURN_IF_ERROR(r.need(4, field));
  size_t at = r.pos();
  uint32_t n = r.u32();
  if (n > max || n > r.left() / item_bytes) {
    return out_of_range("pcs proof: count " + std::to_string(n) + " of the " + std::string(field) + " at byte " +
                        std::to_string(at) + " is larger than the input allows");
  }
  return static_cast<size_t>(n);
}

StatusOr<uint32_t> read_m31_word(ByteReader& r, std::string_view field) {
  ZKCC_RETURN_IF_ERROR(r.need(4, field));
  size_t at = r.pos();
  uint32_t v = r.u32();
  if (v >= M31::kModulus) {
    return invalid_argument("pcs proof: non-canonical M31 " + std::to_string(v) + " at byte " + std::to_string(at) +
                            " in the " + std::string(field));
  }
  return v;
}

StatusOr<QM31> read_qm31(ByteReader& r, std::string_view field) {
  uint32_t c[4];
  for (uint32_t& x : c) {
    ZKCC_ASSIGN_OR_RETURN(x, read_m31_word(r, field));
  }
  return QM31::from_m31s(M31::from_canonical(c[0]), M31::from_canonical(c[1]), M31::from_canonical(c[2]),
                         M31::from_canonical(c[3]));
}

StatusOr<std::vector<Digest>> read_digests(ByteReader& r, size_t max, std::string_view field) {
  ZKCC_ASSIGN_OR_RETURN(size_t n, read_count(r, 32, max, field));
  std::vector<Digest> out(n);
  for (Digest& d : out) r.copy(d);  // read_count checked the bytes
  return out;
}

}  // namespace

Bytes encode_pcs_proof(const PcsProof& proof) {
  Bytes out(kMagic, kMagic + 6);
  out.push_back(static_cast<uint8_t>(kPcsVersion));
  out.push_back(static_cast<uint8_t>(kPcsVersion >> 8));
  out.push_back(kPcsKind);
  put_u32(out, static_cast<uint32_t>(proof.masks.size()));
  for (const QM31& q : proof.masks) put_qm31(out, q);
  put_u32(out, static_cast<uint32_t>(proof.sumcheck.size()));
  for (const auto& g : proof.sumcheck) {
    put_qm31(out, g[0]);
    put_qm31(out, g[1]);
  }
  put_u32(out, static_cast<uint32_t>(proof.fold_nonces.size()));
  for (uint64_t n : proof.fold_nonces) put_u64(out, n);
  put_digests(out, proof.layer_roots);
  put_u32(out, static_cast<uint32_t>(proof.final_message.size()));
  for (const QM31& q : proof.final_message) put_qm31(out, q);
  put_u64(out, proof.query_nonce);
  put_u32(out, static_cast<uint32_t>(proof.layers.size()));
  for (const PcsLayerOpening& l : proof.layers) {
    put_u32(out, static_cast<uint32_t>(l.values.size()));
    for (uint32_t w : l.values) put_u32(out, w);
    put_digests(out, l.merkle.nodes);
  }
  return out;
}

StatusOr<PcsProof> decode_pcs_proof(std::span<const uint8_t> bytes) {
  ByteReader r(bytes, "pcs proof");
  ZKCC_RETURN_IF_ERROR(r.need(9, "header"));
  auto magic = r.take(6);
  if (!std::equal(magic.begin(), magic.end(), kMagic)) return invalid_argument("pcs proof: bad magic");
  if (r.u16() != kPcsVersion) return invalid_argument("pcs proof: unsupported version");
  if (r.u8() != kPcsKind) return invalid_argument("pcs proof: not a polynomial commitment proof");

  PcsProof p;
  ZKCC_ASSIGN_OR_RETURN(size_t masks, read_count(r, 16, kMaxPcsClaims, "masks"));
  p.masks.resize(masks);
  for (QM31& q : p.masks) {
    ZKCC_ASSIGN_OR_RETURN(q, read_qm31(r, "masks"));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t rounds, read_count(r, 32, kMaxListEntries, "sumcheck messages"));
  p.sumcheck.resize(rounds);
  for (auto& g : p.sumcheck) {
    for (QM31& q : g) {
      ZKCC_ASSIGN_OR_RETURN(q, read_qm31(r, "sumcheck messages"));
    }
  }
  ZKCC_ASSIGN_OR_RETURN(size_t nonces, read_count(r, 8, kMaxListEntries, "fold nonces"));
  p.fold_nonces.resize(nonces);
  for (uint64_t& n : p.fold_nonces) n = r.u64();  // read_count checked the bytes
  ZKCC_ASSIGN_OR_RETURN(p.layer_roots, read_digests(r, kMaxListEntries, "layer roots"));
  ZKCC_ASSIGN_OR_RETURN(size_t finals, read_count(r, 16, size_t{1} << 16, "final message"));
  p.final_message.resize(finals);
  for (QM31& q : p.final_message) {
    ZKCC_ASSIGN_OR_RETURN(q, read_qm31(r, "final message"));
  }
  ZKCC_RETURN_IF_ERROR(r.need(8, "query nonce"));
  p.query_nonce = r.u64();
  ZKCC_ASSIGN_OR_RETURN(size_t layers, read_count(r, 8, kMaxListEntries, "layer openings"));
  p.layers.resize(layers);
  for (PcsLayerOpening& l : p.layers) {
    ZKCC_ASSIGN_OR_RETURN(size_t words, read_count(r, 4, SIZE_MAX, "opened values"));
    l.values.resize(words);
    for (uint32_t& w : l.values) {
      ZKCC_ASSIGN_OR_RETURN(w, read_m31_word(r, "opened values"));
    }
    ZKCC_ASSIGN_OR_RETURN(l.merkle.nodes, read_digests(r, SIZE_MAX, "merkle nodes"));
  }
  if (r.left() != 0) return invalid_argument("pcs proof: " + std::to_string(r.left()) + " trailing bytes");
  return p;
}

}  // namespace zkcc::proof
