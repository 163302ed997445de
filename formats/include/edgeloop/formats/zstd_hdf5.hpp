// Zstandard in the chunk format of the HDF5 zstd filter (registered id 32015, the filter of
// github.com/aparamon/HDF5Plugin-Zstandard that hdf5plugin ships as Zstd): one zstd frame per
// chunk, with its content size recorded in the frame header, and cd_values[0] the level.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace edgeloop::formats {

// HDF5's registered id of the zstd filter.
inline constexpr unsigned kZstdFilterId = 32015;
// What hdf5plugin.Zstd() and the filter use when no level is given.
inline constexpr int kZstdDefaultLevel = 3;

// Any failure of the codec: a corrupt, truncated or hostile chunk, or a bad argument.
class ZstdHdf5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Worst-case size of a chunk of `bytes` uncompressed bytes.
std::size_t zstd_hdf5_max_compressed_size(std::size_t bytes);

// Compresses `input` into one zstd frame that records its content size and carries a checksum
// (so corruption is detected on reading); `output` must hold
// zstd_hdf5_max_compressed_size(input.size()) bytes. Returns the bytes written. `level` is
// zstd's (negative: fast modes; 1..22), clamped to what the library supports.
std::size_t zstd_hdf5_compress(std::span<const std::byte> input, std::span<std::byte> output,
                               int level = kZstdDefaultLevel);
std::vector<std::byte> zstd_hdf5_compress(std::span<const std::byte> input,
                                          int level = kZstdDefaultLevel);

// Uncompressed size the chunk's frame header records; throws ZstdHdf5Error when the chunk is
// not a zstd frame or its header does not record the size.
std::uint64_t zstd_hdf5_uncompressed_size(std::span<const std::byte> chunk);

// Decompresses a whole chunk into `output`, whose size must equal the recorded size. A
// corrupt or hostile chunk (bad checksum, truncated, trailing bytes, wrong size) gives
// ZstdHdf5Error, never a read or write outside the spans.
void zstd_hdf5_decompress(std::span<const std::byte> chunk, std::span<std::byte> output);

// Registers the filter with the HDF5 library of this process (idempotent), so edgeloop reads
// the zstd chunks it writes with plain H5Dread even where no zstd filter plugin is installed.
// It takes the place of any zstd plugin for this process, which reads and writes the same chunks.
void register_zstd_hdf5_filter();

// The filter's cd_values for a dataset written at `level`: {level}.
std::vector<unsigned> zstd_hdf5_cd_values(int level = kZstdDefaultLevel);

}  // namespace edgeloop::formats
