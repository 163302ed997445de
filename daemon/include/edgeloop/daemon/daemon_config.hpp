// Everything edgeloopd reads from its TOML file, validated at load so a bad value stops the
// daemon at start-up with the file and key named, never mid-run.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/controllers/command_tracker.hpp"
#include "edgeloop/core/config_table.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/daemon/safety_config.hpp"
#include "edgeloop/jobs/jobs_config.hpp"
#include "edgeloop/pipeline/native_frame_decoder.hpp"
#include "edgeloop/pipeline/overflow_policy.hpp"

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

// [pipeline.<modality>]: the stages a run of that modality goes through, in order, with each
// stage's parameters (validated by the stage itself when the daemon loads its config).
struct PipelineConfig {
  std::vector<std::string> stages{};
  std::map<std::string, nlohmann::json> parameters{};  // by stage name
};

// [streams."<name>"]: what a data stream does when the pipeline falls behind, and how its raw
// frames are stored when not as [storage] raw_codec says.
struct StreamConfig {
  OverflowPolicy policy = OverflowPolicy::Lossless;
  std::optional<wire::Codec> codec{};
};

// [storage]: the run's NeXus file.
struct StorageConfig {
  bool enabled = true;
  wire::Codec raw_codec = wire::Codec::BitshuffleLz4;  // BitshuffleLz4 | Zstd | Raw
  int zstd_level = 3;                                  // for Zstd chunks, 1..19
  std::size_t queue_capacity = 64;                     // frames waiting for the writer
  std::chrono::milliseconds flush_interval{250};       // how stale a SWMR reader's view can be
  std::size_t pool_slots = 64;                         // pooled buffers for decoded/encoded frames
  std::size_t pool_slot_bytes = 8u << 20;  // a 4 MiB frame's worst-case chunk fits; larger: heap
};

// [ingest.stream2]: a DECTRIS SIMPLON stream2 detector; each series becomes a run.
struct Stream2Config {
  bool enabled = false;
  std::string endpoint = "tcp://127.0.0.1:31001";  // the detector's PUSH socket; edgeloopd connects
  std::string stream = "stream2/detector";
  wire::Modality modality = wire::Modality::Stem4D;
  std::string channel{};  // empty: the first channel of each image
};

// [metrics]: Prometheus text exposition over HTTP (GET /metrics); port 0 turns it off.
struct MetricsConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

struct DaemonConfig {
  std::filesystem::path source;  // the file it came from, empty for built-in defaults
  MetricsConfig metrics;
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
  std::map<wire::Modality, PipelineConfig> pipelines{};  // every modality has an entry
  std::map<std::string, StreamConfig> streams{};         // streams not listed: lossless
  StorageConfig storage{};
  Stream2Config stream2{};
  std::chrono::milliseconds snapshot_interval{200};  // live maps and spectra on the PUB socket
  LogConfig logging;
  jobs::JobsConfig jobs;  // [jobs]: runners, job directories, content store
  SissoJobConfig sisso;
  SafetyConfig safety;  // [safety]: envelopes, safe states, watchdog
};

// The stages a modality gets when [pipeline.<modality>] does not say: 4D-STEM gets frame_sum
// and the virtual detectors; SAXS and APT, whose reductions need geometry and range files,
// get none (frames are still stored and published).
PipelineConfig default_pipeline(wire::Modality modality, const std::string& frame_sum_backend);

// Reads and validates; throws ConfigError naming file, key and problem (unknown keys too).
DaemonConfig load_daemon_config(const ConfigTable& table);
DaemonConfig load_daemon_config_file(const std::filesystem::path& file);

// What a SIGHUP can do with a changed configuration file: the sections (top-level tables, or
// "logging.level") that a running daemon applies, and those that changed but need a restart.
struct ConfigReload {
  std::vector<std::string> live;
  std::vector<std::string> restart;
};
ConfigReload plan_config_reload(const ConfigTable& before, const ConfigTable& after);

}  // namespace edgeloop
