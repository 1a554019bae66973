#include "zkcc/tee/collateral/cache.h"

#include <system_error>

namespace zkcc::tee::collateral {
namespace {

namespace fs = std::filesystem;

constexpr char kAmdKds[] = "https://kdsintf.amd.com";
constexpr char kNvidiaRim[] = "https://rim.attestation.nvidia.com/v1/rim/";

// What KDS serves per product and signer: amd/<Product>/<signer>_<file>, from
// <signer>/v1/<Product>/<endpoint>, the signer being vcek (ASK) or vlek (ASVK).
Item amd_product_item(sev_snp::Product product, sev_snp::SigningKey key, const char* file, const char* endpoint) {
  std::string name(sev_snp::product_name(product));
  std::string signer = key == sev_snp::SigningKey::kVlek ? "vlek" : "vcek";
  return Item{"amd/" + name + "/" + signer + "_" + file, std::string(kAmdKds) + "/" + signer + "/v1/" + name + "/" + endpoint};
}

}  // namespace

StatusOr<Item> amd_vcek(const sev_snp::Report& report, sev_snp::Product product) {
  if (report.signing_key != sev_snp::SigningKey::kVcek) {
    return invalid_argument("the report is not signed by a VCEK; VLEKs come from the host's extended report, not from AMD KDS");
  }
  if (report.product_from_cpuid() != sev_snp::Product::kUnknown) product = report.product_from_cpuid();
  if (product == sev_snp::Product::kUnknown) return invalid_argument("the report does not name its product; say which (Milan, Genoa, Turin)");
  std::string name(sev_snp::product_name(product));
  // Turin VCEKs are keyed by the first 8 bytes of CHIP_ID and carry the FMC SPL.
  bool turin = product == sev_snp::Product::kTurin;
  std::string hwid = to_hex(std::span(report.chip_id).first(turin ? 8 : 64));
  sev_snp::Tcb tcb = sev_snp::decode_tcb(report.reported_tcb, product);
  std::string query = "?";
  if (turin) query += "fmcSPL=" + std::to_string(tcb.fmc) + "&";
  query += "blSPL=" + std::to_string(tcb.boot_loader) + "&teeSPL=" + std::to_string(tcb.tee) + "&snpSPL=" +
           std::to_string(tcb.snp) + "&ucodeSPL=" + std::to_string(tcb.microcode);
  char tcb_hex[17];
  std::snprintf(tcb_hex, sizeof tcb_hex, "%016llx", static_cast<unsigned long long>(report.reported_tcb));
  return Item{"amd/" + name + "/vcek/" + hwid + "/" + tcb_hex + ".der", std::string(kAmdKds) + "/vcek/v1/" + name + "/" + hwid + query};
}

Item amd_cert_chain(sev_snp::Product product, sev_snp::SigningKey key) {
  return amd_product_item(product, key, "cert_chain.pem", "cert_chain");
}

Item amd_crl(sev_snp::Product product, sev_snp::SigningKey key) { return amd_product_item(product, key, "crl.der", "crl"); }

Item intel_tdx_collateral(std::span<const uint8_t, 6> fmspc) {
  return Item{"intel/tdx/" + to_hex(fmspc) + "/collateral.json", ""};
}

StatusOr<Item> nvidia_rim(const std::string& rim_id) {
  bool plain = !rim_id.empty() && rim_id.size() <= 128 && rim_id.front() != '.' &&
               rim_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos;
  if (!plain) return invalid_argument("'" + rim_id + "' is not a RIM identifier");
  return Item{"nvidia/rim/" + rim_id + ".xml", kNvidiaRim + rim_id};
}

StatusOr<Bytes> Cache::read(const Item& item) const {
  fs::path p = root_ / item.path;
  std::error_code ec;
  if (!fs::exists(p, ec)) return not_found("collateral " + item.path + " is not in the cache " + root_.string());
  return read_file(p.string(), 64 << 20);
}

bool Cache::contains(const Item& item) const {
  std::error_code ec;
  return fs::is_regular_file(root_ / item.path, ec);
}

Status Cache::write(const Item& item, std::span<const uint8_t> data) const {
  fs::path p = root_ / item.path;
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) return unavailable("cannot create " + p.parent_path().string() + ": " + ec.message());
  return write_file_atomic(p.string(), std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

}  // namespace zkcc::tee::collateral
