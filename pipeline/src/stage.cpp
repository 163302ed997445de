#include "edgeloop/pipeline/stage.hpp"

#include <bit>

#include "edgeloop/core/clock.hpp"

namespace edgeloop {

double StageMetrics::latency_quantile_ns(double q) const {
  std::uint64_t total = 0;
  for (const auto n : latency_histogram) total += n;
  if (total == 0) return 0.0;
  const auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(total));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < latency_histogram.size(); ++i) {
    seen += latency_histogram[i];
    if (seen > wanted || seen == total) return static_cast<double>(std::uint64_t{1} << (i + 1));
  }
  return static_cast<double>(max_ns);
}

void Stage::configure(const nlohmann::json& parameters) {
  parameters_ = apply_parameters(parameters.is_null() ? nlohmann::json::object() : parameters);
}

void Stage::record(std::uint64_t elapsed_ns, std::uint64_t frames) {
  if (frames == 0) return;
  processed_.fetch_add(frames, std::memory_order_relaxed);
  total_ns_.fetch_add(elapsed_ns, std::memory_order_relaxed);
  // A batch counts each of its frames at the batch's mean time.
  const std::uint64_t per_frame = elapsed_ns / frames;
  const std::size_t bucket =
      per_frame == 0
          ? 0
          : std::min<std::size_t>(kLatencyBuckets - 1,
                                  static_cast<std::size_t>(std::bit_width(per_frame)) - 1);
  histogram_[bucket].fetch_add(frames, std::memory_order_relaxed);
  std::uint64_t seen = max_ns_.load(std::memory_order_relaxed);
  while (per_frame > seen && !max_ns_.compare_exchange_weak(seen, per_frame)) {
  }
}

void Stage::process(const Frame& frame, std::vector<Product>& out) {
  const std::int64_t start = monotonic_ns();
  try {
    process_frame(frame, out);
  } catch (...) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    throw;
  }
  record(static_cast<std::uint64_t>(monotonic_ns() - start), 1);
}

void Stage::process_frames(std::span<const Frame* const> frames,
                           std::vector<std::vector<Product>>& out) {
  for (std::size_t i = 0; i < frames.size(); ++i) process_frame(*frames[i], out[i]);
}

void Stage::process_batch(std::span<const Frame* const> frames,
                          std::vector<std::vector<Product>>& out) {
  out.resize(frames.size());
  for (auto& products : out) products.clear();  // the caller may reuse `out` across stages
  const std::int64_t start = monotonic_ns();
  try {
    process_frames(frames, out);
  } catch (...) {
    failed_.fetch_add(frames.size(), std::memory_order_relaxed);
    throw;
  }
  record(static_cast<std::uint64_t>(monotonic_ns() - start), frames.size());
}

void Stage::snapshot(std::vector<Product>& out) const {
  snapshot_products(out);
}

void Stage::finish(std::vector<Product>& out) {
  finish_products(out);
}

StageDescription Stage::describe() const {
  return {std::string(stage_name()), std::string(stage_version()), parameters_};
}

StageMetrics Stage::metrics() const {
  StageMetrics m{processed_.load(), failed_.load(), total_ns_.load(), max_ns_.load(), {}};
  for (std::size_t i = 0; i < kLatencyBuckets; ++i) m.latency_histogram[i] = histogram_[i].load();
  return m;
}

}  // namespace edgeloop
