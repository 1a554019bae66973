#include "zkcc/service/result.h"

#include <algorithm>
#include <string_view>

#include "zkcc/receipt/receipt.h"
#include "zkcc/tee/bundle.h"

namespace zkcc::service {
namespace {

using nlohmann::json;

std::string_view view(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bool is_json_file(std::string_view name) { return name.ends_with(".json"); }

}  // namespace

json result_document(const std::string& job_id, const std::string& model_id, const pipeline::Package& p) {
  json files = json::object();
  for (const auto& [name, bytes] : pipeline::package_files(p)) {
    if (is_json_file(name)) {
      files[name] = json::parse(view(bytes));
    } else {
      files[name] = to_base64(bytes);
    }
  }
  const receipt::ReceiptV2& r = p.receipt;
  auto bundle = tee::bundle_from_json(p.bundle);
  json top1 = json::array();
  for (const model::FloatTensor& o : p.output_values) {
    top1.push_back(std::max_element(o.data.begin(), o.data.end()) - o.data.begin());
  }
  json summary = {{"level", bundle.ok() ? std::string(tee::security_level_name(bundle->level)) : "unknown"},
                  {"statement", r.statement.to_hex()},
                  {"combined_hash", r.tee_attestation_hash.to_hex()},
                  {"model_commitment", r.compute.model_commitment.to_hex()},
                  {"proof_hash", r.proof_digest.to_hex()},
                  {"receipt_hash", receipt::receipt_hash(r).to_hex()},
                  {"proof_bytes", p.proof.size()},
                  {"prove_ms", p.prove_ms},
                  {"top1", top1}};
  return {{"job_id", job_id}, {"model_id", model_id}, {"summary", summary}, {"files", files}};
}

StatusOr<std::map<std::string, Bytes>> result_files(const json& doc, const Bytes* model_commitment) {
  if (!doc.is_object()) return invalid_argument("a result must be a JSON object");
  auto it = doc.find("files");
  if (it == doc.end() || !it->is_object()) return invalid_argument("a result needs a 'files' object");
  std::map<std::string, Bytes> files;
  for (const auto& [name, value] : it->items()) {
    const std::string& file = name;  // a structured binding cannot be captured before C++20 in clang 14
    bool known = std::any_of(std::begin(pipeline::kPackageFiles), std::end(pipeline::kPackageFiles),
                             [&](const char* k) { return file == k; });
    if (!known) return invalid_argument("'files' holds an unknown file '" + name + "'");
    if (is_json_file(name)) {
      if (!value.is_object()) return invalid_argument("files: " + name + " must be a JSON object");
      std::string text = value.dump();
      files[name] = Bytes(text.begin(), text.end());
    } else {
      if (!value.is_string()) return invalid_argument("files: " + name + " must be a base64 string");
      auto bytes = from_base64(value.get_ref<const std::string&>());
      if (!bytes.ok()) return bytes.status().with_context("files: " + name);
      files[name] = std::move(*bytes);
    }
  }
  if (!files.count("model_commitment.bin")) {
    if (model_commitment == nullptr) {
      return not_found("the result carries no model_commitment.bin and its model_id names no registered model");
    }
    files["model_commitment.bin"] = *model_commitment;
  }
  for (const char* name : pipeline::kRequiredPackageFiles) {
    if (!files.count(name)) return invalid_argument("files: " + std::string(name) + " is missing");
  }
  return files;
}

}  // namespace zkcc::service
