// The number an adaptive plan optimises, read from one observation: a product's value at an
// axis coordinate (I(q) at a target q, interpolated) or at an index, maximised, minimised or
// brought close to a target. A small JSON spec so a run states exactly what it optimised.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "edgeloop/controllers/run_plan.hpp"

namespace edgeloop::bayes {

class ObservationObjective {
 public:
  // {"product": "iq", "at": 0.22}: the value where the product's first axis equals 0.22,
  // linearly interpolated between the two bins around it;
  // {"product": "porod_invariant", "index": 0}: the value at an index (default 0);
  // "goal": "maximize" (default) | "minimize"; or "target": t to bring the value close to t.
  // Throws std::invalid_argument naming the field.
  static ObservationObjective parse(const nlohmann::json& spec);

  // Higher is better whatever the goal (minimised values and distances are negated). nullopt
  // when the observation lacks the product, the point lies outside the axis, or the value
  // there is not finite.
  std::optional<double> evaluate(const PlanObservation& observation) const;

  const std::string& product() const { return product_; }
  nlohmann::json to_json() const;

 private:
  std::string product_;
  std::optional<double> at_;
  std::size_t index_ = 0;
  std::string goal_ = "maximize";
  std::optional<double> target_;
};

}  // namespace edgeloop::bayes
