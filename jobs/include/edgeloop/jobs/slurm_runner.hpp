// Runs jobs through a real Slurm (sbatch, squeue, sacct -c, scancel), surviving restarts of
// slurmctld and of the daemon itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edgeloop/jobs/runner.hpp"
#include "edgeloop/jobs/slurm_batch_script.hpp"
#include "edgeloop/jobs/slurm_client.hpp"
#include "edgeloop/jobs/slurm_job_file.hpp"

namespace edgeloop::jobs {

struct SlurmRunnerConfig {
  std::filesystem::path state_dir{};   // holds slurm-jobs.json; required
  std::filesystem::path slurm_conf{};  // SLURM_CONF for the client commands; empty: inherited
  std::filesystem::path bin_dir{};     // where sbatch etc. are; empty: PATH
  std::string partition{};             // empty: the cluster's default partition
  std::string mpi_launcher = "mpirun";
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds command_timeout{30000};
  // Polls in a row in which neither squeue, sacct -c nor the job's exit file knows a job
  // before it is declared lost (failed, and retried if it has retries left).
  std::uint32_t lost_after_polls = 30;
  std::size_t keep_finished = 1000;  // finished jobs kept in the table (and its file)
};

// One thread does all the talking to Slurm; the API only records requests and wakes it, so
// submit() and cancel() never wait on a slow or absent controller. Every poll:
//  1. sends pending scancels, 2. submits queued attempts, 3. asks squeue about every job it
//  has submitted, then sacct -c about those squeue no longer shows, then reads the exit file
//  the batch script leaves, and 4. applies what it learnt and saves the table.
// While slurmctld is unreachable nothing changes state: jobs.slurm.unreachable counts the
// failed polls, a warning is logged at the start of the outage (and every 30th poll), and
// polling resumes where it was when the controller answers again. A submission that went
// unanswered is looked up by job name before it is sent again, so it is never duplicated.
// Shutdown leaves the Slurm jobs running: a runner constructed later with the same state_dir
// re-attaches to them. Counters: jobs.slurm.{unreachable,poll_failed,bad_output,
// unknown_state,submit_refused,lost,from_exit_file,cancel_failed,persist_failed,foreign_job}.
class SlurmRunner final : public Runner {
 public:
  // Loads <state_dir>/slurm-jobs.json and re-attaches to its jobs (std::runtime_error when the
  // file is damaged: the runner refuses to start rather than forget jobs).
  SlurmRunner(RunnerPaths paths, SlurmRunnerConfig config, Counters& counters, spdlog::logger& log,
              RunnerHooks hooks = {});
  ~SlurmRunner() override;

  std::filesystem::path table_file() const { return config_.state_dir / "slurm-jobs.json"; }
  // Set while polls fail because the controller does not answer.
  bool controller_unreachable() const;
  // Wakes the polling thread now instead of at the next interval (tests, admin "poll now").
  void poll_now();

 private:
  void check_spec(const JobSpec& spec) const override;
  void enqueue(const Uuid& job) override;
  void request_cancel(const Uuid& job) override;
  void stop() override;

  void worker();
  void poll_round();
  void send_cancels();
  void submit_queued();
  void submit_one(const Uuid& job);
  // True when the attempt was found in Slurm (and adopted) or surely never reached it.
  bool resolve_unanswered(const Uuid& job, std::uint32_t attempt);
  void poll_states();
  void apply(const Uuid& job, const std::string& slurm_id, const SlurmJobInfo& info);
  void end_attempt(const Uuid& job, AttemptEnd end);
  void note_unreachable(const std::string& what, const std::string& error);
  void note_reachable();
  void persist();

  const SlurmRunnerConfig config_;
  const SlurmClient client_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::map<Uuid, SlurmTracking> tracked_;  // jobs not yet ended
  std::uint64_t failed_polls_ = 0;         // consecutive, while the controller is unreachable

  std::mutex persist_mutex_;
  std::thread worker_;
};

}  // namespace edgeloop::jobs
