// JSON forms of specs and statuses, shared by the persisted Slurm job table, provenance and the
// admin API; parsing is strict and names the field at fault.
#pragma once

#include <nlohmann/json.hpp>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/jobs/job_spec.hpp"
#include "edgeloop/jobs/job_status.hpp"

namespace edgeloop::jobs {

nlohmann::json spec_to_json(const JobSpec& spec);
// Throws JobSpecError naming the field; does not call validate().
JobSpec spec_from_json(const nlohmann::json& json);

nlohmann::json status_to_json(const JobStatus& status);
// Throws std::invalid_argument naming the field.
JobStatus status_from_json(const nlohmann::json& json);

// SHA-256 of the spec's canonical JSON text: the provenance subject hash of a job, so two
// records about the same job can be checked to describe the same request.
Sha256Digest spec_digest(const JobSpec& spec);

}  // namespace edgeloop::jobs
