#include "zkcc/proof/layered.h"

#include <bit>
#include <unordered_map>

#include "zkcc/field/m31_vec.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

struct Shape {
  size_t rows, cols;
};

std::string at_layer(size_t l) { return "layer " + std::to_string(l); }

// Shapes of every activation, checking that each layer fits its input.
StatusOr<std::vector<Shape>> activation_shapes(const Circuit& c) {
  std::vector<Shape> shapes = {{c.input_rows, c.input_cols}};
  ZKCC_RETURN_IF_ERROR(log2_exact(c.input_rows).status().with_context("circuit input rows"));
  ZKCC_RETURN_IF_ERROR(log2_exact(c.input_cols).status().with_context("circuit input columns"));
  for (size_t l = 0; l < c.layers.size(); ++l) {
    const Layer& layer = c.layers[l];
    Shape x = shapes.back();
    Shape y = x;
    auto param = [&](size_t i) -> StatusOr<const Matrix*> {
      if (i >= c.params.size()) return invalid_argument(at_layer(l) + " names missing parameter " + std::to_string(i));
      return &c.params[i];
    };
    switch (layer.kind) {
      case LayerKind::kMatMul: {
        ZKCC_ASSIGN_OR_RETURN(const Matrix* w, param(layer.param));
        if (w->rows != x.cols) {
          return invalid_argument(at_layer(l) + ": input has " + std::to_string(x.cols) + " columns but the weight has " +
                                  std::to_string(w->rows) + " rows");
        }
        y.cols = w->cols;
        break;
      }
      case LayerKind::kAddBias: {
        ZKCC_ASSIGN_OR_RETURN(const Matrix* b, param(layer.param));
        if (b->rows != 1 || b->cols != x.cols) return invalid_argument(at_layer(l) + ": bias must be 1 x " + std::to_string(x.cols));
        break;
      }
      case LayerKind::kHadamard: {
        ZKCC_ASSIGN_OR_RETURN(const Matrix* h, param(layer.param));
        if (h->rows != x.rows || h->cols != x.cols) return invalid_argument(at_layer(l) + ": Hadamard factor shape differs");
        break;
      }
      case LayerKind::kScale:
        if (layer.scale.is_zero()) return invalid_argument(at_layer(l) + ": scale by zero");
        break;
      case LayerKind::kLookup: {
        if (layer.param >= c.tables.size()) return invalid_argument(at_layer(l) + " names a missing lookup table");
        const LookupTable& t = c.tables[layer.param];
        if (t.in.size() != t.out.size()) return invalid_argument(at_layer(l) + ": lookup table columns differ in length");
        ZKCC_RETURN_IF_ERROR(log2_exact(t.in.size()).status().with_context(at_layer(l) + " lookup table"));
        if (x.rows * x.cols >= M31::kModulus) return invalid_argument(at_layer(l) + ": too many lookups for M31");
        break;
      }
      default:
        return invalid_argument(at_layer(l) + " has an unknown kind");
    }
    shapes.push_back(y);
  }
  return shapes;
}

size_t vars(size_t n) { return static_cast<size_t>(std::countr_zero(n)); }

Matrix table_matrix(const LookupTable& t) {
  Matrix m{2, t.in.size(), t.in};
  m.data.insert(m.data.end(), t.out.begin(), t.out.end());
  return m;
}

// Binds the circuit (shapes, layers, parameters, tables) and the input into the transcript.
void bind_statement(const Circuit& c, const Matrix& input, Transcript& t) {
  std::vector<Felt252> d = {Felt252::from_u64(c.input_rows), Felt252::from_u64(c.input_cols),
                            Felt252::from_u64(c.layers.size())};
  for (const Layer& l : c.layers) {
    d.push_back(Felt252::from_u64(static_cast<uint64_t>(l.kind)));
    d.push_back(Felt252::from_u64(l.param));
    d.push_back(Felt252::from_u64(l.scale.value()));
  }
  for (const Matrix& p : c.params) d.push_back(tensor_digest(p));
  for (const LookupTable& tab : c.tables) d.push_back(tensor_digest(table_matrix(tab)));
  d.push_back(tensor_digest(input));
  t.mix_felts(d);
}

