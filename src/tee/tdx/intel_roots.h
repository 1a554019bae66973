// Intel's SGX Root CA (the root of every DCAP PCK chain), compiled into the library.
#ifndef ZKCC_SRC_TEE_TDX_INTEL_ROOTS_H_
#define ZKCC_SRC_TEE_TDX_INTEL_ROOTS_H_

namespace zkcc::tee::tdx {

extern const char* const kIntelSgxRootCaSha256;
extern const char* const kIntelSgxRootCaPem;

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_SRC_TEE_TDX_INTEL_ROOTS_H_
