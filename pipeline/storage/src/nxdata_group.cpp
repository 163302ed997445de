#include "nxdata_group.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace edgeloop::storage::detail {

std::vector<hsize_t> product_dims(const Product& product) {
  if (product.shape.empty()) return {product.values.size()};
  return {product.shape.begin(), product.shape.end()};
}

NexusNode write_nxdata_group(const NexusNode& parent, std::string_view name,
                             const Product& product) {
  const std::vector<hsize_t> dims = product_dims(product);
  std::size_t count = 1;
  for (const auto d : dims) count *= static_cast<std::size_t>(d);
  if (count != product.values.size() ||
      (!product.errors.empty() && product.errors.size() != product.values.size())) {
    throw std::invalid_argument(
        fmt::format("product '{}': {} values and {} errors do not fit its shape of {} values",
                    product.name, product.values.size(), product.errors.size(), count));
  }
  NexusNode group = parent.create_group(name, "NXdata");
  group.set_attribute("signal", std::string_view("data"));
  NexusNode data = group.write_array<double>("data", product.values, dims);
  data.set_attribute("long_name", std::string_view(product.name));
  if (!product.units.empty()) data.set_attribute("units", std::string_view(product.units));
  if (dims.size() == 2) data.set_attribute("interpretation", std::string_view("image"));
  if (dims.size() == 1) data.set_attribute("interpretation", std::string_view("spectrum"));
  if (!product.errors.empty()) {
    NexusNode errors = group.write_array<double>("errors", product.errors, dims);
    if (!product.units.empty()) errors.set_attribute("units", std::string_view(product.units));
  }

  std::vector<std::string> axes(dims.size(), ".");
  for (std::size_t i = 0; i < product.axes.size() && i < dims.size(); ++i) {
    const ProductAxis& axis = product.axes[i];
    const std::size_t n = axis.values.size();
    if (n != dims[i] && n != dims[i] + 1) continue;
    std::string key = sanitized_name(axis.name.empty() ? fmt::format("axis{}", i) : axis.name);
    if (key == "data" || key == "errors" || group.contains(key)) key += fmt::format("_axis{}", i);
    NexusNode values = group.write_array<double>(key, axis.values);
    values.set_attribute("long_name", std::string_view(axis.name));
    if (!axis.units.empty()) values.set_attribute("units", std::string_view(axis.units));
    group.set_attribute(fmt::format("{}_indices", key), static_cast<std::int64_t>(i));
    axes[i] = key;
  }
  group.set_attribute("axes", std::span<const std::string>(axes));
  return group;
}

}  // namespace edgeloop::storage::detail
