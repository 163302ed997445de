#include "edgeloop/jobs/local_runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "edgeloop/core/clock.hpp"

namespace edgeloop::jobs {

namespace {

std::uint32_t machine_cpus() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

constexpr std::int64_t to_ns(std::chrono::milliseconds ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count();
}

// What a job sees besides the daemon's environment. The spec's own variables win.
Environment job_environment(const Environment& base, const JobRecord& record) {
  const JobSpec& spec = record.spec;
  Environment env = base;
  set_environment(env, "OMP_NUM_THREADS", std::to_string(spec.cpus));
  set_environment(env, "EDGELOOP_JOB_ID", spec.job_id.str());
  set_environment(env, "EDGELOOP_JOB_DIR", record.dir.string());
  set_environment(env, "EDGELOOP_JOB_ATTEMPT", std::to_string(record.status.attempt));
  if (spec.mpi_ranks > 0 && ::geteuid() == 0) {
    // Open MPI refuses to start as root unless told twice; daemons at instruments often are.
    set_environment(env, "OMPI_ALLOW_RUN_AS_ROOT", "1");
    set_environment(env, "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
  }
  for (const auto& [name, value] : spec.environment) set_environment(env, name, value);
  return env;
}

std::string describe_exit(int raw) {
  if (WIFSIGNALED(raw)) return "killed by signal " + std::to_string(WTERMSIG(raw));
  return "exited with code " + std::to_string(decode_wait_status(raw));
}

}  // namespace

LocalRunner::LocalRunner(RunnerPaths paths, LocalRunnerConfig config, Counters& counters,
                         spdlog::logger& log, RunnerHooks hooks)
    : Runner("local", std::move(paths), counters, log, std::move(hooks)),
      config_(std::move(config)),
      max_cpus_(config_.max_cpus == 0 ? machine_cpus() : config_.max_cpus),
      base_environment_(current_environment()) {
  if (config_.poll_interval.count() <= 0 || config_.kill_grace.count() < 0) {
    throw std::invalid_argument("local runner: poll_interval must be > 0 and kill_grace >= 0");
  }
  monitor_ = std::thread([this] { monitor(); });
}

LocalRunner::~LocalRunner() {
  shutdown();
}

std::uint32_t LocalRunner::cpus_of(const JobSpec& spec) const {
  return spec.cpus * task_count(spec);
}

void LocalRunner::check_spec(const JobSpec& spec) const {
  const std::uint64_t need = std::uint64_t{spec.cpus} * task_count(spec);
  if (need > max_cpus_) {
    throw JobSpecError("needs " + std::to_string(need) +
                       " CPUs (cpus × ranks), the local pool has " + std::to_string(max_cpus_));
  }
}

void LocalRunner::enqueue(const Uuid& job) {
  bool refused = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = true;
    } else {
      pending_.push_back(job);
      woken_ = true;
    }
  }
  if (refused) {
    table().finish(job, {JobState::Cancelled, 0, "runner shut down", {}, false});
    return;
  }
  wake_.notify_one();
}

void LocalRunner::request_cancel(const Uuid& job) {
  bool was_pending = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = std::find(pending_.begin(), pending_.end(), job);
    if (it != pending_.end()) {
      pending_.erase(it);
      was_pending = true;
    } else {
      cancels_.insert(job);
      woken_ = true;
    }
  }
  if (was_pending) {
    table().finish(job, {JobState::Cancelled, 0, "cancelled before it started", {}, false});
  } else {
    wake_.notify_one();
  }
}

void LocalRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    woken_ = true;
  }
  wake_.notify_one();
  if (monitor_.joinable()) monitor_.join();
}

void LocalRunner::signal(Child& child, Ending why, std::int64_t now) {
  if (child.ending != Ending::None) return;  // already on its way out
  child.ending = why;
  ::kill(-child.pid, SIGTERM);
  child.kill_at_ns = now + to_ns(config_.kill_grace);
}

void LocalRunner::monitor() {
  while (true) {
    std::set<Uuid> cancels;
    std::deque<Uuid> shut_out;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      // Nothing to watch: sleep until a request comes; otherwise poll the children.
      if (children_.empty()) {
        wake_.wait(lock, [&] { return woken_; });
      } else {
        wake_.wait_for(lock, config_.poll_interval, [&] { return woken_; });
      }
      woken_ = false;
      cancels.swap(cancels_);
      stopping = stopping_;
      if (stopping) shut_out.swap(pending_);
    }
    const std::int64_t now = monotonic_ns();
    for (const auto& job : cancels) {
      const auto child = std::find_if(children_.begin(), children_.end(),
                                      [&](const Child& c) { return c.job == job; });
      if (child != children_.end()) {
        signal(*child, Ending::Cancel, now);
        continue;
      }
      // Re-queued for a retry after the request was made.
      bool was_pending = false;
      {
        std::lock_guard lock(mutex_);
        const auto it = std::find(pending_.begin(), pending_.end(), job);
        if (it != pending_.end()) {
          pending_.erase(it);
          was_pending = true;
        }
      }
      if (was_pending) {
        table().finish(job, {JobState::Cancelled, 0, "cancelled before it started", {}, false});
      }
    }
    for (const auto& job : shut_out) {
      table().finish(job, {JobState::Cancelled, 0, "runner shut down", {}, false});
    }
    if (stopping) {
      for (auto& child : children_) signal(child, Ending::Shutdown, now);
    }
    reap_finished();
    enforce_limits(monotonic_ns());
    if (!stopping) start_next(monotonic_ns());
    if (stopping && children_.empty()) {
      std::lock_guard lock(mutex_);
      if (pending_.empty()) return;
      woken_ = true;  // a retry was queued while stopping: cancel it on the next pass
    }
  }
}

