// Cryptographic verification of an SEV-SNP report: the ECDSA P-384 signature over bytes
// 0x000-0x29F, the endorsement key's chain (VCEK <- ASK <- ARK, or VLEK <- ASVK <- ARK; RSASSA-PSS
// with SHA-384) to an AMD root, the intermediate and root being the key's product's ("certificate
// chain is the product's"), validity at the given time, and the VCEK's extensions against the
// report (hwID = CHIP_ID; boot loader, TEE, SNP, microcode and, on Turin, FMC SPLs = REPORTED_TCB).
// A pure function: no network, no clock.
#ifndef ZKCC_TEE_SEV_SNP_VERIFY_H_
#define ZKCC_TEE_SEV_SNP_VERIFY_H_

#include <span>
#include <vector>

#include "zkcc/tee/sev_snp/collateral.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::sev_snp {

struct TrustRoots {
  // AMD's ARKs (Milan, Genoa, Turin) and their ASK/ASVK, compiled in.
  bool amd = true;
  // Further roots accepted only when passed explicitly (a simulated platform's test root).
  std::vector<Certificate> extra;
};

// `certs` holds the endorsement key (VCEK or VLEK) and, optionally, its ASK/ASVK and ARK; missing
// authorities are taken from the compiled-in set. `at` is the verification time (Unix seconds).
Verdict verify_report(std::span<const uint8_t> report, std::span<const Certificate> certs, const TrustRoots& roots,
                      int64_t at);
// As above, and when `collateral` holds AMD's CRL: it must be signed by the path's ARK
// ("AMD CRL signed by the ARK"), current at `at` ("AMD CRL current"), and must not list the ASK or
// ASVK ("ASK not revoked" / "ASVK not revoked"). The ARK issues only the intermediates, so its CRL
// is where AMD revokes them; a VCEK or VLEK (issued by the intermediate) is not in it.
Verdict verify_report(std::span<const uint8_t> report, std::span<const Certificate> certs, const Collateral& collateral,
                      const TrustRoots& roots, int64_t at);

// AMD's compiled-in authorities over `product`'s endorsement keys of `kind`: the intermediate that
// signs them (the ASK, CN SEV-<product>, for a VCEK; the ASVK, CN SEV-VLEK-<product>, for a VLEK),
// then the ARK. These are the only compiled-in certificates verify_report chains such a key to.
// Empty for Product::kUnknown and SigningKey::kNone.
std::vector<Certificate> amd_chain(Product product, SigningKey kind);

// The product a VCEK/VLEK names in its productName extension ("Milan-B0" -> Milan), or kUnknown.
Product product_of(const Certificate& endorsement_key);

}  // namespace zkcc::tee::sev_snp

#endif  // ZKCC_TEE_SEV_SNP_VERIFY_H_
