#include "edgeloop/jobs/job_status_queue.hpp"

#include <stdexcept>
#include <utility>

namespace edgeloop::jobs {

JobStatusQueue::JobStatusQueue(std::size_t capacity) : capacity_(capacity) {
  if (capacity_ == 0) throw std::invalid_argument("JobStatusQueue: capacity must be at least 1");
}

void JobStatusQueue::push(JobStatus status) {
  {
    std::lock_guard lock(mutex_);
    if (items_.size() >= capacity_) {
      items_.pop_front();
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    items_.push_back(std::move(status));
  }
  ready_.notify_one();
}

std::optional<JobStatus> JobStatusQueue::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  // A zero timeout only looks: libstdc++'s wait_for would still sleep in a futex call.
  if (items_.empty() && timeout.count() <= 0) return std::nullopt;
  if (!ready_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
  JobStatus status = std::move(items_.front());
  items_.pop_front();
  return status;
}

std::vector<JobStatus> JobStatusQueue::drain() {
  std::lock_guard lock(mutex_);
  std::vector<JobStatus> all(std::make_move_iterator(items_.begin()),
                             std::make_move_iterator(items_.end()));
  items_.clear();
  return all;
}

StatusCallback JobStatusQueue::sink() {
  return [this](const JobStatus& status) { push(status); };
}

std::size_t JobStatusQueue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

}  // namespace edgeloop::jobs
