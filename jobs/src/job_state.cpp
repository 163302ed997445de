#include "edgeloop/jobs/job_state.hpp"

#include <array>
#include <utility>

namespace edgeloop::jobs {

namespace {
constexpr std::array<std::pair<JobState, std::string_view>, 6> kNames{{
    {JobState::Queued, "queued"},
    {JobState::Running, "running"},
    {JobState::Completed, "completed"},
    {JobState::Failed, "failed"},
    {JobState::Cancelled, "cancelled"},
    {JobState::TimedOut, "timed_out"},
}};
}  // namespace

std::string_view to_string(JobState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<JobState> job_state_from_string(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

bool is_terminal(JobState state) {
  return state == JobState::Completed || state == JobState::Failed ||
         state == JobState::Cancelled || state == JobState::TimedOut;
}

bool is_legal_transition(JobState from, JobState to) {
  switch (from) {
    case JobState::Queued:
      // Failed straight from queued: the scheduler refused the job or it could not be started.
      return to == JobState::Running || to == JobState::Failed || to == JobState::Cancelled;
    case JobState::Running:
      // Running back to queued is the retry of a failed attempt.
      return to == JobState::Queued || to == JobState::Completed || to == JobState::Failed ||
             to == JobState::Cancelled || to == JobState::TimedOut;
    case JobState::Completed:
    case JobState::Failed:
    case JobState::Cancelled:
    case JobState::TimedOut:
      return false;
  }
  return false;
}

wire::JobState to_wire(JobState state) {
  switch (state) {
    case JobState::Queued:
      return wire::JobState::Queued;
    case JobState::Running:
      return wire::JobState::Running;
    case JobState::Completed:
      return wire::JobState::Completed;
    case JobState::Failed:
      return wire::JobState::Failed;
    case JobState::Cancelled:
      return wire::JobState::Cancelled;
    case JobState::TimedOut:
      return wire::JobState::TimedOut;
  }
  return wire::JobState::Unknown;
}

}  // namespace edgeloop::jobs
