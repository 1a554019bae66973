#include "zkcc/proof/encoding.h"

#include "zkcc/proof/graph_proof.h"

#include <bit>

#include <nlohmann/json.hpp>

namespace zkcc::proof {
namespace {

constexpr char kMagic[6] = {'Z', 'K', 'C', 'C', 'P', 'F'};
constexpr size_t kQm31Bytes = 16;

// ---- binary ----

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void qm31(const QM31& q) {
    for (M31 c : q.to_m31s()) u32(c.value());
  }
  void qm31s(const std::vector<QM31>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (const QM31& q : v) qm31(q);
  }
  void sumcheck(const SumcheckProof& p) {
    u32(static_cast<uint32_t>(p.rounds.size()));
    for (const auto& r : p.rounds) qm31s(r);
  }
  void fraction_layer(const FractionLayerProof& l) {
    sumcheck(l.sumcheck);
    for (const QM31* q : {&l.p0, &l.p1, &l.q0, &l.q1}) qm31(*q);
  }
  // A flag byte: 1 when the root is hidden, else 0 and the totals.
  void fraction_sum(const FractionSumProof& p) {
    out_.push_back(p.root_hidden ? 1 : 0);
    if (!p.root_hidden) {
      qm31(p.p_total);
      qm31(p.q_total);
    }
    u32(static_cast<uint32_t>(p.layers.size()));
    for (const auto& l : p.layers) fraction_layer(l);
  }
  void felt(const Felt252& f) {
    auto b = f.to_bytes_be();
    out_.insert(out_.end(), b.begin(), b.end());
  }
  void matmul(const MatmulProof& p) {
    sumcheck(p.sumcheck);
    qm31(p.a_eval);
    qm31(p.b_eval);
  }
  // A flag byte: 1 when the sides are compared hidden, then that pair.
  void logup(const LogupProof& p) {
    out_.push_back(p.joint ? 1 : 0);
    if (p.joint) fraction_layer(*p.joint);
    fraction_sum(p.witness);
    fraction_sum(p.table);
    qm31s(p.witness_evals);
    qm31s(p.table_evals);
    qm31(p.multiplicity_eval);
  }
  void matrix(const Matrix& m) {
    u32(static_cast<uint32_t>(m.rows));
    u32(static_cast<uint32_t>(m.cols));
    for (M31 v : m.data) u32(v.value());
  }
  template <typename T, typename F>
  void list(const std::vector<T>& items, F&& item) {
    u32(static_cast<uint32_t>(items.size()));
    for (const T& x : items) item(x);
  }
  void raw(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void header(ProofKind kind) {
    out_.insert(out_.end(), std::begin(kMagic), std::end(kMagic));
    u16(kProofEncodingVersion);
    u8(static_cast<uint8_t>(kind));
  }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}

