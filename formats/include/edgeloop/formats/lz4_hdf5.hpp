// LZ4 in the chunk framing of the HDF5 LZ4 filter (id 32004), which is what stream2 calls "lz4":
// a 12-byte header (big-endian u64 uncompressed bytes, big-endian u32 block bytes), then per
// block a big-endian u32 length and the LZ4 block, stored as is when that length equals the
// block's uncompressed size. Framing as described by github.com/HDFGroup/hdf5_plugins
// LZ4/LZ4_HDF5_format.md and implemented by github.com/dectris/compression src/compression.c.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace edgeloop::formats {

class Lz4Hdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The HDF5 filter's default block: 1 GiB, so an image is normally a single block.
inline constexpr std::size_t kLz4Hdf5DefaultBlockBytes = std::size_t{1} << 30;

// Uncompressed size the chunk's header claims; throws Lz4Hdf5Error when it is truncated.
std::uint64_t lz4_hdf5_uncompressed_size(std::span<const std::byte> chunk);

// Decompresses a whole chunk into `output`, whose size must equal the header's uncompressed
// size. A corrupt or hostile chunk gives Lz4Hdf5Error, never a read or write outside the spans.
void lz4_hdf5_decompress(std::span<const std::byte> chunk, std::span<std::byte> output);

// Compresses `input` into a chunk with blocks of `block_bytes` (0: the default).
std::vector<std::byte> lz4_hdf5_compress(std::span<const std::byte> input,
                                         std::size_t block_bytes = 0);

}  // namespace edgeloop::formats
