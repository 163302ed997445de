// The raw frames of an image run: a [frames, rows, cols] dataset with one HDF5 chunk per frame,
// filled by direct chunk writes of chunks the caller already encoded (bitshuffle+LZ4 for the
// filter 32008, zstd for the filter 32015, or raw pixels), so storing a frame never re-encodes
// it.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "edgeloop/pipeline/storage/nexus_run_spec.hpp"
#include "nexus_node.hpp"

namespace edgeloop::storage::detail {

class FrameChunkDataset {
 public:
  static FrameChunkDataset create(const NexusNode& parent, std::string_view name,
                                  const ImageLayout& layout);

  // Checks the chunk against the layout (std::invalid_argument when it cannot be a frame of
  // it), extends the dataset by one frame and writes the chunk as that frame.
  void append(std::span<const std::byte> chunk);

  std::uint64_t frames() const { return frames_; }
  std::size_t frame_bytes() const { return frame_bytes_; }
  const NexusNode& node() const { return node_; }

 private:
  FrameChunkDataset(NexusNode node, const ImageLayout& layout, std::size_t frame_bytes)
      : node_(std::move(node)), layout_(layout), frame_bytes_(frame_bytes) {}
  void check(std::span<const std::byte> chunk) const;

  NexusNode node_;
  ImageLayout layout_;
  std::size_t frame_bytes_ = 0;
  std::uint64_t frames_ = 0;
};

}  // namespace edgeloop::storage::detail
