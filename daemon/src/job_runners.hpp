// The daemon's job runners: the embedded local runner, the Slurm runner when configured, the
// status queue they both publish into, the content store, and the log job records go to.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/jobs/content_store.hpp"
#include "edgeloop/jobs/job_status_queue.hpp"
#include "edgeloop/jobs/jobs_config.hpp"
#include "edgeloop/jobs/local_runner.hpp"
#include "edgeloop/jobs/slurm_runner.hpp"

namespace edgeloop {

// Thread-safe. The I/O thread submits, cancels and queries, and points the runners at the
// active run's log; the worker thread pops statuses and reads the log to record models in.
class JobRunners {
 public:
  // Starts the runners' threads; the Slurm runner only when jobs.slurm.enabled (it re-attaches
  // to the jobs in its state directory, std::runtime_error when that file is damaged).
  JobRunners(const jobs::JobsConfig& config, Counters& counters, spdlog::logger& log);
  ~JobRunners();
  JobRunners(const JobRunners&) = delete;
  JobRunners& operator=(const JobRunners&) = delete;

  // nullptr when no runner of that name is configured.
  jobs::Runner* find(std::string_view name);
  // The runner that knows `job`; nullptr when none does.
  jobs::Runner* runner_of(const Uuid& job);
  std::vector<jobs::JobStatus> statuses() const;
  const std::string& default_runner() const { return default_runner_; }
  std::vector<std::string> names() const;

  jobs::JobStatusQueue& queue() { return queue_; }
  const jobs::JobStatusQueue& queue() const { return queue_; }
  const jobs::ContentStore& store() const { return store_; }

  // The log every job status (and every model read from a job) is recorded in from now on:
  // the active run's, or nullptr between runs. Set before a run's log is sealed, so that no
  // record is ever offered to a sealed log.
  void set_provenance(std::shared_ptr<ProvenanceLog> log);
  std::shared_ptr<ProvenanceLog> provenance() const;

  // Local jobs are stopped, Slurm jobs left running; idempotent.
  void shutdown();

 private:
  jobs::JobStatusQueue queue_;  // before the runners: their status sink points into it
  jobs::ContentStore store_;
  std::string default_runner_;
  std::optional<jobs::LocalRunner> local_;
  std::optional<jobs::SlurmRunner> slurm_;
  mutable std::mutex mutex_;
  std::shared_ptr<ProvenanceLog> provenance_;
};

}  // namespace edgeloop
