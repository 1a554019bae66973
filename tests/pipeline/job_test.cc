#include "zkcc/pipeline/job.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdlib.h>

#include <ctime>
#include <filesystem>
#include <functional>
#include <set>

#include "../model/onnx_builder.h"
#include "../model/test_util.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/input_json.h"
#include "zkcc/tee/sim/attester.h"
#include "zkcc/tee/sim/platform.h"

namespace zkcc::pipeline {
namespace {

namespace fs = std::filesystem;
using tee::CpuPlatform;
using tee::SecurityLevel;

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

// One simulated platform and the digits model for the whole suite (the platform's RSA keys take a
// moment to make).
class JobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "zkcc-job-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto p = tee::sim::SimPlatform::open(dir_);
    ASSERT_TRUE(p.ok()) << p.status().to_string();
    platform_.emplace(std::move(*p));
    auto onnx = read_file("models/digits/mlp.onnx");
    auto cal = read_file("models/digits/calibration.json");
    ASSERT_TRUE(onnx.ok() && cal.ok());
    ModelOptions options;
    options.calibration_json = text(*cal);
    auto g = load_model(*onnx, options);
    ASSERT_TRUE(g.ok()) << g.status().to_string();
    auto m = prepare_model(std::move(*g));
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    model_ = std::move(*m);
    auto input = read_file("models/digits/inputs/heldout_001.json");
    ASSERT_TRUE(input.ok());
    auto x = model::parse_input_json(text(*input), model_.graph->values[0].shape);
    ASSERT_TRUE(x.ok());
    input_ = std::move(*x);
  }
  static void TearDownTestSuite() {
    platform_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static tee::BundleRoots sim_roots() {
    tee::sim::SimRoots r = platform_->roots();
    std::vector<tee::Certificate> all = r.amd;
    all.insert(all.end(), r.intel.begin(), r.intel.end());
    all.insert(all.end(), r.nvidia.begin(), r.nvidia.end());
    return tee::roots_with_extra(all);
  }

  // Proves the digits input at `level` with a simulated CPU (or none) and `gpus` simulated GPUs,
  // and returns the package's files.
  static std::map<std::string, Bytes> prove(SecurityLevel level, CpuPlatform cpu, unsigned gpus,
                                            bool public_input = false) {
    std::unique_ptr<tee::CpuAttester> c;
    std::unique_ptr<tee::GpuAttester> g;
    if (cpu != CpuPlatform::kNone) c = *tee::sim::make_cpu_attester(*platform_, cpu);
    if (gpus > 0) g = *tee::sim::make_gpu_attester(*platform_, gpus);
    JobOptions options;
    options.level = level;
    options.cpu = c.get();
    options.gpu = g.get();
    options.now = static_cast<uint64_t>(now());
    options.billing.billing_amount_sage = 25;
    options.billing.sequence_number = 3;
    options.public_input = public_input;
    auto p = prove_job(model_, input_, options);
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    return p.ok() ? package_files(*p) : std::map<std::string, Bytes>{};
  }

  // The names of the failed checks, or the parse error as one entry.
  static std::set<std::string> failures(const std::map<std::string, Bytes>& files, const tee::BundleRoots& roots) {
    auto p = parse_package(files);
    if (!p.ok()) return {"parse: " + p.status().message()};
    tee::Verdict v = verify_package(*p, roots, nullptr, now());
    std::set<std::string> failed;
    for (const auto& c : v.checks) {
      if (!c.ok) failed.insert(c.name);
    }
    return failed;
  }

  static fs::path dir_;
  static std::optional<tee::sim::SimPlatform> platform_;
  static LoadedModel model_;
  static model::FloatTensor input_;
};

fs::path JobTest::dir_;
std::optional<tee::sim::SimPlatform> JobTest::platform_;
LoadedModel JobTest::model_;
model::FloatTensor JobTest::input_;

bool has_prefix(const std::set<std::string>& s, const std::string& prefix) {
  for (const auto& x : s) {
    if (x.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST_F(JobTest, EveryLevelProvesAndVerifies) {
  struct Case {
    SecurityLevel level;
    CpuPlatform cpu;
    unsigned gpus;
  };
  for (Case c : {Case{SecurityLevel::kZkOnly, CpuPlatform::kNone, 0}, Case{SecurityLevel::kTee, CpuPlatform::kSevSnp, 0},
                 Case{SecurityLevel::kTee, CpuPlatform::kNone, 1}, Case{SecurityLevel::kFullCc, CpuPlatform::kSevSnp, 1},
                 Case{SecurityLevel::kFullCc, CpuPlatform::kTdx, 2}, Case{SecurityLevel::kAuto, CpuPlatform::kTdx, 0}}) {
    auto files = prove(c.level, c.cpu, c.gpus);
    ASSERT_EQ(files.size(), std::size(kRequiredPackageFiles));  // no public_input.json: the input is private
    EXPECT_EQ(failures(files, sim_roots()), std::set<std::string>{}) << tee::security_level_name(c.level);
    auto p = parse_package(files);
    ASSERT_TRUE(p.ok());
    auto att = tee::bundle_from_json(p->bundle);
    ASSERT_TRUE(att.ok());
    EXPECT_EQ(att->gpus.size(), c.gpus);
    EXPECT_EQ(att->cpu.has_value(), c.cpu != CpuPlatform::kNone);
    EXPECT_EQ(p->receipt.tee_attestation_hash, att->combined_hash);
    EXPECT_EQ(p->verify_and_pay.tee_attestation_hash, att->combined_hash);
    if (c.cpu != CpuPlatform::kNone || c.gpus > 0) {
      // The production roots never accept the simulated platform.
      EXPECT_TRUE(has_prefix(failures(files, tee::roots_with_extra({})), "evidence: "));
    }
  }
}

TEST_F(JobTest, AskedLevelThatCannotBeMetFails) {
  JobOptions options;
  options.level = SecurityLevel::kFullCc;
  auto p = prove_job(model_, input_, options);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("attestation"), std::string::npos) << p.status().to_string();
}

TEST_F(JobTest, TamperedFilesFailWithTheirReason) {
  const auto honest = prove(SecurityLevel::kFullCc, CpuPlatform::kSevSnp, 1);
  ASSERT_EQ(failures(honest, sim_roots()), std::set<std::string>{});
  const auto open_input = prove(SecurityLevel::kFullCc, CpuPlatform::kSevSnp, 1, true);
  ASSERT_EQ(failures(open_input, sim_roots()), std::set<std::string>{});
  auto edit_json_of = [&](const std::map<std::string, Bytes>& base, const char* file, auto&& f) {
    auto files = base;
    auto j = nlohmann::json::parse(text(files[file]));
    f(j);
    files[file] = bytes(j.dump());
    return failures(files, sim_roots());
  };
  auto edit_json = [&](const char* file, auto&& f) { return edit_json_of(honest, file, f); };

  // Another public input (quantized and given values both changed consistently).
  auto failed = edit_json_of(open_input, "public_input.json", [](nlohmann::json& j) {
    j["values"][30] = j["values"][30].get<double>() + 3.0;
    j["quantized"][30] = j["quantized"][30].get<int64_t>() + 3 * 8;
  });
  EXPECT_TRUE(failed.count("input commitment") && failed.count("proof")) << ::testing::PrintToString(failed);
  EXPECT_FALSE(failed.count("model commitment"));
  // A private input's proof shown with an public_input.json (someone else's input) is refused too.
  auto files = honest;
  files["public_input.json"] = open_input.at("public_input.json");
  failed = failures(files, sim_roots());
  EXPECT_TRUE(failed.count("input commitment") && failed.count("proof")) << ::testing::PrintToString(failed);

  // Another output.
  failed = edit_json("output.json", [](nlohmann::json& j) {
    j["outputs"][0]["quantized"][2] = j["outputs"][0]["quantized"][2].get<int64_t>() + 1;
  });
  EXPECT_TRUE(failed.count("output commitment") && failed.count("proof")) << ::testing::PrintToString(failed);

  // A flipped proof byte.
  files = honest;
  files["proof.bin"][files["proof.bin"].size() / 2] ^= 0x01;
  failed = failures(files, sim_roots());
  EXPECT_TRUE(failed.count("proof") && failed.count("receipt names this proof")) << ::testing::PrintToString(failed);

  // Another model commitment: other weights (another root) or another architecture.
  files = honest;
  auto m = proof::decode_model_commitment(files["model_commitment.bin"]);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  proof::ModelCommitment other_weights = *m;
  other_weights.root[3] ^= 1;
  files["model_commitment.bin"] = proof::encode_model_commitment(other_weights);
  failed = failures(files, sim_roots());
  EXPECT_TRUE(failed.count("model commitment") && failed.count("model commitment's parameters are in range") &&
              failed.count("proof"))
      << ::testing::PrintToString(failed);
  proof::ModelCommitment other_arch = *m;
  model::QuantizedGraph arch = *m->architecture;
  arch.values[1].scale *= 2;
  other_arch.architecture = std::make_shared<const model::QuantizedGraph>(arch);
  files["model_commitment.bin"] = proof::encode_model_commitment(other_arch);
  failed = failures(files, sim_roots());
  EXPECT_TRUE(failed.count("model commitment") && failed.count("proof")) << ::testing::PrintToString(failed);

  // A changed byte in the CPU report of the evidence bundle.
  failed = edit_json("bundle.json", [](nlohmann::json& j) {
    std::string report = j["cpu"]["report"];
    report[100] = report[100] == 'A' ? 'B' : 'A';
    j["cpu"]["report"] = report;
  });
  EXPECT_TRUE(has_prefix(failed, "evidence: ")) << ::testing::PrintToString(failed);

  // Evidence for another statement.
  auto other = prove(SecurityLevel::kFullCc, CpuPlatform::kSevSnp, 1);
  files = honest;
  files["bundle.json"] = other["bundle.json"];
  failed = failures(files, sim_roots());
  EXPECT_TRUE(failed.count("proof") && failed.count("receipt names this attestation")) << ::testing::PrintToString(failed);

  // The receipt's hash covers its fields.
  failed = edit_json("receipt.json", [](nlohmann::json& j) { j["gpu_time_ms"] = 1; });
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed.begin()->find("receipt.json"), std::string::npos) << *failed.begin();

  // verify_and_pay's arguments must repeat the commitments.
  failed = edit_json("calldata.json", [](nlohmann::json& j) { j["verify_and_pay"]["args"]["num_layers"] = 99; });
  EXPECT_TRUE(failed.count("verify_and_pay arguments")) << ::testing::PrintToString(failed);
}

// A package re-targeted by rewriting what it says about payment and bookkeeping, every file
// re-serialised consistently (receipt hash, calldata felts), fails. `restate` also rewrites the
// receipt's statement as the new payment commitment makes it, as an attacker would.
TEST_F(JobTest, EveryReceiptAndCalldataFieldIsBound) {
  const auto honest = prove(SecurityLevel::kTee, CpuPlatform::kSevSnp, 0);
  ASSERT_EQ(failures(honest, sim_roots()), std::set<std::string>{});
  auto parsed = parse_package(honest);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->receipt.compute.billing_amount_sage, 25u);  // the options' billing fields
  EXPECT_EQ(parsed->receipt.compute.sequence_number, 3u);
  const Felt252 one = Felt252::from_u64(1);
  using Edit = std::function<void(Package&)>;
  auto retarget = [&](const Edit& edit, bool restate) {
    auto p = parse_package(honest);
    EXPECT_TRUE(p.ok());
    edit(*p);
    if (restate) {
      p->receipt.statement = commit(p->receipt.compute.model_commitment, p->receipt.compute.input_commitment, p->outputs,
                                    payment_commitment(p->receipt.compute, p->verify_and_pay.sage_amount))
                                 .statement;
    }
    p->verify_and_pay_calldata = *starknet::verify_and_pay_calldata(p->verify_and_pay);
    return failures(package_files(*p), sim_roots());
  };
  struct Case {
    const char* field;
    Edit edit;
    bool restate;
    const char* check;  // a check that must fail
  };
  const std::vector<Case> cases = {
      // Bound into the statement (payment_c): the proof no longer verifies.
      {"job_id", [&](Package& p) { p.receipt.compute.job_id += one; p.verify_and_pay.job_id = p.receipt.compute.job_id; }, true, "proof"},
      {"worker", [&](Package& p) { p.receipt.compute.worker_pubkey += one; p.verify_and_pay.worker = p.receipt.compute.worker_pubkey; }, true, "proof"},
      {"sage_amount", [](Package& p) { p.verify_and_pay.sage_amount.low += 1000; }, true, "proof"},
      {"sage_amount high", [](Package& p) { p.verify_and_pay.sage_amount.high += 1; }, true, "proof"},
      {"prev_receipt_hash", [&](Package& p) { p.receipt.compute.prev_receipt_hash += one; }, true, "proof"},
      {"gpu_time_ms", [](Package& p) { p.receipt.compute.gpu_time_ms += 3'600'000; }, true, "proof"},
      {"token_count", [](Package& p) { p.receipt.compute.token_count += 1; }, true, "proof"},
      {"billing_amount_sage", [](Package& p) { p.receipt.compute.billing_amount_sage += 1; }, true, "proof"},
      {"billing_rate_per_sec", [](Package& p) { p.receipt.compute.billing_rate_per_sec += 1; }, true, "proof"},
      {"billing_rate_per_token", [](Package& p) { p.receipt.compute.billing_rate_per_token += 1; }, true, "proof"},
      {"timestamp", [](Package& p) { p.receipt.compute.timestamp -= 86400; p.receipt.compute.tee_timestamp = p.receipt.compute.timestamp; }, true, "proof"},
      {"sequence_number", [](Package& p) { p.receipt.compute.sequence_number += 1; }, true, "proof"},
      // Recomputed by verify from what is bound.
      {"job_id (statement kept)", [&](Package& p) { p.receipt.compute.job_id += one; p.verify_and_pay.job_id = p.receipt.compute.job_id; }, false, "statement"},
      {"tee_timestamp", [](Package& p) { p.receipt.compute.tee_timestamp += 1; }, false, "receipt's attestation time"},
      {"model_commitment", [&](Package& p) { p.receipt.compute.model_commitment += one; }, false, "model commitment"},
      {"input_commitment", [&](Package& p) { p.receipt.compute.input_commitment += one; }, false, "input commitment"},
      {"output_commitment", [&](Package& p) { p.receipt.compute.output_commitment += one; }, false, "output commitment"},
      {"statement", [&](Package& p) { p.receipt.statement += one; }, false, "statement"},
      {"proof_digest", [&](Package& p) { p.receipt.proof_digest += one; p.verify_and_pay.proof_hash = p.receipt.proof_digest; }, false, "receipt names this proof"},
      {"attestation hashes", [&](Package& p) { receipt::set_attestation(p.receipt, p.receipt.cpu_tee_report_hash + one, p.receipt.gpu_tee_report_hash); }, false, "receipt names this attestation"},
      // verify_and_pay's arguments alone.
      {"model_id", [&](Package& p) { p.verify_and_pay.model_id += one; }, false, "verify_and_pay arguments"},
      {"proof_hash", [&](Package& p) { p.verify_and_pay.proof_hash += one; }, false, "verify_and_pay arguments"},
      {"io_commitment", [&](Package& p) { p.verify_and_pay.io_commitment += one; }, false, "verify_and_pay arguments"},
      {"weight_commitment", [&](Package& p) { p.verify_and_pay.weight_commitment += one; }, false, "verify_and_pay arguments"},
      {"num_layers", [](Package& p) { p.verify_and_pay.num_layers += 1; }, false, "verify_and_pay arguments"},
      {"job_id argument", [&](Package& p) { p.verify_and_pay.job_id += one; }, false, "verify_and_pay arguments"},
      {"worker argument", [&](Package& p) { p.verify_and_pay.worker += one; }, false, "verify_and_pay arguments"},
      {"tee_attestation_hash argument", [&](Package& p) { p.verify_and_pay.tee_attestation_hash += one; }, false, "verify_and_pay arguments"},
  };
  for (const Case& c : cases) {
    const auto failed = retarget(c.edit, c.restate);
    EXPECT_TRUE(failed.count(c.check)) << c.field << ": " << ::testing::PrintToString(failed);
  }
  // The calldata felts must be the arguments' encoding, and the receipt hash its fields' hash.
  auto files = honest;
  auto j = nlohmann::json::parse(text(files["calldata.json"]));
  j["verify_and_pay"]["calldata"][5] = "0x1";
  files["calldata.json"] = bytes(j.dump());
  EXPECT_TRUE(failures(files, sim_roots()).count("verify_and_pay calldata"));
  files = honest;
  j = nlohmann::json::parse(text(files["receipt.json"]));
  j["receipt_hash"] = "0x1";
  files["receipt.json"] = bytes(j.dump());
  EXPECT_TRUE(has_prefix(failures(files, sim_roots()), "parse: receipt.json")) << ::testing::PrintToString(failures(files, sim_roots()));
}

// public_input.json's float values must be the committed integers' values: finite, inside the calibrated
// range (nothing clamped) and quantizing to them.
TEST_F(JobTest, InputValuesAreThoseTheIntegersStandFor) {
  const auto honest = prove(SecurityLevel::kZkOnly, CpuPlatform::kNone, 0, true);
  auto p = parse_package(honest);
  ASSERT_TRUE(p.ok());
  const int64_t qmax = p->graph->qmax;
  size_t at = p->input.data.size();
  for (size_t i = 0; i < p->input.data.size(); ++i) {
    if (p->input.data[i] == qmax) at = i;
  }
  ASSERT_LT(at, p->input.data.size()) << "the input has no element at the top of its range";
  for (double v : {1e300, p->graph->values[0].scale * (static_cast<double>(qmax) + 0.5)}) {
    auto j = nlohmann::json::parse(text(honest.at("public_input.json")));
    j["values"][at] = v;  // quantizes (clamped) to the same integer
    auto files = honest;
    files["public_input.json"] = bytes(j.dump());
    EXPECT_EQ(failures(files, sim_roots()), std::set<std::string>{"input is the quantized given input"}) << v;
    model::FloatTensor x = input_;
    x.data[at] = v;
    auto refused = prove_job(model_, x, JobOptions{});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("outside the calibrated range"), std::string::npos) << refused.status().to_string();
  }
}

