#include "edgeloop/core/dtype.hpp"

#include <array>
#include <utility>

namespace edgeloop {

namespace {
struct DTypeInfo {
  wire::DType dtype;
  std::string_view name;
  std::size_t size;
};
constexpr std::array<DTypeInfo, 6> kDTypes{{{wire::DType::U8, "u8", 1},
                                            {wire::DType::U16, "u16", 2},
                                            {wire::DType::U32, "u32", 4},
                                            {wire::DType::I32, "i32", 4},
                                            {wire::DType::F32, "f32", 4},
                                            {wire::DType::F64, "f64", 8}}};
}  // namespace

std::size_t dtype_size(wire::DType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info.size;
  }
  return 0;
}

std::string_view dtype_name(wire::DType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info.name;
  }
  return "unknown";
}

wire::DType dtype_from_name(std::string_view name) {
  for (const auto& info : kDTypes) {
    if (info.name == name) return info.dtype;
  }
  return wire::DType::Unknown;
}

}  // namespace edgeloop
