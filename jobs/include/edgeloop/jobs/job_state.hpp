// The states of an offloaded job and the transitions the runners may make between them, so a
// finished job can never be moved back to running.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "edgeloop/core/wire.hpp"

namespace edgeloop::jobs {

//   queued ──▶ running ──▶ completed | failed | cancelled | timed_out
//     │  ▲        │
//     │  └────────┘  retry: a failed attempt goes back to queued while retries are left
//     └──▶ failed | cancelled   (refused by the scheduler, or cancelled before it started)
enum class JobState : std::uint8_t { Queued, Running, Completed, Failed, Cancelled, TimedOut };

// "queued", "running", "completed", "failed", "cancelled", "timed_out"
std::string_view to_string(JobState state);
std::optional<JobState> job_state_from_string(std::string_view name);

// Terminal states are final: nothing leaves them.
bool is_terminal(JobState state);
bool is_legal_transition(JobState from, JobState to);

wire::JobState to_wire(JobState state);

}  // namespace edgeloop::jobs
