// The Slurm client commands (sbatch, squeue, sacct, scancel) run with SLURM_CONF and a time
// limit, their failures sorted into "controller unreachable" and "Slurm said no".
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "edgeloop/jobs/slurm_output.hpp"
#include "edgeloop/jobs/subprocess.hpp"

namespace edgeloop::jobs {

struct SlurmClientConfig {
  std::filesystem::path slurm_conf{};  // exported as SLURM_CONF; empty: the environment's
  std::filesystem::path bin_dir{};     // where sbatch etc. are; empty: looked up in PATH
  std::chrono::milliseconds timeout{30000};
};

enum class SlurmOutcome {
  Ok,
  Unreachable,  // slurmctld down or not answering: nothing is known, ask again later
  Refused,      // Slurm answered no (bad request), or the command could not run
  BadOutput,    // the command succeeded but printed something we cannot read
};

struct SlurmSubmitResult {
  SlurmOutcome outcome = SlurmOutcome::Refused;
  std::string job_id{};
  std::string error{};
};

struct SlurmQueryResult {
  SlurmOutcome outcome = SlurmOutcome::Refused;
  SlurmJobList list{};
  std::string error{};
};

struct SlurmCancelResult {
  SlurmOutcome outcome = SlurmOutcome::Refused;
  std::string error{};
};

class SlurmClient {
 public:
  explicit SlurmClient(SlurmClientConfig config);

  // sbatch --parsable <options> <script>
  SlurmSubmitResult submit(const std::filesystem::path& script,
                           const std::vector<std::string>& options) const;
  // squeue for these job ids, in every state Slurm still remembers. Ids Slurm has forgotten
  // are simply absent from the list.
  SlurmQueryResult query(const std::vector<std::string>& job_ids) const;
  // squeue for jobs of this name (finding a job whose submission went unanswered).
  SlurmQueryResult query_by_name(const std::string& name) const;
  // sacct -c: the job completion file, for finished jobs squeue no longer shows. Works while
  // slurmctld is down; Refused when no completion log is configured.
  SlurmQueryResult accounting(const std::vector<std::string>& job_ids) const;
  SlurmCancelResult cancel(const std::string& job_id) const;

  const SlurmClientConfig& config() const { return config_; }

 private:
  CommandResult run(const std::string& program, const std::vector<std::string>& args) const;
  SlurmQueryResult read_list(const CommandResult& result, bool squeue) const;

  SlurmClientConfig config_;
  Environment environment_;
};

// Classifies a failed command: Unreachable for the errors of a controller that is down or
// slow (connect failure, socket timeout, our own timeout), Refused otherwise.
SlurmOutcome classify_failure(const CommandResult& result);

}  // namespace edgeloop::jobs
