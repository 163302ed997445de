#include "edgeloop/jobs/local_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "jobs_test_support.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::read_text;
using testing::RunnerEnvironment;

LocalRunnerConfig fast_config(std::uint32_t max_cpus = 4) {
  LocalRunnerConfig config;
  config.max_cpus = max_cpus;
  config.poll_interval = 5ms;
  config.kill_grace = 500ms;
  return config;
}

class LocalRunnerTest : public ::testing::Test {
 protected:
  RunnerEnvironment env;
};

TEST_F(LocalRunnerTest, AJobCompletesWithItsOutputsHashed) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  JobSpec spec = RunnerEnvironment::shell(
      "cat data.txt > out/copy.txt; echo $OMP_NUM_THREADS > out/threads.txt; echo hello; "
      "echo warning >&2");
  spec.inputs = {env.store.put_bytes("payload\n", "data.txt")};
  spec.cpus = 2;
  const Uuid id = runner.submit(spec);
  const auto status = runner.wait(id, 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed) << status->message;
  EXPECT_EQ(status->exit_code, 0);
  ASSERT_EQ(status->outputs.size(), 2u);
  EXPECT_EQ(status->outputs[0].name, "copy.txt");
  EXPECT_EQ(status->outputs[0].sha256, Sha256::of("payload\n"));
  EXPECT_EQ(status->outputs[1].sha256, Sha256::of("2\n"));
  const JobWorkspace space = runner.workspace(id);
  EXPECT_EQ(read_text(space.stdout_path(1)), "hello\n");
  EXPECT_EQ(read_text(space.stderr_path(1)), "warning\n");
  std::vector<JobState> states;
  for (const auto& s : env.statuses.drain()) states.push_back(s.state);
  EXPECT_EQ(states,
            (std::vector<JobState>{JobState::Queued, JobState::Running, JobState::Completed}));
}

TEST_F(LocalRunnerTest, ANonZeroExitFailsWithItsCode) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  const Uuid id = runner.submit(RunnerEnvironment::shell("exit 3"));
  const auto status = runner.wait(id, 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Failed);
  EXPECT_EQ(status->exit_code, 3);
  EXPECT_EQ(status->message, "exited with code 3");
}

TEST_F(LocalRunnerTest, FailedAttemptsAreRetried) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  // Fails on the first two attempts, succeeds on the third.
  JobSpec spec = RunnerEnvironment::shell("[ \"$EDGELOOP_JOB_ATTEMPT\" -ge 3 ] || exit 7");
  spec.max_retries = 2;
  const Uuid id = runner.submit(spec);
  const auto status = runner.wait(id, 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed) << status->message;
  EXPECT_EQ(status->attempt, 3u);
  EXPECT_TRUE(std::filesystem::exists(runner.workspace(id).stdout_path(2)));
  EXPECT_EQ(env.counters.value("jobs.local.retried"), 2u);
}

TEST_F(LocalRunnerTest, ATimeLimitEndsTheJobAsTimedOut) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  JobSpec spec = RunnerEnvironment::shell("trap '' TERM; sleep 30");  // ignores SIGTERM too
  spec.time_limit_s = 1;
  const auto start = std::chrono::steady_clock::now();
  const Uuid id = runner.submit(spec);
  const auto status = runner.wait(id, 20s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::TimedOut);
  EXPECT_EQ(status->exit_code, 128 + SIGKILL);  // the grace passed, so SIGKILL
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(LocalRunnerTest, CancelStopsARunningJobAndItsChildren) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  // The job starts a grandchild in the background that records its pid.
  const Uuid id =
      runner.submit(RunnerEnvironment::shell("sleep 60 & echo $! > out/child.pid; wait"));
  const auto child_pid_file = runner.workspace(id).out_dir() / "child.pid";
  ASSERT_TRUE(eventually([&] { return !read_text(child_pid_file).empty(); }, 10s));
  const pid_t grandchild = std::stoi(read_text(child_pid_file));
  EXPECT_TRUE(runner.cancel(id));
  const auto status = runner.wait(id, 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Cancelled);
  EXPECT_TRUE(eventually([&] { return ::kill(grandchild, 0) != 0; }, 5s))
      << "the job's background child outlived the cancel";
  EXPECT_FALSE(runner.cancel(id));  // already over
  EXPECT_FALSE(runner.cancel(Uuid::random()));
}

TEST_F(LocalRunnerTest, NoOrphansAreLeftWhenTheProgramExits) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  const Uuid id = runner.submit(RunnerEnvironment::shell("sleep 60 & echo $! > out/child.pid"));
  const auto status = runner.wait(id, 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed);
  const pid_t grandchild = std::stoi(read_text(runner.workspace(id).out_dir() / "child.pid"));
  EXPECT_TRUE(eventually([&] { return ::kill(grandchild, 0) != 0; }, 5s));
}

