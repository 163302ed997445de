#include "edgeloop/formats/zstd_hdf5.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>

namespace edgeloop::formats {
namespace {

[[noreturn]] void fail(const std::string& message) {
  throw ZstdHdf5Error("zstd: " + message);
}

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

}  // namespace

std::size_t zstd_hdf5_max_compressed_size(std::size_t bytes) {
  const std::size_t bound = ZSTD_compressBound(bytes);
  if (ZSTD_isError(bound) != 0U) fail(fmt::format("{} bytes are too many for one frame", bytes));
  return bound;
}

std::size_t zstd_hdf5_compress(std::span<const std::byte> input, std::span<std::byte> output,
                               int level) {
  const std::size_t needed = zstd_hdf5_max_compressed_size(input.size());
  if (output.size() < needed) {
    fail(fmt::format("output of {} bytes, {} needed", output.size(), needed));
  }
  // A context per call keeps the function thread-safe; its setup is small next to a frame.
  const std::unique_ptr<ZSTD_CCtx, CctxFree> cctx(ZSTD_createCCtx());
  if (!cctx) fail("out of memory for a compression context");
  const int clamped = std::clamp(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  // The filter's readers size their buffer from the frame header, so the size must be in it
  // (the one-shot API always writes it; set explicitly so no default can change that).
  std::size_t status = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, clamped);
  if (ZSTD_isError(status) == 0U) {
    status = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  }
  // The frame checksum turns a corrupt chunk into an error instead of wrong pixels; every
  // zstd reader checks it, and it costs 4 bytes and a fast hash per frame.
  if (ZSTD_isError(status) == 0U) {
    status = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  }
  if (ZSTD_isError(status) != 0U) fail(ZSTD_getErrorName(status));
  const std::size_t written =
      ZSTD_compress2(cctx.get(), output.data(), output.size(), input.data(), input.size());
  if (ZSTD_isError(written) != 0U) fail(ZSTD_getErrorName(written));
  return written;
}

std::vector<std::byte> zstd_hdf5_compress(std::span<const std::byte> input, int level) {
  std::vector<std::byte> chunk(zstd_hdf5_max_compressed_size(input.size()));
  chunk.resize(zstd_hdf5_compress(input, chunk, level));
  return chunk;
}

std::uint64_t zstd_hdf5_uncompressed_size(std::span<const std::byte> chunk) {
  const unsigned long long size = ZSTD_getFrameContentSize(chunk.data(), chunk.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) {
    fail(fmt::format("a chunk of {} bytes is not a zstd frame", chunk.size()));
  }
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) fail("the frame header does not record its size");
  return size;
}

void zstd_hdf5_decompress(std::span<const std::byte> chunk, std::span<std::byte> output) {
  const std::uint64_t total = zstd_hdf5_uncompressed_size(chunk);
  if (total != output.size()) {
    fail(fmt::format("chunk holds {} bytes, output has room for {}", total, output.size()));
  }
  // One frame per chunk: bytes after it would be data the filter's readers ignore or reject.
  const std::size_t frame = ZSTD_findFrameCompressedSize(chunk.data(), chunk.size());
  if (ZSTD_isError(frame) != 0U) {
    fail(fmt::format("truncated or corrupt frame: {}", ZSTD_getErrorName(frame)));
  }
  if (frame != chunk.size()) {
    fail(fmt::format("{} bytes follow the frame of {} bytes", chunk.size() - frame, frame));
  }
  const std::unique_ptr<ZSTD_DCtx, DctxFree> dctx(ZSTD_createDCtx());
  if (!dctx) fail("out of memory for a decompression context");
  const std::size_t decoded =
      ZSTD_decompressDCtx(dctx.get(), output.data(), output.size(), chunk.data(), chunk.size());
  if (ZSTD_isError(decoded) != 0U)
    fail(fmt::format("corrupt frame: {}", ZSTD_getErrorName(decoded)));
  if (decoded != output.size()) {
    fail(fmt::format("frame decodes to {} bytes, its header claims {}", decoded, output.size()));
  }
}

std::vector<unsigned> zstd_hdf5_cd_values(int level) {
  // The filter reads cd_values[0] as an int level; HDF5 stores it as unsigned.
  return {static_cast<unsigned>(level)};
}

}  // namespace edgeloop::formats
