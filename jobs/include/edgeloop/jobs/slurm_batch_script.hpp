// The batch script and sbatch arguments for one attempt of a job, with an exit-status file the
// runner falls back on if Slurm forgets the job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "edgeloop/jobs/job_record.hpp"
#include "edgeloop/jobs/job_workspace.hpp"

namespace edgeloop::jobs {

struct BatchScriptOptions {
  std::string partition{};  // empty: the cluster's default
  std::string mpi_launcher = "mpirun";
};

// Resources go in #SBATCH lines, so the script kept in the job directory documents what was
// asked for; paths go on the sbatch command line.
struct BatchScript {
  std::string text;                      // written to .edgeloop/job-<attempt>.sh
  std::vector<std::string> sbatch_args;  // --chdir, --output, --error
};

// "edgeloop-<job id>-<attempt>": unique per attempt, so an attempt whose submission went
// unanswered can be found again by name, and a job id that Slurm reused after losing its
// state is recognised as someone else's.
std::string slurm_job_name(const Uuid& job, std::uint32_t attempt);

// Slurm limits are whole minutes: 0 → 0 (none), 1..60 s → 1, 61 s → 2.
std::uint32_t slurm_time_minutes(std::uint32_t seconds);

// POSIX shell single quoting: the result is one word whatever `text` holds.
std::string shell_quote(std::string_view text);

// The script runs under `set -eo pipefail` (so a failing pipeline stage fails the job), in the
// job directory, with OMP_NUM_THREADS from the allocation, EDGELOOP_JOB_* and the spec's
// environment, and starts the program (through `mpirun -np $SLURM_NTASKS` for MPI jobs: the
// Debian Open MPI cannot use srun's PMI). An EXIT trap writes the exit status to
// .edgeloop/exit-<attempt>.
BatchScript make_batch_script(const JobRecord& record, const JobWorkspace& workspace,
                              const BatchScriptOptions& options);

}  // namespace edgeloop::jobs
