#include "edgeloop/formats/h5_file.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>

namespace edgeloop::h5 {
namespace {

// Variable-length UTF-8 strings, the type h5py reads as str.
Handle string_type() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

std::string parent_of(std::string_view object) {
  const auto slash = object.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(object.substr(0, slash));
}

// Silences HDF5's automatic error printing for the life of the guard: failures are reported
// through H5Error instead of a stack dump on stderr.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

void close_id(hid_t id) {
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      H5Fclose(id);
      break;
    case H5I_GROUP:
      H5Gclose(id);
      break;
    case H5I_DATASET:
      H5Dclose(id);
      break;
    case H5I_DATASPACE:
      H5Sclose(id);
      break;
    case H5I_DATATYPE:
      H5Tclose(id);
      break;
    case H5I_ATTR:
      H5Aclose(id);
      break;
    case H5I_GENPROP_LST:
      H5Pclose(id);
      break;
    default:
      H5Idec_ref(id);
      break;
  }
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (valid()) close_id(id_);
    id_ = other.release();
  }
  return *this;
}

Handle::~Handle() {
  if (valid()) close_id(id_);
}

hid_t Handle::release() {
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  return id;
}

File File::create(const std::filesystem::path& path) {
  QuietErrors quiet;
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!file.valid()) throw H5Error(fmt::format("{}: cannot create HDF5 file", path.string()));
  return File(std::move(file), path);
}

File File::open_read_only(const std::filesystem::path& path) {
  QuietErrors quiet;
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) {
    throw H5Error(fmt::format("{}: cannot open as an HDF5 file", path.string()));
  }
  return File(std::move(file), path);
}

void File::fail(std::string_view what, std::string_view object) const {
  throw H5Error(fmt::format("{}: {} '{}'", path_.string(), what, object));
}

