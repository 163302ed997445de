// Turns HDF5's error stack into StorageError, and keeps HDF5 from printing it on stderr while
// the writer works: the caller gets one exception naming file, object and operation instead.
#pragma once

#include <hdf5.h>

#include <string>
#include <string_view>

namespace edgeloop::storage::detail {

// Silences HDF5's automatic error printing for the life of the guard.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors();
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;
  ~QuietHdf5Errors();

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

// Throws StorageError "<file>: cannot <operation> '<object>': <HDF5's messages>" (no object
// part when `object` is empty). Call it right after the failing HDF5 call, before any other
// HDF5 call clears the error stack.
[[noreturn]] void throw_hdf5_failure(std::string_view file, std::string_view operation,
                                     std::string_view object);

// Checks an HDF5 return value (an id or a herr_t): negative means failure.
inline hid_t checked(hid_t value, std::string_view file, std::string_view operation,
                     std::string_view object) {
  if (value < 0) throw_hdf5_failure(file, operation, object);
  return value;
}

}  // namespace edgeloop::storage::detail
