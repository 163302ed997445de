#include "edgeloop/daemon/daemon_config.hpp"

#include <algorithm>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "stage_factory.hpp"

namespace edgeloop {

namespace {
using std::chrono::milliseconds;

std::string endpoint(const ConfigTable& t, std::string_view key, std::string fallback) {
  std::string value = t.get_string(key, std::move(fallback));
  if (value.rfind("tcp://", 0) != 0 && value.rfind("ipc://", 0) != 0 &&
      value.rfind("inproc://", 0) != 0) {
    throw ConfigError(t.source(), t.dotted(key),
                      "'" + value + "' is not a tcp://, ipc:// or inproc:// endpoint");
  }
  return value;
}

// How raw frames are stored: bitshuffle+LZ4 (filter 32008), zstd (32015) or uncompressed.
wire::Codec storage_codec(const ConfigTable& t, std::string_view key) {
  const std::string name = t.get_choice(key, "bslz4", {"bslz4", "zstd", "raw"});
  if (name == "raw") return wire::Codec::Raw;
  if (name == "zstd") return wire::Codec::Zstd;
  return wire::Codec::BitshuffleLz4;
}
}  // namespace

namespace {
// Stage parameters that name files: a relative path is taken relative to the configuration
// file's directory (as users expect of a file that sits next to its config), and fixed now.
void resolve_stage_paths(nlohmann::json& parameters, const std::filesystem::path& base) {
  if (!parameters.is_object() || base.empty()) return;
  for (const char* key : {"poni", "mask", "ranges", "model"}) {
    auto it = parameters.find(key);
    if (it == parameters.end() || !it->is_string()) continue;
    std::string value = it->get<std::string>();
    // "file.h5:/dataset" names a dataset inside a file: only the file part is a path.
    const auto colon = value.rfind(":/");
    std::string file = colon == std::string::npos ? value : value.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : value.substr(colon);
    if (file.empty() || std::filesystem::path(file).is_absolute()) continue;
    *it = (base / file).lexically_normal().string() + rest;
  }
}
}  // namespace

PipelineConfig default_pipeline(wire::Modality modality, const std::string& frame_sum_backend) {
  PipelineConfig p;
  if (modality == wire::Modality::Stem4D) {
    p.stages = {"frame_sum", "stem_virtual_detectors"};
    p.parameters["frame_sum"] = {{"backend", frame_sum_backend}};
  }
  return p;
}

DaemonConfig load_daemon_config(const ConfigTable& table) {
  DaemonConfig c;
  c.source = table.source();

  const ConfigTable daemon = table.table_or_empty("daemon");
  c.data_dir = daemon.get_string("data_dir", c.data_dir.string());
  if (c.data_dir.empty()) throw ConfigError(table.source(), daemon.dotted("data_dir"), "is empty");

  const ConfigTable ep = table.table_or_empty("endpoints");
  c.endpoints.data = endpoint(ep, "data", c.endpoints.data);
  c.endpoints.results = endpoint(ep, "results", c.endpoints.results);
  c.endpoints.commands = endpoint(ep, "commands", c.endpoints.commands);
  c.endpoints.admin = endpoint(ep, "admin", c.endpoints.admin);

  const ConfigTable ingest = table.table_or_empty("ingest");
  c.queue_capacity = static_cast<std::size_t>(ingest.get_int("queue_capacity", 64, 1, 1 << 16));
  c.receive_hwm = static_cast<int>(ingest.get_int("receive_hwm", 1000, 1, 1 << 20));
  c.frame_limits.max_frame_bytes =
      static_cast<std::uint64_t>(ingest.get_int("max_frame_bytes", 256ll << 20, 1, 4ll << 30));
  c.frame_limits.max_rank = static_cast<std::uint32_t>(ingest.get_int("max_rank", 4, 1, 8));
  c.frame_limits.max_dim =
      static_cast<std::uint32_t>(ingest.get_int("max_dim", 1 << 16, 1, 1 << 24));

  const ConfigTable publish = table.table_or_empty("publish");
  c.publish_hwm = static_cast<int>(publish.get_int("sndhwm", 1000, 1, 1 << 20));
  c.heartbeat_interval = publish.get_duration_ms("heartbeat_ms", milliseconds(250),
                                                 milliseconds(10), milliseconds(60000));

  const ConfigTable prov = table.table_or_empty("provenance");
  const std::string fsync =
      prov.get_choice("fsync", "interval", {"every_record", "interval", "on_close"});
  c.provenance.fsync = fsync == "every_record" ? FsyncPolicy::EveryRecord
                       : fsync == "on_close"   ? FsyncPolicy::OnClose
                                               : FsyncPolicy::Interval;
  c.provenance.fsync_interval = prov.get_duration_ms("fsync_interval_ms", milliseconds(200),
                                                     milliseconds(1), milliseconds(60000));

  const ConfigTable commands = table.table_or_empty("commands");
  c.command_timings.retry_interval = commands.get_duration_ms(
      "retry_interval_ms", milliseconds(250), milliseconds(5), milliseconds(60000));
  c.command_timings.deadline = commands.get_duration_ms("deadline_ms", milliseconds(5000),
                                                        milliseconds(10), milliseconds(3600000));
  if (c.command_timings.deadline < c.command_timings.retry_interval) {
    throw ConfigError(table.source(), commands.dotted("deadline_ms"),
                      "must be at least retry_interval_ms");
  }
  c.max_commands_in_flight =
      static_cast<std::size_t>(commands.get_int("max_in_flight", 4, 1, 1024));

  const ConfigTable runs = table.table_or_empty("runs");
  c.run_idle_timeout = runs.get_duration_ms("idle_timeout_ms", milliseconds(10000),
                                            milliseconds(100), milliseconds(86400000));
  c.stop_grace = runs.get_duration_ms("stop_grace_ms", milliseconds(3000), milliseconds(0),
                                      milliseconds(600000));

  const ConfigTable instruments = table.table_or_empty("instruments");
  c.instrument_timeout = instruments.get_duration_ms("heartbeat_timeout_ms", milliseconds(3000),
                                                     milliseconds(100), milliseconds(600000));

  // [stages.frame_sum] predates [pipeline.*]; it still sets frame_sum's default backend.
  const ConfigTable stages = table.table_or_empty("stages");
  const ConfigTable frame_sum = stages.table_or_empty("frame_sum");
  c.frame_sum_backend = frame_sum.get_choice("backend", "auto", {"auto", "cpu", "cuda"});

  c.snapshot_interval = publish.get_duration_ms("snapshot_ms", milliseconds(200), milliseconds(10),
                                                milliseconds(60000));

  // Pipelines: built-in defaults per modality, replaced by [pipeline.<modality>] when given.
  for (const auto m : {wire::Modality::Stem4D, wire::Modality::Saxs, wire::Modality::Apt}) {
    c.pipelines[m] = default_pipeline(m, c.frame_sum_backend);
  }
  const ConfigTable pipelines = table.table_or_empty("pipeline");
  for (const std::string& name : pipelines.keys()) {
    const auto modality = modality_from_name(name);
    if (modality == wire::Modality::Unknown) {
      throw ConfigError(table.source(), pipelines.dotted(name),
                        "is not a modality (4dstem, saxs or apt)");
    }
    const ConfigTable p = pipelines.table_or_empty(name);
    PipelineConfig pc;
    pc.stages = p.get_string_array("stages", {});
    for (const std::string& stage : pc.stages) {
      if (!known_stage(stage)) {
        throw ConfigError(table.source(), p.dotted("stages"),
                          "unknown stage '" + stage + "' (known: " + known_stage_list() + ")");
      }
      pc.parameters[stage] = p.get_json(stage).value_or(nlohmann::json::object());
      resolve_stage_paths(pc.parameters[stage],
                          c.source.empty() ? std::filesystem::path()
                                           : std::filesystem::absolute(c.source).parent_path());
      try {
        validate_stage(stage, pc.parameters[stage], modality);
      } catch (const std::exception& e) {
        throw ConfigError(table.source(), p.dotted(stage), e.what());
      }
    }
    c.pipelines[modality] = std::move(pc);
  }

  const ConfigTable streams = table.table_or_empty("streams");
  for (const std::string& name : streams.keys()) {
    const ConfigTable st = streams.table_or_empty(name);
    const std::string policy = st.get_choice("policy", "lossless", {"lossless", "latest"});
    c.streams[name].policy = *parse_overflow_policy(policy);
    if (st.has("codec")) {
      c.streams[name].codec = storage_codec(st, "codec");
    }
  }

  const ConfigTable metrics = table.table_or_empty("metrics");
  c.metrics.host = metrics.get_string("host", "127.0.0.1");
  c.metrics.port = static_cast<std::uint16_t>(metrics.get_int("port", 0, 0, 65535));

  const ConfigTable storage = table.table_or_empty("storage");
  c.storage.enabled = storage.get_bool("enabled", true);
  c.storage.raw_codec = storage_codec(storage, "raw_codec");
  c.storage.zstd_level = static_cast<int>(storage.get_int("zstd_level", 3, 1, 19));
  c.storage.queue_capacity =
      static_cast<std::size_t>(storage.get_int("queue_capacity", 64, 1, 1 << 16));
  c.storage.flush_interval =
      storage.get_duration_ms("flush_ms", milliseconds(250), milliseconds(1), milliseconds(60000));
  c.storage.pool_slots = static_cast<std::size_t>(storage.get_int("pool_slots", 64, 1, 1 << 16));
  c.storage.pool_slot_bytes = static_cast<std::size_t>(storage.get_int("pool_slot_mb", 8, 1, 1024))
                              << 20;

  const ConfigTable stream2 = ingest.table_or_empty("stream2");
  c.stream2.enabled = stream2.get_bool("enabled", false);
  c.stream2.endpoint = endpoint(stream2, "endpoint", c.stream2.endpoint);
  c.stream2.stream = stream2.get_string("stream", c.stream2.stream);
  if (c.stream2.stream.empty() || c.stream2.stream.size() > c.frame_limits.max_stream_name) {
    throw ConfigError(table.source(), stream2.dotted("stream"), "must be 1..128 characters");
  }
  c.stream2.modality =
      modality_from_name(stream2.get_choice("modality", "4dstem", {"4dstem", "saxs"}));
  c.stream2.channel = stream2.get_string("channel", "");

  c.logging = log_config_from(table.table_or_empty("logging"));
  c.safety = load_safety_config(table.table_or_empty("safety"));

  // Job directories, the store and the Slurm state live under the data directory, so one
  // setting moves everything a daemon writes.
  const ConfigTable jobs = table.table_or_empty("jobs");
  c.jobs = jobs::load_jobs_config(jobs, c.data_dir);
  const ConfigTable sisso = jobs.table_or_empty("sisso");
  const std::string program = sisso.get_string("program", "");
  if (program.find('\n') != std::string::npos || program.find('\0') != std::string::npos) {
    throw ConfigError(table.source(), sisso.dotted("program"), "contains a newline or NUL");
  }
  // Jobs run in their own directories: a relative path is fixed now, against where the
  // daemon was started.
  if (!program.empty()) c.sisso.program = std::filesystem::absolute(program);
  c.sisso.max_rows = static_cast<std::size_t>(sisso.get_int("max_rows", 100000, 3, 10000000));
  c.sisso.time_limit_s =
      static_cast<std::uint32_t>(sisso.get_int("time_limit_s", 600, 1, 7 * 24 * 3600));
  c.sisso.cpus = static_cast<std::uint32_t>(sisso.get_int("cpus", 1, 1, 4096));

  table.reject_unknown_keys();
  return c;
}

DaemonConfig load_daemon_config_file(const std::filesystem::path& file) {
  return load_daemon_config(ConfigTable::load_file(file));
}

ConfigReload plan_config_reload(const ConfigTable& before, const ConfigTable& after) {
  std::vector<std::string> sections = before.keys();
  for (const std::string& k : after.keys()) {
    if (std::find(sections.begin(), sections.end(), k) == sections.end()) sections.push_back(k);
  }
  ConfigReload out;
  for (const std::string& section : sections) {
    nlohmann::json old_value = before.get_json(section).value_or(nullptr);
    nlohmann::json new_value = after.get_json(section).value_or(nullptr);
    if (old_value == new_value) continue;
    // Stages and envelopes are built when a run starts, so new ones serve the next run.
    if (section == "pipeline" || section == "safety") {
      out.live.push_back(section);
      continue;
    }
    if (section == "logging" && old_value.is_object() && new_value.is_object()) {
      const nlohmann::json old_level = old_value.value("level", nlohmann::json());
      const nlohmann::json new_level = new_value.value("level", nlohmann::json());
      old_value.erase("level");
      new_value.erase("level");
      if (old_level != new_level) out.live.push_back("logging.level");
      if (old_value == new_value) continue;
    }
    out.restart.push_back(section);
  }
  return out;
}

}  // namespace edgeloop
