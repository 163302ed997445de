// A dataset that grows along its first axis, one row (or a block of rows) at a time: per-frame
// columns, event columns and per-frame products. Rows are buffered and written in blocks so a
// frame costs a memcpy per column rather than an HDF5 extent change and write each.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include "nexus_node.hpp"

namespace edgeloop::storage::detail {

class ExtensibleDataset {
 public:
  // An empty dataset [0, row_shape...] of `type` under `parent`, chunked by `chunk_rows` rows.
  // Up to `buffer_rows` rows are held in memory before they are written (0: never held).
  // `fill` (one element of `type`, or null for zeros) is what rows never written read as.
  static ExtensibleDataset create(const NexusNode& parent, std::string_view name, hid_t type,
                                  std::vector<hsize_t> row_shape, hsize_t chunk_rows,
                                  std::size_t buffer_rows, const void* fill = nullptr);

  // Appends `count` rows after the last one; `rows` holds count * row_bytes() bytes.
  void append(const void* rows, std::size_t count = 1);
  // Writes row `row`: after the end it extends the dataset (rows skipped keep the fill value),
  // before the end it overwrites.
  void put(hsize_t row, const void* data);
  // Writes the buffered rows to the file.
  void write_pending();
  // Writes the buffered rows and extends the dataset to at least `rows` rows of fill value.
  void pad_to(hsize_t rows);

  hsize_t rows() const { return written_ + pending_rows_; }
  std::size_t row_bytes() const { return row_bytes_; }
  const std::vector<hsize_t>& row_shape() const { return row_shape_; }
  const NexusNode& node() const { return node_; }

 private:
  ExtensibleDataset(NexusNode node, hid_t type, std::vector<hsize_t> row_shape,
                    std::size_t buffer_rows);
  void write_rows(hsize_t first, hsize_t count, const void* data);
  void extend_to(hsize_t rows);

  NexusNode node_;
  hid_t type_;
  std::vector<hsize_t> row_shape_;
  std::size_t row_bytes_ = 0;
  std::size_t buffer_rows_ = 0;
  hsize_t written_ = 0;  // rows the file holds
  hsize_t extent_ = 0;   // rows the dataset's extent holds (>= written_)
  std::vector<std::byte> pending_;
  std::size_t pending_rows_ = 0;
};

}  // namespace edgeloop::storage::detail
