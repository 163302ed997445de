// The HDF5 filter 32008 backed by edgeloop's bitshuffle+LZ4 codec, so the library can read and
// write the chunks without the bitshuffle plugin being installed.
#include <hdf5.h>

#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "h5_filter_buffer.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <limits>
#include <mutex>
#include <span>
#include <utility>

namespace edgeloop::formats {
namespace {

// cd_values[0..1] record the bitshuffle version that wrote a dataset; readers ignore them.
// 0.4 is the format hdf5plugin 4 writes with.
constexpr unsigned kVersionMajor = 0;
constexpr unsigned kVersionMinor = 4;
constexpr unsigned kCompressionLz4 = 2;
constexpr std::size_t kCdElementSize = 2;
constexpr std::size_t kCdBlockSize = 3;
constexpr std::size_t kCdCompression = 4;
constexpr std::size_t kCdCount = 5;

void push_error(const char* function, const char* message) {
  H5Epush2(H5E_DEFAULT, __FILE__, function, __LINE__, H5E_ERR_CLS, H5E_PLINE, H5E_CALLBACK, "%s",
           message);
}

// Called once when a dataset is created. The caller may give hdf5plugin's options (block size,
// compression) or the full layout of bitshuffle_hdf5_cd_values; either way the dataset gets
// the full layout with the element size of its type. The real bitshuffle would shift a full
// layout into the option slots and lose its compression, so five or more values are read as one.
herr_t set_local(hid_t dcpl, hid_t type, hid_t /*space*/) noexcept {
  std::array<unsigned, 8> given{};
  std::size_t count = given.size();
  unsigned flags = 0;
  if (H5Pget_filter_by_id2(dcpl, kBitshuffleFilterId, &flags, &count, given.data(), 0, nullptr,
                           nullptr) < 0) {
    return -1;
  }
  count = std::min(count, given.size());
  const bool full_layout = count >= kCdCount;
  const unsigned* options = full_layout ? given.data() + kCdBlockSize : given.data();
  const std::size_t option_count = full_layout ? count - kCdBlockSize : count;
  const unsigned block = option_count > 0 ? options[0] : 0;
  const unsigned compression = option_count > 1 ? options[1] : 0;

  const std::size_t element_size = H5Tget_size(type);
  if (element_size == 0 || element_size > std::numeric_limits<unsigned>::max()) {
    push_error("bitshuffle set_local", "invalid element size");
    return -1;
  }
  if (compression != kCompressionLz4 && compression != 0) {
    push_error("bitshuffle set_local",
               "edgeloop's bitshuffle filter supports LZ4 (2) or no compression (0) only");
    return -1;
  }
  try {
    (void)bslz4_max_compressed_size(0, element_size, block);  // validates the block size
  } catch (const std::exception& error) {
    push_error("bitshuffle set_local", error.what());
    return -1;
  }
  const std::array<unsigned, kCdCount> values{
      kVersionMajor, kVersionMinor, static_cast<unsigned>(element_size), block, compression};
  if (H5Pmodify_filter(dcpl, kBitshuffleFilterId, flags, values.size(), values.data()) < 0) {
    return -1;
  }
  return 1;
}

// Bitshuffle without compression (cd_values[4] 0 or absent), which files written elsewhere may
// use: the same blocks, transposed instead of compressed, and the same verbatim tail. Kept so
// that registering this filter never takes away a mode the bitshuffle plugin could read.
void shuffle_blocks(std::span<const std::byte> input, std::size_t element_size,
                    std::size_t block_elements, std::span<std::byte> output, bool reverse) {
  if (element_size == 0 || input.size() % element_size != 0) {
    throw BitshuffleError("bitshuffle filter: chunk is not a whole number of elements");
  }
  const std::size_t block =
      block_elements == 0 ? bitshuffle_default_block_elements(element_size) : block_elements;
  if (block % 8 != 0) throw BitshuffleError("bitshuffle filter: block not a multiple of 8");
  const std::size_t elements = input.size() / element_size;
  std::size_t done = 0;
  const auto transform = [&](std::size_t count) {
    const std::size_t bytes = count * element_size;
    if (reverse) {
      bitshuffle_untranspose(input.subspan(done, bytes), element_size, output.subspan(done, bytes));
    } else {
      bitshuffle_transpose(input.subspan(done, bytes), element_size, output.subspan(done, bytes));
    }
    done += bytes;
  };
  for (std::size_t b = 0; b < elements / block; ++b) transform(block);
  const std::size_t rest = elements % block;
  if (rest >= 8) transform(rest - rest % 8);
  std::copy(input.begin() + static_cast<std::ptrdiff_t>(done), input.end(),
            output.begin() + static_cast<std::ptrdiff_t>(done));
}

std::size_t filter(unsigned flags, std::size_t cd_count, const unsigned cd_values[],
                   std::size_t nbytes, std::size_t* buffer_size, void** buffer) noexcept {
  try {
    if (cd_count <= kCdElementSize) throw BitshuffleError("bitshuffle filter: too few cd_values");
    const std::size_t element_size = cd_values[kCdElementSize];
    const std::size_t block = cd_count > kCdBlockSize ? cd_values[kCdBlockSize] : 0;
    const unsigned compression = cd_count > kCdCompression ? cd_values[kCdCompression] : 0;
    const bool reverse = (flags & H5Z_FLAG_REVERSE) != 0;
    const std::span<const std::byte> input(static_cast<const std::byte*>(*buffer), nbytes);
    std::size_t produced = 0;
    std::size_t allocated = 0;
    void* result = nullptr;
    if (compression == 0) {
      detail::H5FilterBuffer out(nbytes, "bitshuffle filter");
      shuffle_blocks(input, element_size, block, out.bytes(), reverse);
      produced = allocated = nbytes;
      result = out.release();
    } else if (compression != kCompressionLz4) {
      throw BitshuffleError("bitshuffle filter: only LZ4 (2) or no compression (0) is supported");
    } else if (reverse) {
      const std::uint64_t total = bslz4_uncompressed_size(input);
      // LZ4 expands at most 255 times and the verbatim tail not at all, so a header claiming
      // more than 256 times the chunk is corrupt: refuse it before allocating.
      if (total == 0 || total / 256 > nbytes) {
        throw BitshuffleError("bitshuffle filter: chunk header claims an impossible size");
      }
      detail::H5FilterBuffer out(total, "bitshuffle filter");
      bslz4_decompress(input, element_size, out.bytes());
      produced = allocated = total;
      result = out.release();
    } else {
      allocated = bslz4_max_compressed_size(nbytes, element_size, block);
      detail::H5FilterBuffer out(allocated, "bitshuffle filter");
      produced = bslz4_compress(input, element_size, out.bytes(), block);
      result = out.release();
    }
    H5free_memory(*buffer);
    *buffer = result;
    *buffer_size = allocated;
    return produced;
  } catch (const std::exception& error) {
    push_error("bitshuffle filter", error.what());
    return 0;
  }
}

const H5Z_class2_t kFilterClass{
    H5Z_CLASS_T_VERS,
    static_cast<H5Z_filter_t>(kBitshuffleFilterId),
    1,
    1,
    "bitshuffle+LZ4 (edgeloop's codec for the filter of https://github.com/kiyo-masui/bitshuffle)",
    nullptr,
    set_local,
    filter,
};

}  // namespace

void register_bitshuffle_hdf5_filter() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (H5Zregister(&kFilterClass) < 0) {
      throw BitshuffleError("bitshuffle filter: H5Zregister failed for filter 32008");
    }
  });
}

std::vector<unsigned> bitshuffle_hdf5_cd_values(std::size_t element_size) {
  if (element_size == 0 || element_size > std::numeric_limits<unsigned>::max()) {
    throw BitshuffleError("bitshuffle filter: invalid element size");
  }
  return {kVersionMajor, kVersionMinor, static_cast<unsigned>(element_size), 0, kCompressionLz4};
}

}  // namespace edgeloop::formats
