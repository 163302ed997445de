// The Slurm runner against scripted stand-ins for sbatch, squeue, sacct and scancel: the
// misbehaviour a real Slurm shows only rarely (garbage output, unknown states, forgotten jobs,
// a reused job id, an unanswered submission), made to happen on demand. The real Slurm is in
// slurm_runner_slurm_test.cpp.
#include "edgeloop/jobs/slurm_runner.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgeloop/jobs/slurm_batch_script.hpp"
#include "jobs_test_support.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::read_text;
using testing::RunnerEnvironment;
namespace fs = std::filesystem;

class ScriptedSlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(bin);
    // Each command prints <name>.out to stdout and <name>.err to stderr, exits with <name>.rc
    // and appends its arguments to <name>.log.
    for (const char* name : {"sbatch", "squeue", "sacct", "scancel"}) {
      const fs::path fake = env.dir / "fake";
      fs::create_directories(fake);
      std::ofstream(bin / name) << "#!/bin/sh\n"
                                << "echo \"$*\" >> '" << (fake / name).string() << ".log'\n"
                                << "cat '" << (fake / name).string() << ".out' 2>/dev/null\n"
                                << "cat '" << (fake / name).string() << ".err' >&2 2>/dev/null\n"
                                << "exit $(cat '" << (fake / name).string()
                                << ".rc' 2>/dev/null || echo 0)\n";
      fs::permissions(bin / name, fs::perms::owner_all);
      answer(name, "", "", 0);
    }
  }

  void answer(const std::string& command, const std::string& out, const std::string& err = "",
              int rc = 0) {
    const fs::path fake = env.dir / "fake" / command;
    std::ofstream(fake.string() + ".out", std::ios::trunc) << out;
    std::ofstream(fake.string() + ".err", std::ios::trunc) << err;
    std::ofstream(fake.string() + ".rc", std::ios::trunc) << rc;
  }

  std::size_t calls(const std::string& command) {
    const std::string log = read_text(env.dir / "fake" / (command + ".log"));
    return static_cast<std::size_t>(std::count(log.begin(), log.end(), '\n'));
  }

  std::unique_ptr<SlurmRunner> make_runner(std::uint32_t lost_after = 30) {
    SlurmRunnerConfig config;
    config.state_dir = env.dir / "state";
    config.bin_dir = bin;
    config.poll_interval = 20ms;
    config.command_timeout = 5s;
    config.lost_after_polls = lost_after;
    return std::make_unique<SlurmRunner>(env.paths, config, env.counters, *env.log, env.hooks());
  }

  // Submits a job that the fake sbatch accepts as Slurm job 7.
  Uuid submit_as_7(SlurmRunner& runner, JobSpec spec = RunnerEnvironment::shell("true")) {
    answer("sbatch", "7\n");
    const Uuid id = runner.submit(spec);
    EXPECT_TRUE(eventually([&] { return runner.status(id)->scheduler_id == "7"; }, 10s));
    return id;
  }

  static std::string line(const Uuid& id, const std::string& state, int raw_status = 0,
                          std::uint32_t attempt = 1) {
    return "7|" + state + "|" + std::to_string(raw_status) + "|None|" +
           slurm_job_name(id, attempt) + "|\n";
  }

  RunnerEnvironment env;
  fs::path bin = env.dir / "bin";
};

