// What the daemon holds for every runner (submit, cancel, statuses, shutdown): a non-virtual API
// that validates, stages and owns the state machine, over private hooks that run the jobs.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/jobs/content_store.hpp"
#include "edgeloop/jobs/job_record.hpp"
#include "edgeloop/jobs/job_spec.hpp"
#include "edgeloop/jobs/job_status.hpp"
#include "edgeloop/jobs/job_table.hpp"
#include "edgeloop/jobs/job_workspace.hpp"

namespace edgeloop::jobs {

// Where jobs live on disk; shared by every runner of a daemon.
struct RunnerPaths {
  std::filesystem::path jobs_root;   // one working directory per job: <jobs_root>/<job id>/
  std::filesystem::path store_root;  // the content-addressed input store
  StageMode stage_mode = StageMode::Copy;
};

// Thread-safe: submit, cancel and the queries may be called from any thread. Counters:
// jobs.<runner>.rejected (invalid spec), jobs.<runner>.staging_failed, and JobTable's.
class Runner {
 public:
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;
  virtual ~Runner();

  // Validates the spec (JobSpecError, naming the field), gives it a job id when it has none,
  // creates its working directory and stages its inputs (std::runtime_error when an input is
  // missing from the store or the directory exists), and queues it. Returns the job id. Does
  // not wait for the scheduler: the start is reported through the statuses.
  Uuid submit(JobSpec spec);
  // Asks for the job to be cancelled; true when it was queued or running. The Cancelled
  // status follows once the job has really stopped.
  bool cancel(const Uuid& job);

  std::optional<JobStatus> status(const Uuid& job) const;
  std::vector<JobStatus> statuses() const;
  std::optional<JobRecord> record(const Uuid& job) const;
  // Waits until the job has ended (or the timeout passed) and returns its status then.
  std::optional<JobStatus> wait(const Uuid& job, std::chrono::milliseconds timeout) const;

  // Where later status changes are recorded; nullptr for nowhere.
  void set_provenance(std::shared_ptr<ProvenanceLog> log);
  // Stops the runner's threads; what happens to running jobs is the runner's policy (the
  // local runner stops them, the Slurm runner leaves them to Slurm). Idempotent; submit()
  // afterwards throws std::logic_error.
  void shutdown();

  const std::string& name() const { return name_; }
  const RunnerPaths& paths() const { return paths_; }
  JobWorkspace workspace(const Uuid& job) const { return JobWorkspace(paths_.jobs_root, job); }

 protected:
  Runner(std::string name, RunnerPaths paths, Counters& counters, spdlog::logger& log,
         RunnerHooks hooks);

  JobTable& table() { return table_; }
  const JobTable& table() const { return table_; }
  Counters& counters() { return counters_; }
  spdlog::logger& log() { return log_; }
  const ContentStore& store() const { return store_; }

 private:
  // Runner-specific limits, e.g. more CPUs than the pool has (throw JobSpecError).
  virtual void check_spec(const JobSpec& spec) const;
  // The job is in the table as Queued and its directory is ready: start it when it can.
  virtual void enqueue(const Uuid& job) = 0;
  // The job is queued or running: stop it (now or from the runner's thread).
  virtual void request_cancel(const Uuid& job) = 0;
  // Called once by shutdown(); derived destructors call shutdown() so that their threads stop
  // while their members still exist.
  virtual void stop() = 0;

  const std::string name_;
  const RunnerPaths paths_;
  Counters& counters_;
  spdlog::logger& log_;
  const ContentStore store_;
  JobTable table_;
  std::mutex lifecycle_;
  bool stopped_ = false;
};

}  // namespace edgeloop::jobs
