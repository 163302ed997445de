#include "edgeloop/jobs/slurm_runner.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <utility>

namespace edgeloop::jobs {

namespace fs = std::filesystem;

namespace {

// squeue takes a comma-separated list; keep each command line reasonable.
constexpr std::size_t kIdsPerQuery = 200;
// A warning for the first failure of an outage and then for every this many.
constexpr std::uint64_t kWarnEvery = 30;

void check_config(const RunnerPaths& paths, const SlurmRunnerConfig& config) {
  if (config.state_dir.empty()) throw std::invalid_argument("Slurm runner: state_dir is empty");
  if (config.poll_interval.count() <= 0 || config.command_timeout.count() <= 0) {
    throw std::invalid_argument("Slurm runner: poll_interval and command_timeout must be > 0");
  }
  if (config.lost_after_polls == 0) {
    throw std::invalid_argument("Slurm runner: lost_after_polls must be at least 1");
  }
  // sbatch expands % in --output and --error, and the batch script quotes the path itself.
  const std::string root = fs::absolute(paths.jobs_root).string();
  if (root.find_first_of("%\\\n") != std::string::npos) {
    throw std::invalid_argument("Slurm runner: the jobs root " + root +
                                " may not contain '%', '\\' or a newline (sbatch patterns)");
  }
  const bool partition_ok =
      std::all_of(config.partition.begin(), config.partition.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
               c == ',';
      });
  if (!partition_ok) {
    throw std::invalid_argument("Slurm runner: partition '" + config.partition +
                                "' has characters other than [A-Za-z0-9_.,-]");
  }
}

RunnerPaths absolute_paths(RunnerPaths paths) {
  // Slurm runs the job elsewhere (another working directory, maybe another node sharing the
  // file system), so every path handed to it is absolute.
  paths.jobs_root = fs::absolute(paths.jobs_root);
  paths.store_root = fs::absolute(paths.store_root);
  return paths;
}

std::string describe_end(const SlurmJobInfo& info, JobState state, bool cancel_requested,
                         const std::string& slurm_id) {
  const std::string job = "Slurm job " + slurm_id;
  switch (state) {
    case JobState::Completed:
      return job + " completed";
    case JobState::Failed:
      return job + " ended " + info.state + " with exit code " +
             std::to_string(info.exit_code.value_or(-1)) +
             (info.reason.empty() || info.reason == "None" ? "" : " (" + info.reason + ")");
    case JobState::Cancelled:
      return cancel_requested ? job + " cancelled" : job + " cancelled outside edgeloop";
    case JobState::TimedOut:
      return job + " reached its time limit";
    case JobState::Queued:
    case JobState::Running:
      break;
  }
  return job + " " + info.state;
}

}  // namespace

SlurmRunner::SlurmRunner(RunnerPaths paths, SlurmRunnerConfig config, Counters& counters,
                         spdlog::logger& log, RunnerHooks hooks)
    : Runner("slurm", absolute_paths(std::move(paths)), counters, log, std::move(hooks)),
      config_(std::move(config)),
      client_(SlurmClientConfig{config_.slurm_conf, config_.bin_dir, config_.command_timeout}) {
  check_config(this->paths(), config_);
  std::error_code error;
  fs::create_directories(config_.state_dir, error);
  if (error) {
    throw std::runtime_error("Slurm runner: cannot create " + config_.state_dir.string() + ": " +
                             error.message());
  }
  std::size_t attached = 0;
  for (auto& job : load_slurm_jobs(table_file())) {
    const Uuid id = job.record.status.job_id;
    if (is_terminal(job.record.status.state)) {
      table().restore(std::move(job.record), std::nullopt);
      continue;
    }
    job.slurm.unknown_polls = 0;
    tracked_[id] = job.slurm;
    const std::string slurm_id = job.slurm.slurm_id;
    table().restore(std::move(job.record), slurm_id.empty()
                                               ? "re-attached after a restart"
                                               : "re-attached to Slurm job " + slurm_id);
    ++attached;
  }
  if (attached > 0) {
    this->log().info("re-attached to {} unfinished jobs from {}", attached, table_file().string());
  }
  worker_ = std::thread([this] { worker(); });
}

SlurmRunner::~SlurmRunner() {
  shutdown();
}

bool SlurmRunner::controller_unreachable() const {
  std::lock_guard lock(mutex_);
  return failed_polls_ > 0;
}

void SlurmRunner::poll_now() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void SlurmRunner::check_spec(const JobSpec& spec) const {
  if (spec.mpi_ranks > 0 && config_.mpi_launcher.empty()) {
    throw JobSpecError("mpi_ranks is set but the Slurm runner has no mpi_launcher");
  }
}

