#include "edgeloop/pipeline/runtime/buffer_pool.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace edgeloop {

namespace {
constexpr std::size_t kAlignment = 64;

}  // namespace

struct PooledBuffer::Slots {
  Slots(std::size_t count, std::size_t bytes)
      : slot_bytes((bytes + kAlignment - 1) / kAlignment * kAlignment) {
    // Not zero-filled: pages are touched only when a slot is first used, so a generous pool
    // costs address space, not memory.
    const std::size_t bytes_total = slot_bytes * count + kAlignment;
    storage = std::make_unique_for_overwrite<std::byte[]>(bytes_total);
    void* p = storage.get();
    std::size_t space = bytes_total;
    base = static_cast<std::byte*>(std::align(kAlignment, slot_bytes * count, p, space));
    free_list.reserve(count);
    for (std::size_t i = count; i > 0; --i) free_list.push_back(i - 1);
    total = count;
  }

  std::byte* data(std::size_t index) { return base + index * slot_bytes; }

  void release(std::size_t index) {
    std::lock_guard lock(mutex);
    free_list.push_back(index);
    freed.notify_one();
  }

  const std::size_t slot_bytes;
  std::size_t total = 0;
  std::unique_ptr<std::byte[]> storage;  // over-allocated by one alignment step
  std::byte* base = nullptr;
  mutable std::mutex mutex;
  std::condition_variable freed;
  std::vector<std::size_t> free_list;  // LIFO keeps recently used slots warm in cache
  std::uint64_t waits = 0;
};

PooledBuffer::PooledBuffer(Key, std::shared_ptr<Slots> slots, std::size_t index, std::byte* data,
                           std::size_t capacity, std::size_t size)
    : slots_(std::move(slots)), index_(index), data_(data), capacity_(capacity), size_(size) {}

PooledBuffer::~PooledBuffer() {
  slots_->release(index_);
}

void PooledBuffer::resize(std::size_t bytes) {
  if (bytes > capacity_) {
    throw std::length_error("pooled buffer of " + std::to_string(capacity_) +
                            " bytes cannot hold " + std::to_string(bytes));
  }
  size_ = bytes;
}

BufferPool::BufferPool(std::size_t slots, std::size_t slot_bytes) {
  if (slots == 0 || slot_bytes == 0) {
    throw std::invalid_argument("BufferPool needs at least one slot of at least one byte");
  }
  slots_ = std::make_shared<PooledBuffer::Slots>(slots, slot_bytes);
}

std::size_t BufferPool::slot_bytes() const {
  return slots_->slot_bytes;
}
std::size_t BufferPool::slots() const {
  return slots_->total;
}

std::size_t BufferPool::available() const {
  std::lock_guard lock(slots_->mutex);
  return slots_->free_list.size();
}

std::uint64_t BufferPool::waits() const {
  std::lock_guard lock(slots_->mutex);
  return slots_->waits;
}

std::unique_ptr<PooledBuffer> BufferPool::acquire(std::size_t bytes,
                                                  std::chrono::milliseconds timeout) {
  if (bytes > slots_->slot_bytes) {
    throw std::length_error("a buffer of " + std::to_string(bytes) +
                            " bytes exceeds the pool's slots of " +
                            std::to_string(slots_->slot_bytes));
  }
  std::unique_lock lock(slots_->mutex);
  if (slots_->free_list.empty()) {
    ++slots_->waits;
    if (!slots_->freed.wait_for(lock, timeout, [&] { return !slots_->free_list.empty(); })) {
      return nullptr;
    }
  }
  const std::size_t index = slots_->free_list.back();
  slots_->free_list.pop_back();
  lock.unlock();
  return std::make_unique<PooledBuffer>(PooledBuffer::Key{}, slots_, index, slots_->data(index),
                                        slots_->slot_bytes, bytes);
}

}  // namespace edgeloop
