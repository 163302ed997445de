// Everything a runner keeps about one job: the request, where it stands, and where it runs.
#pragma once

#include <filesystem>

#include "edgeloop/jobs/job_spec.hpp"
#include "edgeloop/jobs/job_status.hpp"

namespace edgeloop::jobs {

struct JobRecord {
  JobSpec spec{};
  JobStatus status{};
  std::filesystem::path dir{};  // the job's working directory
};

}  // namespace edgeloop::jobs
