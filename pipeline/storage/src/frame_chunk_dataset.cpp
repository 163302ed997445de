#include "frame_chunk_dataset.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/zstd_hdf5.hpp"

namespace edgeloop::storage::detail {
namespace {

// Little-endian file types: the chunks hold the pixels exactly as they arrived.
hid_t file_type(wire::DType dtype) {
  switch (dtype) {
    case wire::DType::U8:
      return H5T_STD_U8LE;
    case wire::DType::U16:
      return H5T_STD_U16LE;
    case wire::DType::U32:
      return H5T_STD_U32LE;
    case wire::DType::I32:
      return H5T_STD_I32LE;
    case wire::DType::F32:
      return H5T_IEEE_F32LE;
    case wire::DType::F64:
      return H5T_IEEE_F64LE;
    default:
      return H5I_INVALID_HID;
  }
}

std::uint64_t big_endian(std::span<const std::byte> bytes) {
  std::uint64_t value = 0;
  for (const auto b : bytes) value = (value << 8) | std::to_integer<std::uint64_t>(b);
  return value;
}

}  // namespace

FrameChunkDataset FrameChunkDataset::create(const NexusNode& parent, std::string_view name,
                                            const ImageLayout& layout) {
  const hid_t type = file_type(layout.dtype);
  const std::size_t element = dtype_size(layout.dtype);
  if (type < 0 || element == 0) {
    throw std::invalid_argument(
        fmt::format("image layout: dtype '{}' cannot be stored", dtype_name(layout.dtype)));
  }
  if (layout.rows == 0 || layout.cols == 0) {
    throw std::invalid_argument("image layout: rows and cols must be positive");
  }
  const std::size_t frame_bytes = std::size_t{layout.rows} * layout.cols * element;
  // HDF5 refuses chunks of 4 GiB or more.
  if (frame_bytes >= (std::size_t{1} << 32)) {
    throw std::invalid_argument(fmt::format(
        "image layout: a {}x{} frame is too large for one HDF5 chunk", layout.rows, layout.cols));
  }
  const std::array<hsize_t, 3> shape{0, layout.rows, layout.cols};
  const std::array<hsize_t, 3> max_shape{H5S_UNLIMITED, layout.rows, layout.cols};
  const std::array<hsize_t, 3> chunk{1, layout.rows, layout.cols};
  const h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (H5Pset_chunk(dcpl.get(), 3, chunk.data()) < 0) {
    parent.fail("set up chunks of", parent.child_path(name));
  }
  if (layout.codec == ChunkCodec::BitshuffleLz4) {
    // Registered so this process can read its own chunks back; optional so a chunk may also be
    // stored unfiltered (filter mask) and HDF5 never refuses the dataset for the filter.
    formats::register_bitshuffle_hdf5_filter();
    const std::vector<unsigned> cd_values = formats::bitshuffle_hdf5_cd_values(element);
    if (H5Pset_filter(dcpl.get(), formats::kBitshuffleFilterId, H5Z_FLAG_OPTIONAL, cd_values.size(),
                      cd_values.data()) < 0) {
      parent.fail("declare the bitshuffle filter on", parent.child_path(name));
    }
  } else if (layout.codec == ChunkCodec::Zstd) {
    // Declared as filter 32015 so h5py + a zstd filter (PyPI's hdf5plugin) can read the
    // chunks; registered for the same reasons as bitshuffle's above.
    formats::register_zstd_hdf5_filter();
    const std::vector<unsigned> cd_values = formats::zstd_hdf5_cd_values(layout.zstd_level);
    if (H5Pset_filter(dcpl.get(), formats::kZstdFilterId, H5Z_FLAG_OPTIONAL, cd_values.size(),
                      cd_values.data()) < 0) {
      parent.fail("declare the zstd filter on", parent.child_path(name));
    }
  }
  NexusNode node = parent.create_dataset(name, type, shape, max_shape, dcpl.get());
  return {std::move(node), layout, frame_bytes};
}

void FrameChunkDataset::check(std::span<const std::byte> chunk) const {
  if (layout_.codec == ChunkCodec::Raw) {
    if (chunk.size() != frame_bytes_) {
      throw std::invalid_argument(fmt::format("{}: a raw frame chunk must have {} bytes, not {}",
                                              node_.path(), frame_bytes_, chunk.size()));
    }
    return;
  }
  if (layout_.codec == ChunkCodec::Zstd) {
    // The frame header records the content size; anything else is not a frame of this run.
    std::uint64_t announced = 0;
    try {
      announced = formats::zstd_hdf5_uncompressed_size(chunk);
    } catch (const formats::ZstdHdf5Error& e) {
      throw std::invalid_argument(fmt::format("{}: {}", node_.path(), e.what()));
    }
    if (announced != frame_bytes_) {
      throw std::invalid_argument(
          fmt::format("{}: the zstd chunk decodes to {} bytes, a frame has {}", node_.path(),
                      announced, frame_bytes_));
    }
    return;
  }
  // The filter-32008 header: big-endian uncompressed size (8 bytes), block size (4 bytes).
  constexpr std::size_t kHeader = 12;
  if (chunk.size() < kHeader) {
    throw std::invalid_argument(
        fmt::format("{}: a bslz4 chunk of {} bytes has no header", node_.path(), chunk.size()));
  }
  const std::uint64_t announced = big_endian(chunk.first(8));
  if (announced != frame_bytes_) {
    throw std::invalid_argument(
        fmt::format("{}: the bslz4 chunk decodes to {} bytes, a frame has {}", node_.path(),
                    announced, frame_bytes_));
  }
}

void FrameChunkDataset::append(std::span<const std::byte> chunk) {
  check(chunk);
  const std::array<hsize_t, 3> dims{frames_ + 1, layout_.rows, layout_.cols};
  if (H5Dset_extent(node_.id(), dims.data()) < 0) node_.fail("extend", node_.path());
  const std::array<hsize_t, 3> offset{frames_, 0, 0};
  if (H5Dwrite_chunk(node_.id(), H5P_DEFAULT, 0, offset.data(), chunk.size(), chunk.data()) < 0) {
    node_.fail(fmt::format("write frame {} of", frames_), node_.path());
  }
  ++frames_;
}

}  // namespace edgeloop::storage::detail
