// Native CUDA backend of the virtual detectors, kept plain so it can cross-check the Kokkos
// backend: a batch is packed into pinned memory, copied once, reduced by one launch (a grid of
// blocks per frame, one grid row per frame) into per-block partial sums, and the partials are
// added on the host. Integer partials are exact, so the order of that addition is irrelevant.
#include <cuda_runtime.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "edgeloop/pipeline/detail/cuda_buffer.cuh"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/stem/cuda_virtual_detectors.hpp"
#include "edgeloop/pipeline/stem/detail/virtual_detector_contract.hpp"

namespace edgeloop {
namespace {

// Wire payloads are little-endian, and so is every CUDA device; the bytes are copied as-is.
static_assert(std::endian::native == std::endian::little,
              "virtual detectors read little-endian wire payloads as they are");

constexpr unsigned kThreadsPerBlock = 256;
// Pixels per thread before another block is worth its launch and its partial sums.
constexpr std::size_t kPixelsPerThread = 8;
constexpr std::size_t kMaxBlocksPerFrame = 64;
// The grid's y dimension holds one frame each; larger batches take several launches.
constexpr std::size_t kMaxFramesPerLaunch = 65535;
// The region bits, as device code sees them.
constexpr std::uint8_t kBf = kRegionBf;
constexpr std::uint8_t kAdf = kRegionAdf;
constexpr std::uint8_t kCom = kRegionCom;

void check(cudaError_t status, const char* what) {
  detail::check_cuda(status, "virtual detectors (CUDA)", what);
}

// Page-locked host memory, so the copy to the device is one DMA transfer.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  ~PinnedBuffer() { cudaFreeHost(ptr_); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void reserve(std::size_t bytes) {
    if (bytes <= size_) return;
    cudaFreeHost(ptr_);
    ptr_ = nullptr;
    size_ = 0;
    check(cudaMallocHost(&ptr_, bytes), "cudaMallocHost");
    size_ = bytes;
  }
  std::byte* data() const { return static_cast<std::byte*>(ptr_); }

 private:
  void* ptr_ = nullptr;
  std::size_t size_ = 0;
};

template <typename Acc>
__device__ void block_reduce(Acc (&lanes)[kThreadsPerBlock]) {
  __syncthreads();
  for (unsigned half = kThreadsPerBlock / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) lanes[threadIdx.x] += lanes[threadIdx.x + half];
    __syncthreads();
  }
}

// Block (x, y) sums a grid-strided share of frame y into partials[y * gridDim.x + x].
template <typename T, typename Acc>
__global__ void __launch_bounds__(kThreadsPerBlock)
    virtual_detector_partials(const T* __restrict__ frames,
                              const std::uint8_t* __restrict__ regions, std::uint32_t pixels,
                              std::uint32_t cols,
                              detail::VirtualDetectorSums<Acc>* __restrict__ partials) {
  __shared__ Acc lanes[6][kThreadsPerBlock];
  const T* frame = frames + std::size_t{blockIdx.y} * pixels;
  Acc bf{};
  Acc adf{};
  Acc total{};
  Acc weight{};
  Acc x_moment{};
  Acc y_moment{};
  const std::uint32_t stride = gridDim.x * blockDim.x;
  for (std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < pixels; i += stride) {
    const auto value = static_cast<Acc>(frame[i]);
    const std::uint8_t region = regions[i];
    total += value;
    if (region & kBf) bf += value;
    if (region & kAdf) adf += value;
    if (region & kCom) {
      const std::uint32_t row = i / cols;
      const std::uint32_t col = i - row * cols;
      weight += value;
      x_moment += value * static_cast<Acc>(col);
      y_moment += value * static_cast<Acc>(row);
    }
  }
  lanes[0][threadIdx.x] = bf;
  lanes[1][threadIdx.x] = adf;
  lanes[2][threadIdx.x] = total;
  lanes[3][threadIdx.x] = weight;
  lanes[4][threadIdx.x] = x_moment;
  lanes[5][threadIdx.x] = y_moment;
  for (auto& lane : lanes) block_reduce(lane);
  if (threadIdx.x == 0) {
    partials[std::size_t{blockIdx.y} * gridDim.x + blockIdx.x] = detail::VirtualDetectorSums<Acc>{
        lanes[0][0], lanes[1][0], lanes[2][0], lanes[3][0], lanes[4][0], lanes[5][0]};
  }
}

}  // namespace

struct CudaVirtualDetectors::Device {
  detail::CudaBuffer regions{"virtual detectors (CUDA)"};
  detail::CudaBuffer frames{"virtual detectors (CUDA)"};
  detail::CudaBuffer partials{"virtual detectors (CUDA)"};
  PinnedBuffer staging;
  cudaStream_t stream = nullptr;

