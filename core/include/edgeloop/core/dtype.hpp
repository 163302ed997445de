// Element types of array payloads: bytes per element and the short names used in configs,
// logs and provenance ("u16"), shared by every producer and consumer of frames.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstddef>
#include <string_view>

namespace edgeloop {

// 0 for Unknown or a value this build does not know.
std::size_t dtype_size(wire::DType dtype);
// "u8", "u16", "u32", "i32", "f32", "f64"; "unknown" otherwise.
std::string_view dtype_name(wire::DType dtype);
// The inverse of dtype_name; Unknown when not recognised.
wire::DType dtype_from_name(std::string_view name);

}  // namespace edgeloop
