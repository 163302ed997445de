// The HDF5 filter 32015 backed by edgeloop's zstd codec, so the library reads and writes zstd
// chunks without a zstd filter plugin installed (Debian ships none for HDF5).
#include <hdf5.h>

#include "edgeloop/formats/zstd_hdf5.hpp"
#include "h5_filter_buffer.hpp"

#include <exception>
#include <mutex>
#include <span>
#include <utility>

namespace edgeloop::formats {
namespace {

void push_error(const char* message) {
  H5Epush2(H5E_DEFAULT, __FILE__, "zstd filter", __LINE__, H5E_ERR_CLS, H5E_PLINE, H5E_CALLBACK,
           "%s", message);
}

std::size_t filter(unsigned flags, std::size_t cd_count, const unsigned cd_values[],
                   std::size_t nbytes, std::size_t* buffer_size, void** buffer) noexcept {
  try {
    const std::span<const std::byte> input(static_cast<const std::byte*>(*buffer), nbytes);
    std::size_t produced = 0;
    std::size_t allocated = 0;
    void* result = nullptr;
    if ((flags & H5Z_FLAG_REVERSE) != 0) {
      const std::uint64_t total = zstd_hdf5_uncompressed_size(input);
      // zstd's format cannot expand by more than its block limit allows; a header claiming
      // more than that ratio is corrupt, so refuse it before allocating. (The 32-bit
      // compressed sizes of HDF5 chunks make 4 GiB frames impossible anyway.)
      constexpr std::uint64_t kMaxRatio = 1U << 17;
      if (total / kMaxRatio > nbytes) {
        throw ZstdHdf5Error("zstd filter: chunk header claims an impossible size");
      }
      detail::H5FilterBuffer out(static_cast<std::size_t>(total), "zstd filter");
      zstd_hdf5_decompress(input, out.bytes());
      produced = allocated = static_cast<std::size_t>(total);
      result = out.release();
    } else {
      const int level = cd_count > 0 ? static_cast<int>(cd_values[0]) : kZstdDefaultLevel;
      allocated = zstd_hdf5_max_compressed_size(nbytes);
      detail::H5FilterBuffer out(allocated, "zstd filter");
      produced = zstd_hdf5_compress(input, out.bytes(), level);
      result = out.release();
    }
    H5free_memory(*buffer);
    *buffer = result;
    *buffer_size = allocated;
    return produced;
  } catch (const std::exception& error) {
    push_error(error.what());
    return 0;
  }
}

const H5Z_class2_t kFilterClass{
    H5Z_CLASS_T_VERS,
    static_cast<H5Z_filter_t>(kZstdFilterId),
    1,
    1,
    "Zstandard (edgeloop's codec for the filter of "
    "https://github.com/aparamon/HDF5Plugin-Zstandard)",
    nullptr,
    nullptr,
    filter,
};

}  // namespace

void register_zstd_hdf5_filter() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (H5Zregister(&kFilterClass) < 0) {
      throw ZstdHdf5Error("zstd filter: H5Zregister failed for filter 32015");
    }
  });
}

}  // namespace edgeloop::formats
