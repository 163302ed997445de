#include "edgeloop/jobs/jobs_config.hpp"

#include <algorithm>
#include <cctype>

#include "edgeloop/core/config_error.hpp"

namespace edgeloop::jobs {

namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

fs::path path_key(const ConfigTable& t, std::string_view key, const fs::path& fallback,
                  const fs::path& base_dir, bool allow_empty) {
  const std::string value = t.get_string(key, fallback.string());
  if (value.empty()) {
    if (allow_empty) return {};
    throw ConfigError(t.source(), t.dotted(key), "is empty");
  }
  if (value.find('\n') != std::string::npos || value.find('\0') != std::string::npos) {
    throw ConfigError(t.source(), t.dotted(key), "contains a newline or NUL");
  }
  const fs::path path(value);
  return path.is_absolute() ? path : base_dir / path;
}

}  // namespace

JobsConfig load_jobs_config(const ConfigTable& jobs, const fs::path& base_dir) {
  JobsConfig c;
  c.paths.jobs_root = path_key(jobs, "root", "jobs", base_dir, false);
  c.paths.store_root = path_key(jobs, "store", "store", base_dir, false);
  c.paths.stage_mode = jobs.get_choice("stage", "copy", {"copy", "hardlink"}) == "hardlink"
                           ? StageMode::Hardlink
                           : StageMode::Copy;
  c.default_runner = jobs.get_choice("default_runner", "local", {"local", "slurm"});
  c.status_queue_capacity =
      static_cast<std::size_t>(jobs.get_int("status_queue", 1024, 1, 1 << 20));

  const ConfigTable local = jobs.table_or_empty("local");
  c.local.max_cpus = static_cast<std::uint32_t>(local.get_int("max_cpus", 0, 0, kMaxCpus));
  c.local.poll_interval =
      local.get_duration_ms("poll_ms", milliseconds(20), milliseconds(1), milliseconds(10000));
  c.local.kill_grace = local.get_duration_ms("kill_grace_ms", milliseconds(5000), milliseconds(0),
                                             milliseconds(600000));
  c.local.mpi_launcher = local.get_string("mpi_launcher", "mpirun");
  if (c.local.mpi_launcher.empty()) {
    throw ConfigError(local.source(), local.dotted("mpi_launcher"), "is empty");
  }

  const ConfigTable slurm = jobs.table_or_empty("slurm");
  c.slurm_enabled = slurm.get_bool("enabled", false);
  c.slurm.state_dir = path_key(slurm, "state_dir", "state/slurm", base_dir, false);
  c.slurm.slurm_conf = path_key(slurm, "slurm_conf", "", base_dir, true);
  c.slurm.bin_dir = path_key(slurm, "bin_dir", "", base_dir, true);
  c.slurm.partition = slurm.get_string("partition", "");
  const bool partition_ok =
      std::all_of(c.slurm.partition.begin(), c.slurm.partition.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ||
               ch == '.' || ch == ',';
      });
  if (!partition_ok) {
    throw ConfigError(slurm.source(), slurm.dotted("partition"),
                      "'" + c.slurm.partition + "' has characters other than [A-Za-z0-9_.,-]");
  }
  c.slurm.mpi_launcher = slurm.get_string("mpi_launcher", "mpirun");
  if (c.slurm.mpi_launcher.empty()) {
    throw ConfigError(slurm.source(), slurm.dotted("mpi_launcher"), "is empty");
  }
  c.slurm.poll_interval =
      slurm.get_duration_ms("poll_ms", milliseconds(1000), milliseconds(50), milliseconds(600000));
  c.slurm.command_timeout = slurm.get_duration_ms("command_timeout_ms", milliseconds(30000),
                                                  milliseconds(1000), milliseconds(600000));
  c.slurm.lost_after_polls =
      static_cast<std::uint32_t>(slurm.get_int("lost_after_polls", 30, 1, 100000));
  c.slurm.keep_finished =
      static_cast<std::size_t>(slurm.get_int("keep_finished", 1000, 0, 1000000));

  if (c.slurm_enabled && !c.slurm.slurm_conf.empty() && !fs::is_regular_file(c.slurm.slurm_conf)) {
    throw ConfigError(slurm.source(), slurm.dotted("slurm_conf"),
                      c.slurm.slurm_conf.string() + " does not exist");
  }
  if (c.default_runner == "slurm" && !c.slurm_enabled) {
    throw ConfigError(jobs.source(), jobs.dotted("default_runner"),
                      "is 'slurm' but jobs.slurm.enabled is false");
  }
  return c;
}

}  // namespace edgeloop::jobs
