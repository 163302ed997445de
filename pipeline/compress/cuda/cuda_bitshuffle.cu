// Native CUDA backend of the bit transposition: one thread per group of 8 elements and byte
// plane (grid y: block and plane, grid x: groups), the same step as the Kokkos backend
// (detail/bit_transpose_group.hpp). The frame is
// copied in and the transposed blocks out as they are; LZ4 of the blocks stays on the CPU
// (see docs/benchmarks.md, "Compression", for why).
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "edgeloop/pipeline/compress/cuda_bitshuffle.hpp"
#include "edgeloop/pipeline/compress/detail/bit_transpose_group.hpp"
#include "edgeloop/pipeline/detail/cuda_buffer.cuh"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {
namespace {

constexpr unsigned kThreadsPerBlock = 256;
// The grid's y dimension is limited to 65535; more rows are taken by a grid-stride loop.
constexpr std::size_t kMaxGridRows = 65535;

void check(cudaError_t status, const char* what) {
  detail::check_cuda(status, "bitshuffle (CUDA)", what);
}

__global__ void __launch_bounds__(kThreadsPerBlock)
    bitshuffle_blocks(const std::uint8_t* __restrict__ in, std::uint8_t* __restrict__ out,
                      detail::BitshuffleGrid grid) {
  const std::size_t rows = grid.rows();
  const std::size_t g = std::size_t{blockIdx.x} * blockDim.x + threadIdx.x;
  for (std::size_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const detail::BitshuffleRow row = detail::bitshuffle_row(grid, r);
    if (g < row.n / 8) detail::bitshuffle_group(in, out, row, grid.s, g);
  }
}

}  // namespace

struct CudaBitshuffle::Device {
  detail::CudaBuffer in{"bitshuffle (CUDA)"};
  detail::CudaBuffer out{"bitshuffle (CUDA)"};
};

CudaBitshuffle::CudaBitshuffle() {
  const std::string reason = cuda_unavailable_reason();
  if (!reason.empty()) throw std::runtime_error("bitshuffle (CUDA): " + reason);
  device_ = std::make_unique<Device>();
}

CudaBitshuffle::~CudaBitshuffle() = default;
CudaBitshuffle::CudaBitshuffle(CudaBitshuffle&&) noexcept = default;
CudaBitshuffle& CudaBitshuffle::operator=(CudaBitshuffle&&) noexcept = default;

void CudaBitshuffle::transpose(std::span<const std::byte> frame,
                               const formats::BitshuffleLayout& layout,
                               std::span<std::byte> shuffled) {
  if (frame.size() != layout.frame_bytes() || shuffled.size() != layout.frame_bytes()) {
    throw std::invalid_argument("bitshuffle (CUDA): frame of " + std::to_string(frame.size()) +
                                " and output of " + std::to_string(shuffled.size()) +
                                " bytes for a layout of " + std::to_string(layout.frame_bytes()));
  }
  if (!device_) throw std::logic_error("bitshuffle (CUDA): used after move");
  const std::size_t transposed = layout.transposed_bytes();
  if (transposed != 0) {
    const detail::BitshuffleGrid grid{layout.element_size, layout.block, layout.full_blocks,
                                      layout.last_block};
    device_->in.reserve(transposed);
    device_->out.reserve(transposed);
    check(cudaMemcpy(device_->in.data(), frame.data(), transposed, cudaMemcpyHostToDevice),
          "copy to device");
    const std::size_t rows = grid.rows();
    const dim3 blocks(
        static_cast<unsigned>((grid.max_groups() + kThreadsPerBlock - 1) / kThreadsPerBlock),
        static_cast<unsigned>(rows < kMaxGridRows ? rows : kMaxGridRows));
    bitshuffle_blocks<<<blocks, kThreadsPerBlock>>>(device_->in.data(), device_->out.data(), grid);
    check(cudaGetLastError(), "kernel launch");
    check(cudaMemcpy(shuffled.data(), device_->out.data(), transposed, cudaMemcpyDeviceToHost),
          "copy from device");
  }
  const std::size_t tail = frame.size() - transposed;
  if (tail != 0) std::memcpy(shuffled.data() + transposed, frame.data() + transposed, tail);
}

}  // namespace edgeloop
