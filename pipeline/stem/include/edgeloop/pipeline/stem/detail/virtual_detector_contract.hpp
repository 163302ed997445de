// What every virtual-detector backend must agree on so that Kokkos and CUDA give bit-identical
// results for integer frames: the accumulator types (frame_sum's), the per-frame sums each
// backend produces, the checks on a frame, and one shared conversion of sums into signals.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "edgeloop/pipeline/detail/frame_sum_contract.hpp"
#include "edgeloop/pipeline/stem/virtual_detector_signals.hpp"
#include "edgeloop/pipeline/stem/virtual_detector_table.hpp"

namespace edgeloop::detail {

// The exact sums of one frame. Integer sums (Acc = 64-bit integer) are independent of the
// order of addition, which is what lets two backends with different orders agree bit for bit.
// An aggregate without initialisers so CUDA may keep it in shared memory.
template <typename Acc>
struct VirtualDetectorSums {
  Acc bf;
  Acc adf;
  Acc total;
  Acc com_weight;    // sum of pixels in the COM region
  Acc com_x_moment;  // sum of pixel * column over the COM region
  Acc com_y_moment;  // sum of pixel * row over the COM region
};

// Turns sums into signals; defined once (src/) so both backends round identically.
VirtualDetectorSignals finalize_virtual_detectors(const VirtualDetectorSums<std::uint64_t>& sums,
                                                  const VirtualDetectorGeometry& geometry);
VirtualDetectorSignals finalize_virtual_detectors(const VirtualDetectorSums<std::int64_t>& sums,
                                                  const VirtualDetectorGeometry& geometry);
VirtualDetectorSignals finalize_virtual_detectors(const VirtualDetectorSums<double>& sums,
                                                  const VirtualDetectorGeometry& geometry);

// Throws std::invalid_argument unless `pixels` is exactly one frame of `table`'s shape in T.
template <typename T>
void check_virtual_detector_frame(const VirtualDetectorTable& table,
                                  std::span<const std::byte> pixels, wire::DType dtype) {
  if (pixels.size() != table.pixel_count() * sizeof(T)) {
    throw std::invalid_argument("virtual detectors: " + std::to_string(pixels.size()) +
                                " bytes is not one " + std::to_string(table.rows()) + " x " +
                                std::to_string(table.cols()) + " frame of " +
                                wire::EnumNameDType(dtype));
  }
}

// Integer sums are exact only while no sum can leave the accumulator. For u8 and u16 frames
// that holds for every shape the table accepts; for 32-bit pixels up to 2048 x 2048 whatever
// the counts, and a COM region beyond that is refused rather than silently wrapped. Floats
// cannot overflow a double here.
template <typename T>
void check_virtual_detector_exact(const VirtualDetectorTable& table, wire::DType dtype) {
  if constexpr (std::is_integral_v<T>) {
    using Acc = FrameSumAccumulator<T>;
    const auto largest = static_cast<std::uint64_t>(std::numeric_limits<T>::max()) +
                         (std::is_signed_v<T> ? 1U : 0U);  // |min| of a signed type
    const auto limit = static_cast<std::uint64_t>(std::numeric_limits<Acc>::max()) / largest;
    if (table.pixel_count() > limit || table.com_column_sum() > limit ||
        table.com_row_sum() > limit) {
      throw std::invalid_argument("virtual detectors: " + std::string(wire::EnumNameDType(dtype)) +
                                  " frames of " + std::to_string(table.rows()) + " x " +
                                  std::to_string(table.cols()) +
                                  " could overflow the exact 64-bit sums");
    }
  }
}

template <typename T>
struct StemElementType {
  using type = T;
};

// Calls `fn(StemElementType<T>{})` for the element type of `dtype`; std::invalid_argument for
// Unknown and for values this build does not know.
template <typename Fn>
void dispatch_virtual_detectors(wire::DType dtype, Fn&& fn) {
  switch (dtype) {
    case wire::DType::U8:
      return fn(StemElementType<std::uint8_t>{});
    case wire::DType::U16:
      return fn(StemElementType<std::uint16_t>{});
    case wire::DType::U32:
      return fn(StemElementType<std::uint32_t>{});
    case wire::DType::I32:
      return fn(StemElementType<std::int32_t>{});
    case wire::DType::F32:
      return fn(StemElementType<float>{});
    case wire::DType::F64:
      return fn(StemElementType<double>{});
    case wire::DType::Unknown:
      break;
  }
  throw std::invalid_argument("virtual detectors: unsupported dtype " +
                              std::to_string(static_cast<int>(dtype)));
}

}  // namespace edgeloop::detail
