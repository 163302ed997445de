// Replays a run's plan from its provenance log: rebuilds the plan from the RunStarted record,
// feeds it the observations and refusals in the order the run did, and checks that every step
// it hands out (and every decision) is the one the run recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgeloop/core/provenance_reader.hpp"
#include "plan_registry.hpp"

namespace edgeloop {

struct ReplayReport {
  bool ok = false;
  std::string plan;                // the plan's kind
  std::uint64_t steps = 0;         // commands and refusals the plan handed out, compared
  std::uint64_t decisions = 0;     // decisions reproduced
  std::uint64_t observations = 0;  // observations fed (each one's hash checked)
  std::uint64_t refusals = 0;      // refusals and failed commands fed
  std::string error;               // the first difference (record index and what), when !ok
};

// Plans whose steps depend on the run's progress (an APT stream closing after N chunks) are
// replayed with the log's final frame count.
ReplayReport replay_plan(const std::vector<ProvenanceRecordView>& records,
                         const PlanRegistry& registry);

}  // namespace edgeloop
