// Sum of all pixels of one frame: the first compute kernel, with a Kokkos (portable) and a
// native CUDA backend behind the same call, so the two can be checked against each other.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <span>
#include <string>

namespace edgeloop {

// Kokkos backend (Serial in CI). Integer dtypes are summed exactly in 64 bits, floats in double,
// so only the final conversion to double can round. `pixels` need not be aligned for `dtype`.
// Throws std::invalid_argument when the byte count is not a whole number of `dtype` elements or
// dtype is Unknown, std::logic_error when no KokkosRuntime is alive.
double frame_sum_kokkos(std::span<const std::byte> pixels, wire::DType dtype);

// True when the CUDA kernels were compiled in and a CUDA device is present now.
bool cuda_device_available();
// Why cuda_device_available() is false ("edgeloop was built without CUDA", "no CUDA device:
// ..."); empty when true.
std::string cuda_unavailable_reason();
// CUDA backend, same accumulation as frame_sum_kokkos so integer sums agree bit for bit.
// Throws std::invalid_argument as frame_sum_kokkos does and std::runtime_error for any CUDA
// failure, no device included (a build without CUDA throws it for every call); an empty frame
// sums to 0 without touching the device.
double frame_sum_cuda(std::span<const std::byte> pixels, wire::DType dtype);

}  // namespace edgeloop