void File::ensure_parents(std::string_view object) {
  const std::string parent = parent_of(object);
  if (parent == "/" || exists(parent)) return;
  QuietErrors quiet;
  Handle options(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(options.get(), 1);
  Handle group(H5Gcreate2(file_.get(), parent.c_str(), options.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!group.valid()) fail("cannot create group", parent);
}

bool File::exists(std::string_view object) const {
  if (object == "/") return true;
  QuietErrors quiet;
  // Each level must exist before the next may be asked about.
  std::size_t start = 1;
  while (start <= object.size()) {
    const auto slash = object.find('/', start);
    const std::string prefix(object.substr(0, slash));
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

Handle File::open_object(std::string_view object) const {
  QuietErrors quiet;
  const std::string name(object);
  Handle handle(H5Oopen(file_.get(), name.c_str(), H5P_DEFAULT));
  if (!handle.valid()) fail("no such object", object);
  return handle;
}

template <Element T>
void File::write(std::string_view object, std::span<const T> data,
                 std::span<const std::size_t> shape, bool compress) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  std::size_t count = 1;
  for (const auto d : shape) count *= d;
  if (count != data.size()) {
    throw H5Error(fmt::format("{}: '{}' has {} values for a shape of {}", path_.string(), object,
                              data.size(), count));
  }
  ensure_parents(object);
  QuietErrors quiet;
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Handle options(H5Pcreate(H5P_DATASET_CREATE));
  constexpr std::size_t kCompressAbove = 4096;
  if (compress && count * sizeof(T) > kCompressAbove && !dims.empty()) {
    // Chunks of at most about 1 MiB, cut along the slowest axes first: HDF5 refuses chunks
    // over 4 GiB, and a reader asking for a few rows should not inflate the whole dataset.
    constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
    std::vector<hsize_t> chunk = dims;
    const auto chunk_bytes = [&] {
      std::size_t n = sizeof(T);
      for (const auto d : chunk) n *= static_cast<std::size_t>(d);
      return n;
    };
    for (std::size_t axis = 0; axis < chunk.size() && chunk_bytes() > kChunkBytes;) {
      if (chunk[axis] <= 1) {
        ++axis;
        continue;
      }
      chunk[axis] = (chunk[axis] + 1) / 2;
    }
    if (H5Pset_chunk(options.get(), static_cast<int>(chunk.size()), chunk.data()) < 0 ||
        H5Pset_deflate(options.get(), 4) < 0) {
      fail("cannot set up compression for", object);
    }
  }
  const std::string name(object);
  Handle dataset(H5Dcreate2(file_.get(), name.c_str(), native_type<T>(), space.get(), H5P_DEFAULT,
                            options.get(), H5P_DEFAULT));
  if (!dataset.valid()) fail("cannot create dataset", object);
  if (H5Dwrite(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) {
    fail("cannot write dataset", object);
  }
}

void File::write_strings(std::string_view object, std::span<const std::string> values) {
  ensure_parents(object);
  QuietErrors quiet;
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  Handle type = string_type();
  const std::string name(object);
  Handle dataset(H5Dcreate2(file_.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset.valid()) fail("cannot create dataset", object);
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0) {
    fail("cannot write dataset", object);
  }
}

Handle File::object_for_attribute(std::string_view object) {
  if (!exists(object)) {
    QuietErrors quiet;
    Handle options(H5Pcreate(H5P_LINK_CREATE));
    H5Pset_create_intermediate_group(options.get(), 1);
    const std::string name(object);
    Handle group(H5Gcreate2(file_.get(), name.c_str(), options.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!group.valid()) fail("cannot create group", object);
    return group;
  }
  return open_object(object);
}

namespace {

void replace_attribute(hid_t owner, const std::string& name) {
  if (H5Aexists(owner, name.c_str()) > 0) H5Adelete(owner, name.c_str());
}

}  // namespace

void File::set_attribute(std::string_view object, std::string_view name, std::string_view value) {
  Handle owner = object_for_attribute(object);
  QuietErrors quiet;
  const std::string key(name);
  replace_attribute(owner.get(), key);
  Handle type = string_type();
  Handle space(H5Screate(H5S_SCALAR));
  Handle attribute(
      H5Acreate2(owner.get(), key.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  const std::string text(value);
  const char* pointer = text.c_str();
  if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), &pointer) < 0) {
    fail(fmt::format("cannot write attribute '{}' of", name), object);
  }
}

void File::set_attribute(std::string_view object, std::string_view name,
                         std::span<const double> values) {
  Handle owner = object_for_attribute(object);
  QuietErrors quiet;
  const std::string key(name);
  replace_attribute(owner.get(), key);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  Handle attribute(H5Acreate2(owner.get(), key.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT));
  if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) < 0) {
    fail(fmt::format("cannot write attribute '{}' of", name), object);
  }
}

void File::set_attribute(std::string_view object, std::string_view name, double value) {
  Handle owner = object_for_attribute(object);
  QuietErrors quiet;
  const std::string key(name);
  replace_attribute(owner.get(), key);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attribute(H5Acreate2(owner.get(), key.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT));
  if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    fail(fmt::format("cannot write attribute '{}' of", name), object);
  }
}

void File::set_attribute(std::string_view object, std::string_view name, std::int64_t value) {
  Handle owner = object_for_attribute(object);
  QuietErrors quiet;
  const std::string key(name);
  replace_attribute(owner.get(), key);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attribute(H5Acreate2(owner.get(), key.c_str(), H5T_NATIVE_INT64, space.get(), H5P_DEFAULT,
                              H5P_DEFAULT));
  if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value) < 0) {
    fail(fmt::format("cannot write attribute '{}' of", name), object);
  }
}

