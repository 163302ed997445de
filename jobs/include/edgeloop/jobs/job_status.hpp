// Where a job stands: the snapshot the runners publish on every change, what the daemon turns
// into a wire::JobStatus and what the provenance log records.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/jobs/job_state.hpp"

namespace edgeloop::jobs {

// A file the job left in its out/ directory, hashed when the job ended.
struct OutputFile {
  std::string name{};  // path relative to out/
  Sha256Digest sha256{};
  std::uint64_t size = 0;

  bool operator==(const OutputFile&) const = default;
};

struct JobStatus {
  Uuid job_id{};
  Uuid run_id{};
  std::string runner{};  // "local" or "slurm"
  JobState state = JobState::Queued;
  std::string scheduler_id{};         // Slurm job id, or the local process id; empty before a start
  std::uint32_t attempt = 1;          // 1 for the first try, counting retries
  int exit_code = 0;                  // of the last attempt that ended; 128 + signal when killed
  std::string message{};              // why the state changed, for people
  std::vector<OutputFile> outputs{};  // set when the job ended
  std::int64_t updated_wall_ns = 0;
  std::uint64_t sequence = 0;  // counts the statuses published for this job, from 1

  bool operator==(const JobStatus&) const = default;
};

// Receives every status a runner publishes, in order per job. It is called on the runner's
// threads with the runner's job table locked, so it must be quick and must not call back into
// the runner: push into a queue (JobStatusQueue::sink()) and return.
using StatusCallback = std::function<void(const JobStatus&)>;

}  // namespace edgeloop::jobs