// No file of a proof directory carries a weight, the private input or an intermediate value.
TEST_F(JobTest, PrivatePackageCarriesNoWeightInputOrActivation) {
  const auto files = prove(SecurityLevel::kFullCc, CpuPlatform::kSevSnp, 1);
  ASSERT_EQ(failures(files, sim_roots()), std::set<std::string>{});
  EXPECT_FALSE(files.count("public_input.json"));
  auto x = model::quantize_input_exact(*model_.graph, input_);
  ASSERT_TRUE(x.ok());
  auto trace = model::run(*model_.graph, *x);
  ASSERT_TRUE(trace.ok());
  // Six consecutive values (not all zero) as 32-bit residues and as 64-bit integers.
  auto found = [&](std::span<const int64_t> values) -> std::string {
    if (std::all_of(values.begin(), values.end(), [](int64_t v) { return v == 0; })) return "";
    Bytes u32s, i64s;
    for (int64_t v : values) {
      const uint32_t w = field::M31::from_i64(v).value();
      for (int i = 0; i < 4; ++i) u32s.push_back(static_cast<uint8_t>(w >> (8 * i)));
      for (int i = 0; i < 8; ++i) i64s.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
    }
    for (const auto& [name, b] : files) {
      for (const Bytes* needle : {&u32s, &i64s}) {
        if (std::search(b.begin(), b.end(), needle->begin(), needle->end()) != b.end()) return name;
      }
    }
    return "";
  };
  size_t windows = 0;
  for (const auto& layer : model_.graph->layers) {
    if (const auto* mm = std::get_if<model::MatMulLayer>(&layer.op)) {
      for (size_t at = 0; at + 6 <= mm->weight.data.size(); at += 61, ++windows) {
        EXPECT_EQ(found(std::span(mm->weight.data).subspan(at, 6)), "") << "weights at " << at;
      }
    }
  }
  for (size_t v = 0; v + 1 < trace->values.size(); ++v) {  // the input and every intermediate
    const auto& d = trace->values[v].data;
    for (size_t at = 0; at + 6 <= d.size(); at += 7, ++windows) {
      EXPECT_EQ(found(std::span(d).subspan(at, 6)), "") << "value " << v << " at " << at;
    }
  }
  EXPECT_GT(windows, 50u);
  // The input's float values do not appear as text in the text files either (in the binary ones a
  // three-character string like "1.0" turns up by chance; their values were searched above).
  for (const auto& [name, b] : files) {
    if (!name.ends_with(".json")) continue;
    const std::string t = text(b);
    for (size_t i = 0; i < input_.data.size(); ++i) {
      if (input_.data[i] == 0) continue;
      EXPECT_EQ(t.find(nlohmann::json(input_.data[i]).dump()), std::string::npos) << name << " holds input value " << i;
    }
  }
}

