// Bitshuffle's bit transposition of a whole frame on a CUDA device: the native GPU half of the
// CUDA bitshuffle+LZ4 encoder, byte-identical to bitshuffle_blocks_kokkos.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "edgeloop/formats/bitshuffle_chunk.hpp"

namespace edgeloop {

// Copies the frame to the device, runs one launch over all blocks and copies the transposed
// blocks back. Device buffers grow to the largest frame and are kept, so one instance serves
// one thread at a time. Without a device, or in a build without CUDA, the constructor throws
// std::runtime_error naming why (cuda_unavailable_reason()); every CUDA failure later does too.
class CudaBitshuffle {
 public:
  CudaBitshuffle();
  ~CudaBitshuffle();
  CudaBitshuffle(CudaBitshuffle&&) noexcept;
  CudaBitshuffle& operator=(CudaBitshuffle&&) noexcept;

  // Same contract as bitshuffle_blocks_kokkos (std::invalid_argument for wrong sizes).
  void transpose(std::span<const std::byte> frame, const formats::BitshuffleLayout& layout,
                 std::span<std::byte> shuffled);

 private:
  struct Device;
  std::unique_ptr<Device> device_;
};

}  // namespace edgeloop
