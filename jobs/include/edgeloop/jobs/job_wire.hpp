// Wire forms of jobs (job_spec.fbs, job_status.fbs): builders for publishing statuses and
// sending specs, and the checked conversion of a received spec.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/jobs/job_spec.hpp"
#include "edgeloop/jobs/job_status.hpp"

namespace edgeloop::jobs {

// Outputs go on the wire with their path in the job directory ("out/<name>"). The run id and
// sequence have no wire field yet.
flatbuffers::DetachedBuffer build_job_status(const JobStatus& status);

// The wire spec has no environment and no mpi_ranks: those are left out.
flatbuffers::DetachedBuffer build_job_spec(const JobSpec& spec);

// Converts a spec that edgeloop::decode<wire::JobSpec> accepted, then validates it: throws
// JobSpecError naming the field (for example an input hash that is not 32 bytes).
JobSpec job_spec_from_wire(const wire::JobSpec& spec);

}  // namespace edgeloop::jobs
