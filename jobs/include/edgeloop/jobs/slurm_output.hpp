// Parsers for what sbatch, squeue and sacct print, and the meaning of Slurm's job states; every
// line is checked, and lines that do not parse are counted, never trusted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/jobs/job_state.hpp"

namespace edgeloop::jobs {

// One job as a Slurm command reported it.
struct SlurmJobInfo {
  std::string job_id{};  // digits
  std::string name{};
  std::string state{};  // first word of Slurm's state, e.g. "CANCELLED" of "CANCELLED by 0"
  std::optional<int> exit_code{};  // 0..255, or 128 + signal
  std::string reason{};

  bool operator==(const SlurmJobInfo&) const = default;
};

struct SlurmJobList {
  std::vector<SlurmJobInfo> jobs;
  std::size_t bad_lines = 0;  // lines that did not parse; the caller counts them
};

// True for a plain Slurm job id (digits, at most 19 of them).
bool is_slurm_job_id(std::string_view text);

// `sbatch --parsable` prints "<id>" or "<id>;<cluster>"; nullopt for anything else.
std::optional<std::string> parse_sbatch_parsable(std::string_view out);

// The squeue format the runner asks for, and its parser: one job per line,
// "<id>|<state>|<raw wait status>|<reason>|<name>|" (the name last, since it is free text).
inline constexpr std::string_view kSqueueFormat = "JobID:|,State:|,exit_code:|,Reason:|,Name:|";
SlurmJobList parse_squeue(std::string_view out);

// `sacct -c -n -P -o JobID,JobName,State,ExitCode`: "<id>|<name>|<state>|<code>:<signal>".
inline constexpr std::string_view kSacctFields = "JobID,JobName,State,ExitCode";
SlurmJobList parse_sacct(std::string_view out);

// "3:0" → 3, "0:15" → 143 (128 + signal); nullopt when malformed.
std::optional<int> parse_slurm_exit_code(std::string_view text);

// What a Slurm state means: Queued (PENDING, REQUEUED, ...), Running (RUNNING, COMPLETING,
// SUSPENDED, ...) or the end of an attempt (COMPLETED, FAILED, CANCELLED, TIMEOUT,
// OUT_OF_MEMORY, NODE_FAIL, ...). nullopt for a state this version does not know.
std::optional<JobState> job_state_from_slurm(std::string_view slurm_state);

}  // namespace edgeloop::jobs