TEST_F(JobTest, ExpectedModelIsEnforced) {
  auto p = parse_package(prove(SecurityLevel::kZkOnly, CpuPlatform::kNone, 0));
  ASSERT_TRUE(p.ok());
  const Felt252 model = p->receipt.compute.model_commitment;
  EXPECT_EQ(model, model_.commitment);  // the registered model's commitment
  EXPECT_TRUE(verify_package(*p, sim_roots(), nullptr, now(), model).ok());
  tee::Verdict v = verify_package(*p, sim_roots(), nullptr, now(), model + Felt252::from_u64(1));
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_EQ(v.first_failure()->name, "model is the expected one");
}

TEST_F(JobTest, MissingOrMalformedFilesAreNamed) {
  auto files = prove(SecurityLevel::kZkOnly, CpuPlatform::kNone, 0);
  auto missing = files;
  missing.erase("receipt.json");
  EXPECT_EQ(parse_package(missing).status().message(), "the proof directory has no receipt.json");
  auto bad = files;
  bad["output.json"] = bytes("{\"outputs\": 3}");
  EXPECT_NE(parse_package(bad).status().message().find("output.json"), std::string::npos);
  bad = files;
  bad["model_commitment.bin"].resize(10);
  EXPECT_NE(parse_package(bad).status().message().find("model_commitment.bin"), std::string::npos);
  bad = files;
  bad["public_input.json"] = bytes("{\"shape\": [1, 64], \"shape\": [1, 64]}");
  EXPECT_NE(parse_package(bad).status().message().find("public_input.json"), std::string::npos);
  // bundle.json is as strict as the others: a repeated key, at any depth, or text that is not an
  // object is refused and named.
  const std::string bundle(files.at("bundle.json").begin(), files.at("bundle.json").end());
  ASSERT_TRUE(bundle.starts_with("{"));
  for (const std::string& text : {"{\"version\": 1, " + bundle.substr(1), "[" + bundle + "]", bundle + "x",
                                  "{\"a\": {\"b\": 1, \"b\": 2}, " + bundle.substr(1)}) {
    bad = files;
    bad["bundle.json"] = bytes(text);
    auto p = parse_package(bad);
    ASSERT_FALSE(p.ok()) << text.substr(0, 60);
    EXPECT_TRUE(p.status().message().starts_with("bundle.json JSON ")) << p.status().to_string();
  }
  EXPECT_NE(parse_package(bad).status().message().find("\"b\" twice"), std::string::npos);
  EXPECT_TRUE(parse_package(files).ok());
}

