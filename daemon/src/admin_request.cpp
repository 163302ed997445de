#include "edgeloop/daemon/admin_request.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace edgeloop {

namespace {
using nlohmann::json;

// SISSO's operators, as edgeloop-sisso accepts them inside "(...)".
constexpr std::array<std::string_view, 17> kSissoOperators = {
    "+",  "-",  "|-|",  "*",    "/",   "exp", "exp-", "^-1", "^2",
    "^3", "^6", "sqrt", "cbrt", "log", "sin", "cos",  "scd"};

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

// An optional finite number within [min, max]; `fallback` when absent.
double number_field(const json& request, const char* key, double fallback, double min, double max) {
  const auto it = request.find(key);
  if (it == request.end()) return fallback;
  if (!it->is_number()) throw AdminError(std::string("start_run: '") + key + "' must be a number");
  const double v = it->get<double>();
  if (!(v >= min && v <= max)) {
    throw AdminError(std::string("start_run: '") + key + "' = " + std::to_string(v) +
                     " is outside " + std::to_string(min) + ".." + std::to_string(max));
  }
  return v;
}

// An optional integer field within [min, max]; nullopt when absent.
std::optional<std::int64_t> optional_int(const json& request, const std::string& command,
                                         const char* key, std::int64_t min, std::int64_t max) {
  const auto it = request.find(key);
  if (it == request.end()) return std::nullopt;
  if (!it->is_number_integer()) throw AdminError(command + ": '" + key + "' must be an integer");
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max) {
    throw AdminError(command + ": '" + key + "' = " + std::to_string(value) + " is outside " +
                     std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

Uuid uuid_field(const json& request, const std::string& command, const char* key) {
  const auto it = request.find(key);
  if (it == request.end()) throw AdminError(command + ": missing '" + key + "'");
  const auto id = it->is_string() ? Uuid::parse(it->get<std::string>()) : std::nullopt;
  if (!id) throw AdminError(command + ": '" + key + "' must be an id (a UUID string)");
  return *id;
}

// New commands refuse fields they do not know: a misspelt "desc_dmi" would otherwise run a
// job with the default silently.
void reject_unknown_fields(const json& request, const std::string& command,
                           std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : request.items()) {
    if (key == "cmd" || std::find(known.begin(), known.end(), key) != known.end()) continue;
    throw AdminError(command + ": unknown field '" + key + "'");
  }
}

// "(+)(-)(exp)": every operator known, nothing between the brackets but the operator. The
// text goes into SISSO.in, so this also keeps quotes and newlines out of that file.
std::string sisso_ops(const json& request) {
  const auto it = request.find("ops");
  if (it == request.end()) return {};
  if (!it->is_string()) throw AdminError("submit_sisso: 'ops' must be a string like \"(+)(*)\"");
  const std::string ops = it->get<std::string>();
  if (ops.empty()) throw AdminError("submit_sisso: 'ops' is empty");
  std::size_t at = 0;
  while (at < ops.size()) {
    const std::size_t close = ops.find(')', at);
    if (ops[at] != '(' || close == std::string::npos) {
      throw AdminError("submit_sisso: 'ops' = \"" + ops +
                       "\" must be operators in brackets, like \"(+)(-)(*)(/)(exp)\"");
    }
    const std::string_view op = std::string_view(ops).substr(at + 1, close - at - 1);
    if (std::find(kSissoOperators.begin(), kSissoOperators.end(), op) == kSissoOperators.end()) {
      throw AdminError("submit_sisso: unknown operator '(" + std::string(op) +
                       ")' in 'ops' (known: + - |-| * / exp exp- ^-1 ^2 ^3 ^6 sqrt cbrt log "
                       "sin cos scd)");
    }
    at = close + 1;
  }
  return ops;
}

void parse_submit_sisso(const json& request, AdminRequest& out) {
  const std::string cmd = "submit_sisso";
  reject_unknown_fields(
      request, cmd,
      {"run", "runner", "ops", "fcomplexity", "rung", "desc_dim", "nf_sis", "time_limit_s"});
  if (request.contains("run")) out.run = uuid_field(request, cmd, "run");
  if (const auto it = request.find("runner"); it != request.end()) {
    if (!it->is_string() || (*it != "local" && *it != "slurm")) {
      throw AdminError("submit_sisso: 'runner' must be \"local\" or \"slurm\"");
    }
    out.runner = it->get<std::string>();
  }
  out.sisso.ops = sisso_ops(request);
  const auto fcomplexity = optional_int(request, cmd, "fcomplexity", 0, 7);
  const auto rung = optional_int(request, cmd, "rung", 0, 3);
  if (fcomplexity && rung) {
    throw AdminError("submit_sisso: give 'fcomplexity' or 'rung', not both");
  }
  if (fcomplexity) out.sisso.fcomplexity = static_cast<int>(*fcomplexity);
  // The smallest fcomplexity that reaches the rung (SISSO 3.x: 1→1, 2–3→2, 4–7→3), so asking
  // for a rung never builds more features than that rung needs.
  constexpr std::array<int, 4> kFcomplexityOfRung = {0, 1, 2, 4};
  if (rung) out.sisso.fcomplexity = kFcomplexityOfRung.at(static_cast<std::size_t>(*rung));
  if (const auto v = optional_int(request, cmd, "desc_dim", 1, 8)) {
    out.sisso.desc_dim = static_cast<int>(*v);
  }
  if (const auto v = optional_int(request, cmd, "nf_sis", 1, 100000)) {
    out.sisso.nf_sis = static_cast<int>(*v);
  }
  if (const auto v = optional_int(request, cmd, "time_limit_s", 1, kMaxJobTimeLimitS)) {
    out.time_limit_s = static_cast<std::uint32_t>(*v);
  }
}
void parse_start_run(const json& request, AdminRequest& out) {
  if (const auto it = request.find("modality"); it != request.end()) {
    if (!it->is_string()) throw AdminError("start_run: 'modality' must be a string");
    out.modality = it->get<std::string>();
  }
  if (out.modality != "4dstem" && out.modality != "saxs" && out.modality != "apt") {
    throw AdminError("start_run: 'modality' must be 4dstem, saxs or apt");
  }
  if (const auto plan = request.find("plan"); plan != request.end()) {
    if (!plan->is_string() || plan->get<std::string>().empty() ||
        plan->get<std::string>().size() > 64) {
      throw AdminError("start_run: 'plan' must be a plan's name");
    }
    out.plan = plan->get<std::string>();
  }
  for (const auto& [key, value] : request.items()) {
    if (key != "cmd" && key != "modality" && key != "instrument" && key != "title") {
      out.plan_spec[key] = value;
    }
  }
  const bool builtin = out.plan.empty() || (out.modality == "4dstem" && out.plan == "raster") ||
                       (out.modality == "saxs" && out.plan == "acquisitions") ||
                       (out.modality == "apt" && out.plan == "stream");
  if (out.modality == "4dstem") {
    if (builtin) {
      reject_unknown_fields(request, "start_run",
                            {"modality", "plan", "nx", "ny", "instrument", "title"});
    }
    // Every 4D-STEM plan scans a grid; its maps need the size.
    if (builtin || request.contains("nx") || request.contains("ny")) {
      out.nx = grid_size(request, "nx");
      out.ny = grid_size(request, "ny");
    }
  } else if (out.modality == "saxs" && builtin) {
    reject_unknown_fields(
        request, "start_run",
        {"modality", "plan", "points", "frames_per_point", "instrument", "title"});
    const auto points = request.find("points");
    if (points == request.end() || !points->is_array() || points->empty() ||
        points->size() > 10000) {
      throw AdminError("start_run: saxs needs 'points': 1..10000 of [x_mm, y_mm(, T_c)]");
    }
    for (const json& p : *points) {
      if (!p.is_array() || (p.size() != 2 && p.size() != 3)) {
        throw AdminError("start_run: each point is [x_mm, y_mm] or [x_mm, y_mm, T_c]");
      }
      std::vector<double> point;
      for (const json& v : p) {
        if (!v.is_number() || !std::isfinite(v.get<double>())) {
          throw AdminError("start_run: point coordinates must be finite numbers");
        }
        point.push_back(v.get<double>());
      }
      out.points.push_back(std::move(point));
    }
    out.frames_per_point = static_cast<std::uint32_t>(
        optional_int(request, "start_run", "frames_per_point", 1, 1000).value_or(1));
  } else if (out.modality == "apt" && builtin) {
    reject_unknown_fields(
        request, "start_run",
        {"modality", "plan", "chunks", "pulse_rate_hz", "detection_rate", "instrument", "title"});
    const auto chunks = optional_int(request, "start_run", "chunks", 1, 10000000);
    if (!chunks) throw AdminError("start_run: apt needs 'chunks' (event chunks to collect)");
    out.chunks = static_cast<std::uint64_t>(*chunks);
    out.pulse_rate_hz = number_field(request, "pulse_rate_hz", 200000.0, 1.0, 1e7);
    out.detection_rate = number_field(request, "detection_rate", 0.005, 1e-6, 1.0);
  }
  if (const auto it = request.find("instrument"); it != request.end()) {
    if (!it->is_string()) throw AdminError("start_run: 'instrument' must be a string");
    out.instrument = it->get<std::string>();
  }
  if (const auto it = request.find("title"); it != request.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 256) {
      throw AdminError("start_run: 'title' must be a string of at most 256 characters");
    }
    out.title = it->get<std::string>();
  }
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
  if (out.command == "status" || out.command == "ping" || out.command == "stop_run" ||
      out.command == "hold_run") {
    return out;
  }
  if (out.command == "jobs") {
    reject_unknown_fields(request, out.command, {});
    return out;
  }
  if (out.command == "job_status" || out.command == "cancel_job") {
    reject_unknown_fields(request, out.command, {"job"});
    out.job = uuid_field(request, out.command, "job");
    return out;
  }
  if (out.command == "submit_sisso") {
    parse_submit_sisso(request, out);
    return out;
  }
  if (out.command != "start_run") {
    throw AdminError("unknown command '" + out.command +
                         "' (expected status, ping, start_run, stop_run, hold_run, submit_sisso, "
                         "job_status, cancel_job or jobs)",
                     "unknown_command");
  }
  parse_start_run(request, out);
  return out;
}

}  // namespace edgeloop