std::vector<QM31> concat(std::span<const QM31> a, std::span<const QM31> b) {
  std::vector<QM31> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Status check_shape(const Matrix& m, size_t rows, size_t cols, const char* what) {
  if (m.rows != rows || m.cols != cols || m.data.size() != rows * cols) {
    return invalid_argument(std::string(what) + " is " + std::to_string(m.rows) + " x " + std::to_string(m.cols) +
                            ", the circuit needs " + std::to_string(rows) + " x " + std::to_string(cols));
  }
  return ok_status();
}

FinalClaim param_claim(size_t index, std::vector<QM31> point, const QM31& value) {
  return {{TensorRef::What::kParam, index}, Felt252(), {std::move(point), value}};
}

}  // namespace

Felt252 tensor_digest(const Matrix& t) {
  std::vector<Felt252> felts = {Felt252::from_u64(t.rows), Felt252::from_u64(t.cols)};
  std::vector<Felt252> packed = pack_m31s(t.data);
  felts.insert(felts.end(), packed.begin(), packed.end());
  return hash::poseidon_hash_many(felts);
}

StatusOr<Trace> run_circuit(const Circuit& c, const Matrix& input) {
  ZKCC_ASSIGN_OR_RETURN(std::vector<Shape> shapes, activation_shapes(c));
  ZKCC_RETURN_IF_ERROR(check_shape(input, c.input_rows, c.input_cols, "input"));
  Trace trace = {input};
  for (size_t l = 0; l < c.layers.size(); ++l) {
    const Layer& layer = c.layers[l];
    const Matrix& x = trace.back();
    Matrix y{shapes[l + 1].rows, shapes[l + 1].cols, std::vector<M31>(shapes[l + 1].rows * shapes[l + 1].cols)};
    switch (layer.kind) {
      case LayerKind::kMatMul: {
        const Matrix& w = c.params[layer.param];
        std::vector<M31> scaled(w.cols);
        for (size_t i = 0; i < x.rows; ++i) {
          std::span<M31> out = std::span(y.data).subspan(i * y.cols, y.cols);
          for (size_t k = 0; k < x.cols; ++k) {
            field::m31_scale(std::span<const M31>(w.data).subspan(k * w.cols, w.cols), x.data[i * x.cols + k], scaled);
            field::m31_add(out, scaled, out);
          }
        }
        break;
      }
      case LayerKind::kAddBias:
        for (size_t i = 0; i < x.rows; ++i) {
          for (size_t j = 0; j < x.cols; ++j) y.data[i * x.cols + j] = x.data[i * x.cols + j] + c.params[layer.param].data[j];
        }
        break;
      case LayerKind::kHadamard:
        field::m31_mul(x.data, c.params[layer.param].data, y.data);
        break;
      case LayerKind::kScale:
        field::m31_scale(x.data, layer.scale, y.data);
        break;
      case LayerKind::kLookup: {
        const LookupTable& t = c.tables[layer.param];
        std::unordered_map<uint32_t, M31> f;
        for (size_t j = t.in.size(); j-- > 0;) f[t.in[j].value()] = t.out[j];
        for (size_t i = 0; i < x.data.size(); ++i) {
          auto it = f.find(x.data[i].value());
          if (it == f.end()) {
            return invalid_argument(at_layer(l) + ": value " + std::to_string(x.data[i].to_signed()) + " at entry " +
                                    std::to_string(i) + " is outside the lookup table");
          }
          y.data[i] = it->second;
        }
        break;
      }
    }
    trace.push_back(std::move(y));
  }
  return trace;
}

StatusOr<Matrix> lookup_multiplicities(const Circuit& c, const Trace& trace, size_t layer) {
  if (layer >= c.layers.size() || c.layers[layer].kind != LayerKind::kLookup) {
    return invalid_argument(at_layer(layer) + " is not a lookup");
  }
  const LookupTable& t = c.tables[c.layers[layer].param];
  const Column witness[] = {trace[layer].data, trace[layer + 1].data};
  const Column table[] = {t.in, t.out};
  ZKCC_ASSIGN_OR_RETURN(Column m, logup_multiplicities(witness, table));
  return Matrix{1, m.size(), std::move(m)};
}

