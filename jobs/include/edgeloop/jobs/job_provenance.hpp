// How a job's status change is written to a run's provenance log: one Job record per change,
// naming the inputs and outputs by hash, the program and its version, and the scheduler's id.
#pragma once

#include <optional>

#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/jobs/job_record.hpp"

namespace edgeloop::jobs {

// subject "job/<id>", sha256 = spec_digest(spec), inputs: role "input" / id "file/<name>" for
// every input and role "output" / id "file/out/<name>" for every output of the status,
// attributes: state, previous_state (absent for the first record), attempt, exit_code,
// scheduler_id, runner, message, sequence, run_id, program, program_version, args and
// resources.
ProvenanceEntry job_provenance_entry(const JobRecord& record,
                                     std::optional<JobState> previous_state);

}  // namespace edgeloop::jobs
