// NVIDIA's attestation root, compiled into the library.
#ifndef ZKCC_SRC_TEE_NVIDIA_GPU_NVIDIA_ROOTS_H_
#define ZKCC_SRC_TEE_NVIDIA_GPU_NVIDIA_ROOTS_H_

namespace zkcc::tee::nvidia_gpu {

extern const char* const kDeviceIdentityCaSha256;
extern const char* const kDeviceIdentityCaPem;

}  // namespace zkcc::tee::nvidia_gpu

#endif  // ZKCC_SRC_TEE_NVIDIA_GPU_NVIDIA_ROOTS_H_
