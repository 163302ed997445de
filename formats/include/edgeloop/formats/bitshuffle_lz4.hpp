// Bitshuffle + LZ4 in exactly the HDF5 filter 32008 chunk format (the bitshuffle library's
// bshuf_compress_lz4 with its 12-byte header), which h5py + hdf5plugin, DECTRIS detectors and
// stream2 "bslz4" all use: what edgeloop writes as raw-frame chunks and what it reads from them.
//
// A chunk is: uint64 BE uncompressed bytes, uint32 BE block size in bytes, then per block a
// uint32 BE compressed size and an LZ4 block of the bit-transposed elements; elements that do
// not fill a multiple of 8 are stored verbatim at the end. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace edgeloop::formats {

// HDF5's registered id of the bitshuffle filter.
inline constexpr unsigned kBitshuffleFilterId = 32008;

// Any failure of the codec: a corrupt or hostile chunk, or arguments it cannot honour.
class BitshuffleError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bitshuffle library's default block (in elements) for an element size: what
// hdf5plugin/bitshuffle choose when the filter's block size parameter is 0.
std::size_t bitshuffle_default_block_elements(std::size_t element_size);

// Worst-case size of a compressed chunk of `bytes` uncompressed bytes (header included), for
// the default block size or for `block_elements` elements per block (0 = the default).
std::size_t bslz4_max_compressed_size(std::size_t bytes, std::size_t element_size);
std::size_t bslz4_max_compressed_size(std::size_t bytes, std::size_t element_size,
                                      std::size_t block_elements);

// Compresses `input` (a whole number of `element_size` elements; any size from 1 byte, with
// fast paths for 1, 2, 4 and 8) into `output`, which must hold bslz4_max_compressed_size bytes
// for the same block size; returns the bytes written. `block_elements` 0 means the default,
// otherwise it must be a multiple of 8. Byte-identical to bitshuffle's own encoder for the
// same block size.
std::size_t bslz4_compress(std::span<const std::byte> input, std::size_t element_size,
                           std::span<std::byte> output, std::size_t block_elements = 0);
std::vector<std::byte> bslz4_compress(std::span<const std::byte> input, std::size_t element_size,
                                      std::size_t block_elements = 0);

// Uncompressed size a chunk claims in its header; throws BitshuffleError when the header is
// truncated.
std::uint64_t bslz4_uncompressed_size(std::span<const std::byte> chunk);

// Decompresses a whole chunk into `output`, whose size must equal the header's uncompressed
// size. Validates every block: a corrupt or hostile chunk gives BitshuffleError, never a read
// or write outside the spans.
void bslz4_decompress(std::span<const std::byte> chunk, std::size_t element_size,
                      std::span<std::byte> output);

// Which implementation of the bit transposition runs: the portable 64-bit one, or the fastest
// this build has (SSE2 on x86-64). Both give identical bytes; the choice exists for tests.
enum class BitshuffleKernel { kPortable, kBest };

// The bit transposition of one block without LZ4 (bitshuffle's bshuf_trans_bit_elem) and its
// inverse: `input` and `output` are the same size, a whole number of groups of 8 elements.
void bitshuffle_transpose(std::span<const std::byte> input, std::size_t element_size,
                          std::span<std::byte> output,
                          BitshuffleKernel kernel = BitshuffleKernel::kBest);
void bitshuffle_untranspose(std::span<const std::byte> input, std::size_t element_size,
                            std::span<std::byte> output,
                            BitshuffleKernel kernel = BitshuffleKernel::kBest);

// Registers the filter with the HDF5 library of this process (idempotent), so edgeloop can
// read the chunks it writes with plain H5Dread and create datasets that declare it.
void register_bitshuffle_hdf5_filter();

// The filter's cd_values for a dataset of `element_size` elements with LZ4, in hdf5plugin's
// layout (major, minor, element size, block size 0 = default, 2 = LZ4).
std::vector<unsigned> bitshuffle_hdf5_cd_values(std::size_t element_size);

}  // namespace edgeloop::formats
