// The jobs of one runner and the only place their state changes: checked against the state
// machine, then published and recorded in provenance, in order.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/jobs/job_record.hpp"
#include "edgeloop/jobs/job_status.hpp"

namespace edgeloop::jobs {

// Where a runner reports. Both are optional.
struct RunnerHooks {
  StatusCallback on_status{};
  std::shared_ptr<ProvenanceLog> provenance{};
};

// How one attempt ended, as the runner saw it.
struct AttemptEnd {
  JobState state = JobState::Failed;  // Completed, Failed, Cancelled or TimedOut
  int exit_code = 0;
  std::string message{};
  std::vector<OutputFile> outputs{};
  // False when the job never started (refused by the scheduler, program not found): a failure
  // then is final, since trying the same thing again would fail the same way.
  bool ran = true;
};

// Thread-safe. Each change is recorded and published (provenance, then callback) under one lock,
// so the statuses of a job arrive in order whichever thread made them. Counters:
// jobs.<runner>.{submitted,started,completed,failed,cancelled,timed_out,retried,restored,
// illegal_transition,provenance_failed,status_callback_failed}.
class JobTable {
 public:
  JobTable(std::string runner, Counters& counters, spdlog::logger& log, RunnerHooks hooks);
  JobTable(const JobTable&) = delete;
  JobTable& operator=(const JobTable&) = delete;

  // Replaces the log later records go to (the daemon's active run changes); nullptr: none.
  void set_provenance(std::shared_ptr<ProvenanceLog> log);

  // Adds a new job as Queued, attempt 1, and publishes it. std::invalid_argument when the id
  // is already in the table.
  JobStatus add(JobSpec spec, std::filesystem::path dir, std::string message);
  // Adds a job carried over from a previous process (persisted table), in the state it had.
  // With a message, publishes that status with it (a job re-attached); without, adds it
  // silently (a finished job kept for queries). Not a transition, so no provenance record.
  JobStatus restore(JobRecord record, std::optional<std::string> message);

  // Queued → Running with the scheduler's id for the process or job.
  std::optional<JobStatus> start(const Uuid& job, std::string scheduler_id, std::string message);
  // Publishes news that changes no state, e.g. "submitted as Slurm job 42" or a retry's new
  // scheduler id. Recorded in provenance too, as it names the scheduler id.
  std::optional<JobStatus> update(const Uuid& job, std::string scheduler_id, std::string message);
  // Ends the current attempt. A Failed attempt that ran goes back to Queued (attempt + 1)
  // while retries are left. An end reported for a job still Queued that ran (the job started
  // and finished between two polls) publishes Running first, so watchers always see a run.
  // nullopt, counted and logged, for an unknown job or an illegal transition.
  std::optional<JobStatus> finish(const Uuid& job, AttemptEnd end);

  std::optional<JobRecord> record(const Uuid& job) const;
  std::optional<JobStatus> status(const Uuid& job) const;
  std::vector<JobStatus> statuses() const;
  std::vector<JobRecord> records() const;
  // Waits until the job is in a terminal state; its status then, or the latest on timeout;
  // nullopt for an unknown job.
  std::optional<JobStatus> wait_terminal(const Uuid& job, std::chrono::milliseconds timeout) const;
  // Forgets the oldest terminal jobs beyond `keep`, so a long-running daemon does not grow.
  void prune_terminal(std::size_t keep);

  const std::string& runner() const { return runner_; }

 private:
  struct Entry {
    JobRecord record;
    std::uint64_t order = 0;  // insertion order, for pruning
  };

  // Applies a transition under the lock; false (counted, logged) when illegal.
  bool transition_locked(Entry& entry, JobState to, std::string message);
  void publish_locked(Entry& entry, std::optional<JobState> previous, bool record);
  Entry* find_locked(const Uuid& job);

  const std::string runner_;
  Counters& counters_;
  spdlog::logger& log_;
  StatusCallback on_status_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::shared_ptr<ProvenanceLog> provenance_;
  std::map<Uuid, Entry> jobs_;
  std::uint64_t next_order_ = 0;
};

}  // namespace edgeloop::jobs
