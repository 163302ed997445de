// What to run: program, arguments, inputs (by content hash), resources and retry policy, and the
// validation every spec passes before a runner accepts it.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/uuid.hpp"

namespace edgeloop::jobs {

// A spec that fails validation; what() names the field and the problem.
class JobSpecError : public std::invalid_argument {
 public:
  explicit JobSpecError(const std::string& what) : std::invalid_argument("job spec: " + what) {}
};

// An input file: staged from the content store into the job's working directory by hash.
struct InputFile {
  std::string name{};  // relative path inside the job directory, e.g. "pw.in", "data/train.dat"
  Sha256Digest sha256{};
  std::uint64_t size = 0;

  bool operator==(const InputFile&) const = default;
};

struct JobSpec {
  Uuid job_id{};  // nil: the runner assigns a fresh one at submission
  Uuid run_id{};  // the run the job belongs to; nil for jobs outside a run
  // An absolute path, a name looked up in PATH, or a path relative to the job directory
  // ("./run.sh" for a staged script).
  std::string program{};
  std::string program_version{};  // recorded in provenance, e.g. "6.7" for pw.x
  std::vector<std::string> args{};
  std::vector<InputFile> inputs{};
  std::map<std::string, std::string> environment{};  // added to the runner's environment
  std::uint32_t cpus = 1;                            // per task (OMP_NUM_THREADS)
  std::uint32_t mpi_ranks = 0;     // 0: a plain program; N: started as N MPI ranks (mpirun -np N)
  std::uint64_t memory_mb = 0;     // 0: no request
  std::uint32_t time_limit_s = 0;  // 0: none; Slurm rounds up to whole minutes
  std::uint32_t max_retries = 0;   // failed attempts re-queued at most this often
  std::string runner{};            // "local" or "slurm"; empty: the runner it is submitted to

  bool operator==(const JobSpec&) const = default;
};

// Limits of validate(); generous, but they stop a corrupt request from exhausting memory.
inline constexpr std::size_t kMaxArgs = 4096;
inline constexpr std::size_t kMaxInputs = 10000;
inline constexpr std::size_t kMaxEnvironment = 1000;
inline constexpr std::size_t kMaxTextBytes = 64 * 1024;  // any one program, argument or value
inline constexpr std::uint32_t kMaxCpus = 4096;
inline constexpr std::uint32_t kMaxMpiRanks = 65536;
inline constexpr std::uint32_t kMaxTimeLimitS = 366u * 24 * 3600;
inline constexpr std::uint32_t kMaxRetries = 100;

// Throws JobSpecError for the first problem found. The job id may still be nil.
void validate(const JobSpec& spec);
// Throws JobSpecError unless `name` can name an input: relative, no "." or ".." components,
// no control characters, and not one of the names the runners use themselves (out/,
// .edgeloop/, stdout-*, stderr-*).
void validate_input_name(std::string_view name);

// Processes a job occupies: mpi_ranks, or 1 for a plain program.
std::uint32_t task_count(const JobSpec& spec);

}  // namespace edgeloop::jobs