std::vector<std::size_t> File::shape(std::string_view object) const {
  Handle dataset = open_object(object);
  QuietErrors quiet;
  Handle space(H5Dget_space(dataset.get()));
  if (!space.valid()) fail("not a dataset", object);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("not a simple dataset", object);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

template <Element T>
std::vector<T> File::read(std::string_view object) const {
  std::size_t count = 1;
  for (const auto d : shape(object)) count *= d;
  Handle dataset = open_object(object);
  QuietErrors quiet;
  std::vector<T> values(count);
  if (H5Dread(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    fail("cannot read dataset", object);
  }
  return values;
}

std::vector<std::string> File::read_strings(std::string_view object) const {
  std::size_t count = 1;
  for (const auto d : shape(object)) count *= d;
  Handle dataset = open_object(object);
  QuietErrors quiet;
  Handle type = string_type();
  std::vector<char*> pointers(count, nullptr);
  if (H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0) {
    fail("cannot read strings", object);
  }
  std::vector<std::string> values;
  values.reserve(count);
  for (char* p : pointers) values.emplace_back(p == nullptr ? "" : p);
  Handle space(H5Dget_space(dataset.get()));
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, pointers.data());
  return values;
}

Handle File::open_attribute(std::string_view object, std::string_view name) const {
  Handle owner = open_object(object);
  QuietErrors quiet;
  const std::string key(name);
  Handle attribute(H5Aopen(owner.get(), key.c_str(), H5P_DEFAULT));
  if (!attribute.valid()) fail(fmt::format("no attribute '{}' on", name), object);
  return attribute;
}

std::string File::string_attribute(std::string_view object, std::string_view name) const {
  Handle attribute = open_attribute(object, name);
  QuietErrors quiet;
  Handle type = string_type();
  char* pointer = nullptr;
  if (H5Aread(attribute.get(), type.get(), &pointer) < 0) {
    fail(fmt::format("attribute '{}' is not a string on", name), object);
  }
  std::string value = pointer == nullptr ? "" : pointer;
  H5free_memory(pointer);
  return value;
}

double File::double_attribute(std::string_view object, std::string_view name) const {
  Handle attribute = open_attribute(object, name);
  QuietErrors quiet;
  double value = 0.0;
  if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
    fail(fmt::format("attribute '{}' is not a number on", name), object);
  }
  return value;
}

std::int64_t File::int_attribute(std::string_view object, std::string_view name) const {
  Handle attribute = open_attribute(object, name);
  QuietErrors quiet;
  std::int64_t value = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_INT64, &value) < 0) {
    fail(fmt::format("attribute '{}' is not an integer on", name), object);
  }
  return value;
}

std::vector<double> File::double_array_attribute(std::string_view object,
                                                 std::string_view name) const {
  Handle attribute = open_attribute(object, name);
  QuietErrors quiet;
  Handle space(H5Aget_space(attribute.get()));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<double> values(static_cast<std::size_t>(std::max<hssize_t>(n, 0)));
  if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, values.data()) < 0) {
    fail(fmt::format("attribute '{}' is not numeric on", name), object);
  }
  return values;
}

void File::flush() {
  if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0) fail("cannot flush", "/");
}

#define EDGELOOP_H5_INSTANTIATE(T)                                                                 \
  template void File::write<T>(std::string_view, std::span<const T>, std::span<const std::size_t>, \
                               bool);                                                              \
  template std::vector<T> File::read<T>(std::string_view) const;
EDGELOOP_H5_INSTANTIATE(double)
EDGELOOP_H5_INSTANTIATE(float)
EDGELOOP_H5_INSTANTIATE(std::int8_t)
EDGELOOP_H5_INSTANTIATE(std::uint8_t)
EDGELOOP_H5_INSTANTIATE(std::int16_t)
EDGELOOP_H5_INSTANTIATE(std::uint16_t)
EDGELOOP_H5_INSTANTIATE(std::int32_t)
EDGELOOP_H5_INSTANTIATE(std::uint32_t)
EDGELOOP_H5_INSTANTIATE(std::int64_t)
EDGELOOP_H5_INSTANTIATE(std::uint64_t)
#undef EDGELOOP_H5_INSTANTIATE

}  // namespace edgeloop::h5
