// The unit of processing: a stage turns one frame into named products. The public API is
// non-virtual so the base owns timing and counting; concrete stages fill in private hooks.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

// A small named result of a stage, published and recorded as provenance.
struct Product {
  std::string name;
  std::vector<double> values;
};

// What provenance records about a stage: enough to know exactly what ran.
struct StageDescription {
  std::string name;
  std::string version;
  nlohmann::json parameters;
};

struct StageMetrics {
  std::uint64_t processed = 0;
  std::uint64_t failed = 0;
  std::uint64_t total_ns = 0;
  std::uint64_t max_ns = 0;
};

class Stage {
 public:
  virtual ~Stage() = default;
  Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  // Validates and applies parameters; throws std::invalid_argument naming the bad parameter.
  void configure(const nlohmann::json& parameters);
  // Appends this stage's products for `frame` to `out`. Exceptions from the hook are counted
  // as failures and rethrown so the caller decides what a failed frame means.
  void process(const Frame& frame, std::vector<Product>& out);
  StageDescription describe() const;
  StageMetrics metrics() const;

 private:
  virtual std::string_view stage_name() const = 0;
  virtual std::string_view stage_version() const = 0;
  // Returns the effective parameters (defaults filled in) for describe().
  virtual nlohmann::json apply_parameters(const nlohmann::json& parameters) = 0;
  virtual void process_frame(const Frame& frame, std::vector<Product>& out) = 0;

  nlohmann::json parameters_ = nlohmann::json::object();
  std::atomic<std::uint64_t> processed_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> total_ns_{0};
  std::atomic<std::uint64_t> max_ns_{0};
};

}  // namespace edgeloop
