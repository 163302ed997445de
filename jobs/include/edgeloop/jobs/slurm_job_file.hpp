// The Slurm runner's job table on disk, written atomically, so a restarted daemon re-attaches
// to the Slurm jobs it submitted instead of losing or orphaning them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "edgeloop/jobs/job_record.hpp"

namespace edgeloop::jobs {

// What the runner knows about a job's Slurm side.
struct SlurmTracking {
  std::string slurm_id{};  // empty until sbatch answered
  // An sbatch for the current attempt went out and its answer was not seen (crash, timeout):
  // the job may or may not exist, so look it up by name before submitting again.
  bool submitting = false;
  bool cancel_requested = false;
  bool cancel_sent = false;
  std::uint32_t unknown_polls = 0;  // consecutive polls in which nothing knew the job

  bool operator==(const SlurmTracking&) const = default;
};

struct PersistedSlurmJob {
  JobRecord record;
  SlurmTracking slurm;
};

inline constexpr std::string_view kSlurmJobFileFormat = "edgeloop-slurm-jobs";
inline constexpr int kSlurmJobFileVersion = 1;

// Throws std::runtime_error naming the file when it cannot be written.
void save_slurm_jobs(const std::filesystem::path& file, const std::vector<PersistedSlurmJob>& jobs);
// An absent file is an empty table. Throws std::runtime_error naming the file and the entry
// for anything unreadable, so a damaged table stops the runner rather than dropping jobs.
std::vector<PersistedSlurmJob> load_slurm_jobs(const std::filesystem::path& file);

}  // namespace edgeloop::jobs
