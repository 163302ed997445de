#include "edgeloop/jobs/runner.hpp"

#include <stdexcept>
#include <utility>

namespace edgeloop::jobs {

Runner::Runner(std::string name, RunnerPaths paths, Counters& counters, spdlog::logger& log,
               RunnerHooks hooks)
    : name_(name),
      paths_(std::move(paths)),
      counters_(counters),
      log_(log),
      store_(paths_.store_root),
      table_(std::move(name), counters, log, std::move(hooks)) {
  if (paths_.jobs_root.empty()) throw std::invalid_argument("jobs root directory is empty");
}

Runner::~Runner() = default;

void Runner::check_spec(const JobSpec&) const {}

Uuid Runner::submit(JobSpec spec) {
  {
    std::lock_guard lock(lifecycle_);
    if (stopped_) throw std::logic_error("the " + name_ + " runner has been shut down");
  }
  try {
    if (spec.runner.empty()) spec.runner = name_;
    if (spec.runner != name_) {
      throw JobSpecError("runner '" + spec.runner + "' does not match the " + name_ +
                         " runner it was submitted to");
    }
    if (spec.job_id.is_nil()) spec.job_id = Uuid::random();
    validate(spec);
    check_spec(spec);
    if (table_.status(spec.job_id)) {
      throw JobSpecError("job id " + spec.job_id.str() + " is already in use");
    }
  } catch (const JobSpecError& e) {
    counters_.add("jobs." + name_ + ".rejected");
    log_.warn("job refused: {}", e.what());
    throw;
  }
  const JobWorkspace space = workspace(spec.job_id);
  try {
    space.create(spec, store_, paths_.stage_mode);
  } catch (const std::exception& e) {
    counters_.add("jobs." + name_ + ".staging_failed");
    log_.warn("job {} refused: {}", spec.job_id.str(), e.what());
    throw;
  }
  const Uuid id = spec.job_id;
  table_.add(std::move(spec), space.dir(), "queued");
  enqueue(id);
  return id;
}

bool Runner::cancel(const Uuid& job) {
  const auto current = table_.status(job);
  if (!current || is_terminal(current->state)) return false;
  request_cancel(job);
  return true;
}

std::optional<JobStatus> Runner::status(const Uuid& job) const {
  return table_.status(job);
}

std::vector<JobStatus> Runner::statuses() const {
  return table_.statuses();
}

std::optional<JobRecord> Runner::record(const Uuid& job) const {
  return table_.record(job);
}

std::optional<JobStatus> Runner::wait(const Uuid& job, std::chrono::milliseconds timeout) const {
  return table_.wait_terminal(job, timeout);
}

void Runner::set_provenance(std::shared_ptr<ProvenanceLog> log) {
  table_.set_provenance(std::move(log));
}

void Runner::shutdown() {
  {
    std::lock_guard lock(lifecycle_);
    if (stopped_) return;
    stopped_ = true;
  }
  stop();
}

}  // namespace edgeloop::jobs
