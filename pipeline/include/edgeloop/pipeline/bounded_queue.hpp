// A bounded multi-producer/multi-consumer FIFO that hands items between pipeline threads.
//
// Contract: capacity is fixed at construction and never exceeded. `try_push` never blocks and
// fails when full, so an ingest thread can stop reading its socket and let ZeroMQ's high-water
// mark push back on the sender (lossless). `push` blocks until there is room or the queue is
// closed. `pop_for` waits up to a timeout. After `close`, pushes fail and pops drain what is
// left, then return nullopt. Only `push_dropping_oldest` (the `latest` overflow policy, for
// preview paths) ever discards an accepted item, and it says so.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace edgeloop {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("BoundedQueue capacity must be > 0");
  }

  bool try_push(T& item) {
    std::lock_guard lock(mutex_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  bool push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Never blocks: when full, the oldest item makes room. Returns true when one was dropped;
  // false also when closed (the item is then discarded, as a closed queue takes nothing).
  bool push_dropping_oldest(T item, bool* accepted = nullptr) {
    std::lock_guard lock(mutex_);
    if (accepted != nullptr) *accepted = !closed_;
    if (closed_) return false;
    bool dropped = false;
    if (items_.size() >= capacity_) {
      items_.pop_front();
      dropped = true;
    }
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return dropped;
  }

  std::optional<T> pop_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    // A zero timeout only looks: libstdc++'s wait_for would still sleep in a futex call.
    if (items_.empty() && timeout.count() <= 0) return std::nullopt;
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) {
      return std::nullopt;
    }
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  bool closed_and_empty() const {
    std::lock_guard lock(mutex_);
    return closed_ && items_.empty();
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  bool full() const {
    std::lock_guard lock(mutex_);
    return items_.size() >= capacity_;
  }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace edgeloop
