#include "nexus_node.hpp"

#include <fmt/format.h>

#include <vector>

#include "hdf5_failure.hpp"

namespace edgeloop::storage::detail {

h5::Handle utf8_string_type() {
  h5::Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

std::string sanitized_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    out.push_back(keep ? c : '_');
  }
  if (out.empty()) out.push_back('_');
  return out;
}

std::string NexusNode::child_path(std::string_view name) const {
  return path_ == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", path_, name);
}

void NexusNode::fail(std::string_view operation, std::string_view object) const {
  throw_hdf5_failure(*file_, operation, object);
}

NexusNode NexusNode::create_group(std::string_view name, std::string_view nx_class) const {
  const std::string key(name);
  h5::Handle group(H5Gcreate2(id(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!group.valid()) fail("create group", child_path(name));
  NexusNode node(std::move(group), child_path(name), file_);
  if (!nx_class.empty()) node.set_attribute("NX_class", nx_class);
  return node;
}

NexusNode NexusNode::open(std::string_view name) const {
  const std::string key(name);
  h5::Handle object(H5Oopen(id(), key.c_str(), H5P_DEFAULT));
  if (!object.valid()) fail("open", child_path(name));
  return {std::move(object), child_path(name), file_};
}

bool NexusNode::contains(std::string_view name) const {
  const std::string key(name);
  return H5Lexists(id(), key.c_str(), H5P_DEFAULT) > 0;
}

NexusNode NexusNode::write_text(std::string_view name, std::string_view value) const {
  const std::string key(name);
  const h5::Handle type = utf8_string_type();
  const h5::Handle space(H5Screate(H5S_SCALAR));
  h5::Handle dataset(H5Dcreate2(id(), key.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset.valid()) fail("create dataset", child_path(name));
  const std::string text(value);
  const char* pointer = text.c_str();
  if (H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &pointer) < 0) {
    fail("write", child_path(name));
  }
  return {std::move(dataset), child_path(name), file_};
}

template <h5::Element T>
NexusNode NexusNode::write_scalar(std::string_view name, T value) const {
  const std::string key(name);
  const h5::Handle space(H5Screate(H5S_SCALAR));
  h5::Handle dataset(H5Dcreate2(id(), key.c_str(), native_type<T>(), space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset.valid()) fail("create dataset", child_path(name));
  if (H5Dwrite(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0) {
    fail("write", child_path(name));
  }
  return {std::move(dataset), child_path(name), file_};
}

template <h5::Element T>
NexusNode NexusNode::write_array(std::string_view name, std::span<const T> values,
                                 std::span<const hsize_t> shape) const {
  NexusNode dataset = create_dataset(name, native_type<T>(), shape, shape, H5P_DEFAULT);
  if (!values.empty() &&
      H5Dwrite(dataset.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0) {
    fail("write", dataset.path());
  }
  return dataset;
}

NexusNode NexusNode::create_dataset(std::string_view name, hid_t type,
                                    std::span<const hsize_t> shape,
                                    std::span<const hsize_t> max_shape, hid_t dcpl) const {
  const std::string key(name);
  const h5::Handle space(
      H5Screate_simple(static_cast<int>(shape.size()), shape.data(), max_shape.data()));
  if (!space.valid()) fail("describe the shape of", child_path(name));
  h5::Handle dataset(
      H5Dcreate2(id(), key.c_str(), type, space.get(), H5P_DEFAULT, dcpl, H5P_DEFAULT));
  if (!dataset.valid()) fail("create dataset", child_path(name));
  return {std::move(dataset), child_path(name), file_};
}

void NexusNode::write_attribute(std::string_view name, hid_t type, hid_t space,
                                const void* data) const {
  const std::string key(name);
  if (H5Aexists(id(), key.c_str()) > 0 && H5Adelete(id(), key.c_str()) < 0) {
    fail(fmt::format("replace attribute '{}' of", name), path_);
  }
  const h5::Handle attribute(H5Acreate2(id(), key.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute.valid() || H5Awrite(attribute.get(), type, data) < 0) {
    fail(fmt::format("write attribute '{}' of", name), path_);
  }
}

const NexusNode& NexusNode::set_attribute(std::string_view name, std::string_view value) const {
  const h5::Handle type = utf8_string_type();
  const h5::Handle space(H5Screate(H5S_SCALAR));
  const std::string text(value);
  const char* pointer = text.c_str();
  write_attribute(name, type.get(), space.get(), &pointer);
  return *this;
}

const NexusNode& NexusNode::set_attribute(std::string_view name, std::int64_t value) const {
  const h5::Handle space(H5Screate(H5S_SCALAR));
  write_attribute(name, H5T_NATIVE_INT64, space.get(), &value);
  return *this;
}

const NexusNode& NexusNode::set_attribute(std::string_view name, double value) const {
  const h5::Handle space(H5Screate(H5S_SCALAR));
  write_attribute(name, H5T_NATIVE_DOUBLE, space.get(), &value);
  return *this;
}

const NexusNode& NexusNode::set_attribute(std::string_view name,
                                          std::span<const std::string> values) const {
  const h5::Handle type = utf8_string_type();
  const hsize_t n = values.size();
  const h5::Handle space(H5Screate_simple(1, &n, nullptr));
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  write_attribute(name, type.get(), space.get(), pointers.data());
  return *this;
}

void NexusNode::link(std::string_view name, std::string_view target) const {
  const std::string key(name);
  const std::string to(target);
  if (H5Lcreate_hard(id(), to.c_str(), id(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0) {
    fail(fmt::format("link to '{}' as", target), child_path(name));
  }
}

#define EDGELOOP_STORAGE_INSTANTIATE(T)                                              \
  template NexusNode NexusNode::write_scalar<T>(std::string_view, T) const;          \
  template NexusNode NexusNode::write_array<T>(std::string_view, std::span<const T>, \
                                               std::span<const hsize_t>) const;
EDGELOOP_STORAGE_INSTANTIATE(double)
EDGELOOP_STORAGE_INSTANTIATE(float)
EDGELOOP_STORAGE_INSTANTIATE(std::uint8_t)
EDGELOOP_STORAGE_INSTANTIATE(std::int32_t)
EDGELOOP_STORAGE_INSTANTIATE(std::uint32_t)
EDGELOOP_STORAGE_INSTANTIATE(std::int64_t)
EDGELOOP_STORAGE_INSTANTIATE(std::uint64_t)
#undef EDGELOOP_STORAGE_INSTANTIATE

}  // namespace edgeloop::storage::detail
