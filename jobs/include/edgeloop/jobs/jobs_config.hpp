// The [jobs] table of the daemon's configuration: job directories, the local pool and the Slurm
// runner, validated completely at load.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "edgeloop/core/config_table.hpp"
#include "edgeloop/jobs/local_runner.hpp"
#include "edgeloop/jobs/runner.hpp"
#include "edgeloop/jobs/slurm_runner.hpp"

namespace edgeloop::jobs {

struct JobsConfig {
  RunnerPaths paths{"jobs", "store", StageMode::Copy};
  std::string default_runner = "local";  // for specs that name none
  std::size_t status_queue_capacity = 1024;
  LocalRunnerConfig local{};
  bool slurm_enabled = false;
  SlurmRunnerConfig slurm{};
};

// Reads
//   [jobs]        root, store, stage ("copy" | "hardlink"), default_runner, status_queue
//   [jobs.local]  max_cpus, poll_ms, kill_grace_ms, mpi_launcher
//   [jobs.slurm]  enabled, state_dir, slurm_conf, bin_dir, partition, mpi_launcher, poll_ms,
//                 command_timeout_ms, lost_after_polls, keep_finished
// from `jobs` (the [jobs] table). Relative paths are taken relative to `base_dir` (the daemon's
// data directory). An empty slurm_conf means SLURM_CONF from the environment. Throws
// ConfigError naming the key.
JobsConfig load_jobs_config(const ConfigTable& jobs, const std::filesystem::path& base_dir);

}  // namespace edgeloop::jobs