StatusOr<LayeredProof> layered_prove(const Circuit& c, const Trace& trace, Transcript& t) {
  ZKCC_ASSIGN_OR_RETURN(std::vector<Shape> shapes, activation_shapes(c));
  if (trace.size() != c.layers.size() + 1) return invalid_argument("trace does not match the circuit");
  bind_statement(c, trace.front(), t);
  const Matrix& output = trace.back();
  t.mix(tensor_digest(output));
  std::vector<QM31> z = t.draw_qm31s(vars(output.rows) + vars(output.cols));
  QM31 v = evaluate_mle(output.data, z);

  LayeredProof proof;
  proof.layers.resize(c.layers.size());
  for (size_t l = c.layers.size(); l-- > 0;) {
    const Layer& layer = c.layers[l];
    const Matrix& x = trace[l];
    LayerProof& lp = proof.layers[l];
    lp.kind = layer.kind;
    switch (layer.kind) {
      case LayerKind::kMatMul: {
        auto r_row = std::span<const QM31>(z).first(vars(x.rows));
        auto r_col = std::span<const QM31>(z).subspan(vars(x.rows));
        ZKCC_ASSIGN_OR_RETURN(MatmulProverResult m, matmul_prove(x, c.params[layer.param], r_row, r_col, v, t));
        lp.matmul = std::move(m.proof);
        z = concat(r_row, m.inner_point);
        v = lp.matmul.a_eval;
        break;
      }
      case LayerKind::kAddBias: {
        lp.x_eval = evaluate_mle(x.data, z);
        const QM31 sent[] = {lp.x_eval};
        t.mix_qm31s(sent);
        v = lp.x_eval;
        break;
      }
      case LayerKind::kHadamard: {
        std::vector<std::vector<QM31>> polys = {eq_table(z), lift(x.data), lift(c.params[layer.param].data)};
        const SumcheckTerm term[] = {{QM31::one(), {0, 1, 2}}};
        ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc, sumcheck_prove(std::move(polys), term, t));
        lp.sumcheck = std::move(sc.proof);
        lp.x_eval = sc.final_evals[1];
        lp.h_eval = sc.final_evals[2];
        const QM31 sent[] = {lp.x_eval, lp.h_eval};
        t.mix_qm31s(sent);
        z = std::move(sc.point);
        v = lp.x_eval;
        break;
      }
      case LayerKind::kScale:
        v = v * layer.scale.inverse();
        break;
      case LayerKind::kLookup: {
        const LookupTable& tab = c.tables[layer.param];
        ZKCC_ASSIGN_OR_RETURN(Matrix m, lookup_multiplicities(c, trace, l));
        lp.x_digest = tensor_digest(x);
        lp.y_digest = tensor_digest(trace[l + 1]);
        lp.m_digest = tensor_digest(m);
        const Felt252 digests[] = {lp.x_digest, lp.y_digest, lp.m_digest};
        t.mix_felts(digests);
        const Column witness[] = {x.data, trace[l + 1].data};
        const Column table[] = {tab.in, tab.out};
        ZKCC_ASSIGN_OR_RETURN(LogupProverResult lu, logup_prove(witness, table, m.data, t));
        lp.logup = std::move(lu.proof);
        z = std::move(lu.witness_point);  // the claim continues on X there
        v = lp.logup.witness_evals[0];
        break;
      }
    }
  }
  return proof;
}

