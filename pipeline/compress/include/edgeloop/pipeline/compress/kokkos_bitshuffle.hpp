// Bitshuffle's bit transposition of a whole frame through Kokkos: every block of the filter
// 32008 layout transposed in parallel, the portable half of the Kokkos bitshuffle+LZ4 encoder.
#pragma once

#include <cstddef>
#include <span>

#include "edgeloop/formats/bitshuffle_chunk.hpp"

namespace edgeloop {

// Writes into `shuffled` the frame `frame` with every block of `layout` replaced by its bit
// transposition and the verbatim tail copied, which is what formats::bitshuffle_assemble_chunk
// compresses. Runs on Kokkos' default host execution space, one work item per group of 8
// elements and byte plane. Both spans hold layout.frame_bytes() (std::invalid_argument
// otherwise); std::logic_error when no KokkosRuntime is alive.
void bitshuffle_blocks_kokkos(std::span<const std::byte> frame,
                              const formats::BitshuffleLayout& layout,
                              std::span<std::byte> shuffled);

}  // namespace edgeloop
