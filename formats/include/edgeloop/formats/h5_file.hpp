// A small RAII layer over the HDF5 C library for writing and reading plain datasets and
// attributes: enough for ground-truth files and tests, not a NeXus writer.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::h5 {

// Every failure of the HDF5 library surfaces as this, naming the file and object involved.
class H5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.release()) {}
  Handle& operator=(Handle&& other) noexcept;
  ~Handle();

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  hid_t release();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Element types the helpers map to HDF5 native types.
template <class T>
concept Element = std::is_same_v<T, double> || std::is_same_v<T, float> ||
    std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t> ||
    std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::uint16_t> ||
    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t>;

// The HDF5 type in memory (and in the file) of an element type.
template <Element T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, std::int8_t>) return H5T_NATIVE_INT8;
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  if constexpr (std::is_same_v<T, std::int16_t>) return H5T_NATIVE_INT16;
  if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
}

// An HDF5 file opened for writing (created, truncating any old one) or for reading. Object
// paths are absolute ("/truth/phase_map"); writers create the missing parent groups.
// One object is used by one thread at a time (Debian's HDF5 itself is built thread-safe).
class File {
 public:
  static File create(const std::filesystem::path& path);
  static File open_read_only(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }

  // A contiguous dataset of the given shape (row-major, slowest axis first), gzip-compressed
  // when `compress` and larger than a few kilobytes.
  template <Element T>
  void write(std::string_view object, std::span<const T> data, std::span<const std::size_t> shape,
             bool compress = true);
  // One-dimensional convenience.
  template <Element T>
  void write(std::string_view object, std::span<const T> data) {
    const std::size_t n = data.size();
    write<T>(object, data, std::span<const std::size_t>(&n, 1));
  }
  void write_strings(std::string_view object, std::span<const std::string> values);

  // Attributes on an existing object or group (created if it is a group path not yet seen).
  void set_attribute(std::string_view object, std::string_view name, std::string_view value);
  void set_attribute(std::string_view object, std::string_view name, double value);
  void set_attribute(std::string_view object, std::string_view name, std::int64_t value);
  void set_attribute(std::string_view object, std::string_view name,
                     std::span<const double> values);

  bool exists(std::string_view object) const;
  std::vector<std::size_t> shape(std::string_view object) const;
  // Reads the whole dataset converted to T; H5Error for a missing object.
  template <Element T>
  std::vector<T> read(std::string_view object) const;
  std::vector<std::string> read_strings(std::string_view object) const;
  std::string string_attribute(std::string_view object, std::string_view name) const;
  double double_attribute(std::string_view object, std::string_view name) const;
  std::int64_t int_attribute(std::string_view object, std::string_view name) const;
  std::vector<double> double_array_attribute(std::string_view object, std::string_view name) const;

  void flush();

 private:
  File(Handle file, std::filesystem::path path) : file_(std::move(file)), path_(std::move(path)) {}
  void ensure_parents(std::string_view object);
  Handle open_object(std::string_view object) const;
  Handle open_attribute(std::string_view object, std::string_view name) const;
  Handle object_for_attribute(std::string_view object);
  [[noreturn]] void fail(std::string_view what, std::string_view object) const;

  Handle file_;
  std::filesystem::path path_;
};

}  // namespace edgeloop::h5
