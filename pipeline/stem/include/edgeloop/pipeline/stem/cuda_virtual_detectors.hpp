// Virtual BF, ADF, total intensity and centre of mass of 4D-STEM frames on a CUDA device: the
// native GPU backend, one copy and one kernel launch per batch.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <memory>
#include <span>

#include "edgeloop/pipeline/stem/virtual_detector_signals.hpp"
#include "edgeloop/pipeline/stem/virtual_detector_table.hpp"

namespace edgeloop {

// Same accumulators and the same conversion to signals as KokkosVirtualDetectors, so integer
// frames give bit-identical results; float frames differ only by summation order. The table's
// per-pixel regions live on the device; device and pinned staging buffers grow to the largest
// batch and are kept, so one instance serves one thread at a time.
//
// Availability is asked with cuda_device_available() (frame_sum_kernel.hpp). Without a device,
// or in a build without CUDA, the constructor throws std::runtime_error; every CUDA failure
// later does too.
class CudaVirtualDetectors {
 public:
  explicit CudaVirtualDetectors(VirtualDetectorTable table);
  ~CudaVirtualDetectors();
  CudaVirtualDetectors(CudaVirtualDetectors&&) noexcept;
  CudaVirtualDetectors& operator=(CudaVirtualDetectors&&) noexcept;

  const VirtualDetectorTable& table() const { return table_; }

  // Argument checks and exceptions as KokkosVirtualDetectors::compute.
  VirtualDetectorSignals compute(std::span<const std::byte> pixels, wire::DType dtype);
  void compute(std::span<const std::span<const std::byte>> frames, wire::DType dtype,
               std::span<VirtualDetectorSignals> out);

 private:
  struct Device;
  VirtualDetectorTable table_;
  std::unique_ptr<Device> device_;
};

}  // namespace edgeloop
