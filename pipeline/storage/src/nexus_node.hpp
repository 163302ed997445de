// A group or dataset of a run file with the NeXus-flavoured writes the writer needs (groups
// with NX_class, scalar strings, attributes, hard links); every failure names file and path.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "edgeloop/formats/h5_file.hpp"

namespace edgeloop::storage::detail {

using h5::native_type;

// Variable-length UTF-8 strings: what h5py reads as str.
h5::Handle utf8_string_type();

// Keeps HDF5 object names to [A-Za-z0-9_-]: a product name becomes a path component.
std::string sanitized_name(std::string_view name);

class NexusNode {
 public:
  NexusNode(h5::Handle handle, std::string path, std::shared_ptr<const std::string> file)
      : handle_(std::move(handle)), path_(std::move(path)), file_(std::move(file)) {}

  hid_t id() const { return handle_.get(); }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }
  std::string child_path(std::string_view name) const;

  NexusNode create_group(std::string_view name, std::string_view nx_class) const;
  NexusNode open(std::string_view name) const;
  bool contains(std::string_view name) const;

  // Scalar datasets.
  NexusNode write_text(std::string_view name, std::string_view value) const;
  template <h5::Element T>
  NexusNode write_scalar(std::string_view name, T value) const;
  // A contiguous dataset of `shape` (row-major) holding `values`.
  template <h5::Element T>
  NexusNode write_array(std::string_view name, std::span<const T> values,
                        std::span<const hsize_t> shape) const;
  template <h5::Element T>
  NexusNode write_array(std::string_view name, std::span<const T> values) const {
    const hsize_t n = values.size();
    return write_array<T>(name, values, std::span<const hsize_t>(&n, 1));
  }
  // A dataset of `type` and `shape` created with `dcpl` and left for the caller to fill.
  NexusNode create_dataset(std::string_view name, hid_t type, std::span<const hsize_t> shape,
                           std::span<const hsize_t> max_shape, hid_t dcpl) const;

  const NexusNode& set_attribute(std::string_view name, std::string_view value) const;
  const NexusNode& set_attribute(std::string_view name, std::int64_t value) const;
  const NexusNode& set_attribute(std::string_view name, double value) const;
  const NexusNode& set_attribute(std::string_view name, std::span<const std::string> values) const;

  // A hard link `name` here to the object at absolute path `target`.
  void link(std::string_view name, std::string_view target) const;

  [[noreturn]] void fail(std::string_view operation, std::string_view object) const;

 private:
  void write_attribute(std::string_view name, hid_t type, hid_t space, const void* data) const;

  h5::Handle handle_;
  std::string path_;
  std::shared_ptr<const std::string> file_;
};

}  // namespace edgeloop::storage::detail
