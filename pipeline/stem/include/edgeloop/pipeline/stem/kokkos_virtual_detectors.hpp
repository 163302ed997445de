// Virtual BF, ADF, total intensity and centre of mass of 4D-STEM frames on the host, through
// Kokkos: the portable backend and the reference the CUDA backend is checked against.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <memory>
#include <span>

#include "edgeloop/pipeline/stem/virtual_detector_signals.hpp"
#include "edgeloop/pipeline/stem/virtual_detector_table.hpp"

namespace edgeloop {

// Reads each row of a frame once per region through the table's column ranges. Integer dtypes
// are summed exactly in 64 bits (frame_sum's accumulators), floats in double. Frames of a
// batch run in parallel on Kokkos' default host execution space (Serial in the Debian build),
// one frame per thread. Pixels need not be aligned for the dtype.
//
// Holds scratch space, so one instance serves one thread at a time. Needs a live
// KokkosRuntime (std::logic_error otherwise).
class KokkosVirtualDetectors {
 public:
  explicit KokkosVirtualDetectors(VirtualDetectorTable table);
  ~KokkosVirtualDetectors();
  KokkosVirtualDetectors(KokkosVirtualDetectors&&) noexcept;
  KokkosVirtualDetectors& operator=(KokkosVirtualDetectors&&) noexcept;

  const VirtualDetectorTable& table() const { return table_; }

  // Throws std::invalid_argument for an unsupported dtype, a frame that is not exactly one
  // table-shaped frame of `dtype`, or 32-bit frames too large to sum exactly (see
  // detail/virtual_detector_contract.hpp).
  VirtualDetectorSignals compute(std::span<const std::byte> pixels, wire::DType dtype);
  // Every frame in `dtype`; out.size() must equal frames.size() (std::invalid_argument).
  void compute(std::span<const std::span<const std::byte>> frames, wire::DType dtype,
               std::span<VirtualDetectorSignals> out);

 private:
  struct Scratch;
  VirtualDetectorTable table_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace edgeloop