  Status need(size_t n, const char* what) const {
    if (in_.size() - pos_ < n) {
      return out_of_range(std::string("proof truncated at byte ") + std::to_string(pos_) + " while reading " + what);
    }
    return ok_status();
  }
  StatusOr<uint32_t> u32(const char* what) {
    ZKCC_RETURN_IF_ERROR(need(4, what));
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(in_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  StatusOr<QM31> qm31(const char* what) {
    M31 c[4];
    for (auto& x : c) {
      size_t at = pos_;
      ZKCC_ASSIGN_OR_RETURN(uint32_t v, u32(what));
      if (v >= M31::kModulus) {
        return invalid_argument(std::string("non-canonical M31 value ") + std::to_string(v) + " at byte " +
                                std::to_string(at) + " in " + what);
      }
      x = M31::from_canonical(v);
    }
    return QM31::from_m31s(c[0], c[1], c[2], c[3]);
  }
  // A count whose items take at least item_bytes each: refused when the input cannot hold them.
  StatusOr<size_t> count(size_t item_bytes, const char* what) {
    size_t at = pos_;
    ZKCC_ASSIGN_OR_RETURN(uint32_t n, u32(what));
    if (item_bytes > 0 && n > (in_.size() - pos_) / item_bytes) {
      return out_of_range(std::string("length ") + std::to_string(n) + " of " + what + " at byte " +
                          std::to_string(at) + " exceeds the remaining input");
    }
    return static_cast<size_t>(n);
  }
  StatusOr<std::vector<QM31>> qm31s(const char* what) {
    ZKCC_ASSIGN_OR_RETURN(size_t n, count(kQm31Bytes, what));
    std::vector<QM31> v;
    v.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ZKCC_ASSIGN_OR_RETURN(QM31 q, qm31(what));
      v.push_back(q);
    }
    return v;
  }
  StatusOr<SumcheckProof> sumcheck() {
    SumcheckProof p;
    ZKCC_ASSIGN_OR_RETURN(size_t rounds, count(4, "sumcheck rounds"));
    for (size_t r = 0; r < rounds; ++r) {
      ZKCC_ASSIGN_OR_RETURN(std::vector<QM31> msg, qm31s("sumcheck round"));
      p.rounds.push_back(std::move(msg));
    }
    return p;
  }
  StatusOr<FractionLayerProof> fraction_layer() {
    FractionLayerProof layer;
    ZKCC_ASSIGN_OR_RETURN(layer.sumcheck, sumcheck());
    for (QM31* q : {&layer.p0, &layer.p1, &layer.q0, &layer.q1}) {
      ZKCC_ASSIGN_OR_RETURN(*q, qm31("fraction sum layer"));
    }
    return layer;
  }
  StatusOr<bool> flag(const char* what) {
    ZKCC_ASSIGN_OR_RETURN(uint8_t f, u8(what));
    if (f > 1) return invalid_argument(std::string(what) + " is neither 0 nor 1");
    return f == 1;
  }
  StatusOr<FractionSumProof> fraction_sum() {
    FractionSumProof p;
    ZKCC_ASSIGN_OR_RETURN(p.root_hidden, flag("fraction sum root flag"));
    if (!p.root_hidden) {
      ZKCC_ASSIGN_OR_RETURN(p.p_total, qm31("fraction sum total"));
      ZKCC_ASSIGN_OR_RETURN(p.q_total, qm31("fraction sum total"));
    }
    ZKCC_ASSIGN_OR_RETURN(size_t layers, count(4 + 4 * kQm31Bytes, "fraction sum layers"));
    for (size_t l = 0; l < layers; ++l) {
      ZKCC_ASSIGN_OR_RETURN(FractionLayerProof layer, fraction_layer());
      p.layers.push_back(std::move(layer));
    }
    return p;
  }
  StatusOr<uint8_t> u8(const char* what) {
    ZKCC_RETURN_IF_ERROR(need(1, what));
    return in_[pos_++];
  }
  StatusOr<Felt252> felt(const char* what) {
    ZKCC_RETURN_IF_ERROR(need(32, what));
    size_t at = pos_;
    auto f = Felt252::from_bytes_be(in_.subspan(pos_, 32));
    if (!f.ok()) return f.status().with_context(std::string(what) + " at byte " + std::to_string(at));
    pos_ += 32;
    return f;
  }
  StatusOr<MatmulProof> matmul() {
    MatmulProof p;
    ZKCC_ASSIGN_OR_RETURN(p.sumcheck, sumcheck());
    ZKCC_ASSIGN_OR_RETURN(p.a_eval, qm31("a_eval"));
    ZKCC_ASSIGN_OR_RETURN(p.b_eval, qm31("b_eval"));
    return p;
  }
  StatusOr<LogupProof> logup() {
    LogupProof p;
    ZKCC_ASSIGN_OR_RETURN(const bool joint, flag("lookup joint flag"));
    if (joint) {
      ZKCC_ASSIGN_OR_RETURN(p.joint, fraction_layer());
    }
    ZKCC_ASSIGN_OR_RETURN(p.witness, fraction_sum());
    ZKCC_ASSIGN_OR_RETURN(p.table, fraction_sum());
    ZKCC_ASSIGN_OR_RETURN(p.witness_evals, qm31s("witness_evals"));
    ZKCC_ASSIGN_OR_RETURN(p.table_evals, qm31s("table_evals"));
    ZKCC_ASSIGN_OR_RETURN(p.multiplicity_eval, qm31("multiplicity_eval"));
    return p;
  }
  // A matrix: power-of-two rows and columns, then rows * cols canonical M31 values.
  StatusOr<Matrix> matrix(const char* what) {
    size_t at = pos_;
    ZKCC_ASSIGN_OR_RETURN(uint32_t rows, u32(what));
    ZKCC_ASSIGN_OR_RETURN(uint32_t cols, u32(what));
    if (!std::has_single_bit(rows) || !std::has_single_bit(cols)) {
      return invalid_argument(std::string(what) + " at byte " + std::to_string(at) + " is not a power-of-two matrix");
    }
    if (uint64_t{rows} * cols > (in_.size() - pos_) / 4) {
      return out_of_range(std::string(what) + " at byte " + std::to_string(at) + " is larger than the remaining input");
    }
    Matrix m{rows, cols, std::vector<M31>(size_t{rows} * cols)};
    for (M31& v : m.data) {
      size_t p = pos_;
      ZKCC_ASSIGN_OR_RETURN(uint32_t x, u32(what));
      if (x >= M31::kModulus) {
        return invalid_argument(std::string("non-canonical M31 value at byte ") + std::to_string(p) + " in " + what);
      }
      v = M31::from_canonical(x);
    }
    return m;
  }
  template <typename T, typename F>
  StatusOr<std::vector<T>> list(size_t item_bytes, const char* what, F&& item) {
    ZKCC_ASSIGN_OR_RETURN(size_t n, count(item_bytes, what));
    std::vector<T> v;
    v.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ZKCC_ASSIGN_OR_RETURN(T x, item());
      v.push_back(std::move(x));
    }
    return v;
  }
  Status header(ProofKind kind) {
    ZKCC_RETURN_IF_ERROR(need(9, "header"));
    if (!std::equal(std::begin(kMagic), std::end(kMagic), in_.begin())) {
      return invalid_argument("not a zkcc proof (bad magic)");
    }
    uint16_t version = static_cast<uint16_t>(in_[6] | (in_[7] << 8));
    if (version != kProofEncodingVersion) {
      return invalid_argument("unsupported proof encoding version " + std::to_string(version));
    }
    if (in_[8] != static_cast<uint8_t>(kind)) {
      return invalid_argument("proof kind " + std::to_string(in_[8]) + " is not the expected " +
                              std::to_string(static_cast<int>(kind)));
    }
    pos_ = 9;
    return ok_status();
  }
  StatusOr<std::span<const uint8_t>> raw(size_t n, const char* what) {
    ZKCC_RETURN_IF_ERROR(need(n, what));
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Status finish() const {
    if (pos_ != in_.size()) {
      return invalid_argument(std::to_string(in_.size() - pos_) + " trailing bytes after the proof");
    }
    return ok_status();
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

// ---- JSON ----

using nlohmann::json;

json to_json(const QM31& q) {
  auto c = q.to_m31s();
  return json::array({c[0].value(), c[1].value(), c[2].value(), c[3].value()});
}
json to_json(const std::vector<QM31>& v) {
  json a = json::array();
  for (const QM31& q : v) a.push_back(to_json(q));
  return a;
}
json to_json(const SumcheckProof& p) {
  json rounds = json::array();
  for (const auto& r : p.rounds) rounds.push_back(to_json(r));
  return {{"rounds", rounds}};
}
json to_json(const FractionLayerProof& l) {
  return {{"sumcheck", to_json(l.sumcheck)},
          {"p0", to_json(l.p0)},
          {"p1", to_json(l.p1)},
          {"q0", to_json(l.q0)},
          {"q1", to_json(l.q1)}};
}
// The totals only when the root is not hidden.
json to_json(const FractionSumProof& p) {
  json layers = json::array();
  for (const auto& l : p.layers) layers.push_back(to_json(l));
  json out = {{"layers", layers}};
  if (!p.root_hidden) {
    out["p_total"] = to_json(p.p_total);
    out["q_total"] = to_json(p.q_total);
  }
  return out;
}

json to_json(const MatmulProof& p) {
  return {{"sumcheck", to_json(p.sumcheck)}, {"a_eval", to_json(p.a_eval)}, {"b_eval", to_json(p.b_eval)}};
}
json to_json(const LogupProof& p) {
  json out = {{"witness", to_json(p.witness)},
              {"table", to_json(p.table)},
              {"witness_evals", to_json(p.witness_evals)},
              {"table_evals", to_json(p.table_evals)},
              {"multiplicity_eval", to_json(p.multiplicity_eval)}};
  if (p.joint) out["joint"] = to_json(*p.joint);
  return out;
}

StatusOr<const json*> field(const json& obj, const char* name) {
  if (!obj.is_object()) return invalid_argument(std::string("expected an object holding '") + name + "'");
  auto it = obj.find(name);
  if (it == obj.end()) return invalid_argument(std::string("missing field '") + name + "'");
  return &*it;
}

StatusOr<QM31> qm31_from(const json& j, const std::string& where) {
  if (!j.is_array() || j.size() != 4) return invalid_argument(where + ": a QM31 is an array of four integers");
  M31 c[4];
  for (size_t i = 0; i < 4; ++i) {
    if (!j[i].is_number_unsigned() || j[i].get<uint64_t>() >= M31::kModulus) {
      return invalid_argument(where + ": coordinate " + std::to_string(i) + " is not a canonical M31 value");
    }
    c[i] = M31::from_canonical(static_cast<uint32_t>(j[i].get<uint64_t>()));
  }
  return QM31::from_m31s(c[0], c[1], c[2], c[3]);
}

StatusOr<QM31> qm31_field(const json& obj, const char* name) {
  ZKCC_ASSIGN_OR_RETURN(const json* j, field(obj, name));
  return qm31_from(*j, name);
}

StatusOr<std::vector<QM31>> qm31s_from(const json& j, const std::string& where) {
  if (!j.is_array()) return invalid_argument(where + ": expected an array");
  std::vector<QM31> v;
  for (size_t i = 0; i < j.size(); ++i) {
    ZKCC_ASSIGN_OR_RETURN(QM31 q, qm31_from(j[i], where + "[" + std::to_string(i) + "]"));
    v.push_back(q);
  }
  return v;
}

StatusOr<SumcheckProof> sumcheck_from(const json& j) {
  ZKCC_ASSIGN_OR_RETURN(const json* rounds, field(j, "rounds"));
  if (!rounds->is_array()) return invalid_argument("sumcheck rounds: expected an array");
  SumcheckProof p;
  for (size_t r = 0; r < rounds->size(); ++r) {
    ZKCC_ASSIGN_OR_RETURN(std::vector<QM31> msg, qm31s_from((*rounds)[r], "sumcheck round " + std::to_string(r)));
    p.rounds.push_back(std::move(msg));
  }
  return p;
}

StatusOr<FractionLayerProof> fraction_layer_from(const json& l) {
  FractionLayerProof layer;
  ZKCC_ASSIGN_OR_RETURN(const json* sc, field(l, "sumcheck"));
  ZKCC_ASSIGN_OR_RETURN(layer.sumcheck, sumcheck_from(*sc));
  ZKCC_ASSIGN_OR_RETURN(layer.p0, qm31_field(l, "p0"));
  ZKCC_ASSIGN_OR_RETURN(layer.p1, qm31_field(l, "p1"));
  ZKCC_ASSIGN_OR_RETURN(layer.q0, qm31_field(l, "q0"));
  ZKCC_ASSIGN_OR_RETURN(layer.q1, qm31_field(l, "q1"));
  return layer;
}

StatusOr<FractionSumProof> fraction_sum_from(const json& j) {
  FractionSumProof p;
  p.root_hidden = !j.is_object() || !j.contains("p_total");
  if (!p.root_hidden) {
    ZKCC_ASSIGN_OR_RETURN(p.p_total, qm31_field(j, "p_total"));
    ZKCC_ASSIGN_OR_RETURN(p.q_total, qm31_field(j, "q_total"));
  }
  ZKCC_ASSIGN_OR_RETURN(const json* layers, field(j, "layers"));
  if (!layers->is_array()) return invalid_argument("fraction sum layers: expected an array");
  for (const json& l : *layers) {
    ZKCC_ASSIGN_OR_RETURN(FractionLayerProof layer, fraction_layer_from(l));
    p.layers.push_back(std::move(layer));
  }
  return p;
}

StatusOr<MatmulProof> matmul_from(const json& j) {
  MatmulProof p;
  ZKCC_ASSIGN_OR_RETURN(const json* sc, field(j, "sumcheck"));
  ZKCC_ASSIGN_OR_RETURN(p.sumcheck, sumcheck_from(*sc));
  ZKCC_ASSIGN_OR_RETURN(p.a_eval, qm31_field(j, "a_eval"));
  ZKCC_ASSIGN_OR_RETURN(p.b_eval, qm31_field(j, "b_eval"));
  return p;
}

StatusOr<LogupProof> logup_from(const json& j) {
  LogupProof p;
  if (j.is_object() && j.contains("joint")) {
    ZKCC_ASSIGN_OR_RETURN(p.joint, fraction_layer_from(j["joint"]));
  }
  ZKCC_ASSIGN_OR_RETURN(const json* w, field(j, "witness"));
  ZKCC_ASSIGN_OR_RETURN(p.witness, fraction_sum_from(*w));
  ZKCC_ASSIGN_OR_RETURN(const json* t, field(j, "table"));
  ZKCC_ASSIGN_OR_RETURN(p.table, fraction_sum_from(*t));
  ZKCC_ASSIGN_OR_RETURN(const json* we, field(j, "witness_evals"));
  ZKCC_ASSIGN_OR_RETURN(p.witness_evals, qm31s_from(*we, "witness_evals"));
  ZKCC_ASSIGN_OR_RETURN(const json* te, field(j, "table_evals"));
  ZKCC_ASSIGN_OR_RETURN(p.table_evals, qm31s_from(*te, "table_evals"));
  ZKCC_ASSIGN_OR_RETURN(p.multiplicity_eval, qm31_field(j, "multiplicity_eval"));
  return p;
}

StatusOr<Felt252> felt_field(const json& obj, const char* name) {
  ZKCC_ASSIGN_OR_RETURN(const json* j, field(obj, name));
  if (!j->is_string()) return invalid_argument(std::string(name) + ": expected a 0x hex string");
  auto f = Felt252::from_hex(j->get_ref<const std::string&>());
  if (!f.ok()) return f.status().with_context(name);
  return f;
}

constexpr std::pair<LayerKind, const char*> kLayerNames[] = {{LayerKind::kMatMul, "matmul"},
                                                             {LayerKind::kAddBias, "add_bias"},
                                                             {LayerKind::kHadamard, "hadamard"},
                                                             {LayerKind::kScale, "scale"},
                                                             {LayerKind::kLookup, "lookup"}};

const char* layer_name(LayerKind k) {
  for (const auto& [kind, name] : kLayerNames) {
    if (kind == k) return name;
  }
  return "unknown";
}

StatusOr<json> parse(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid_argument("proof JSON does not parse");
  return j;
}

}  // namespace

Bytes encode_binary(const MatmulProof& proof) {
  Writer w;
  w.header(ProofKind::kMatmul);
  w.matmul(proof);
  return w.take();
}

Bytes encode_binary(const LogupProof& proof) {
  Writer w;
  w.header(ProofKind::kLogup);
  w.logup(proof);
  return w.take();
}

StatusOr<MatmulProof> decode_matmul_binary(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  ZKCC_RETURN_IF_ERROR(r.header(ProofKind::kMatmul));
  ZKCC_ASSIGN_OR_RETURN(MatmulProof p, r.matmul());
  ZKCC_RETURN_IF_ERROR(r.finish());
  return p;
}

StatusOr<LogupProof> decode_logup_binary(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  ZKCC_RETURN_IF_ERROR(r.header(ProofKind::kLogup));
  ZKCC_ASSIGN_OR_RETURN(LogupProof p, r.logup());
  ZKCC_RETURN_IF_ERROR(r.finish());
  return p;
}

Bytes encode_binary(const LayeredProof& proof) {
  Writer w;
  w.header(ProofKind::kLayered);
  w.u32(static_cast<uint32_t>(proof.layers.size()));
  for (const LayerProof& l : proof.layers) {
    w.u8(static_cast<uint8_t>(l.kind));
    switch (l.kind) {
      case LayerKind::kMatMul:
        w.matmul(l.matmul);
        break;
      case LayerKind::kAddBias:
        w.qm31(l.x_eval);
        break;
      case LayerKind::kHadamard:
        w.sumcheck(l.sumcheck);
        w.qm31(l.x_eval);
        w.qm31(l.h_eval);
        break;
      case LayerKind::kScale:
        break;
      case LayerKind::kLookup:
        w.felt(l.x_digest);
        w.felt(l.y_digest);
        w.felt(l.m_digest);
        w.logup(l.logup);
        break;
    }
  }
  return w.take();
}

StatusOr<LayeredProof> decode_layered_binary(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  ZKCC_RETURN_IF_ERROR(r.header(ProofKind::kLayered));
  ZKCC_ASSIGN_OR_RETURN(size_t n, r.count(1, "layers"));
  LayeredProof p;
  p.layers.resize(n);
  for (size_t i = 0; i < n; ++i) {
    LayerProof& l = p.layers[i];
    ZKCC_ASSIGN_OR_RETURN(uint8_t kind, r.u8("layer kind"));
    l.kind = static_cast<LayerKind>(kind);
    switch (l.kind) {
      case LayerKind::kMatMul: {
        ZKCC_ASSIGN_OR_RETURN(l.matmul, r.matmul());
        break;
      }
      case LayerKind::kAddBias: {
        ZKCC_ASSIGN_OR_RETURN(l.x_eval, r.qm31("x_eval"));
        break;
      }
      case LayerKind::kHadamard: {
        ZKCC_ASSIGN_OR_RETURN(l.sumcheck, r.sumcheck());
        ZKCC_ASSIGN_OR_RETURN(l.x_eval, r.qm31("x_eval"));
        ZKCC_ASSIGN_OR_RETURN(l.h_eval, r.qm31("h_eval"));
        break;
      }
      case LayerKind::kScale:
        break;
      case LayerKind::kLookup: {
        ZKCC_ASSIGN_OR_RETURN(l.x_digest, r.felt("x_digest"));
        ZKCC_ASSIGN_OR_RETURN(l.y_digest, r.felt("y_digest"));
        ZKCC_ASSIGN_OR_RETURN(l.m_digest, r.felt("m_digest"));
        ZKCC_ASSIGN_OR_RETURN(l.logup, r.logup());
        break;
      }
      default:
        return invalid_argument("layer " + std::to_string(i) + " has unknown kind " + std::to_string(kind));
    }
  }
  ZKCC_RETURN_IF_ERROR(r.finish());
  return p;
}

std::string encode_json(const MatmulProof& proof) {
  json j = to_json(proof);
  j["kind"] = "matmul";
  j["version"] = kProofEncodingVersion;
  return j.dump();
}

std::string encode_json(const LogupProof& proof) {
  json j = to_json(proof);
  j["kind"] = "logup";
  j["version"] = kProofEncodingVersion;
  return j.dump();
}

namespace {
Status check_kind(const json& j, const char* kind) {
  ZKCC_ASSIGN_OR_RETURN(const json* k, field(j, "kind"));
  ZKCC_ASSIGN_OR_RETURN(const json* v, field(j, "version"));
  if (!k->is_string() || *k != kind) return invalid_argument(std::string("proof JSON is not of kind '") + kind + "'");
  if (!v->is_number_unsigned() || v->get<uint64_t>() != kProofEncodingVersion) {
    return invalid_argument("unsupported proof JSON version");
  }
  return ok_status();
}
}  // namespace

StatusOr<MatmulProof> decode_matmul_json(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json j, parse(text));
  ZKCC_RETURN_IF_ERROR(check_kind(j, "matmul"));
  return matmul_from(j);
}

StatusOr<LogupProof> decode_logup_json(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json j, parse(text));
  ZKCC_RETURN_IF_ERROR(check_kind(j, "logup"));
  return logup_from(j);
}

std::string encode_json(const LayeredProof& proof) {
  json layers = json::array();
  for (const LayerProof& l : proof.layers) {
    json o = {{"kind", layer_name(l.kind)}};
    switch (l.kind) {
      case LayerKind::kMatMul:
        o["matmul"] = to_json(l.matmul);
        break;
      case LayerKind::kAddBias:
        o["x_eval"] = to_json(l.x_eval);
        break;
      case LayerKind::kHadamard:
        o["sumcheck"] = to_json(l.sumcheck);
        o["x_eval"] = to_json(l.x_eval);
        o["h_eval"] = to_json(l.h_eval);
        break;
      case LayerKind::kScale:
        break;
      case LayerKind::kLookup:
        o["x_digest"] = l.x_digest.to_hex();
        o["y_digest"] = l.y_digest.to_hex();
        o["m_digest"] = l.m_digest.to_hex();
        o["logup"] = to_json(l.logup);
        break;
    }
    layers.push_back(std::move(o));
  }
  return json{{"kind", "layered"}, {"version", kProofEncodingVersion}, {"layers", layers}}.dump();
}

StatusOr<LayeredProof> decode_layered_json(std::string_view text) {
  ZKCC_ASSIGN_OR_RETURN(json j, parse(text));
  ZKCC_RETURN_IF_ERROR(check_kind(j, "layered"));
  ZKCC_ASSIGN_OR_RETURN(const json* layers, field(j, "layers"));
  if (!layers->is_array()) return invalid_argument("layers: expected an array");
  LayeredProof p;
  for (size_t i = 0; i < layers->size(); ++i) {
    const json& o = (*layers)[i];
    ZKCC_ASSIGN_OR_RETURN(const json* kind, field(o, "kind"));
    LayerProof l{};
    bool known = false;
    for (const auto& [k, name] : kLayerNames) {
      if (kind->is_string() && *kind == name) {
        l.kind = k;
        known = true;
      }
    }
    if (!known) return invalid_argument("layer " + std::to_string(i) + " has an unknown kind");
    switch (l.kind) {
      case LayerKind::kMatMul: {
        ZKCC_ASSIGN_OR_RETURN(const json* m, field(o, "matmul"));
        ZKCC_ASSIGN_OR_RETURN(l.matmul, matmul_from(*m));
        break;
      }
      case LayerKind::kAddBias: {
        ZKCC_ASSIGN_OR_RETURN(l.x_eval, qm31_field(o, "x_eval"));
        break;
      }
      case LayerKind::kHadamard: {
        ZKCC_ASSIGN_OR_RETURN(const json* sc, field(o, "sumcheck"));
        ZKCC_ASSIGN_OR_RETURN(l.sumcheck, sumcheck_from(*sc));
        ZKCC_ASSIGN_OR_RETURN(l.x_eval, qm31_field(o, "x_eval"));
        ZKCC_ASSIGN_OR_RETURN(l.h_eval, qm31_field(o, "h_eval"));
        break;
      }
      case LayerKind::kScale:
        break;
      case LayerKind::kLookup: {
        ZKCC_ASSIGN_OR_RETURN(l.x_digest, felt_field(o, "x_digest"));
        ZKCC_ASSIGN_OR_RETURN(l.y_digest, felt_field(o, "y_digest"));
        ZKCC_ASSIGN_OR_RETURN(l.m_digest, felt_field(o, "m_digest"));
        ZKCC_ASSIGN_OR_RETURN(const json* lu, field(o, "logup"));
        ZKCC_ASSIGN_OR_RETURN(l.logup, logup_from(*lu));
        break;
      }
    }
    p.layers.push_back(std::move(l));
  }
  return p;
}

Bytes encode_binary(const GraphProof& proof) {
  Writer w;
  w.header(ProofKind::kGraph);
  w.raw(proof.root);
  w.list(proof.outputs, [&](const Matrix& m) { w.matrix(m); });
  w.qm31s(proof.evals);
  w.list(proof.sumchecks, [&](const SumcheckProof& p) { w.sumcheck(p); });
  w.list(proof.logups, [&](const LogupProof& p) { w.logup(p); });
  for (const std::optional<PcsProof>* o : {&proof.opening, &proof.model_opening}) {
    w.u8(o->has_value() ? 1 : 0);
    if (!o->has_value()) continue;
    Bytes b = encode_pcs_proof(**o);
    w.u32(static_cast<uint32_t>(b.size()));
    w.raw(b);
  }
  return w.take();
}

StatusOr<GraphProof> decode_graph_binary(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  ZKCC_RETURN_IF_ERROR(r.header(ProofKind::kGraph));
  GraphProof p;
  ZKCC_ASSIGN_OR_RETURN(auto root, r.raw(p.root.size(), "per-proof root"));
  std::copy(root.begin(), root.end(), p.root.begin());
  ZKCC_ASSIGN_OR_RETURN(p.outputs, r.list<Matrix>(12, "outputs", [&] { return r.matrix("output"); }));
  ZKCC_ASSIGN_OR_RETURN(p.evals, r.qm31s("stated values"));
  ZKCC_ASSIGN_OR_RETURN(p.sumchecks, r.list<SumcheckProof>(4, "sumchecks", [&] { return r.sumcheck(); }));
  ZKCC_ASSIGN_OR_RETURN(p.logups, r.list<LogupProof>(8, "lookups", [&] { return r.logup(); }));
  for (std::optional<PcsProof>* o : {&p.opening, &p.model_opening}) {
    ZKCC_ASSIGN_OR_RETURN(auto flag, r.raw(1, "opening flag"));
    if (flag[0] > 1) return invalid_argument("opening flag " + std::to_string(flag[0]) + " is neither 0 nor 1");
    if (flag[0] == 0) continue;
    ZKCC_ASSIGN_OR_RETURN(size_t n, r.count(1, "opening length"));
    ZKCC_ASSIGN_OR_RETURN(auto body, r.raw(n, "opening"));
    auto decoded = decode_pcs_proof(body);
    if (!decoded.ok()) return decoded.status().with_context("opening");
    *o = std::move(*decoded);
  }
  ZKCC_RETURN_IF_ERROR(r.finish());
  return p;
}

}  // namespace zkcc::proof
