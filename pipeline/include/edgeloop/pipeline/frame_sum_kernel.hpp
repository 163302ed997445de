// Sum of all pixels of one frame: the first compute kernel, with a Kokkos (portable) and a
// native CUDA backend behind the same call, so the two can be checked against each other.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <span>
#include <string>

namespace edgeloop {

// Kokkos backend (Serial in CI). Requires a live KokkosRuntime. Throws std::invalid_argument
// when the byte count is not a whole number of `dtype` elements or dtype is Unknown.
double frame_sum_kokkos(std::span<const std::byte> pixels, wire::DType dtype);

// True when the CUDA kernels were compiled in and a CUDA device is present now.
bool cuda_device_available();
// Why cuda_device_available() is false ("not built with CUDA", "no CUDA device: ..."); empty when true.
std::string cuda_unavailable_reason();
// CUDA backend; throws std::runtime_error when no device is available.
double frame_sum_cuda(std::span<const std::byte> pixels, wire::DType dtype);

}  // namespace edgeloop
