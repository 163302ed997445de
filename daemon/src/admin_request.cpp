#include "edgeloop/daemon/admin_request.hpp"

#include <nlohmann/json.hpp>

namespace edgeloop {

namespace {
using nlohmann::json;

std::uint32_t grid_size(const json& request, const char* key) {
  const auto it = request.find(key);
  if (it == request.end()) throw AdminError(std::string("start_run: missing '") + key + "'");
  if (!it->is_number_integer())
    throw AdminError(std::string("start_run: '") + key + "' must be an integer");
  const auto value = it->get<std::int64_t>();
  if (value < 1 || value > 4096) {
    throw AdminError(std::string("start_run: '") + key + "' = " + std::to_string(value) +
                     " is outside 1..4096");
  }
  return static_cast<std::uint32_t>(value);
}
}  // namespace

AdminRequest parse_admin_request(std::string_view text) {
  if (text.size() > kMaxAdminRequestBytes) {
    throw AdminError("request larger than " + std::to_string(kMaxAdminRequestBytes) + " bytes",
                     "too_large");
  }
  const json request = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) throw AdminError("request is not valid JSON", "not_json");
  if (!request.is_object()) throw AdminError("request must be a JSON object");
  const auto cmd = request.find("cmd");
  if (cmd == request.end() || !cmd->is_string()) {
    throw AdminError("request needs a string field 'cmd'");
  }
  AdminRequest out;
  out.command = cmd->get<std::string>();
  if (out.command == "status" || out.command == "ping" || out.command == "stop_run") return out;
  if (out.command != "start_run") {
    throw AdminError(
        "unknown command '" + out.command + "' (expected status, ping, start_run or stop_run)",
        "unknown_command");
  }
  const auto plan = request.find("plan");
  if (plan != request.end() && (!plan->is_string() || plan->get<std::string>() != "raster")) {
    throw AdminError("start_run: 'plan' must be \"raster\" (the only plan so far)");
  }
  out.nx = grid_size(request, "nx");
  out.ny = grid_size(request, "ny");
  if (const auto it = request.find("instrument"); it != request.end()) {
    if (!it->is_string()) throw AdminError("start_run: 'instrument' must be a string");
    out.instrument = it->get<std::string>();
  }
  return out;
}

}  // namespace edgeloop
