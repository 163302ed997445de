#include "edgeloop/jobs/job_state.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace edgeloop::jobs {
namespace {

const std::vector<JobState> kAll{JobState::Queued, JobState::Running,   JobState::Completed,
                                 JobState::Failed, JobState::Cancelled, JobState::TimedOut};

TEST(JobState, NamesRoundTrip) {
  for (const auto state : kAll) EXPECT_EQ(job_state_from_string(to_string(state)), state);
  EXPECT_EQ(to_string(JobState::TimedOut), "timed_out");
  EXPECT_FALSE(job_state_from_string("done"));
  EXPECT_FALSE(job_state_from_string(""));
}

TEST(JobState, OnlyTheFourEndsAreTerminal) {
  EXPECT_FALSE(is_terminal(JobState::Queued));
  EXPECT_FALSE(is_terminal(JobState::Running));
  EXPECT_TRUE(is_terminal(JobState::Completed));
  EXPECT_TRUE(is_terminal(JobState::Failed));
  EXPECT_TRUE(is_terminal(JobState::Cancelled));
  EXPECT_TRUE(is_terminal(JobState::TimedOut));
}

TEST(JobState, TransitionsFollowTheStateMachine) {
  // Every legal edge, and nothing else.
  const std::vector<std::pair<JobState, JobState>> legal{
      {JobState::Queued, JobState::Running},    {JobState::Queued, JobState::Failed},
      {JobState::Queued, JobState::Cancelled},  {JobState::Running, JobState::Queued},
      {JobState::Running, JobState::Completed}, {JobState::Running, JobState::Failed},
      {JobState::Running, JobState::Cancelled}, {JobState::Running, JobState::TimedOut},
  };
  for (const auto from : kAll) {
    for (const auto to : kAll) {
      const bool expected =
          std::find(legal.begin(), legal.end(), std::make_pair(from, to)) != legal.end();
      EXPECT_EQ(is_legal_transition(from, to), expected)
          << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(JobState, MapsToTheWireEnum) {
  EXPECT_EQ(to_wire(JobState::Queued), wire::JobState::Queued);
  EXPECT_EQ(to_wire(JobState::Running), wire::JobState::Running);
  EXPECT_EQ(to_wire(JobState::Completed), wire::JobState::Completed);
  EXPECT_EQ(to_wire(JobState::Failed), wire::JobState::Failed);
  EXPECT_EQ(to_wire(JobState::Cancelled), wire::JobState::Cancelled);
  EXPECT_EQ(to_wire(JobState::TimedOut), wire::JobState::TimedOut);
}

}  // namespace
}  // namespace edgeloop::jobs
