// What a stage makes of frames: named arrays with optional errors and axes. Per-frame products
// are published and stored row by row; run-level products (maps, spectra) as NXdata groups.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgeloop {

// A coordinate axis of a product, e.g. q in 1/nm for I(q) or mass-to-charge in Da.
struct ProductAxis {
  std::string name{};  // "q", "mass_to_charge", "x"
  std::string units{};
  std::vector<double> values{};
};

struct Product {
  std::string name{};                  // e.g. "virtual_bf", "iq"; unique within a stage
  std::vector<double> values{};        // row-major
  std::vector<std::uint32_t> shape{};  // empty: one axis of values.size()
  std::vector<double> errors{};        // empty, or one standard uncertainty per value
  std::vector<ProductAxis> axes{};     // empty, or one per dimension of `shape`
  std::string units{};                 // of `values`; empty when dimensionless or counts
};

}  // namespace edgeloop
