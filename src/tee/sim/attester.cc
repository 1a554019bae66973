#include "zkcc/tee/sim/attester.h"

#include <ctime>

#include "zkcc/tee/sev_snp/collateral.h"

namespace zkcc::tee::sim {
namespace {

class SimCpuAttester final : public CpuAttester {
 public:
  SimCpuAttester(SimPlatform platform, CpuPlatform kind, CpuAttesterOptions options)
      : platform_(std::move(platform)), kind_(kind), options_(std::move(options)) {}

  CpuPlatform platform() const override { return kind_; }

  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override {
    CpuEvidence e;
    e.platform = kind_;
    e.source = "sim";
    int64_t issued = options_.collateral_time.value_or(static_cast<int64_t>(std::time(nullptr)));
    if (kind_ == CpuPlatform::kSevSnp) {
      ZKCC_ASSIGN_OR_RETURN(e.report, platform_.snp_report(report_data, options_.snp));
      e.certificates = platform_.snp_certificates();
      ZKCC_ASSIGN_OR_RETURN(Bytes crl, platform_.snp_crl(issued));
      e.collateral = sev_snp::collateral_json({std::move(crl)});
    } else {
      ZKCC_ASSIGN_OR_RETURN(e.report, platform_.tdx_quote(report_data, options_.tdx));
      ZKCC_ASSIGN_OR_RETURN(e.collateral, platform_.tdx_collateral(issued));
      if (options_.tdx.event_log) e.event_log = *options_.tdx.event_log;
    }
    return e;
  }

 private:
  SimPlatform platform_;
  CpuPlatform kind_;
  CpuAttesterOptions options_;
};

class SimGpuAttester final : public GpuAttester {
 public:
  SimGpuAttester(SimPlatform platform, unsigned count) : platform_(std::move(platform)), count_(count) {}

  StatusOr<std::vector<GpuEvidence>> attest(std::span<const uint8_t, 32> nonce) override {
    std::vector<GpuEvidence> out;
    for (unsigned i = 0; i < count_; ++i) {
      ZKCC_ASSIGN_OR_RETURN(GpuEvidence e, platform_.gpu_evidence(i, nonce));
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  SimPlatform platform_;
  unsigned count_;
};

}  // namespace

StatusOr<std::unique_ptr<CpuAttester>> make_cpu_attester(const SimPlatform& platform, CpuPlatform kind,
                                                         CpuAttesterOptions options) {
  if (kind != CpuPlatform::kSevSnp && kind != CpuPlatform::kTdx) {
    return invalid_argument("the simulated platform has no " + std::string(cpu_platform_name(kind)) +
                            " attester (sev-snp and tdx only)");
  }
  return std::unique_ptr<CpuAttester>(new SimCpuAttester(platform, kind, std::move(options)));
}

StatusOr<std::unique_ptr<GpuAttester>> make_gpu_attester(const SimPlatform& platform, unsigned count) {
  if (count == 0 || count > kMaxGpus) {
    return invalid_argument("simulated GPU count " + std::to_string(count) + " is not 1.." + std::to_string(kMaxGpus));
  }
  // Creates each GPU's identity now, so that attest() only signs.
  std::array<uint8_t, 32> probe{};
  for (unsigned i = 0; i < count; ++i) {
    auto e = platform.gpu_evidence(i, probe);
    if (!e.ok()) return e.status();
  }
  return std::unique_ptr<GpuAttester>(new SimGpuAttester(platform, count));
}

}  // namespace zkcc::tee::sim
