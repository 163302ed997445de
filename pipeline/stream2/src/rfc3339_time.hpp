// Reads the RFC 3339 date-times of stream2 (CBOR tag 0 strings such as arm_date) as instants.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace edgeloop::stream2_detail {

// Nanoseconds since the UNIX epoch (UTC) of "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)";
// nullopt for anything else or for instants an int64 cannot hold.
std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text);

}  // namespace edgeloop::stream2_detail
