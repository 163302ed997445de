#include "edgeloop/sims/ack_cache.hpp"

#include <stdexcept>

namespace edgeloop::sims {

AckCache::AckCache(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw std::invalid_argument("AckCache: capacity must be at least 1");
}

const std::vector<std::byte>* AckCache::find(const Uuid& run, std::uint64_t seq) const {
  const auto it = acks_.find(Key{run, seq});
  return it == acks_.end() ? nullptr : &it->second;
}

void AckCache::insert(const Uuid& run, std::uint64_t seq, std::span<const std::byte> ack) {
  const Key key{run, seq};
  auto [it, inserted] = acks_.try_emplace(key);
  it->second.assign(ack.begin(), ack.end());
  if (!inserted) return;
  order_.push_back(key);
  while (acks_.size() > capacity_) {
    acks_.erase(order_.front());
    order_.pop_front();
  }
}

}  // namespace edgeloop::sims
