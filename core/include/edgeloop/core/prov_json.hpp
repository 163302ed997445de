// A run's provenance log as W3C PROV-JSON, for tools that speak PROV: commands, decisions,
// stages, jobs and refusals become activities; frames, results, acks, observations and notes
// entities; the daemon and instruments agents; the log's links the PROV relations.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "edgeloop/core/provenance_reader.hpp"

namespace edgeloop {

// `run_id` names the run's namespace ("run:" prefix, urn:edgeloop:run:<id>/).
nlohmann::json to_prov_json(const std::vector<ProvenanceRecordView>& records,
                            const std::string& run_id);

}  // namespace edgeloop
