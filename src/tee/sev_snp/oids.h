// The X.509 extension OIDs AMD puts into VCEK and VLEK certificates (AMD's "Versioned Chip
// Endorsement Key" and "Versioned Loaded Endorsement Key" specifications). Internal to src/tee.
#ifndef ZKCC_SRC_TEE_SEV_SNP_OIDS_H_
#define ZKCC_SRC_TEE_SEV_SNP_OIDS_H_

namespace zkcc::tee::sev_snp::oid {

inline constexpr const char* kStructVersion = "1.3.6.1.4.1.3704.1.1";
inline constexpr const char* kProductName = "1.3.6.1.4.1.3704.1.2";
inline constexpr const char* kBlSpl = "1.3.6.1.4.1.3704.1.3.1";
inline constexpr const char* kTeeSpl = "1.3.6.1.4.1.3704.1.3.2";
inline constexpr const char* kSnpSpl = "1.3.6.1.4.1.3704.1.3.3";
inline constexpr const char* kUcodeSpl = "1.3.6.1.4.1.3704.1.3.8";
inline constexpr const char* kFmcSpl = "1.3.6.1.4.1.3704.1.3.9";
inline constexpr const char* kHwId = "1.3.6.1.4.1.3704.1.4";

}  // namespace zkcc::tee::sev_snp::oid

#endif  // ZKCC_SRC_TEE_SEV_SNP_OIDS_H_
