#include "job_runners.hpp"

namespace edgeloop {

JobRunners::JobRunners(const jobs::JobsConfig& config, Counters& counters, spdlog::logger& log)
    : queue_(config.status_queue_capacity),
      store_(config.paths.store_root),
      default_runner_(config.default_runner) {
  local_.emplace(config.paths, config.local, counters, log,
                 jobs::RunnerHooks{queue_.sink(), nullptr});
  if (config.slurm_enabled) {
    slurm_.emplace(config.paths, config.slurm, counters, log,
                   jobs::RunnerHooks{queue_.sink(), nullptr});
  }
}

JobRunners::~JobRunners() {
  shutdown();
}

jobs::Runner* JobRunners::find(std::string_view name) {
  if (name == "local" && local_) return &*local_;
  if (name == "slurm" && slurm_) return &*slurm_;
  return nullptr;
}

jobs::Runner* JobRunners::runner_of(const Uuid& job) {
  for (const char* name : {"local", "slurm"}) {
    jobs::Runner* runner = find(name);
    if (runner != nullptr && runner->status(job)) return runner;
  }
  return nullptr;
}

std::vector<jobs::JobStatus> JobRunners::statuses() const {
  std::vector<jobs::JobStatus> all;
  if (local_) all = local_->statuses();
  if (slurm_) {
    auto more = slurm_->statuses();
    all.insert(all.end(), more.begin(), more.end());
  }
  return all;
}

std::vector<std::string> JobRunners::names() const {
  std::vector<std::string> out;
  if (local_) out.emplace_back("local");
  if (slurm_) out.emplace_back("slurm");
  return out;
}

void JobRunners::set_provenance(std::shared_ptr<ProvenanceLog> log) {
  // The runners swap their log under their table lock, the lock statuses are recorded under:
  // once this returns, no runner thread still holds the previous log.
  if (local_) local_->set_provenance(log);
  if (slurm_) slurm_->set_provenance(log);
  std::lock_guard lock(mutex_);
  provenance_ = std::move(log);
}

std::shared_ptr<ProvenanceLog> JobRunners::provenance() const {
  std::lock_guard lock(mutex_);
  return provenance_;
}

void JobRunners::shutdown() {
  if (local_) local_->shutdown();
  if (slurm_) slurm_->shutdown();
}

}  // namespace edgeloop
