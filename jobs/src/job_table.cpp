#include "edgeloop/jobs/job_table.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/jobs/job_provenance.hpp"

namespace edgeloop::jobs {

namespace {

std::string counter_for(JobState state) {
  switch (state) {
    case JobState::Queued:
      return "queued";
    case JobState::Running:
      return "started";
    case JobState::Completed:
      return "completed";
    case JobState::Failed:
      return "failed";
    case JobState::Cancelled:
      return "cancelled";
    case JobState::TimedOut:
      return "timed_out";
  }
  return "unknown";
}

}  // namespace

JobTable::JobTable(std::string runner, Counters& counters, spdlog::logger& log, RunnerHooks hooks)
    : runner_(std::move(runner)),
      counters_(counters),
      log_(log),
      on_status_(std::move(hooks.on_status)),
      provenance_(std::move(hooks.provenance)) {}

void JobTable::set_provenance(std::shared_ptr<ProvenanceLog> log) {
  std::lock_guard lock(mutex_);
  provenance_ = std::move(log);
}

JobTable::Entry* JobTable::find_locked(const Uuid& job) {
  const auto it = jobs_.find(job);
  return it == jobs_.end() ? nullptr : &it->second;
}

void JobTable::publish_locked(Entry& entry, std::optional<JobState> previous, bool record) {
  JobStatus& status = entry.record.status;
  status.updated_wall_ns = wall_ns();
  ++status.sequence;
  if (record && provenance_) {
    try {
      provenance_->append(job_provenance_entry(entry.record, previous));
    } catch (const std::exception& e) {
      // A closed or broken log must not stop the job; the loss is visible in the counters.
      counters_.add("jobs." + runner_ + ".provenance_failed");
      log_.warn("job {}: provenance record not written: {}", status.job_id.str(), e.what());
    }
  }
  if (on_status_) {
    try {
      on_status_(status);
    } catch (const std::exception& e) {
      counters_.add("jobs." + runner_ + ".status_callback_failed");
      log_.warn("job {}: status callback failed: {}", status.job_id.str(), e.what());
    }
  }
  changed_.notify_all();
}

bool JobTable::transition_locked(Entry& entry, JobState to, std::string message) {
  JobStatus& status = entry.record.status;
  const JobState from = status.state;
  if (!is_legal_transition(from, to)) {
    counters_.add("jobs." + runner_ + ".illegal_transition");
    log_.warn("job {}: refused illegal transition {} -> {} ({})", status.job_id.str(),
              to_string(from), to_string(to), message);
    return false;
  }
  status.state = to;
  status.message = std::move(message);
  counters_.add("jobs." + runner_ + "." + counter_for(to));
  log_.info("job {} attempt {}: {} -> {}{}{}", status.job_id.str(), status.attempt, to_string(from),
            to_string(to), status.message.empty() ? "" : ": ", status.message);
  publish_locked(entry, from, true);
  return true;
}

JobStatus JobTable::add(JobSpec spec, std::filesystem::path dir, std::string message) {
  std::lock_guard lock(mutex_);
  const Uuid id = spec.job_id;
  if (jobs_.count(id) != 0) {
    throw std::invalid_argument("job " + id.str() + " is already known to the " + runner_ +
                                " runner");
  }
  Entry entry;
  entry.order = next_order_++;
  entry.record.status.job_id = id;
  entry.record.status.run_id = spec.run_id;
  entry.record.status.runner = runner_;
  entry.record.status.state = JobState::Queued;
  entry.record.status.message = std::move(message);
  entry.record.spec = std::move(spec);
  entry.record.dir = std::move(dir);
  Entry& stored = jobs_.emplace(id, std::move(entry)).first->second;
  counters_.add("jobs." + runner_ + ".submitted");
  publish_locked(stored, std::nullopt, true);
  return stored.record.status;
}

JobStatus JobTable::restore(JobRecord record, std::optional<std::string> message) {
  std::lock_guard lock(mutex_);
  const Uuid id = record.status.job_id;
  if (jobs_.count(id) != 0) {
    throw std::invalid_argument("job " + id.str() + " is already known to the " + runner_ +
                                " runner");
  }
  Entry entry;
  entry.order = next_order_++;
  entry.record = std::move(record);
  if (message) entry.record.status.message = std::move(*message);
  Entry& stored = jobs_.emplace(id, std::move(entry)).first->second;
  counters_.add("jobs." + runner_ + ".restored");
  if (message) publish_locked(stored, std::nullopt, false);
  return stored.record.status;
}

std::optional<JobStatus> JobTable::start(const Uuid& job, std::string scheduler_id,
                                         std::string message) {
  std::lock_guard lock(mutex_);
  Entry* entry = find_locked(job);
  if (entry == nullptr) return std::nullopt;
  // The id belongs to the status before it is published, so the Running record names it.
  const std::string previous_id = entry->record.status.scheduler_id;
  entry->record.status.scheduler_id = std::move(scheduler_id);
  if (!transition_locked(*entry, JobState::Running, std::move(message))) {
    entry->record.status.scheduler_id = previous_id;
    return std::nullopt;
  }
  return entry->record.status;
}

std::optional<JobStatus> JobTable::update(const Uuid& job, std::string scheduler_id,
                                          std::string message) {
  std::lock_guard lock(mutex_);
  Entry* entry = find_locked(job);
  if (entry == nullptr || is_terminal(entry->record.status.state)) return std::nullopt;
  entry->record.status.scheduler_id = std::move(scheduler_id);
  entry->record.status.message = std::move(message);
  publish_locked(*entry, entry->record.status.state, true);
  return entry->record.status;
}

std::optional<JobStatus> JobTable::finish(const Uuid& job, AttemptEnd end) {
  std::lock_guard lock(mutex_);
  Entry* entry = find_locked(job);
  if (entry == nullptr) {
    counters_.add("jobs." + runner_ + ".illegal_transition");
    log_.warn("end of unknown job {} ignored", job.str());
    return std::nullopt;
  }
  JobStatus& status = entry->record.status;
  if (!is_terminal(end.state)) {
    counters_.add("jobs." + runner_ + ".illegal_transition");
    log_.warn("job {}: an attempt cannot end as {}", job.str(), to_string(end.state));
    return std::nullopt;
  }
  if (status.state == JobState::Queued && end.ran && end.state != JobState::Cancelled) {
    if (!transition_locked(*entry, JobState::Running, "started")) return std::nullopt;
  }
  status.exit_code = end.exit_code;
  const bool retry = end.state == JobState::Failed && end.ran &&
                     status.state == JobState::Running &&
                     status.attempt <= entry->record.spec.max_retries;
  if (retry) {
    // Published as the next attempt, queued; the failed attempt's scheduler id and exit code
    // stay in the message and the exit code.
    std::string message = "attempt " + std::to_string(status.attempt) +
                          (status.scheduler_id.empty() ? "" : " (" + status.scheduler_id + ")") +
                          " failed: " + end.message + "; retry " + std::to_string(status.attempt) +
                          " of " + std::to_string(entry->record.spec.max_retries);
    ++status.attempt;
    status.scheduler_id.clear();
    transition_locked(*entry, JobState::Queued, std::move(message));  // legal from Running
    counters_.add("jobs." + runner_ + ".retried");
    return status;
  }
  std::vector<OutputFile> previous_outputs = std::move(status.outputs);
  status.outputs = std::move(end.outputs);
  if (!transition_locked(*entry, end.state, std::move(end.message))) {
    status.outputs = std::move(previous_outputs);
    return std::nullopt;
  }
  return status;
}

std::optional<JobRecord> JobTable::record(const Uuid& job) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.record;
}

