// Everything edgeloopd reads from its TOML file, validated at load so a bad value stops the
// daemon at start-up with the file and key named, never mid-run.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "edgeloop/controllers/command_tracker.hpp"
#include "edgeloop/core/config_table.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/jobs/jobs_config.hpp"
#include "edgeloop/pipeline/native_frame_decoder.hpp"

namespace edgeloop {

struct DaemonEndpoints {
  std::string data = "tcp://127.0.0.1:47100";      // PULL: frames from instruments
  std::string results = "tcp://127.0.0.1:47101";   // PUB: live results
  std::string commands = "tcp://127.0.0.1:47102";  // ROUTER: commands out, acks and status in
  std::string admin = "tcp://127.0.0.1:47103";     // REP: JSON admin API
};

// [jobs.sisso]: the SISSO job the admin API's submit_sisso builds from a run's samples.
struct SissoJobConfig {
  std::filesystem::path program{};   // absolute; empty: edgeloop-sisso next to edgeloopd
  std::size_t max_rows = 100000;     // samples a run keeps for it; later frames are not kept
  std::uint32_t time_limit_s = 600;  // when the request gives none
  std::uint32_t cpus = 1;
};

struct DaemonConfig {
  std::filesystem::path source;  // the file it came from, empty for built-in defaults
  std::filesystem::path data_dir = "runs";
  DaemonEndpoints endpoints;
  FrameLimits frame_limits;
  std::size_t queue_capacity = 64;
  int receive_hwm = 1000;
  int publish_hwm = 1000;
  std::chrono::milliseconds heartbeat_interval{250};
  ProvenanceOptions provenance;
  CommandTimings command_timings;
  std::size_t max_commands_in_flight = 4;
  std::chrono::milliseconds run_idle_timeout{10000};
  std::chrono::milliseconds stop_grace{3000};
  std::chrono::milliseconds instrument_timeout{3000};
  std::string frame_sum_backend = "auto";
  LogConfig logging;
  jobs::JobsConfig jobs;  // [jobs]: runners, job directories, content store
  SissoJobConfig sisso;
};

// Reads and validates; throws ConfigError naming file, key and problem (unknown keys too).
DaemonConfig load_daemon_config(const ConfigTable& table);
DaemonConfig load_daemon_config_file(const std::filesystem::path& file);

}  // namespace edgeloop
