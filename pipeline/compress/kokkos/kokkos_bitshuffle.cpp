// Kokkos backend of the bit transposition: one work item per block and byte plane, looping
// over the plane's groups of 8 elements (8 bytes read a stride apart, 8 written a bit row
// apart). The shared step (detail/bit_transpose_group.hpp) is the one the CUDA kernel runs, so
// the two agree by construction; the common element sizes get constant strides.
#include "edgeloop/pipeline/compress/kokkos_bitshuffle.hpp"

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/compress/detail/bit_transpose_group.hpp"

namespace edgeloop {
namespace {

using HostExec = Kokkos::DefaultHostExecutionSpace;
using Range = Kokkos::RangePolicy<HostExec, Kokkos::IndexType<std::size_t>>;

template <std::size_t S>
void transpose_rows(const std::uint8_t* in, std::uint8_t* out, const detail::BitshuffleGrid& grid) {
  Kokkos::parallel_for(
      "edgeloop::bitshuffle_blocks", Range(0, grid.rows()), KOKKOS_LAMBDA(std::size_t r) {
        const detail::BitshuffleRow row = detail::bitshuffle_row(grid, r);
        const std::size_t groups = row.n / 8;
        for (std::size_t g = 0; g < groups; ++g) {
          detail::bitshuffle_group<S>(in, out, row, grid.s, g);
        }
      });
}

}  // namespace

void bitshuffle_blocks_kokkos(std::span<const std::byte> frame,
                              const formats::BitshuffleLayout& layout,
                              std::span<std::byte> shuffled) {
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("bitshuffle (Kokkos): Kokkos is not initialised (no KokkosRuntime)");
  }
  if (frame.size() != layout.frame_bytes() || shuffled.size() != layout.frame_bytes()) {
    throw std::invalid_argument("bitshuffle (Kokkos): frame of " + std::to_string(frame.size()) +
                                " and output of " + std::to_string(shuffled.size()) +
                                " bytes for a layout of " + std::to_string(layout.frame_bytes()));
  }
  const detail::BitshuffleGrid grid{layout.element_size, layout.block, layout.full_blocks,
                                    layout.last_block};
  // Host memory spaces only: the frame is a host payload, read where it lies.
  const auto* in = reinterpret_cast<const std::uint8_t*>(frame.data());
  auto* out = reinterpret_cast<std::uint8_t*>(shuffled.data());
  switch (grid.s) {
    case 1:
      transpose_rows<1>(in, out, grid);
      break;
    case 2:
      transpose_rows<2>(in, out, grid);
      break;
    case 4:
      transpose_rows<4>(in, out, grid);
      break;
    case 8:
      transpose_rows<8>(in, out, grid);
      break;
    default:
      transpose_rows<0>(in, out, grid);
  }
  Kokkos::fence();
  const std::size_t tail = frame.size() - layout.transposed_bytes();
  if (tail != 0) {
    std::memcpy(shuffled.data() + layout.transposed_bytes(),
                frame.data() + layout.transposed_bytes(), tail);
  }
}

}  // namespace edgeloop