TEST_F(LocalRunnerTest, ConcurrencyIsBoundedByThePoolsCpus) {
  LocalRunner runner(env.paths, fast_config(2), env.counters, *env.log, env.hooks());
  // Each job records when it started and ended; with 2 CPUs at most 2 overlap.
  std::vector<Uuid> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(runner.submit(
        RunnerEnvironment::shell("date +%s%N > out/start; sleep 0.3; date +%s%N > out/end")));
  }
  std::uint32_t peak = 0;
  bool done = false;
  while (!done) {
    peak = std::max(peak, runner.cpus_in_use());
    done = std::all_of(ids.begin(), ids.end(),
                       [&](const Uuid& id) { return is_terminal(runner.status(id)->state); });
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(peak, 2u);
  std::vector<std::pair<long long, int>> events;  // +1 at a start, -1 at an end
  for (const auto& id : ids) {
    ASSERT_EQ(runner.status(id)->state, JobState::Completed);
    const auto out = runner.workspace(id).out_dir();
    events.emplace_back(std::stoll(read_text(out / "start")), 1);
    events.emplace_back(std::stoll(read_text(out / "end")), -1);
  }
  std::sort(events.begin(), events.end());
  int running = 0;
  int most = 0;
  for (const auto& [time, change] : events) most = std::max(most, running += change);
  EXPECT_LE(most, 2);
  EXPECT_GE(most, 2);
  // A job bigger than the pool can never run, so it is refused at once.
  JobSpec big = RunnerEnvironment::shell("true");
  big.cpus = 3;
  EXPECT_THROW(runner.submit(big), JobSpecError);
}

TEST_F(LocalRunnerTest, AQueuedJobCanBeCancelledBeforeItStarts) {
  LocalRunner runner(env.paths, fast_config(1), env.counters, *env.log, env.hooks());
  const Uuid first = runner.submit(RunnerEnvironment::shell("sleep 0.5"));
  const Uuid second = runner.submit(RunnerEnvironment::shell("touch out/ran"));
  EXPECT_EQ(runner.status(second)->state, JobState::Queued);
  EXPECT_TRUE(runner.cancel(second));
  EXPECT_EQ(runner.status(second)->state, JobState::Cancelled);
  EXPECT_EQ(runner.wait(first, 10s)->state, JobState::Completed);
  EXPECT_FALSE(std::filesystem::exists(runner.workspace(second).out_dir() / "ran"));
}

TEST_F(LocalRunnerTest, BadSpecsAndMissingProgramsAreClearErrors) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  EXPECT_THROW(runner.submit(JobSpec{}), JobSpecError);
  JobSpec wrong_runner = RunnerEnvironment::shell("true");
  wrong_runner.runner = "slurm";
  EXPECT_THROW(runner.submit(wrong_runner), JobSpecError);
  JobSpec missing_input = RunnerEnvironment::shell("true");
  missing_input.inputs = {{"x.dat", Sha256::of("not stored"), 10}};
  EXPECT_THROW(runner.submit(missing_input), std::runtime_error);
  EXPECT_EQ(env.counters.value("jobs.local.rejected"), 2u);
  EXPECT_EQ(env.counters.value("jobs.local.staging_failed"), 1u);

  JobSpec missing_program;
  missing_program.program = "edgeloop-no-such-program";
  const Uuid id = runner.submit(missing_program);
  const auto status = runner.wait(id, 10s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Failed);
  EXPECT_EQ(status->exit_code, 127);
  EXPECT_NE(status->message.find("cannot start 'edgeloop-no-such-program'"), std::string::npos)
      << status->message;
  EXPECT_EQ(env.counters.value("jobs.local.spawn_failed"), 1u);

  JobSpec duplicate = RunnerEnvironment::shell("true");
  duplicate.job_id = id;
  EXPECT_THROW(runner.submit(duplicate), JobSpecError);
}

TEST_F(LocalRunnerTest, AStagedScriptRunsAsTheProgram) {
  LocalRunner runner(env.paths, fast_config(), env.counters, *env.log, env.hooks());
  JobSpec spec;
  spec.program = "/bin/sh";
  spec.args = {"run.sh", "argument with spaces"};
  spec.inputs = {env.script("run.sh", "echo \"$1\" > out/arg.txt")};
  const Uuid id = runner.submit(spec);
  ASSERT_EQ(runner.wait(id, 10s)->state, JobState::Completed);
  EXPECT_EQ(read_text(runner.workspace(id).out_dir() / "arg.txt"), "argument with spaces\n");
}

TEST_F(LocalRunnerTest, ShutdownCancelsQueuedAndRunningJobs) {
  auto runner =
      std::make_unique<LocalRunner>(env.paths, fast_config(1), env.counters, *env.log, env.hooks());
  const Uuid running = runner->submit(RunnerEnvironment::shell("sleep 30"));
  const Uuid queued = runner->submit(RunnerEnvironment::shell("sleep 30"));
  ASSERT_TRUE(eventually([&] { return runner->status(running)->state == JobState::Running; }, 10s));
  const auto start = std::chrono::steady_clock::now();
  runner->shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(runner->status(running)->state, JobState::Cancelled);
  EXPECT_EQ(runner->status(queued)->state, JobState::Cancelled);
  EXPECT_EQ(runner->status(running)->message, "runner shut down");
  EXPECT_THROW(runner->submit(RunnerEnvironment::shell("true")), std::logic_error);
  runner.reset();
}

TEST_F(LocalRunnerTest, ManyThreadsSubmitAtOnce) {
  LocalRunner runner(env.paths, fast_config(4), env.counters, *env.log, env.hooks());
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::vector<Uuid> ids;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        const Uuid id = runner.submit(RunnerEnvironment::shell("true"));
        std::lock_guard lock(mutex);
        ids.push_back(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& id : ids) EXPECT_EQ(runner.wait(id, 20s)->state, JobState::Completed);
  EXPECT_EQ(std::set<Uuid>(ids.begin(), ids.end()).size(), 20u);
}

}  // namespace
}  // namespace edgeloop::jobs
