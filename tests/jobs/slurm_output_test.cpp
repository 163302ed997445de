#include "edgeloop/jobs/slurm_output.hpp"

#include <gtest/gtest.h>

namespace edgeloop::jobs {
namespace {

TEST(SlurmOutput, ReadsSbatchParsable) {
  EXPECT_EQ(parse_sbatch_parsable("42\n"), "42");
  EXPECT_EQ(parse_sbatch_parsable("42;edgeloop\n"), "42");
  EXPECT_FALSE(parse_sbatch_parsable(""));
  EXPECT_FALSE(parse_sbatch_parsable("Submitted batch job 42"));
  EXPECT_FALSE(parse_sbatch_parsable("42\n43\n"));
  EXPECT_FALSE(parse_sbatch_parsable("-1"));
  EXPECT_FALSE(parse_sbatch_parsable("99999999999999999999"));
}

TEST(SlurmOutput, ReadsSqueueLinesWithRawExitStatus) {
  // As squeue -O "JobID:|,State:|,exit_code:|,Reason:|,Name:|" prints them.
  const auto list = parse_squeue(
      "3|CANCELLED|15|None|edgeloop-a-1|\n"
      "2|FAILED|768|NonZeroExitCode|edgeloop-b-1|\n"
      "1|RUNNING|0|None|name|with|bars|\n"
      "\n"
      "garbage\n"
      "x|RUNNING|0|None|n|\n"
      "5|running|0|None|n|\n"
      "6|PENDING|notanumber|Resources|n|\n");
  ASSERT_EQ(list.jobs.size(), 3u);
  EXPECT_EQ(list.bad_lines, 4u);
  EXPECT_EQ(list.jobs[0], (SlurmJobInfo{"3", "edgeloop-a-1", "CANCELLED", 128 + 15, "None"}));
  EXPECT_EQ(list.jobs[1].exit_code, 3);
  EXPECT_EQ(list.jobs[1].reason, "NonZeroExitCode");
  EXPECT_EQ(list.jobs[2].name, "name|with|bars");
}

TEST(SlurmOutput, ReadsSacctCompletionRecords) {
  const auto list = parse_sacct(
      "2|wrap|FAILED|3:0\n"
      "3|edgeloop-x-1|CANCELLED by 0|0:15\n"
      "4|n|COMPLETED|0:0\n"
      "5|n|COMPLETED\n"
      "6|n|COMPLETED|x:0\n");
  ASSERT_EQ(list.jobs.size(), 3u);
  EXPECT_EQ(list.bad_lines, 2u);
  EXPECT_EQ(list.jobs[0].exit_code, 3);
  EXPECT_EQ(list.jobs[1].state, "CANCELLED");
  EXPECT_EQ(list.jobs[1].exit_code, 143);
  EXPECT_EQ(list.jobs[2].exit_code, 0);
}

TEST(SlurmOutput, ExitCodesAreCodeOrSignal) {
  EXPECT_EQ(parse_slurm_exit_code("3:0"), 3);
  EXPECT_EQ(parse_slurm_exit_code("0:9"), 137);
  EXPECT_EQ(parse_slurm_exit_code("0:0"), 0);
  EXPECT_FALSE(parse_slurm_exit_code("3"));
  EXPECT_FALSE(parse_slurm_exit_code("256:0"));
  EXPECT_FALSE(parse_slurm_exit_code(":"));
}

TEST(SlurmOutput, SlurmStatesMapToTheJobModel) {
  EXPECT_EQ(job_state_from_slurm("PENDING"), JobState::Queued);
  EXPECT_EQ(job_state_from_slurm("REQUEUED"), JobState::Queued);
  EXPECT_EQ(job_state_from_slurm("RUNNING"), JobState::Running);
  EXPECT_EQ(job_state_from_slurm("COMPLETING"), JobState::Running);
  EXPECT_EQ(job_state_from_slurm("SUSPENDED"), JobState::Running);
  EXPECT_EQ(job_state_from_slurm("COMPLETED"), JobState::Completed);
  EXPECT_EQ(job_state_from_slurm("FAILED"), JobState::Failed);
  EXPECT_EQ(job_state_from_slurm("OUT_OF_MEMORY"), JobState::Failed);
  EXPECT_EQ(job_state_from_slurm("NODE_FAIL"), JobState::Failed);
  EXPECT_EQ(job_state_from_slurm("BOOT_FAIL"), JobState::Failed);
  EXPECT_EQ(job_state_from_slurm("PREEMPTED"), JobState::Failed);
  EXPECT_EQ(job_state_from_slurm("CANCELLED"), JobState::Cancelled);
  EXPECT_EQ(job_state_from_slurm("TIMEOUT"), JobState::TimedOut);
  EXPECT_EQ(job_state_from_slurm("DEADLINE"), JobState::TimedOut);
  EXPECT_FALSE(job_state_from_slurm("LAUNCHED_ON_MARS"));
  EXPECT_FALSE(job_state_from_slurm("running"));
}

TEST(SlurmOutput, JobIdsAreDigits) {
  EXPECT_TRUE(is_slurm_job_id("1"));
  EXPECT_TRUE(is_slurm_job_id("1234567"));
  EXPECT_FALSE(is_slurm_job_id(""));
  EXPECT_FALSE(is_slurm_job_id("12_3"));
  EXPECT_FALSE(is_slurm_job_id("12;x"));
}

}  // namespace
}  // namespace edgeloop::jobs
