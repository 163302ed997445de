#include "edgeloop/jobs/slurm_batch_script.hpp"

#include <fmt/format.h>

namespace edgeloop::jobs {

std::string slurm_job_name(const Uuid& job, std::uint32_t attempt) {
  return "edgeloop-" + job.str() + "-" + std::to_string(attempt);
}

std::uint32_t slurm_time_minutes(std::uint32_t seconds) {
  return seconds / 60 + (seconds % 60 != 0 ? 1 : 0);
}

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += "'";
  return quoted;
}

BatchScript make_batch_script(const JobRecord& record, const JobWorkspace& workspace,
                              const BatchScriptOptions& options) {
  const JobSpec& spec = record.spec;
  const std::uint32_t attempt = record.status.attempt;
  std::string s;
  s += "#!/bin/bash\n";
  s += fmt::format("# edgeloop job {} attempt {}, written by the Slurm runner.\n",
                   spec.job_id.str(), attempt);
  s += fmt::format("#SBATCH --job-name={}\n", slurm_job_name(spec.job_id, attempt));
  s += fmt::format("#SBATCH --ntasks={}\n", task_count(spec));
  s += fmt::format("#SBATCH --cpus-per-task={}\n", spec.cpus);
  if (spec.memory_mb > 0) s += fmt::format("#SBATCH --mem={}M\n", spec.memory_mb);
  if (spec.time_limit_s > 0) {
    s += fmt::format("#SBATCH --time={}\n", slurm_time_minutes(spec.time_limit_s));
  }
  if (!options.partition.empty()) s += fmt::format("#SBATCH --partition={}\n", options.partition);
  // Retries are the runner's decision (max_retries), not Slurm's.
  s += "#SBATCH --no-requeue\n";
  s += "set -eo pipefail\n";
  s += "cd " + shell_quote(workspace.dir().string()) + "\n";
  const std::string marker = ".edgeloop/exit-" + std::to_string(attempt);
  s += fmt::format("trap 'status=$?; echo \"$status\" > {0}.part && mv -f {0}.part {0}' EXIT\n",
                   marker);
  s += fmt::format("export OMP_NUM_THREADS=\"${{SLURM_CPUS_PER_TASK:-{}}}\"\n", spec.cpus);
  s += "export EDGELOOP_JOB_ID=" + shell_quote(spec.job_id.str()) + "\n";
  s += "export EDGELOOP_JOB_DIR=" + shell_quote(workspace.dir().string()) + "\n";
  s += "export EDGELOOP_JOB_ATTEMPT=" + std::to_string(attempt) + "\n";
  if (spec.mpi_ranks > 0) {
    s += "if [ \"$(id -u)\" = 0 ]; then\n";
    s += "  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n";
    s += "fi\n";
  }
  // Names were validated as [A-Za-z_][A-Za-z0-9_]*, so only the values need quoting.
  for (const auto& [name, value] : spec.environment) {
    s += "export " + name + "=" + shell_quote(value) + "\n";
  }
  std::string command;
  if (spec.mpi_ranks > 0) {
    command = shell_quote(options.mpi_launcher) + " -np \"$SLURM_NTASKS\" ";
  }
  command += shell_quote(spec.program);
  for (const auto& arg : spec.args) command += " " + shell_quote(arg);
  s += command + "\n";

  BatchScript script;
  script.text = std::move(s);
  script.sbatch_args = {
      "--chdir=" + workspace.dir().string(),
      "--output=" + workspace.stdout_path(attempt).string(),
      "--error=" + workspace.stderr_path(attempt).string(),
  };
  return script;
}

}  // namespace edgeloop::jobs
