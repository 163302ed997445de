// How an adaptive plan's inputs are written to a run's provenance log and read back for a
// replay: observations (what the pipeline measured) with their content hash, and refusals.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "edgeloop/controllers/run_plan.hpp"

namespace edgeloop {

// SHA-256 (hex) of an observation's content: scan index, command seq, position, payload hash,
// and every product and axis by name. What a decision names as its inputs.
std::string observation_hash(const PlanObservation& observation);

// The attributes of an Observation record and back. Non-finite values become null and come
// back as NaN, so a replay sees the same bits the plan saw (finite doubles round-trip
// exactly through the JSON text). observation_from_json throws std::invalid_argument.
nlohmann::json observation_to_json(const PlanObservation& observation);
PlanObservation observation_from_json(const nlohmann::json& attributes);

nlohmann::json refusal_to_json(const PlanRefusal& refusal);
PlanRefusal refusal_from_json(const nlohmann::json& attributes);

}  // namespace edgeloop
