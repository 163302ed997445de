// The one exception the run-file writer throws for I/O trouble: it names the file, the HDF5
// object and the operation, carries HDF5's own error stack, and says when the disk is full.
#pragma once

#include <string>

#include "edgeloop/formats/h5_file.hpp"

namespace edgeloop::storage {

class StorageError : public h5::H5Error {
 public:
  StorageError(const std::string& message, bool disk_full)
      : h5::H5Error(message), disk_full_(disk_full) {}

  // True when the operating system reported no space (ENOSPC), a quota (EDQUOT) or the file
  // size limit (EFBIG): the run cannot go on writing to this file system.
  bool disk_full() const { return disk_full_; }

 private:
  bool disk_full_ = false;
};

}  // namespace edgeloop::storage
