// Stand-in for the CUDA bit transposition when edgeloop is configured without nvcc, so the
// encoder factory and the tests ask at run time instead of needing #if EDGELOOP_CUDA_ENABLED.
#include <stdexcept>

#include "edgeloop/pipeline/compress/cuda_bitshuffle.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"

namespace edgeloop {

struct CudaBitshuffle::Device {};

CudaBitshuffle::CudaBitshuffle() {
  throw std::runtime_error("bitshuffle (CUDA): " + cuda_unavailable_reason());
}
CudaBitshuffle::~CudaBitshuffle() = default;
CudaBitshuffle::CudaBitshuffle(CudaBitshuffle&&) noexcept = default;
CudaBitshuffle& CudaBitshuffle::operator=(CudaBitshuffle&&) noexcept = default;

void CudaBitshuffle::transpose(std::span<const std::byte> /*frame*/,
                               const formats::BitshuffleLayout& /*layout*/,
                               std::span<std::byte> /*shuffled*/) {
  throw std::runtime_error("bitshuffle (CUDA): " + cuda_unavailable_reason());
}

}  // namespace edgeloop
