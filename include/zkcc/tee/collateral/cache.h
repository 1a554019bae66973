// The collateral cache: a directory holding what offline verification needs besides the evidence,
// one file per item, laid out by what identifies it:
//   amd/<Product>/vcek/<hwID hex>/<TCB_VERSION hex>.der    a VCEK, by chip and reported TCB
//   amd/<Product>/vcek_cert_chain.pem                      ASK then ARK
//   amd/<Product>/vlek_cert_chain.pem                      ASVK then ARK
//   amd/<Product>/vcek_crl.der                             AMD's CRL for the ASK, signed by the ARK
//   amd/<Product>/vlek_crl.der                             AMD's CRL for the ASVK, signed by the ARK
//   intel/tdx/<FMSPC hex>/collateral.json                  QuoteCollateralV3 (TCB Info, QE
//                                                          Identity, CRLs and their chains)
//   nvidia/rim/<RIM id>.xml                                 a driver or VBIOS RIM
// Each item also names where it comes from online (AMD KDS, Intel PCS, NVIDIA RIM service); only
// the fetch side (fetch.h) ever uses those addresses. Files are written atomically.
#ifndef ZKCC_TEE_COLLATERAL_CACHE_H_
#define ZKCC_TEE_COLLATERAL_CACHE_H_

#include <filesystem>
#include <span>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/sev_snp/report.h"

namespace zkcc::tee::collateral {

struct Item {
  std::string path;  // relative to the cache root
  std::string url;   // where the fetch side gets it ("" when it is assembled from several)
};

// A VCEK for `report` (product from the report when it says, else `product`). Fails when the
// product is unknown or the report is signed by a VLEK (VLEKs come from the host, not from KDS).
StatusOr<Item> amd_vcek(const sev_snp::Report& report, sev_snp::Product product);
Item amd_cert_chain(sev_snp::Product product, sev_snp::SigningKey key);
// AMD's CRL for the product's ASK (VCEK) or ASVK (VLEK), as KDS serves it: DER, signed by the ARK.
Item amd_crl(sev_snp::Product product, sev_snp::SigningKey key);
// The TDX collateral for a platform, by its FMSPC.
Item intel_tdx_collateral(std::span<const uint8_t, 6> fmspc);
// Rejects ids that are not plain RIM identifiers (letters, digits, '_', '.', '-').
StatusOr<Item> nvidia_rim(const std::string& rim_id);

class Cache {
 public:
  explicit Cache(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }
  // NotFound when the item is not cached.
  StatusOr<Bytes> read(const Item& item) const;
  bool contains(const Item& item) const;
  Status write(const Item& item, std::span<const uint8_t> data) const;

 private:
  std::filesystem::path root_;
};

}  // namespace zkcc::tee::collateral

#endif  // ZKCC_TEE_COLLATERAL_CACHE_H_