TEST_F(ScriptedSlurmTest, FollowsTheStatesSqueueReports) {
  auto runner = make_runner();
  const Uuid id = submit_as_7(*runner);
  EXPECT_EQ(runner->status(id)->message, "submitted to Slurm as job 7");
  answer("squeue", line(id, "PENDING"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(runner->status(id)->state, JobState::Queued);
  answer("squeue", line(id, "RUNNING"));
  ASSERT_TRUE(eventually([&] { return runner->status(id)->state == JobState::Running; }, 10s));
  answer("squeue", line(id, "FAILED", 3 << 8));
  const auto status = runner->wait(id, 10s);
  EXPECT_EQ(status->state, JobState::Failed);
  EXPECT_EQ(status->exit_code, 3);
  const std::string sbatch_args = read_text(env.dir / "fake" / "sbatch.log");
  EXPECT_NE(sbatch_args.find("--parsable --chdir=" + runner->workspace(id).dir().string()),
            std::string::npos)
      << sbatch_args;
}

TEST_F(ScriptedSlurmTest, GarbageAndUnknownStatesChangeNothing) {
  auto runner = make_runner();
  const Uuid id = submit_as_7(*runner);
  answer("squeue", "this is not squeue output\n7|RUNNING|zero|None|x|\n");
  ASSERT_TRUE(eventually([&] { return env.counters.value("jobs.slurm.bad_output") >= 2; }, 10s));
  answer("squeue", line(id, "TELEPORTED"));
  ASSERT_TRUE(eventually([&] { return env.counters.value("jobs.slurm.unknown_state") >= 1; }, 10s));
  EXPECT_EQ(runner->status(id)->state, JobState::Queued);
  answer("squeue", line(id, "COMPLETED"));
  EXPECT_EQ(runner->wait(id, 10s)->state, JobState::Completed);
}

TEST_F(ScriptedSlurmTest, AnUnreachableControllerFreezesStatesUntilItAnswers) {
  auto runner = make_runner();
  const Uuid id = submit_as_7(*runner);
  answer("squeue", line(id, "RUNNING"));
  ASSERT_TRUE(eventually([&] { return runner->status(id)->state == JobState::Running; }, 10s));
  answer("squeue", "",
         "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n", 1);
  ASSERT_TRUE(eventually([&] { return runner->controller_unreachable(); }, 10s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(runner->status(id)->state, JobState::Running);
  EXPECT_GE(env.counters.value("jobs.slurm.unreachable"), 2u);
  // A cancel waits for the controller instead of being lost.
  EXPECT_TRUE(runner->cancel(id));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls("scancel"), 0u);
  answer("squeue", line(id, "RUNNING"));
  ASSERT_TRUE(eventually([&] { return !runner->controller_unreachable(); }, 10s));
  ASSERT_TRUE(eventually([&] { return calls("scancel") == 1; }, 10s));
  answer("squeue", line(id, "CANCELLED", 15));
  const auto status = runner->wait(id, 10s);
  EXPECT_EQ(status->state, JobState::Cancelled);
  EXPECT_EQ(status->message, "Slurm job 7 cancelled");
}

TEST_F(ScriptedSlurmTest, AFinishedJobIsFoundInTheCompletionLogOrItsExitFile) {
  auto runner = make_runner();
  const Uuid first = submit_as_7(*runner);
  // squeue forgot it (aged out), sacct -c remembers.
  answer("squeue", "", "slurm_load_jobs error: Invalid job id specified\n", 1);
  answer("sacct", "7|" + slurm_job_name(first, 1) + "|COMPLETED|0:0\n");
  EXPECT_EQ(runner->wait(first, 10s)->state, JobState::Completed);

  // Neither knows it (a controller that crashed before saving its state), but the batch
  // script left the exit status.
  answer("sacct", "");
  JobSpec spec = RunnerEnvironment::shell("true");
  const Uuid second = runner->submit(spec);
  fs::create_directories(runner->workspace(second).control_dir());
  std::ofstream(runner->workspace(second).exit_marker(1)) << "0\n";
  const auto status = runner->wait(second, 10s);
  EXPECT_EQ(status->state, JobState::Completed);
  EXPECT_EQ(env.counters.value("jobs.slurm.from_exit_file"), 1u);
}

TEST_F(ScriptedSlurmTest, AJobNobodyKnowsIsLostAndRetried) {
  auto runner = make_runner(3);
  JobSpec spec = RunnerEnvironment::shell("true");
  spec.max_retries = 1;
  const Uuid id = submit_as_7(*runner, spec);
  // Slurm lost its state and gave id 7 to someone else's job.
  answer("squeue", "7|RUNNING|0|None|someone-elses-job|\n");
  ASSERT_TRUE(eventually([&] { return runner->status(id)->attempt == 2; }, 10s));
  EXPECT_GE(env.counters.value("jobs.slurm.foreign_job"), 3u);
  EXPECT_EQ(env.counters.value("jobs.slurm.lost"), 1u);
  // The retry is a new submission, which the fake also calls 7.
  answer("squeue", line(id, "COMPLETED", 0, 2));
  const auto status = runner->wait(id, 10s);
  EXPECT_EQ(status->state, JobState::Completed);
  EXPECT_EQ(calls("sbatch"), 2u);
}

TEST_F(ScriptedSlurmTest, AnUnansweredSubmissionIsLookedUpBeforeItIsSentAgain) {
  auto runner = make_runner();
  answer("sbatch", "Submitted batch job 7\n");  // exit 0, but not what --parsable prints
  const Uuid id = runner->submit(RunnerEnvironment::shell("true"));
  ASSERT_TRUE(eventually([&] { return env.counters.value("jobs.slurm.bad_output") >= 1; }, 10s));
  // The lookup by name finds it: adopted, not submitted twice.
  answer("squeue", line(id, "RUNNING"));
  ASSERT_TRUE(eventually([&] { return runner->status(id)->state == JobState::Running; }, 10s));
  EXPECT_EQ(runner->status(id)->scheduler_id, "7");
  EXPECT_EQ(calls("sbatch"), 1u);
  const std::string lookups = read_text(env.dir / "fake" / "squeue.log");
  EXPECT_NE(lookups.find("--name=" + slurm_job_name(id, 1)), std::string::npos) << lookups;
}

TEST_F(ScriptedSlurmTest, ARefusedSubmissionFailsAtOnce) {
  auto runner = make_runner();
  answer("sbatch", "", "sbatch: error: Batch job submission failed: Invalid partition name\n", 1);
  JobSpec spec = RunnerEnvironment::shell("true");
  spec.max_retries = 3;
  const Uuid id = runner->submit(spec);
  const auto status = runner->wait(id, 10s);
  EXPECT_EQ(status->state, JobState::Failed);
  EXPECT_EQ(status->message,
            "sbatch refused the job: sbatch: error: Batch job submission failed: Invalid "
            "partition name");
  EXPECT_EQ(calls("sbatch"), 1u);  // not retried: it would be refused again
}

TEST_F(ScriptedSlurmTest, ADamagedJobTableStopsTheRunner) {
  fs::create_directories(env.dir / "state");
  std::ofstream(env.dir / "state" / "slurm-jobs.json") << "{\"format\": \"edgeloop-slurm-jobs\"";
  EXPECT_THROW(make_runner(), std::runtime_error);
}

TEST_F(ScriptedSlurmTest, ConfigurationIsChecked) {
  SlurmRunnerConfig config;
  EXPECT_THROW(SlurmRunner(env.paths, config, env.counters, *env.log), std::invalid_argument);
  config.state_dir = env.dir / "state";
  config.partition = "bad partition";
  EXPECT_THROW(SlurmRunner(env.paths, config, env.counters, *env.log), std::invalid_argument);
  config.partition.clear();
  RunnerPaths percent = env.paths;
  percent.jobs_root = env.dir / "100%";
  EXPECT_THROW(SlurmRunner(percent, config, env.counters, *env.log), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::jobs
