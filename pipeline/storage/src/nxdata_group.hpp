// A run-level product as a NeXus NXdata group: signal "data", "errors" when the product has
// them, one dataset per axis with its units, and @signal/@axes/@<axis>_indices so silx and
// NeXus readers plot it with its coordinates.
#pragma once

#include <string_view>

#include "edgeloop/pipeline/product.hpp"
#include "nexus_node.hpp"

namespace edgeloop::storage::detail {

// Creates `parent`/`name` (NXdata) holding `product`. Values that do not match the product's
// shape are an std::invalid_argument; axes whose length fits neither the dimension nor its bin
// edges (dimension + 1) are left out.
NexusNode write_nxdata_group(const NexusNode& parent, std::string_view name,
                             const Product& product);

// The shape a product's values take: its shape, or one axis of values.size() when empty.
std::vector<hsize_t> product_dims(const Product& product);

}  // namespace edgeloop::storage::detail
