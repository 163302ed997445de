// The run plans edgeloopd can run, by modality and name: start_run picks one with "plan", and
// a replay rebuilds one from its RunStarted record. The one place that knows every plan, as
// the stage factory is for stages; a new strategy is one add() in builtin_plan_registry().
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "edgeloop/controllers/run_plan.hpp"
#include "edgeloop/controllers/safety_envelope.hpp"
#include "edgeloop/core/wire.hpp"

namespace edgeloop {

struct PlanRequest {
  wire::Modality modality = wire::Modality::Unknown;
  // The start_run fields besides cmd, modality, instrument and title, or the plan's to_json()
  // from a RunStarted record (which carries "kind" instead of "plan").
  nlohmann::json spec = nlohmann::json::object();
  // The instrument's envelope, when it has one: a plan whose reach it cannot cover is refused
  // at start rather than step by step. Null for a replay.
  const SafetyEnvelope* envelope = nullptr;
};

struct BuiltPlan {
  std::unique_ptr<RunPlan> plan;
  // The scan grid, for stages that map a 4D-STEM run (0 for other modalities).
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
};

// Throws std::invalid_argument with a message for the client.
using PlanFactory = std::function<BuiltPlan(const PlanRequest&)>;

class PlanRegistry {
 public:
  void add(wire::Modality modality, std::string name, PlanFactory factory);
  // Builds plan `name` of the request's modality; std::invalid_argument for an unknown name
  // (listing the known ones) or a spec the plan refuses.
  BuiltPlan make(const std::string& name, const PlanRequest& request) const;
  std::vector<std::string> names(wire::Modality modality) const;

 private:
  std::map<std::pair<wire::Modality, std::string>, PlanFactory> factories_;
};

// raster (4dstem), acquisitions and bayes (saxs), stream (apt).
PlanRegistry builtin_plan_registry();

// The plan a modality runs when start_run names none.
std::string default_plan_name(wire::Modality modality);

}  // namespace edgeloop
