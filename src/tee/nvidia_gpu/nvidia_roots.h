// NVIDIA's attestation roots, compiled into the library.
#ifndef ZKCC_SRC_TEE_NVIDIA_GPU_NVIDIA_ROOTS_H_
#define ZKCC_SRC_TEE_NVIDIA_GPU_NVIDIA_ROOTS_H_

namespace zkcc::tee::nvidia_gpu {

extern const char* const kDeviceIdentityCaSha256;
extern const char* const kDeviceIdentityCaPem;
// The CoRIM signing Root CA: the root of every RIM signing chain.
extern const char* const kCorimRootSha256;
extern const char* const kCorimRootPem;

}  // namespace zkcc::tee::nvidia_gpu

#endif  // ZKCC_SRC_TEE_NVIDIA_GPU_NVIDIA_ROOTS_H_