  Device() { check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate"); }
  ~Device() { cudaStreamDestroy(stream); }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
};

CudaVirtualDetectors::CudaVirtualDetectors(VirtualDetectorTable table) : table_(std::move(table)) {
  if (!cuda_device_available()) {
    throw std::runtime_error("virtual detectors (CUDA): " + cuda_unavailable_reason());
  }
  device_ = std::make_unique<Device>();
  const std::span<const std::uint8_t> regions = table_.regions();
  device_->regions.reserve(regions.size());
  check(cudaMemcpy(device_->regions.as<void>(), regions.data(), regions.size(),
                   cudaMemcpyHostToDevice),
        "cudaMemcpy regions");
}

CudaVirtualDetectors::~CudaVirtualDetectors() = default;
CudaVirtualDetectors::CudaVirtualDetectors(CudaVirtualDetectors&&) noexcept = default;
CudaVirtualDetectors& CudaVirtualDetectors::operator=(CudaVirtualDetectors&&) noexcept = default;

VirtualDetectorSignals CudaVirtualDetectors::compute(std::span<const std::byte> pixels,
                                                     wire::DType dtype) {
  VirtualDetectorSignals out;
  compute(std::span(&pixels, 1), dtype, std::span(&out, 1));
  return out;
}

void CudaVirtualDetectors::compute(std::span<const std::span<const std::byte>> frames,
                                   wire::DType dtype, std::span<VirtualDetectorSignals> out) {
  if (out.size() != frames.size()) {
    throw std::invalid_argument("virtual detectors: " + std::to_string(frames.size()) +
                                " frames but room for " + std::to_string(out.size()) + " results");
  }
  detail::dispatch_virtual_detectors(dtype, [&](auto element) {
    using T = typename decltype(element)::type;
    using Acc = detail::FrameSumAccumulator<T>;
    using Sums = detail::VirtualDetectorSums<Acc>;
    detail::check_virtual_detector_exact<T>(table_, dtype);
    for (const auto& frame : frames) detail::check_virtual_detector_frame<T>(table_, frame, dtype);

    const std::size_t pixels = table_.pixel_count();
    const std::size_t frame_bytes = pixels * sizeof(T);
    const std::size_t blocks_per_frame = std::clamp<std::size_t>(
        (pixels + kThreadsPerBlock * kPixelsPerThread - 1) / (kThreadsPerBlock * kPixelsPerThread),
        1, kMaxBlocksPerFrame);
    std::vector<Sums> partials;
    for (std::size_t first = 0; first < frames.size(); first += kMaxFramesPerLaunch) {
      const std::size_t count = std::min(kMaxFramesPerLaunch, frames.size() - first);
      Device& d = *device_;
      d.staging.reserve(count * frame_bytes);
      d.frames.reserve(count * frame_bytes);
      d.partials.reserve(count * blocks_per_frame * sizeof(Sums));
      // Frames arrive in separate, possibly misaligned buffers; packing them is what makes
      // the batch one transfer and gives the kernel aligned elements.
      for (std::size_t f = 0; f < count; ++f) {
        std::memcpy(d.staging.data() + f * frame_bytes, frames[first + f].data(), frame_bytes);
      }
      check(cudaMemcpyAsync(d.frames.as<void>(), d.staging.data(), count * frame_bytes,
                            cudaMemcpyHostToDevice, d.stream),
            "cudaMemcpyAsync frames");
      // cudaGetLastError also reports an earlier call's failure; clear it so the check after
      // the launch speaks for this launch only.
      static_cast<void>(cudaGetLastError());
      const dim3 grid(static_cast<unsigned>(blocks_per_frame), static_cast<unsigned>(count));
      virtual_detector_partials<T, Acc><<<grid, kThreadsPerBlock, 0, d.stream>>>(
          d.frames.as<const T>(), d.regions.as<const std::uint8_t>(),
          static_cast<std::uint32_t>(pixels), table_.cols(), d.partials.as<Sums>());
      check(cudaGetLastError(), "kernel launch");
      partials.resize(count * blocks_per_frame);
      check(cudaMemcpyAsync(partials.data(), d.partials.as<const Sums>(),
                            partials.size() * sizeof(Sums), cudaMemcpyDeviceToHost, d.stream),
            "cudaMemcpyAsync partials");
      // Also where a fault inside the kernel surfaces.
      check(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");

      for (std::size_t f = 0; f < count; ++f) {
        Sums sums{};
        for (std::size_t b = 0; b < blocks_per_frame; ++b) {
          const Sums& p = partials[f * blocks_per_frame + b];
          sums.bf += p.bf;
          sums.adf += p.adf;
          sums.total += p.total;
          sums.com_weight += p.com_weight;
          sums.com_x_moment += p.com_x_moment;
          sums.com_y_moment += p.com_y_moment;
        }
        out[first + f] = detail::finalize_virtual_detectors(sums, table_.geometry());
      }
    }
  });
}

}  // namespace edgeloop
