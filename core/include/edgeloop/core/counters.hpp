// Named counters and gauges for status and metrics, e.g. "rejected.data.invalid_flatbuffer".
// Thread-safe; the hot path holds a reference to the atomic and never touches the name map.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace edgeloop {

// A counter is incremented with fetch_add; a gauge (queue depth, last latency) is the same
// atomic written with store(). Relaxed ordering is enough: readers want a recent value, not a
// consistent cut across names.
class Counters {
 public:
  Counters() = default;
  Counters(const Counters&) = delete;
  Counters& operator=(const Counters&) = delete;

  // Created at 0 on first use. The reference stays valid for this object's lifetime, so look
  // it up once at set-up and keep it.
  std::atomic<std::uint64_t>& counter(std::string_view name);
  // Convenience for cold paths; takes a lock to find the name.
  void add(std::string_view name, std::uint64_t n = 1);
  // 0 for a name never used.
  std::uint64_t value(std::string_view name) const;
  std::map<std::string, std::uint64_t> snapshot() const;
  // {"name": value, ...}
  nlohmann::json to_json() const;

 private:
  mutable std::shared_mutex mutex_;
  // unique_ptr keeps each atomic at a fixed address however the map grows.
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>, std::less<>> counters_;
};

}  // namespace edgeloop
