// Remembers the acks an instrument sent, so a retried command (same run and seq) is answered
// with the same ack instead of being executed twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "edgeloop/core/uuid.hpp"

namespace edgeloop::sims {

// Bounded by count, oldest evicted first: the daemon retries a command within its deadline,
// seconds at most, so only the recent past needs remembering. Not thread-safe: owned by the
// instrument loop.
class AckCache {
 public:
  explicit AckCache(std::size_t capacity = 4096);

  // The cached ack bytes, or nullptr when (run, seq) has not been answered.
  const std::vector<std::byte>* find(const Uuid& run, std::uint64_t seq) const;
  // Replaces any earlier ack for the same key.
  void insert(const Uuid& run, std::uint64_t seq, std::span<const std::byte> ack);

  std::size_t size() const { return acks_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Key = std::pair<Uuid, std::uint64_t>;
  std::size_t capacity_;
  std::map<Key, std::vector<std::byte>> acks_;
  std::deque<Key> order_;  // insertion order, for eviction
};

}  // namespace edgeloop::sims