// A PyTorch-style export: a symbolic batch axis and x.view(x.size(0), -1) written as
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape, with Identity, Dropout and Cast around it.
TEST(LoadModel, SymbolicBatchExportProvesAndVerifies) {
  model::testing::ModelBuilder b(13);
  b.input("x", {-1, 2, 3}).output("y");
  b.initializer("w", {6, 3}, model::testing::uniform(18, 4, 0.5f)).initializer("bias", {3}, {0.1f, -0.2f, 0.05f});
  b.int_initializer("zero", {}, {0}).int_initializer("axes", {1}, {0}).int_initializer("minus_one", {1}, {-1});
  b.node("Identity", {"x"}, {"xi"});
  b.node("Shape", {"xi"}, {"shape"});
  model::testing::set_attr(b.node("Gather", {"shape", "zero"}, {"batch"}), "axis", int64_t{0});
  b.node("Unsqueeze", {"batch", "axes"}, {"batch_1d"});
  model::testing::set_attr(b.node("Concat", {"batch_1d", "minus_one"}, {"target"}), "axis", int64_t{0});
  b.node("Reshape", {"xi", "target"}, {"flat"});
  b.node("Dropout", {"flat"}, {"dropped"});
  model::testing::set_attr(b.node("Cast", {"dropped"}, {"cast"}), "to", int64_t{onnx::TensorProto::FLOAT});
  b.node("Gemm", {"cast", "w", "bias"}, {"fc"});
  b.node("Relu", {"fc"}, {"y"});

  std::vector<std::string> notes;
  auto g = load_model(b.bytes(), {}, &notes);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(notes, (std::vector<std::string>{"input 'x': batch dimension 'N' set to 1"}));
  auto m = prepare_model(std::move(*g));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  auto x = model::parse_input_json("[[[0.5, -0.25, 0.75], [-1, 0.125, 0.3]]]", m->graph->values[0].shape);
  ASSERT_TRUE(x.ok()) << x.status().to_string();
  JobOptions options;
  options.level = SecurityLevel::kZkOnly;
  options.now = static_cast<uint64_t>(now());
  auto p = prove_job(*m, *x, options);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  auto files = package_files(*p);
  auto verdict = [&](const std::map<std::string, Bytes>& f) {
    auto parsed = parse_package(f);
    EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
    std::set<std::string> failed;
    if (!parsed.ok()) return failed;
    for (const auto& c : verify_package(*parsed, tee::roots_with_extra({}), nullptr, now()).checks) {
      if (!c.ok) failed.insert(c.name);
    }
    return failed;
  };
  EXPECT_EQ(verdict(files), std::set<std::string>{});
  auto j = nlohmann::json::parse(text(files["output.json"]));
  j["outputs"][0]["quantized"][1] = j["outputs"][0]["quantized"][1].get<int64_t>() + 1;
  files["output.json"] = bytes(j.dump());
  auto failed = verdict(files);
  EXPECT_TRUE(failed.count("output commitment") && failed.count("proof")) << ::testing::PrintToString(failed);
}

