#include "edgeloop/pipeline/stage.hpp"

#include "edgeloop/core/clock.hpp"

namespace edgeloop {

void Stage::configure(const nlohmann::json& parameters) {
  parameters_ = apply_parameters(parameters.is_null() ? nlohmann::json::object() : parameters);
}

void Stage::process(const Frame& frame, std::vector<Product>& out) {
  const std::int64_t start = monotonic_ns();
  try {
    process_frame(frame, out);
  } catch (...) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    throw;
  }
  const auto elapsed = static_cast<std::uint64_t>(monotonic_ns() - start);
  processed_.fetch_add(1, std::memory_order_relaxed);
  total_ns_.fetch_add(elapsed, std::memory_order_relaxed);
  std::uint64_t seen = max_ns_.load(std::memory_order_relaxed);
  while (elapsed > seen && !max_ns_.compare_exchange_weak(seen, elapsed)) {
  }
}

StageDescription Stage::describe() const {
  return {std::string(stage_name()), std::string(stage_version()), parameters_};
}

StageMetrics Stage::metrics() const {
  return {processed_.load(), failed_.load(), total_ns_.load(), max_ns_.load()};
}

}  // namespace edgeloop
