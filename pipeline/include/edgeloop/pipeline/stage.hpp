// The unit of processing: a stage turns frames into named products and may accumulate
// run-level products (maps, spectra) along the way. One instance serves one run. The public
// API is non-virtual so the base owns timing and counting; concrete stages fill in private
// hooks (the spdlog base_sink pattern).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/product.hpp"

namespace edgeloop {

// What provenance records about a stage: enough to know exactly what ran.
struct StageDescription {
  std::string name;
  std::string version;
  nlohmann::json parameters;
};

// Processing time per frame in power-of-two buckets: bucket i counts times in
// [2^i, 2^(i+1)) ns, the last bucket everything longer.
inline constexpr std::size_t kLatencyBuckets = 40;

struct StageMetrics {
  std::uint64_t processed = 0;
  std::uint64_t failed = 0;
  std::uint64_t total_ns = 0;
  std::uint64_t max_ns = 0;
  std::array<std::uint64_t, kLatencyBuckets> latency_histogram{};
  // Quantile of the per-frame time from the histogram (upper bucket edge), 0 when empty.
  double latency_quantile_ns(double q) const;
};

class Stage {
 public:
  virtual ~Stage() = default;
  Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  // Validates and applies parameters; throws std::invalid_argument naming the bad parameter.
  void configure(const nlohmann::json& parameters);
  // Appends this stage's per-frame products for `frame` to `out`. Exceptions from the hook
  // are counted as failures and rethrown so the caller decides what a failed frame means.
  void process(const Frame& frame, std::vector<Product>& out);
  // A batch at once (GPU stages override the batch hook; the default loops over frames).
  // `out` is resized to frames.size() and cleared; out[i] receives frame i's products.
  void process_batch(std::span<const Frame* const> frames, std::vector<std::vector<Product>>& out);
  // The run-level products accumulated so far, for live views; cheap enough to call a few
  // times a second. Not timed as processing.
  void snapshot(std::vector<Product>& out) const;
  // The run-level products once every frame of the run has been processed.
  void finish(std::vector<Product>& out);
  // Largest batch the stage wants; 1 for per-frame stages.
  std::size_t preferred_batch() const { return preferred_batch_size(); }

  StageDescription describe() const;
  StageMetrics metrics() const;

 private:
  virtual std::string_view stage_name() const = 0;
  virtual std::string_view stage_version() const = 0;
  // Returns the effective parameters (defaults filled in) for describe().
  virtual nlohmann::json apply_parameters(const nlohmann::json& parameters) = 0;
  virtual void process_frame(const Frame& frame, std::vector<Product>& out) = 0;
  virtual void process_frames(std::span<const Frame* const> frames,
                              std::vector<std::vector<Product>>& out);
  virtual void snapshot_products(std::vector<Product>& /*out*/) const {}
  virtual void finish_products(std::vector<Product>& out) { snapshot_products(out); }
  virtual std::size_t preferred_batch_size() const { return 1; }

  void record(std::uint64_t elapsed_ns, std::uint64_t frames);

  nlohmann::json parameters_ = nlohmann::json::object();
  std::atomic<std::uint64_t> processed_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> total_ns_{0};
  std::atomic<std::uint64_t> max_ns_{0};
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets> histogram_{};
};

}  // namespace edgeloop
