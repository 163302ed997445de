// Stand-in for the CUDA backend when edgeloop is configured without nvcc, so callers can ask
// at run time instead of every call site needing #if EDGELOOP_CUDA_ENABLED.
#include <stdexcept>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {

bool cuda_device_available() {
  return false;
}

std::string cuda_unavailable_reason() {
  return "edgeloop was built without CUDA";
}

double frame_sum_cuda(std::span<const std::byte> /*pixels*/, wire::DType /*dtype*/) {
  throw std::runtime_error("frame_sum_cuda: " + cuda_unavailable_reason());
}

}  // namespace edgeloop