void SlurmRunner::enqueue(const Uuid& job) {
  {
    std::lock_guard lock(mutex_);
    tracked_[job] = SlurmTracking{};
    woken_ = true;
  }
  // On disk before submit() returns: a crash now must not forget a job the caller was told
  // about.
  persist();
  wake_.notify_one();
}

void SlurmRunner::request_cancel(const Uuid& job) {
  bool now = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    if (it == tracked_.end()) return;
    if (it->second.slurm_id.empty() && !it->second.submitting) {
      tracked_.erase(it);  // never reached Slurm
      now = true;
    } else {
      it->second.cancel_requested = true;
      woken_ = true;
    }
  }
  if (now)
    table().finish(job, {JobState::Cancelled, 0, "cancelled before it was submitted", {}, false});
  persist();
  wake_.notify_one();
}

void SlurmRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (worker_.joinable()) worker_.join();
  persist();
}

void SlurmRunner::worker() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, config_.poll_interval, [&] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    try {
      poll_round();
    } catch (const std::exception& e) {
      // Nothing from outside may end the thread that watches the jobs.
      counters().add("jobs.slurm.internal_error");
      log().error("Slurm poll failed: {}", e.what());
    }
  }
}

void SlurmRunner::poll_round() {
  poll_states();
  if (controller_unreachable()) return;  // cancels and submissions would only time out
  send_cancels();
  if (controller_unreachable()) return;
  submit_queued();
  table().prune_terminal(config_.keep_finished);
}

void SlurmRunner::note_unreachable(const std::string& what, const std::string& error) {
  std::uint64_t failures = 0;
  std::size_t jobs = 0;
  {
    std::lock_guard lock(mutex_);
    failures = ++failed_polls_;
    jobs = tracked_.size();
  }
  counters().add("jobs.slurm.unreachable");
  if (failures == 1 || failures % kWarnEvery == 0) {
    log().warn(
        "Slurm controller unreachable ({}: {}); {} jobs stay tracked, unchanged ({} failed "
        "calls so far)",
        what, error, jobs, failures);
  }
}

void SlurmRunner::note_reachable() {
  std::uint64_t failures = 0;
  {
    std::lock_guard lock(mutex_);
    failures = std::exchange(failed_polls_, 0);
  }
  if (failures > 0) {
    log().info("Slurm controller reachable again after {} failed calls", failures);
  }
}

void SlurmRunner::send_cancels() {
  std::vector<std::pair<Uuid, std::string>> todo;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, t] : tracked_) {
      if (t.cancel_requested && !t.cancel_sent && !t.slurm_id.empty()) {
        todo.emplace_back(id, t.slurm_id);
      }
    }
  }
  for (const auto& [id, slurm_id] : todo) {
    const SlurmCancelResult result = client_.cancel(slurm_id);
    if (result.outcome == SlurmOutcome::Unreachable) {
      note_unreachable("scancel", result.error);
      return;
    }
    if (result.outcome != SlurmOutcome::Ok) {
      // Typically "already completed": the next poll reports how it ended.
      counters().add("jobs.slurm.cancel_failed");
      log().warn("job {}: scancel {} failed: {}", id.str(), slurm_id, result.error);
    }
    {
      std::lock_guard lock(mutex_);
      const auto it = tracked_.find(id);
      if (it != tracked_.end()) it->second.cancel_sent = true;
    }
    persist();
  }
}

void SlurmRunner::submit_queued() {
  std::vector<Uuid> todo;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, t] : tracked_) {
      if (t.slurm_id.empty()) todo.push_back(id);
    }
  }
  for (const auto& id : todo) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    submit_one(id);
    if (controller_unreachable()) return;
  }
}

bool SlurmRunner::resolve_unanswered(const Uuid& job, std::uint32_t attempt) {
  const std::string name = slurm_job_name(job, attempt);
  const SlurmQueryResult found = client_.query_by_name(name);
  if (found.outcome == SlurmOutcome::Unreachable) {
    note_unreachable("squeue", found.error);
    return false;
  }
  if (found.outcome != SlurmOutcome::Ok) {
    counters().add("jobs.slurm.poll_failed");
    log().warn("job {}: looking up Slurm job {} failed: {}", job.str(), name, found.error);
    return false;
  }
  std::optional<std::string> slurm_id;
  for (const auto& info : found.list.jobs) {
    if (info.name == name) slurm_id = info.job_id;  // the last one is the newest
  }
  {
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    if (it == tracked_.end()) return false;
    it->second.submitting = false;
    if (slurm_id) it->second.slurm_id = *slurm_id;
  }
  if (slurm_id) {
    log().info("job {}: found its unanswered submission as Slurm job {}", job.str(), *slurm_id);
    table().update(job, *slurm_id, "submitted to Slurm as job " + *slurm_id);
  }
  persist();
  return true;
}

