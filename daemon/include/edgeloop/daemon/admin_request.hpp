// The admin API's requests: one JSON object per REQ message, validated before anything acts
// on it. Replies are JSON objects with "ok" and either the result or "error".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace edgeloop {

// A refused admin request; `reason` is the counter label, what() the message for the client.
class AdminError : public std::runtime_error {
 public:
  explicit AdminError(const std::string& message, std::string reason = "bad_request")
      : std::runtime_error(message), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

struct AdminRequest {
  std::string command;   // status | ping | start_run | stop_run
  std::uint32_t nx = 0;  // start_run: raster grid
  std::uint32_t ny = 0;
  std::string instrument;  // start_run: optional instrument name
};

inline constexpr std::size_t kMaxAdminRequestBytes = 64 * 1024;

// Throws AdminError: "not_json", "too_large", "bad_request", "unknown_command".
AdminRequest parse_admin_request(std::string_view text);

}  // namespace edgeloop
