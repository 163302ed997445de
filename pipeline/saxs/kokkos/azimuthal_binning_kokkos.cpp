// Kokkos backend of the azimuthal binning. A scatter view gives each thread its own bins where
// the backend needs it (and plain adds on Serial), instead of an atomic per pixel.
#include <Kokkos_Core.hpp>
#include <Kokkos_ScatterView.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/pipeline/saxs/azimuthal_binning_kernel.hpp"

namespace edgeloop::saxs {
namespace {

static_assert(std::endian::native == std::endian::little,
              "azimuthal binning reads little-endian payloads in place");

// The views live in host memory, so the kernel runs on the host space even in a build whose
// default execution space is a device.
using HostExec = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;
template <typename T>
using HostView = Kokkos::View<T*, Kokkos::HostSpace>;
template <typename T>
using UnmanagedHostView = Kokkos::View<const T*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;

template <typename T>
bool marked_invalid(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    return !std::isfinite(value);
  } else if constexpr (std::is_signed_v<T>) {
    return value < 0 || value == std::numeric_limits<T>::max();
  } else {
    return value == std::numeric_limits<T>::max();
  }
}

template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>;

template <typename T>
void bin_elements(std::span<const std::byte> pixels, std::span<const std::int32_t> bin_of_pixel,
                  std::span<const std::uint64_t> weight_fixed, std::span<double> counts,
                  std::span<std::uint64_t> rejected_weight,
                  std::span<std::uint64_t> rejected_pixels) {
  using Acc = Accumulator<T>;
  const std::size_t n = bin_of_pixel.size();
  const std::size_t bins = counts.size();
  const UnmanagedHostView<std::byte> bytes(pixels.data(), pixels.size());
  const UnmanagedHostView<std::int32_t> bin(bin_of_pixel.data(), n);
  const UnmanagedHostView<std::uint64_t> weight(weight_fixed.data(), n);

  HostView<Acc> sum("edgeloop::saxs::counts", bins);
  HostView<std::uint64_t> lost_weight("edgeloop::saxs::rejected_weight", bins);
  HostView<std::uint64_t> lost_pixels("edgeloop::saxs::rejected_pixels", bins);
  auto sum_scatter = Kokkos::Experimental::create_scatter_view(sum);
  auto weight_scatter = Kokkos::Experimental::create_scatter_view(lost_weight);
  auto pixel_scatter = Kokkos::Experimental::create_scatter_view(lost_pixels);

  // Payloads are read where they arrived and may sit at any address; memcpy into a local is
  // the well-defined unaligned load, and compiles to a plain load on x86 and arm64.
  Kokkos::parallel_for("edgeloop::saxs::azimuthal_bin", Range(0, n), [=](std::size_t i) {
    const std::int32_t b = bin(i);
    if (b < 0) return;
    T value;
    std::memcpy(&value, &bytes(i * sizeof(T)), sizeof(T));
    if (marked_invalid(value)) {
      auto w = weight_scatter.access();
      auto p = pixel_scatter.access();
      w(b) += weight(i);
      p(b) += 1;
    } else {
      auto s = sum_scatter.access();
      s(b) += static_cast<Acc>(value);
    }
  });
  Kokkos::Experimental::contribute(sum, sum_scatter);
  Kokkos::Experimental::contribute(lost_weight, weight_scatter);
  Kokkos::Experimental::contribute(lost_pixels, pixel_scatter);
  Kokkos::fence();

  for (std::size_t k = 0; k < bins; ++k) {
    counts[k] = static_cast<double>(sum(k));
    rejected_weight[k] = lost_weight(k);
    rejected_pixels[k] = lost_pixels(k);
  }
}

}  // namespace

void azimuthal_bin_kokkos(std::span<const std::byte> pixels, wire::DType dtype,
                          std::span<const std::int32_t> bin_of_pixel,
                          std::span<const std::uint64_t> weight_fixed, std::span<double> counts,
                          std::span<std::uint64_t> rejected_weight,
                          std::span<std::uint64_t> rejected_pixels) {
  // Kokkos 3.4's Serial backend runs kernels even before initialize(), which would hide a
  // missing KokkosRuntime until a build with a threaded backend crashed on it.
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("azimuthal_bin_kokkos: Kokkos is not initialised (no KokkosRuntime)");
  }
  const std::size_t element = dtype_size(dtype);
  if (element == 0) {
    throw std::invalid_argument("azimuthal_bin_kokkos: unsupported pixel type '" +
                                std::string(dtype_name(dtype)) + "'");
  }
  if (pixels.size() != bin_of_pixel.size() * element) {
    throw std::invalid_argument("azimuthal_bin_kokkos: " + std::to_string(pixels.size()) +
                                " bytes are not " + std::to_string(bin_of_pixel.size()) +
                                " pixels of " + std::string(dtype_name(dtype)));
  }
  if (weight_fixed.size() != bin_of_pixel.size()) {
    throw std::invalid_argument("azimuthal_bin_kokkos: one weight per pixel expected");
  }
  if (rejected_weight.size() != counts.size() || rejected_pixels.size() != counts.size()) {
    throw std::invalid_argument("azimuthal_bin_kokkos: output spans differ in size");
  }
  switch (dtype) {
    case wire::DType::U8:
      return bin_elements<std::uint8_t>(pixels, bin_of_pixel, weight_fixed, counts, rejected_weight,
                                        rejected_pixels);
    case wire::DType::U16:
      return bin_elements<std::uint16_t>(pixels, bin_of_pixel, weight_fixed, counts,
                                         rejected_weight, rejected_pixels);
    case wire::DType::U32:
      return bin_elements<std::uint32_t>(pixels, bin_of_pixel, weight_fixed, counts,
                                         rejected_weight, rejected_pixels);
    case wire::DType::I32:
      return bin_elements<std::int32_t>(pixels, bin_of_pixel, weight_fixed, counts, rejected_weight,
                                        rejected_pixels);
    case wire::DType::F32:
      return bin_elements<float>(pixels, bin_of_pixel, weight_fixed, counts, rejected_weight,
                                 rejected_pixels);
    case wire::DType::F64:
      return bin_elements<double>(pixels, bin_of_pixel, weight_fixed, counts, rejected_weight,
                                  rejected_pixels);
    default:
      throw std::invalid_argument("azimuthal_bin_kokkos: unsupported pixel type '" +
                                  std::string(dtype_name(dtype)) + "'");
  }
}

}  // namespace edgeloop::saxs
