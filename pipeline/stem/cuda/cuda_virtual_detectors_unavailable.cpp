// Stand-in for the CUDA backend when edgeloop is configured without nvcc, so the stage and
// tests ask at run time (cuda_device_available()) instead of needing #if EDGELOOP_CUDA_ENABLED.
#include <stdexcept>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/stem/cuda_virtual_detectors.hpp"

namespace edgeloop {

struct CudaVirtualDetectors::Device {};

CudaVirtualDetectors::CudaVirtualDetectors(VirtualDetectorTable table) : table_(std::move(table)) {
  throw std::runtime_error("virtual detectors (CUDA): " + cuda_unavailable_reason());
}
CudaVirtualDetectors::~CudaVirtualDetectors() = default;
CudaVirtualDetectors::CudaVirtualDetectors(CudaVirtualDetectors&&) noexcept = default;
CudaVirtualDetectors& CudaVirtualDetectors::operator=(CudaVirtualDetectors&&) noexcept = default;

VirtualDetectorSignals CudaVirtualDetectors::compute(std::span<const std::byte> /*pixels*/,
                                                     wire::DType /*dtype*/) {
  throw std::runtime_error("virtual detectors (CUDA): " + cuda_unavailable_reason());
}

void CudaVirtualDetectors::compute(std::span<const std::span<const std::byte>> /*frames*/,
                                   wire::DType /*dtype*/,
                                   std::span<VirtualDetectorSignals> /*out*/) {
  throw std::runtime_error("virtual detectors (CUDA): " + cuda_unavailable_reason());
}

}  // namespace edgeloop
