// A stage that only takes time: `ms` milliseconds per frame, no products. For backpressure
// drills and tests of the overflow policies, where a reduction must be deliberately slow.
#pragma once

#include <chrono>

#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop {

class DelayStage final : public Stage {
 private:
  std::string_view stage_name() const override { return "delay"; }
  std::string_view stage_version() const override { return "1.0.0"; }
  nlohmann::json apply_parameters(const nlohmann::json& parameters) override;
  void process_frame(const Frame& frame, std::vector<Product>& out) override;

  std::chrono::microseconds delay_{0};
};

}  // namespace edgeloop
