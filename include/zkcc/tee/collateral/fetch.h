// The online side of the collateral cache: what to fetch for a piece of evidence, from AMD KDS,
// Intel PCS and the NVIDIA RIM service, through a Fetcher (HTTPS in production, a fake in tests).
// Verification never calls this; it reads the cache (load_* below) or files it is given.
#ifndef ZKCC_TEE_COLLATERAL_FETCH_H_
#define ZKCC_TEE_COLLATERAL_FETCH_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/collateral/cache.h"
#include "zkcc/tee/sev_snp/collateral.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/collateral.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::collateral {

struct HttpResponse {
  int status = 0;
  Bytes body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  virtual StatusOr<HttpResponse> get(const std::string& url) = 0;
};

struct HttpsOptions {
  int timeout_seconds = 30;
  size_t max_body_bytes = 16 << 20;
};
// HTTPS with certificate verification against the system trust store; http:// is refused except
// for loopback addresses (local mirrors and tests).
std::unique_ptr<Fetcher> https_fetcher(const HttpsOptions& options = {});

// Fetches into the cache what verifying each kind of evidence needs (skipping what is cached) and
// returns the cache paths it wrote.
//
// For an SEV-SNP report: the VCEK, the ASK/ARK chain and AMD's CRL (KDS vcek/v1/<product>/crl); for
// a VLEK-signed one the ASVK/ARK chain and CRL (vlek/v1/<product>/...), the VLEK being the host's. The
// CRL is fetched every time, since it is current only until its nextUpdate, and stored only when
// it parses and the product's ARK signed it (the compiled-in ARK, or a root in `roots.extra`);
// otherwise the fetch fails naming the CRL's address and the cached copy stays as it was.
StatusOr<std::vector<std::string>> fetch_for_snp(std::span<const uint8_t> report, sev_snp::Product product, const Cache& cache,
                                                 Fetcher& fetcher, const sev_snp::TrustRoots& roots = {});
StatusOr<std::vector<std::string>> fetch_for_tdx(std::span<const uint8_t> quote, const Cache& cache, Fetcher& fetcher);
StatusOr<std::vector<std::string>> fetch_rim(const std::string& rim_id, const Cache& cache, Fetcher& fetcher);

// Offline: the VCEK and its chain for an SNP report, and the TDX collateral for a quote.
StatusOr<std::vector<Certificate>> load_snp_certs(std::span<const uint8_t> report, sev_snp::Product product, const Cache& cache);
// The SNP report's collateral: AMD's CRL when the cache holds it, else none (no revocation check).
StatusOr<sev_snp::Collateral> load_snp_collateral(std::span<const uint8_t> report, sev_snp::Product product, const Cache& cache);
StatusOr<tdx::Collateral> load_tdx_collateral(std::span<const uint8_t> quote, const Cache& cache);

// Intel PCS answers with {"<member>": {...}, "signature": "<hex>"}; the signature covers the exact
// text of the member's value, which this returns with the signature. Fails unless the body has
// exactly that shape.
struct SignedJson {
  std::string text;
  std::string signature_hex;
};
StatusOr<SignedJson> split_pcs_body(std::string_view body, std::string_view member);

// Decodes %XX escapes (PCS sends issuer chains URL-encoded in headers).
StatusOr<std::string> percent_decode(std::string_view text);

}  // namespace zkcc::tee::collateral

#endif  // ZKCC_TEE_COLLATERAL_FETCH_H_
