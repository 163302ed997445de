#include "extensible_dataset.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace edgeloop::storage::detail {

ExtensibleDataset ExtensibleDataset::create(const NexusNode& parent, std::string_view name,
                                            hid_t type, std::vector<hsize_t> row_shape,
                                            hsize_t chunk_rows, std::size_t buffer_rows,
                                            const void* fill) {
  std::vector<hsize_t> shape{0};
  std::vector<hsize_t> max_shape{H5S_UNLIMITED};
  std::vector<hsize_t> chunk{chunk_rows < 1 ? 1 : chunk_rows};
  for (const auto d : row_shape) {
    shape.push_back(d);
    max_shape.push_back(d);
    chunk.push_back(d);
  }
  const h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
      (fill != nullptr && H5Pset_fill_value(dcpl.get(), type, fill) < 0)) {
    parent.fail("set up the layout of", parent.child_path(name));
  }
  NexusNode node = parent.create_dataset(name, type, shape, max_shape, dcpl.get());
  return {std::move(node), type, std::move(row_shape), buffer_rows};
}

ExtensibleDataset::ExtensibleDataset(NexusNode node, hid_t type, std::vector<hsize_t> row_shape,
                                     std::size_t buffer_rows)
    : node_(std::move(node)),
      type_(type),
      row_shape_(std::move(row_shape)),
      buffer_rows_(buffer_rows) {
  row_bytes_ = H5Tget_size(type_);
  for (const auto d : row_shape_) row_bytes_ *= static_cast<std::size_t>(d);
}

void ExtensibleDataset::append(const void* rows, std::size_t count) {
  if (count == 0) return;
  if (pending_rows_ + count > buffer_rows_) {
    write_pending();
    if (count > buffer_rows_) {
      write_rows(written_, count, rows);
      return;
    }
  }
  const auto* bytes = static_cast<const std::byte*>(rows);
  pending_.insert(pending_.end(), bytes, bytes + count * row_bytes_);
  pending_rows_ += count;
  if (pending_rows_ == buffer_rows_) write_pending();
}

void ExtensibleDataset::put(hsize_t row, const void* data) {
  if (row == rows()) {
    append(data);
    return;
  }
  if (row >= written_ && row < rows()) {
    std::memcpy(pending_.data() + (row - written_) * row_bytes_, data, row_bytes_);
    return;
  }
  write_pending();
  write_rows(row, 1, data);
}

void ExtensibleDataset::write_pending() {
  if (pending_rows_ == 0) return;
  write_rows(written_, pending_rows_, pending_.data());
  pending_.clear();
  pending_rows_ = 0;
}

void ExtensibleDataset::pad_to(hsize_t rows) {
  write_pending();
  extend_to(rows);
  written_ = std::max(written_, rows);
}

void ExtensibleDataset::extend_to(hsize_t rows) {
  if (rows <= extent_) return;
  std::vector<hsize_t> dims{rows};
  dims.insert(dims.end(), row_shape_.begin(), row_shape_.end());
  if (H5Dset_extent(node_.id(), dims.data()) < 0) node_.fail("extend", node_.path());
  extent_ = rows;
}

void ExtensibleDataset::write_rows(hsize_t first, hsize_t count, const void* data) {
  extend_to(first + count);
  std::vector<hsize_t> start{first};
  std::vector<hsize_t> size{count};
  for (const auto d : row_shape_) {
    start.push_back(0);
    size.push_back(d);
  }
  const h5::Handle file_space(H5Dget_space(node_.id()));
  const h5::Handle memory_space(
      H5Screate_simple(static_cast<int>(size.size()), size.data(), nullptr));
  if (!file_space.valid() || !memory_space.valid() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, size.data(),
                          nullptr) < 0 ||
      H5Dwrite(node_.id(), type_, memory_space.get(), file_space.get(), H5P_DEFAULT, data) < 0) {
    node_.fail("write rows of", node_.path());
  }
  if (first + count > written_) written_ = first + count;
}

}  // namespace edgeloop::storage::detail
