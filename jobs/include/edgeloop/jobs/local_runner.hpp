// The embedded default runner: jobs run as child processes of the daemon, at most as many CPUs
// at once as the pool has, each with a time limit, stdout/stderr in its job directory.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "edgeloop/jobs/runner.hpp"
#include "edgeloop/jobs/subprocess.hpp"

namespace edgeloop::jobs {

struct LocalRunnerConfig {
  std::uint32_t max_cpus = 0;  // CPUs the running jobs may use together; 0: the machine's
  std::chrono::milliseconds poll_interval{20};  // how often running children are checked
  std::chrono::milliseconds kill_grace{5000};   // SIGTERM, then SIGKILL after this
  std::string mpi_launcher = "mpirun";          // for jobs with mpi_ranks > 0
};

// Threads: one monitor thread starts, watches, times out, cancels and reaps every child; the
// API only queues requests for it. A job occupies cpus × tasks of the pool; jobs start in
// submission order (a big job at the head waits rather than being overtaken forever).
// Each child leads its own process group: a time-out or cancel sends SIGTERM to the group and
// SIGKILL after kill_grace, and when the program exits, whatever it left in its group is
// killed too, so a job leaves neither zombies nor orphans. (A process that moves itself into
// another group or session escapes; the Slurm runner's cgroups do not have that gap.)
// Shutdown cancels queued jobs and stops running ones the same way; local jobs do not
// outlive the daemon. Counter: jobs.local.spawn_failed.
class LocalRunner final : public Runner {
 public:
  LocalRunner(RunnerPaths paths, LocalRunnerConfig config, Counters& counters, spdlog::logger& log,
              RunnerHooks hooks = {});
  ~LocalRunner() override;

  std::uint32_t max_cpus() const { return max_cpus_; }
  std::uint32_t cpus_in_use() const { return cpus_in_use_.load(std::memory_order_relaxed); }

 private:
  enum class Ending { None, Cancel, Timeout, Shutdown };
  struct Child {
    Uuid job;
    pid_t pid = -1;
    std::uint32_t cpus = 0;
    std::uint32_t time_limit_s = 0;
    std::int64_t deadline_ns = 0;  // monotonic; 0: none
    std::int64_t kill_at_ns = 0;   // monotonic; 0: not yet signalled
    Ending ending = Ending::None;
  };

  void check_spec(const JobSpec& spec) const override;
  void enqueue(const Uuid& job) override;
  void request_cancel(const Uuid& job) override;
  void stop() override;

  void monitor();
  void start_next(std::int64_t now);
  bool start(const Uuid& job, std::int64_t now);
  void signal(Child& child, Ending why, std::int64_t now);
  void reap_finished();
  void enforce_limits(std::int64_t now);
  std::uint32_t cpus_of(const JobSpec& spec) const;

  const LocalRunnerConfig config_;
  const std::uint32_t max_cpus_;
  const Environment base_environment_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::deque<Uuid> pending_;
  std::set<Uuid> cancels_;

  std::vector<Child> children_;  // monitor thread only
  std::atomic<std::uint32_t> cpus_in_use_{0};
  std::thread monitor_;
};

}  // namespace edgeloop::jobs
