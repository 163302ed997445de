// Native CUDA backend of the frame sum, kept deliberately plain (one copy in, one reduction
// kernel, partial sums back) so it can serve as the cross-check for the Kokkos backend. The
// accumulator types are the Kokkos backend's (detail/frame_sum_contract.hpp); integer sums are
// therefore identical whatever order the threads add in.
#include <cuda_runtime.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "edgeloop/pipeline/detail/cuda_buffer.cuh"
#include "edgeloop/pipeline/detail/frame_sum_contract.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {
namespace {

// Wire payloads are little-endian, and so is every CUDA device; the bytes are copied as-is.
static_assert(std::endian::native == std::endian::little, "frame_sum assumes a little-endian host");

constexpr unsigned kThreadsPerBlock = 256;
// Enough blocks to fill a Hopper GPU several times over; beyond that the grid-stride loop does
// the work and the host-side pass over the partial sums stays negligible.
constexpr std::size_t kMaxBlocks = 1024;

void check(cudaError_t status, const char* what) {
  detail::check_cuda(status, "frame_sum_cuda", what);
}

// Owns one device allocation so an exception between cudaMalloc and the end of the call
// cannot leak it.
class DeviceBuffer : public detail::CudaBuffer {
 public:
  explicit DeviceBuffer(std::size_t bytes)
      : detail::CudaBuffer("frame_sum_cuda", std::max<std::size_t>(bytes, 1)) {}
};

// Each block reduces a grid-strided share of the frame into partials[blockIdx.x].
template <typename T, typename Acc>
__global__ void __launch_bounds__(kThreadsPerBlock)
    block_sums(const T* __restrict__ data, std::size_t count, Acc* __restrict__ partials) {
  __shared__ Acc lane_sums[kThreadsPerBlock];
  const std::size_t stride = std::size_t{gridDim.x} * blockDim.x;
  Acc sum{};
  for (std::size_t i = std::size_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += stride) {
    sum += static_cast<Acc>(data[i]);
  }
  lane_sums[threadIdx.x] = sum;
  __syncthreads();
  for (unsigned half = kThreadsPerBlock / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) lane_sums[threadIdx.x] += lane_sums[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) partials[blockIdx.x] = lane_sums[0];
}

template <typename T>
double sum_elements(std::span<const std::byte> pixels, wire::DType dtype) {
  const std::size_t count = detail::frame_sum_element_count<T>(pixels, dtype);
  if (count == 0) return 0.0;
  using Acc = detail::FrameSumAccumulator<T>;

  // The host span may be misaligned for T; cudaMemcpy copies bytes, and cudaMalloc returns
  // memory aligned for any element type, so the kernel never sees a misaligned element.
  // Allocating per call is the simple, obviously correct form; pooling belongs to whoever
  // turns this into a hot path.
  const DeviceBuffer device_pixels(pixels.size());
  const unsigned blocks = static_cast<unsigned>(
      std::min(kMaxBlocks, (count + kThreadsPerBlock - 1) / kThreadsPerBlock));
  const DeviceBuffer device_partials(std::size_t{blocks} * sizeof(Acc));
  check(cudaMemcpy(device_pixels.as<void>(), pixels.data(), pixels.size(), cudaMemcpyHostToDevice),
        "cudaMemcpy to device");

  // cudaGetLastError reports the most recent failure of any earlier call too; clear it so the
  // check after the launch speaks for this launch only.
  static_cast<void>(cudaGetLastError());
  block_sums<T, Acc>
      <<<blocks, kThreadsPerBlock>>>(device_pixels.as<const T>(), count, device_partials.as<Acc>());
  check(cudaGetLastError(), "kernel launch");

  std::vector<Acc> partials(blocks);
  // Synchronous copy on the default stream: also where a fault inside the kernel surfaces.
  check(cudaMemcpy(partials.data(), device_partials.as<const Acc>(), partials.size() * sizeof(Acc),
                   cudaMemcpyDeviceToHost),
        "cudaMemcpy to host");
  Acc total{};
  for (const Acc partial : partials) total += partial;
  return static_cast<double>(total);
}

}  // namespace

bool cuda_device_available() {
  return cuda_unavailable_reason().empty();
}

std::string cuda_unavailable_reason() {
  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess) {
    // Not sticky, but it would linger as the "last error"; see the note in sum_elements.
    static_cast<void>(cudaGetLastError());
    return std::string("no CUDA device: ") + cudaGetErrorString(status);
  }
  if (devices == 0) return "no CUDA device: cudaGetDeviceCount found none";
  return {};
}

double frame_sum_cuda(std::span<const std::byte> pixels, wire::DType dtype) {
  return detail::dispatch_frame_sum(dtype, [&](auto element) {
    return sum_elements<typename decltype(element)::type>(pixels, dtype);
  });
}

}  // namespace edgeloop