std::optional<JobStatus> JobTable::status(const Uuid& job) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.record.status;
}

std::vector<JobStatus> JobTable::statuses() const {
  std::lock_guard lock(mutex_);
  std::vector<JobStatus> all;
  all.reserve(jobs_.size());
  for (const auto& [id, entry] : jobs_) all.push_back(entry.record.status);
  return all;
}

std::vector<JobRecord> JobTable::records() const {
  std::lock_guard lock(mutex_);
  std::vector<JobRecord> all;
  all.reserve(jobs_.size());
  for (const auto& [id, entry] : jobs_) all.push_back(entry.record);
  return all;
}

std::optional<JobStatus> JobTable::wait_terminal(const Uuid& job,
                                                 std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const auto done = [&] {
    const auto it = jobs_.find(job);
    return it == jobs_.end() || is_terminal(it->second.record.status.state);
  };
  changed_.wait_for(lock, timeout, done);
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.record.status;
}

void JobTable::prune_terminal(std::size_t keep) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::uint64_t, Uuid>> terminal;
  for (const auto& [id, entry] : jobs_) {
    if (is_terminal(entry.record.status.state)) terminal.emplace_back(entry.order, id);
  }
  if (terminal.size() <= keep) return;
  std::sort(terminal.begin(), terminal.end());
  for (std::size_t i = 0; i + keep < terminal.size(); ++i) jobs_.erase(terminal[i].second);
}

}  // namespace edgeloop::jobs
