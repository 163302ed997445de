// The hand-off of job statuses from the runners' threads to the thread that publishes them
// (the daemon's worker, which owns the PUB socket).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "edgeloop/jobs/job_status.hpp"

namespace edgeloop::jobs {

// Contract:
// - Any number of producers, any number of consumers; all members are thread-safe.
// - push() never blocks: runners call it with their job table locked.
// - Overflow policy: drop the oldest status and count it in dropped(). Nothing is lost for
//   good: every status is also in the provenance log, and Runner::status() always answers the
//   current one.
// - Order: statuses leave in the order they were pushed, so per job they arrive in order.
class JobStatusQueue {
 public:
  explicit JobStatusQueue(std::size_t capacity);
  JobStatusQueue(const JobStatusQueue&) = delete;
  JobStatusQueue& operator=(const JobStatusQueue&) = delete;

  void push(JobStatus status);
  // Waits up to `timeout` for a status.
  std::optional<JobStatus> pop(std::chrono::milliseconds timeout);
  std::vector<JobStatus> drain();
  // A callback for RunnerHooks::on_status that pushes here; the queue must outlive the runner.
  StatusCallback sink();

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<JobStatus> items_;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace edgeloop::jobs
