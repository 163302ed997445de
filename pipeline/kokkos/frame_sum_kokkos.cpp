// Kokkos backend of the frame sum. The accumulator types here are part of the result's
// contract: pipeline/cuda/frame_sum.cu uses the same ones so both backends agree bit for bit
// on integer frames.
#include <Kokkos_Core.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {
namespace {

// Wire payloads are little-endian and are read in place, without a byte swap.
static_assert(std::endian::native == std::endian::little, "frame_sum assumes a little-endian host");

// Integers are summed in 64 bits so the result is exact (a 2^32-pixel frame of u32 would be
// needed to overflow); only the final conversion to double can round. Floats are summed in
// double so that f32 frames do not lose precision long before the sum is large.
template <typename T>
using Accumulator =
    std::conditional_t<std::is_floating_point_v<T>, double,
                       std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>;

// The View lives in host memory, so the kernel must run on a host space even if a build with
// a device backend makes that the default execution space.
using HostExec = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;
template <typename T>
using UnmanagedHostView = Kokkos::View<const T*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;

template <typename T>
double sum_elements(std::span<const std::byte> pixels, wire::DType dtype) {
  if (pixels.size() % sizeof(T) != 0) {
    throw std::invalid_argument("frame_sum: " + std::to_string(pixels.size()) +
                                " bytes is not a whole number of " + wire::EnumNameDType(dtype) +
                                " elements");
  }
  const std::size_t count = pixels.size() / sizeof(T);
  using Acc = Accumulator<T>;
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
  switch (dtype) {
    case wire::DType::U8:
      return sum_elements<std::uint8_t>(pixels, dtype);
    case wire::DType::U16:
      return sum_elements<std::uint16_t>(pixels, dtype);
    case wire::DType::U32:
      return sum_elements<std::uint32_t>(pixels, dtype);
    case wire::DType::I32:
      return sum_elements<std::int32_t>(pixels, dtype);
    case wire::DType::F32:
      return sum_elements<float>(pixels, dtype);
    case wire::DType::F64:
      return sum_elements<double>(pixels, dtype);
    case wire::DType::Unknown:
      break;
  }
  // Reached for Unknown and for values from a newer schema that this build does not know.
  throw std::invalid_argument("frame_sum: unsupported dtype " +
                              std::to_string(static_cast<int>(dtype)));
}

}  // namespace edgeloop