TEST(PaymentCommitment, IsTheFormula) {
  receipt::ComputeReceipt r;
  r.job_id = Felt252::from_u64(1);
  r.worker_pubkey = Felt252::from_u64(2);
  r.prev_receipt_hash = Felt252::from_u64(5);
  r.gpu_time_ms = 6;
  r.token_count = 7;
  r.billing_amount_sage = 8;
  r.billing_rate_per_sec = 9;
  r.billing_rate_per_token = 10;
  r.timestamp = 11;
  r.sequence_number = 12;
  r.model_commitment = Felt252::from_u64(99);  // not part of the payment (the statement has it)
  // poseidonHashMany(['zkcc-payment-v1', 1, ..., 12]) from @scure/starknet 1.1.2.
  EXPECT_EQ(payment_commitment(r, starknet::U256{3, 4}).to_hex(),
            "0x692ffafa0c353aa863ffbdc0ab9869aafac67dd6a42ad8013d1a4532d57c62");
  r.tee_timestamp = 13;  // checked against the timestamp instead
  EXPECT_EQ(payment_commitment(r, starknet::U256{3, 4}).to_hex(),
            "0x692ffafa0c353aa863ffbdc0ab9869aafac67dd6a42ad8013d1a4532d57c62");
  EXPECT_NE(payment_commitment(r, starknet::U256{4, 3}), payment_commitment(r, starknet::U256{3, 4}));
}