void SlurmRunner::submit_one(const Uuid& job) {
  const auto record = table().record(job);
  if (!record || record->status.state != JobState::Queued) return;
  const std::uint32_t attempt = record->status.attempt;
  bool unanswered = false;
  bool cancelled = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    if (it == tracked_.end() || !it->second.slurm_id.empty()) return;
    unanswered = it->second.submitting;
    cancelled = it->second.cancel_requested;
  }
  if (unanswered) {
    if (!resolve_unanswered(job, attempt)) return;
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    if (it == tracked_.end() || !it->second.slurm_id.empty()) return;  // adopted
  }
  if (cancelled) {
    {
      std::lock_guard lock(mutex_);
      tracked_.erase(job);
    }
    table().finish(job, {JobState::Cancelled, 0, "cancelled before it was submitted", {}, false});
    persist();
    return;
  }

  const JobWorkspace space = workspace(job);
  const BatchScript script =
      make_batch_script(*record, space, {config_.partition, config_.mpi_launcher});
  const fs::path script_file = space.control_dir() / ("job-" + std::to_string(attempt) + ".sh");
  {
    std::ofstream out(script_file, std::ios::trunc);
    out << script.text;
    if (!out.flush()) {
      end_attempt(job, {JobState::Failed, 0, "cannot write " + script_file.string(), {}, false});
      return;
    }
  }
  {
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    if (it == tracked_.end() || it->second.cancel_requested) return;  // handled next round
    it->second.submitting = true;
  }
  persist();  // if we crash during sbatch, the restarted runner looks the job up by name
  const SlurmSubmitResult result = client_.submit(script_file, script.sbatch_args);
  switch (result.outcome) {
    case SlurmOutcome::Ok: {
      note_reachable();
      {
        std::lock_guard lock(mutex_);
        const auto it = tracked_.find(job);
        if (it != tracked_.end()) {
          it->second.slurm_id = result.job_id;
          it->second.submitting = false;
        }
      }
      table().update(job, result.job_id, "submitted to Slurm as job " + result.job_id);
      persist();
      return;
    }
    case SlurmOutcome::Unreachable:
      // It may or may not have reached slurmctld: `submitting` stays set, so the next round
      // looks for it by name before sending it again.
      note_unreachable("sbatch", result.error);
      return;
    case SlurmOutcome::BadOutput:
      counters().add("jobs.slurm.bad_output");
      log().warn("job {}: {}", job.str(), result.error);
      return;  // likewise looked up by name next round
    case SlurmOutcome::Refused:
      break;
  }
  counters().add("jobs.slurm.submit_refused");
  {
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    if (it != tracked_.end()) it->second.submitting = false;
  }
  end_attempt(job, {JobState::Failed, 0, "sbatch refused the job: " + result.error, {}, false});
}