StatusOr<std::vector<FinalClaim>> layered_verify(const Circuit& c, const Matrix& input, const Matrix& output,
                                                     const LayeredProof& proof, Transcript& t) {
  ZKCC_ASSIGN_OR_RETURN(std::vector<Shape> shapes, activation_shapes(c));
  ZKCC_RETURN_IF_ERROR(check_shape(input, c.input_rows, c.input_cols, "input"));
  ZKCC_RETURN_IF_ERROR(check_shape(output, shapes.back().rows, shapes.back().cols, "output"));
  if (proof.layers.size() != c.layers.size()) {
    return invalid_argument("proof has " + std::to_string(proof.layers.size()) + " layers, the circuit " +
                            std::to_string(c.layers.size()));
  }
  bind_statement(c, input, t);
  t.mix(tensor_digest(output));
  std::vector<QM31> z = t.draw_qm31s(vars(output.rows) + vars(output.cols));
  QM31 v = evaluate_mle(output.data, z);

  std::vector<FinalClaim> claims;
  for (size_t l = c.layers.size(); l-- > 0;) {
    const Layer& layer = c.layers[l];
    const LayerProof& lp = proof.layers[l];
    const Shape& xs = shapes[l];
    if (lp.kind != layer.kind) return invalid_argument(at_layer(l) + ": proof is for another kind of layer");
    switch (layer.kind) {
      case LayerKind::kMatMul: {
        const Matrix& w = c.params[layer.param];
        auto r_row = std::span<const QM31>(z).first(vars(xs.rows));
        auto r_col = std::span<const QM31>(z).subspan(vars(xs.rows));
        auto red = matmul_verify(w.rows, r_row, r_col, v, lp.matmul, t);
        if (!red.ok()) return red.status().with_context(at_layer(l));
        claims.push_back(param_claim(layer.param, red->b.point, red->b.value));
        z = std::move(red->a.point);
        v = red->a.value;
        break;
      }
      case LayerKind::kAddBias: {
        const QM31 sent[] = {lp.x_eval};
        t.mix_qm31s(sent);
        // Y~(r, c) = X~(r, c) + b~(c): the bias takes what the input does not explain.
        auto r_col = std::span<const QM31>(z).subspan(vars(xs.rows));
        claims.push_back(param_claim(layer.param, {r_col.begin(), r_col.end()}, v - lp.x_eval));
        v = lp.x_eval;
        break;
      }
      case LayerKind::kHadamard: {
        auto sc = sumcheck_verify(v, z.size(), 3, lp.sumcheck, t);
        if (!sc.ok()) return sc.status().with_context(at_layer(l));
        if (eq_eval(z, sc->point) * lp.x_eval * lp.h_eval != sc->final_claim) {
          return invalid_argument(at_layer(l) + ": Hadamard sumcheck does not close");
        }
        const QM31 sent[] = {lp.x_eval, lp.h_eval};
        t.mix_qm31s(sent);
        claims.push_back(param_claim(layer.param, sc->point, lp.h_eval));
        z = std::move(sc->point);
        v = lp.x_eval;
        break;
      }
      case LayerKind::kScale:
        v = v * layer.scale.inverse();
        break;
      case LayerKind::kLookup: {
        const LookupTable& tab = c.tables[layer.param];
        const Felt252 digests[] = {lp.x_digest, lp.y_digest, lp.m_digest};
        t.mix_felts(digests);
        size_t n_vars = vars(xs.rows) + vars(xs.cols);
        auto lu = logup_verify(n_vars, vars(tab.in.size()), 2, lp.logup, t);
        if (!lu.ok()) return lu.status().with_context(at_layer(l));
        if (evaluate_mle(tab.in, lu->table_point) != lu->table_evals[0] ||
            evaluate_mle(tab.out, lu->table_point) != lu->table_evals[1]) {
          return invalid_argument(at_layer(l) + ": the claim on the lookup table is false");
        }
        // Y is committed: the claim from the layer above and the lookup's own claim both rest on it.
        claims.push_back({{TensorRef::What::kActivation, l + 1}, lp.y_digest, {z, v}});
        claims.push_back({{TensorRef::What::kActivation, l + 1}, lp.y_digest, {lu->witness_point, lu->witness_evals[1]}});
        claims.push_back({{TensorRef::What::kMultiplicity, l}, lp.m_digest, {lu->table_point, lu->multiplicity_eval}});
        // X is bound by its digest; its claim also continues through the layer below.
        claims.push_back({{TensorRef::What::kActivation, l}, lp.x_digest, {lu->witness_point, lu->witness_evals[0]}});
        z = std::move(lu->witness_point);
        v = lu->witness_evals[0];
        break;
      }
    }
  }
  claims.push_back({{TensorRef::What::kInput, 0}, Felt252(), {std::move(z), v}});
  return claims;
}

Status check_final_claims(const Circuit& c, const Matrix& input, const Trace& trace,
                          const std::vector<FinalClaim>& claims) {
  for (size_t k = 0; k < claims.size(); ++k) {
    const FinalClaim& fc = claims[k];
    Matrix m;
    const Matrix* tensor = nullptr;
    bool committed = false;
    switch (fc.ref.what) {
      case TensorRef::What::kInput:
        tensor = &input;
        break;
      case TensorRef::What::kParam:
        if (fc.ref.index >= c.params.size()) return invalid_argument("claim on a missing parameter");
        tensor = &c.params[fc.ref.index];
        break;
      case TensorRef::What::kActivation:
        if (fc.ref.index >= trace.size()) return invalid_argument("claim on a missing activation");
        tensor = &trace[fc.ref.index];
        committed = true;
        break;
      case TensorRef::What::kMultiplicity: {
        ZKCC_ASSIGN_OR_RETURN(m, lookup_multiplicities(c, trace, fc.ref.index));
        tensor = &m;
        committed = true;
        break;
      }
    }
    std::string which = "final claim " + std::to_string(k);
    if (committed && tensor_digest(*tensor) != fc.digest) {
      return invalid_argument(which + ": the committed tensor does not match its digest");
    }
    if (tensor->data.size() != (size_t{1} << fc.claim.point.size())) {
      return invalid_argument(which + ": the point does not fit the tensor");
    }
    if (evaluate_mle(tensor->data, fc.claim.point) != fc.claim.value) return invalid_argument(which + " is false");
  }
  return ok_status();
}

}  // namespace zkcc::proof
