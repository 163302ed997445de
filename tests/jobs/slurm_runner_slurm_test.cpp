// The Slurm runner against a real single-node Slurm, brought up for each test by
// scripts/slurm-local in the test's temporary directory (label: slurm).
#include "edgeloop/jobs/slurm_runner.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "jobs_test_support.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::read_text;
using testing::RunnerEnvironment;

using SlurmRunnerTest = testing::SlurmTest;

TEST_F(SlurmRunnerTest, AJobCompletesWithItsOutputs) {
  auto runner = make_runner();
  JobSpec spec = RunnerEnvironment::shell(
      "cat in.txt > out/copy.txt; echo \"$SLURM_JOB_ID $OMP_NUM_THREADS\"; echo note >&2");
  spec.inputs = {env.store.put_bytes("through slurm\n", "in.txt")};
  spec.memory_mb = 100;
  spec.time_limit_s = 120;
  const Uuid id = runner->submit(spec);
  const auto status = runner->wait(id, 60s);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->state, JobState::Completed) << status->message;
  EXPECT_EQ(status->exit_code, 0);
  EXPECT_FALSE(status->scheduler_id.empty());
  ASSERT_EQ(status->outputs.size(), 1u);
  EXPECT_EQ(status->outputs[0].sha256, Sha256::of("through slurm\n"));
  const JobWorkspace space = runner->workspace(id);
  EXPECT_EQ(read_text(space.stdout_path(1)), status->scheduler_id + " 1\n");
  EXPECT_EQ(read_text(space.stderr_path(1)), "note\n");
  EXPECT_TRUE(std::filesystem::exists(space.control_dir() / "job-1.sh"));
  std::vector<JobState> states;
  for (const auto& s : env.statuses.drain()) states.push_back(s.state);
  ASSERT_GE(states.size(), 3u);
  EXPECT_EQ(states.front(), JobState::Queued);
  EXPECT_EQ(states.back(), JobState::Completed);
  EXPECT_NE(std::find(states.begin(), states.end(), JobState::Running), states.end());
}

TEST_F(SlurmRunnerTest, ANonZeroExitFailsWithItsCode) {
  auto runner = make_runner();
  const Uuid id = runner->submit(RunnerEnvironment::shell("exit 3"));
  const auto status = runner->wait(id, 60s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Failed) << status->message;
  EXPECT_EQ(status->exit_code, 3);
  EXPECT_NE(status->message.find("FAILED with exit code 3"), std::string::npos) << status->message;
}

TEST_F(SlurmRunnerTest, FailedAttemptsAreResubmitted) {
  auto runner = make_runner();
  JobSpec spec = RunnerEnvironment::shell("[ \"$EDGELOOP_JOB_ATTEMPT\" -ge 2 ] || exit 4");
  spec.max_retries = 1;
  const Uuid id = runner->submit(spec);
  const auto status = runner->wait(id, 90s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed) << status->message;
  EXPECT_EQ(status->attempt, 2u);
}

TEST_F(SlurmRunnerTest, AJobPastItsTimeLimitTimesOut) {
  // Slurm limits are whole minutes and slurmctld checks them every 30 s: 60..90 s.
  auto runner = make_runner();
  JobSpec spec = RunnerEnvironment::shell("sleep 300");
  spec.time_limit_s = 1;
  const Uuid id = runner->submit(spec);
  const auto status = runner->wait(id, 150s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::TimedOut) << status->message;
}

TEST_F(SlurmRunnerTest, CancelEndsAPendingOrRunningJob) {
  auto runner = make_runner();
  const Uuid id = runner->submit(RunnerEnvironment::shell("sleep 300"));
  ASSERT_TRUE(eventually([&] { return runner->status(id)->state == JobState::Running; }, 60s));
  EXPECT_TRUE(runner->cancel(id));
  const auto status = runner->wait(id, 60s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Cancelled) << status->message;
}

TEST_F(SlurmRunnerTest, AJobSurvivesARestartOfTheController) {
  auto runner = make_runner();
  const Uuid id = runner->submit(RunnerEnvironment::shell("sleep 6; echo done > out/done.txt"));
  ASSERT_TRUE(eventually([&] { return runner->status(id)->state == JobState::Running; }, 60s));
  cluster->stop_controller();
  // Polls now fail; the job stays tracked and unchanged.
  ASSERT_TRUE(eventually([&] { return runner->controller_unreachable(); }, 30s));
  EXPECT_EQ(runner->status(id)->state, JobState::Running);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(runner->status(id)->state, JobState::Running);
  EXPECT_GE(env.counters.value("jobs.slurm.unreachable"), 1u);
  cluster->start_controller();
  const auto status = runner->wait(id, 90s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed) << status->message;
  EXPECT_FALSE(runner->controller_unreachable());
  ASSERT_EQ(status->outputs.size(), 1u);
  EXPECT_EQ(status->outputs[0].name, "done.txt");
}

TEST_F(SlurmRunnerTest, ARestartedRunnerReattachesToItsJobs) {
  Uuid running;
  Uuid queued;
  std::string slurm_id;
  {
    auto first = make_runner();
    running = first->submit(RunnerEnvironment::shell("sleep 4; echo one > out/result.txt"));
    ASSERT_TRUE(
        eventually([&] { return first->status(running)->state == JobState::Running; }, 60s));
    slurm_id = first->status(running)->scheduler_id;
    first->shutdown();  // as a daemon stopping: its Slurm jobs go on
  }
  // The job table survived, and the job is still running in Slurm.
  ASSERT_TRUE(std::filesystem::exists(env.dir / "state" / "slurm-jobs.json"));
  auto second = make_runner();
  const auto reattached = second->status(running);
  ASSERT_TRUE(reattached);
  EXPECT_EQ(reattached->scheduler_id, slurm_id);
  EXPECT_EQ(reattached->message, "re-attached to Slurm job " + slurm_id);
  queued = second->submit(RunnerEnvironment::shell("echo two > out/result.txt"));
  const auto status = second->wait(running, 60s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed) << status->message;
  EXPECT_EQ(status->scheduler_id, slurm_id);  // the same Slurm job, not a new one
  ASSERT_EQ(status->outputs.size(), 1u);
  EXPECT_EQ(status->outputs[0].sha256, Sha256::of("one\n"));
  EXPECT_EQ(second->wait(queued, 60s)->state, JobState::Completed);
  second.reset();
  // A third runner finds both finished and nothing left to do.
  auto third = make_runner();
  EXPECT_EQ(third->status(running)->state, JobState::Completed);
  EXPECT_EQ(third->status(queued)->state, JobState::Completed);
}

TEST_F(SlurmRunnerTest, ARefusedSubmissionFailsTheJobWithSlurmsReason) {
  auto runner = make_runner();
  JobSpec spec = RunnerEnvironment::shell("true");
  spec.memory_mb = 1u << 30;  // a petabyte: no node has it
  const Uuid id = runner->submit(spec);
  const auto status = runner->wait(id, 60s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Failed);
  EXPECT_NE(status->message.find("sbatch refused the job"), std::string::npos) << status->message;
  EXPECT_EQ(env.counters.value("jobs.slurm.submit_refused"), 1u);
}

}  // namespace
}  // namespace edgeloop::jobs
