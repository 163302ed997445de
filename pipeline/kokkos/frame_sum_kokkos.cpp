// Kokkos backend of the frame sum. Accumulator types and dtype dispatch come from
// detail/frame_sum_contract.hpp, shared with the CUDA backend so both agree bit for bit.
#include <Kokkos_Core.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "edgeloop/pipeline/detail/frame_sum_contract.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {
namespace {

// Wire payloads are little-endian and are read in place, without a byte swap.
static_assert(std::endian::native == std::endian::little, "frame_sum assumes a little-endian host");

// The View lives in host memory, so the kernel must run on a host space even if a build with
// a device backend makes that the default execution space.
using HostExec = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;
template <typename T>
using UnmanagedHostView = Kokkos::View<const T*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;

template <typename T>
double sum_elements(std::span<const std::byte> pixels, wire::DType dtype) {
  const std::size_t count = detail::frame_sum_element_count<T>(pixels, dtype);
  using Acc = detail::FrameSumAccumulator<T>;
  Acc total{};

  // Payloads stay in the buffer they arrived in, and a header or an odd-sized preceding field
  // can leave them at any address, so an element pointer may be misaligned. Dereferencing one
  // is undefined behaviour (and the vectorised loop may rely on alignment), so such frames load
  // each element with memcpy, which the compiler turns into an unaligned load; copying the
  // frame instead would cost an allocation per frame for nothing.
  if (reinterpret_cast<std::uintptr_t>(pixels.data()) % alignof(T) == 0) {
    const UnmanagedHostView<T> view(reinterpret_cast<const T*>(pixels.data()), count);
    Kokkos::parallel_reduce(
        "edgeloop::frame_sum", Range(0, count),
        [view](std::size_t i, Acc& partial) { partial += static_cast<Acc>(view(i)); }, total);
  } else {
    const UnmanagedHostView<std::byte> bytes(pixels.data(), pixels.size());
    Kokkos::parallel_reduce(
        "edgeloop::frame_sum_unaligned", Range(0, count),
        [bytes](std::size_t i, Acc& partial) {
          T value;
          std::memcpy(&value, &bytes(i * sizeof(T)), sizeof(T));
          partial += static_cast<Acc>(value);
        },
        total);
  }
  return static_cast<double>(total);
}

}  // namespace

double frame_sum_kokkos(std::span<const std::byte> pixels, wire::DType dtype) {
  // Kokkos 3.4's Serial backend runs kernels even before initialize(), which would hide a
  // missing KokkosRuntime until a build with a threaded or device backend crashed on it.
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("frame_sum_kokkos: Kokkos is not initialised (no KokkosRuntime)");
  }
  return detail::dispatch_frame_sum(dtype, [&](auto element) {
    return sum_elements<typename decltype(element)::type>(pixels, dtype);
  });
}

}  // namespace edgeloop