void SlurmRunner::poll_states() {
  struct Watched {
    Uuid job;
    std::string name;
    std::uint32_t attempt = 1;
  };
  std::map<std::string, Watched> watched;  // by Slurm id
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, t] : tracked_) {
      if (!t.slurm_id.empty()) watched[t.slurm_id] = Watched{id, {}, 1};
    }
  }
  if (watched.empty()) return;
  for (auto& [slurm_id, w] : watched) {
    const auto status = table().status(w.job);
    w.attempt = status ? status->attempt : 1;
    w.name = slurm_job_name(w.job, w.attempt);
  }

  std::map<std::string, SlurmJobInfo> seen;
  std::vector<std::string> ids;
  for (const auto& [slurm_id, w] : watched) ids.push_back(slurm_id);
  for (std::size_t start = 0; start < ids.size(); start += kIdsPerQuery) {
    const std::vector<std::string> chunk(
        ids.begin() + static_cast<std::ptrdiff_t>(start),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kIdsPerQuery)));
    const SlurmQueryResult result = client_.query(chunk);
    if (result.outcome == SlurmOutcome::Unreachable) {
      note_unreachable("squeue", result.error);
      return;
    }
    if (result.outcome != SlurmOutcome::Ok) {
      counters().add("jobs.slurm.poll_failed");
      log().warn("squeue failed: {}", result.error);
      return;
    }
    if (result.list.bad_lines > 0) {
      counters().add("jobs.slurm.bad_output", result.list.bad_lines);
      log().warn("squeue printed {} lines that do not parse", result.list.bad_lines);
    }
    for (const auto& info : result.list.jobs) {
      const auto it = watched.find(info.job_id);
      if (it == watched.end()) continue;
      if (info.name != it->second.name) {
        // Slurm lost its state and gave the id to another job: ours is not this one.
        counters().add("jobs.slurm.foreign_job");
        continue;
      }
      seen[info.job_id] = info;
    }
  }
  note_reachable();

  std::vector<std::string> missing;
  for (const auto& [slurm_id, w] : watched) {
    if (seen.count(slurm_id) == 0) missing.push_back(slurm_id);
  }
  if (!missing.empty()) {
    // Finished long enough ago for squeue to have dropped it: the completion log knows.
    const SlurmQueryResult accounted = client_.accounting(missing);
    if (accounted.outcome == SlurmOutcome::Ok) {
      counters().add("jobs.slurm.bad_output", accounted.list.bad_lines);
      for (const auto& info : accounted.list.jobs) {
        const auto it = watched.find(info.job_id);
        if (it != watched.end() && info.name == it->second.name) seen[info.job_id] = info;
      }
    }
  }
  for (const auto& [slurm_id, w] : watched) {
    if (seen.count(slurm_id) != 0) continue;
    // Slurm has no record at all (a controller that crashed before saving its state forgets
    // recent jobs): the batch script's exit file says how the program ended.
    if (const auto code = workspace(w.job).read_exit_marker(w.attempt)) {
      counters().add("jobs.slurm.from_exit_file");
      seen[slurm_id] =
          SlurmJobInfo{slurm_id, w.name, *code == 0 ? "COMPLETED" : "FAILED", *code, "exit file"};
      continue;
    }
    std::uint32_t unknown = 0;
    {
      std::lock_guard lock(mutex_);
      const auto it = tracked_.find(w.job);
      if (it == tracked_.end()) continue;
      unknown = ++it->second.unknown_polls;
    }
    if (unknown >= config_.lost_after_polls) {
      counters().add("jobs.slurm.lost");
      end_attempt(w.job, {JobState::Failed, -1,
                          "lost: Slurm has no record of job " + slurm_id + " for " +
                              std::to_string(unknown) + " polls",
                          workspace(w.job).collect_outputs().files, true});
    }
  }
  for (const auto& [slurm_id, info] : seen) {
    {
      std::lock_guard lock(mutex_);
      const auto it = tracked_.find(watched[slurm_id].job);
      if (it != tracked_.end()) it->second.unknown_polls = 0;
    }
    apply(watched[slurm_id].job, slurm_id, info);
  }
}

void SlurmRunner::apply(const Uuid& job, const std::string& slurm_id, const SlurmJobInfo& info) {
  const auto state = job_state_from_slurm(info.state);
  if (!state) {
    counters().add("jobs.slurm.unknown_state");
    log().warn(
        "job {}: Slurm job {} is in state '{}', which this version does not know; "
        "its state is left as it was",
        job.str(), slurm_id, info.state);
    return;
  }
  const auto current = table().status(job);
  if (!current || is_terminal(current->state)) return;
  if (*state == JobState::Queued) return;
  if (*state == JobState::Running) {
    if (current->state == JobState::Queued) {
      table().start(job, slurm_id, "running as Slurm job " + slurm_id);
      persist();
    }
    return;
  }
  bool cancel_requested = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = tracked_.find(job);
    cancel_requested = it != tracked_.end() && it->second.cancel_requested;
  }
  AttemptEnd end;
  end.state = *state;
  end.exit_code = info.exit_code.value_or(0);
  end.message = describe_end(info, *state, cancel_requested, slurm_id);
  const auto collected = workspace(job).collect_outputs();
  end.outputs = collected.files;
  if (collected.skipped > 0) {
    end.message += "; " + std::to_string(collected.skipped) + " outputs not recorded";
  }
  end_attempt(job, std::move(end));
}

void SlurmRunner::end_attempt(const Uuid& job, AttemptEnd end) {
  const auto status = table().finish(job, std::move(end));
  {
    std::lock_guard lock(mutex_);
    if (status && status->state == JobState::Queued) {
      tracked_[job] = SlurmTracking{};  // the retry is a new submission
      woken_ = true;
    } else {
      tracked_.erase(job);
    }
  }
  persist();
}

void SlurmRunner::persist() {
  std::lock_guard persist_lock(persist_mutex_);
  std::vector<PersistedSlurmJob> jobs;
  {
    std::lock_guard lock(mutex_);
    for (auto& record : table().records()) {
      PersistedSlurmJob job{std::move(record), {}};
      const auto it = tracked_.find(job.record.status.job_id);
      if (it != tracked_.end()) job.slurm = it->second;
      jobs.push_back(std::move(job));
    }
  }
  try {
    save_slurm_jobs(table_file(), jobs);
  } catch (const std::exception& e) {
    counters().add("jobs.slurm.persist_failed");
    log().error("{}", e.what());
  }
}

}  // namespace edgeloop::jobs
