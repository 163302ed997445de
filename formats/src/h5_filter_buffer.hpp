// The output buffer of an HDF5 filter: memory from HDF5's allocator, which is what the filter
// pipeline hands over and frees, owned until the filter succeeds and releases it.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

namespace edgeloop::formats::detail {

class H5FilterBuffer {
 public:
  // `filter` names the filter in the out-of-memory error.
  H5FilterBuffer(std::size_t size, const char* filter)
      : data_(H5allocate_memory(size, false)), size_(size) {
    if (data_ == nullptr) throw std::runtime_error(std::string(filter) + ": out of memory");
  }
  H5FilterBuffer(const H5FilterBuffer&) = delete;
  H5FilterBuffer& operator=(const H5FilterBuffer&) = delete;
  ~H5FilterBuffer() {
    if (data_ != nullptr) H5free_memory(data_);
  }

  std::span<std::byte> bytes() { return {static_cast<std::byte*>(data_), size_}; }
  void* release() { return std::exchange(data_, nullptr); }

 private:
  void* data_;
  std::size_t size_;
};

}  // namespace edgeloop::formats::detail
