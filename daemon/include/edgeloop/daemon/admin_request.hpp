// The admin API's requests: one JSON object per REQ message, validated before anything acts
// on it. Replies are JSON objects with "ok" and either the result or "error".
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/uuid.hpp"

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

// submit_sisso's SISSO settings; unset ones take edgeloop-sisso's defaults.
struct SissoOptions {
  std::string ops;  // e.g. "(+)(-)(*)(/)": known operators only; empty: the default set
  std::optional<int> fcomplexity;  // 0..7 (also given as "rung" 0..3)
  std::optional<int> desc_dim;     // 1..8
  std::optional<int> nf_sis;       // 1..100000
};

struct AdminRequest {
  // status | ping | start_run | stop_run | hold_run | submit_sisso | job_status | cancel_job |
  // jobs
  std::string command;
  std::string modality = "4dstem";  // start_run: "4dstem" | "saxs" | "apt"
  // start_run: the plan by name (empty: the modality's default) and its fields: the request
  // without cmd, modality, instrument and title. The built-in plans' fields are checked here;
  // another plan's by its factory when the run starts.
  std::string plan;
  nlohmann::json plan_spec = nlohmann::json::object();
  std::uint32_t nx = 0;  // start_run (4dstem): raster grid
  std::uint32_t ny = 0;
  std::vector<std::vector<double>> points;  // start_run (saxs): [x_mm, y_mm(, T_c)] each
  std::uint32_t frames_per_point = 1;       // start_run (saxs)
  std::uint64_t chunks = 0;                 // start_run (apt): event chunks to collect
  double pulse_rate_hz = 200000.0;          // start_run (apt)
  double detection_rate = 0.005;            // start_run (apt): hits per pulse
  std::string title;                        // start_run: optional, for the file
  std::string instrument;                   // start_run: optional instrument name
  std::optional<Uuid> run;  // submit_sisso: the run whose samples to use; none: current or last
  std::string runner;       // submit_sisso: "local" or "slurm"; empty: the configured default
  SissoOptions sisso;       // submit_sisso
  std::optional<std::uint32_t> time_limit_s;  // submit_sisso: 1..604800; none: the configured
  Uuid job{};                                 // job_status, cancel_job
};

inline constexpr std::size_t kMaxAdminRequestBytes = 64 * 1024;

inline constexpr std::uint32_t kMaxJobTimeLimitS = 7 * 24 * 3600;

// Throws AdminError: "not_json", "too_large", "bad_request", "unknown_command".
AdminRequest parse_admin_request(std::string_view text);

}  // namespace edgeloop