void LocalRunner::start_next(std::int64_t now) {
  while (true) {
    Uuid job;
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty()) return;
      job = pending_.front();
      const auto record = table().record(job);
      if (!record || record->status.state != JobState::Queued) {
        pending_.pop_front();
        continue;
      }
      if (cpus_in_use_.load(std::memory_order_relaxed) + cpus_of(record->spec) > max_cpus_) return;
      pending_.pop_front();
    }
    start(job, now);
  }
}

bool LocalRunner::start(const Uuid& job, std::int64_t now) {
  const auto record = table().record(job);
  if (!record || record->status.state != JobState::Queued) return false;
  const JobSpec& spec = record->spec;
  const JobWorkspace space = workspace(job);
  SpawnRequest request;
  if (spec.mpi_ranks > 0) {
    request.argv = {config_.mpi_launcher, "-np", std::to_string(spec.mpi_ranks)};
  }
  request.argv.push_back(spec.program);
  request.argv.insert(request.argv.end(), spec.args.begin(), spec.args.end());
  request.environment = job_environment(base_environment_, *record);
  request.working_dir = record->dir;
  request.stdout_path = space.stdout_path(record->status.attempt);
  request.stderr_path = space.stderr_path(record->status.attempt);
  pid_t pid = -1;
  try {
    pid = spawn_process(request);
  } catch (const std::system_error& e) {
    counters().add("jobs.local.spawn_failed");
    table().finish(job, {JobState::Failed, 127, e.what(), {}, false});
    return false;
  }
  Child child;
  child.job = job;
  child.pid = pid;
  child.cpus = cpus_of(spec);
  child.time_limit_s = spec.time_limit_s;
  child.deadline_ns =
      spec.time_limit_s == 0 ? 0 : now + std::int64_t{spec.time_limit_s} * 1000000000;
  children_.push_back(child);
  cpus_in_use_.fetch_add(child.cpus, std::memory_order_relaxed);
  table().start(job, std::to_string(pid), "started as process " + std::to_string(pid));
  return true;
}

void LocalRunner::enforce_limits(std::int64_t now) {
  for (auto& child : children_) {
    if (child.ending == Ending::None && child.deadline_ns != 0 && now >= child.deadline_ns) {
      signal(child, Ending::Timeout, now);
    } else if (child.kill_at_ns != 0 && now >= child.kill_at_ns) {
      ::kill(-child.pid, SIGKILL);
      child.kill_at_ns = 0;  // once is enough; the reap follows
    }
  }
}

void LocalRunner::reap_finished() {
  for (auto it = children_.begin(); it != children_.end();) {
    if (!leader_exited(it->pid)) {
      ++it;
      continue;
    }
    const int raw = reap_group(it->pid);
    const Child child = *it;
    it = children_.erase(it);
    cpus_in_use_.fetch_sub(child.cpus, std::memory_order_relaxed);

    AttemptEnd end;
    end.exit_code = decode_wait_status(raw);
    switch (child.ending) {
      case Ending::Cancel:
        end.state = JobState::Cancelled;
        end.message = "cancelled";
        break;
      case Ending::Shutdown:
        end.state = JobState::Cancelled;
        end.message = "runner shut down";
        break;
      case Ending::Timeout:
        end.state = JobState::TimedOut;
        end.message = "exceeded its time limit of " + std::to_string(child.time_limit_s) + " s";
        break;
      case Ending::None:
        end.state = end.exit_code == 0 && WIFEXITED(raw) ? JobState::Completed : JobState::Failed;
        end.message = describe_exit(raw);
        break;
    }
    const auto collected = workspace(child.job).collect_outputs();
    end.outputs = collected.files;
    if (collected.skipped > 0) {
      end.message += "; " + std::to_string(collected.skipped) + " outputs not recorded";
    }
    const auto status = table().finish(child.job, std::move(end));
    if (status && status->state == JobState::Queued) {
      std::lock_guard lock(mutex_);
      pending_.push_back(child.job);
    }
  }
}

}  // namespace edgeloop::jobs