TEST(LoadModel, UnsupportedOrUnprovableModelsFailCleanly) {
  model::testing::ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Sin", {"x"}, {"y"}, "wave");
  auto g = load_model(b.bytes(), {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("wave"), std::string::npos) << g.status().to_string();

  // Calibrated on tiny inputs, a wide product keeps its full worst-case range in a small scale:
  // its requantization table would be far too large to prove.
  model::testing::ModelBuilder s;
  s.input("x", {1, 4096}).output("y");
  std::vector<float> alternating(8192);
  for (size_t i = 0; i < alternating.size(); ++i) alternating[i] = (i / 2) % 2 ? -1.0f : 1.0f;  // columns sum to 0
  s.initializer("w", {4096, 2}, alternating);
  s.node("MatMul", {"x", "w"}, {"h"});
  s.node("Relu", {"h"}, {"y"}, "relu");
  ModelOptions tiny;
  tiny.calibration_json = "[" + nlohmann::json(std::vector<double>(4096, 1e-4)).dump() + "]";
  g = load_model(s.bytes(), tiny);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("the model cannot be proved"), std::string::npos) << g.status().to_string();
  EXPECT_NE(g.status().message().find("needs a table of"), std::string::npos) << g.status().to_string();

  std::string corrupt = "not an onnx model";
  EXPECT_FALSE(load_model(bytes(corrupt), {}).ok());
  ModelOptions bad_cal;
  bad_cal.calibration_json = "[[1, 2]]";
  EXPECT_NE(load_model(s.bytes(), bad_cal).status().message().find("calibration"), std::string::npos);
  EXPECT_TRUE(load_model(s.bytes(), {}).ok());  // the interval default scales it provably
}

TEST(LoadModel, InputRangeMustBePositiveFiniteAndAtMostAMillion) {
  model::testing::ModelBuilder b;
  b.input("x", {1, 2}).output("y");
  b.initializer("w", {2, 2}, {0.5f, -0.25f, 1.0f, 0.75f});
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  for (double r : {0.0, -0.0, -1.0, std::nan(""), HUGE_VAL, -HUGE_VAL, 1.5e6}) {
    ModelOptions o;
    o.input_range = r;
    auto g = load_model(b.bytes(), o);
    ASSERT_FALSE(g.ok()) << r;
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument) << r;
    EXPECT_NE(g.status().message().find("the input range must lie in (0, 1e6]"), std::string::npos) << g.status().to_string();
  }
  for (double r : {1e-3, 1.0, 1e6}) {
    ModelOptions o;
    o.input_range = r;
    EXPECT_TRUE(load_model(b.bytes(), o).ok()) << r;
  }
  // With a calibration set the range is not used, and not checked.
  ModelOptions calibrated;
  calibrated.input_range = 0;
  calibrated.calibration_json = "[[0.5, -0.5]]";
  EXPECT_TRUE(load_model(b.bytes(), calibrated).ok());
}

}  // namespace
}  // namespace zkcc::pipeline
