#include "edgeloop/core/counters.hpp"

#include <nlohmann/json.hpp>

#include <mutex>

namespace edgeloop {

std::atomic<std::uint64_t>& Counters::counter(std::string_view name) {
  {
    // Most lookups find an existing name; let them proceed side by side.
    const std::shared_lock lock(mutex_);
    const auto it = counters_.find(name);
    if (it != counters_.end()) return *it->second;
  }
  const std::unique_lock lock(mutex_);
  auto [it, inserted] = counters_.try_emplace(std::string(name));
  if (inserted) it->second = std::make_unique<std::atomic<std::uint64_t>>(0);
  return *it->second;
}

void Counters::add(std::string_view name, std::uint64_t n) {
  counter(name).fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t Counters::value(std::string_view name) const {
  const std::shared_lock lock(mutex_);
  const auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

std::map<std::string, std::uint64_t> Counters::snapshot() const {
  std::map<std::string, std::uint64_t> out;
  const std::shared_lock lock(mutex_);
  for (const auto& [name, count] : counters_) {
    out.emplace_hint(out.end(), name, count->load(std::memory_order_relaxed));
  }
  return out;
}

nlohmann::json Counters::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, count] : snapshot()) out[name] = count;
  return out;
}

}  // namespace edgeloop
