#include "edgeloop/jobs/subprocess.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <system_error>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;

TEST(RunCommand, CapturesOutputAndExitCode) {
  const auto result =
      run_command({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, current_environment(), 10s);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_FALSE(result.timed_out);
}

TEST(RunCommand, UsesTheGivenEnvironment) {
  Environment env = current_environment();
  set_environment(env, "SLURM_CONF", "/tmp/one.conf");
  set_environment(env, "SLURM_CONF", "/tmp/two.conf");
  EXPECT_EQ(environment_value(env, "SLURM_CONF"), "/tmp/two.conf");
  const auto result = run_command({"/bin/sh", "-c", "echo $SLURM_CONF"}, env, 10s);
  EXPECT_EQ(result.out, "/tmp/two.conf\n");
}

TEST(RunCommand, KillsAHungCommandAndItsChildren) {
  const auto start = std::chrono::steady_clock::now();
  const auto result =
      run_command({"/bin/sh", "-c", "sleep 30 & sleep 30"}, current_environment(), 200ms);
  EXPECT_TRUE(result.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RunCommand, AMissingProgramIsAnErrorNotAnException) {
  const auto result = run_command({"/nonexistent/sbatch"}, current_environment(), 1s);
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_NE(result.err.find("cannot start '/nonexistent/sbatch'"), std::string::npos) << result.err;
}

TEST(RunCommand, LimitsTheCapturedOutput) {
  const auto result =
      run_command({"/bin/sh", "-c", "head -c 100000 /dev/zero"}, current_environment(), 10s, 1000);
  EXPECT_EQ(result.out.size(), 1000u);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(result.exit_code, 0);
}

TEST(SpawnProcess, RunsInItsOwnGroupWithFilesAndDirectory) {
  edgeloop::testing::TempDir dir;
  SpawnRequest request;
  request.argv = {"/bin/sh", "-c", "pwd; echo oops >&2; ps -o pgid= -p $$"};
  request.environment = current_environment();
  request.working_dir = dir.path();
  request.stdout_path = dir / "out.txt";
  request.stderr_path = dir / "err.txt";
  const pid_t pid = spawn_process(request);
  int raw = 0;
  ASSERT_EQ(::waitpid(pid, &raw, 0), pid);
  EXPECT_EQ(decode_wait_status(raw), 0);
  std::ifstream out(dir / "out.txt");
  std::string cwd;
  std::string pgid;
  out >> cwd >> pgid;
  EXPECT_EQ(cwd, dir.path().string());
  EXPECT_EQ(pgid, std::to_string(pid));
  EXPECT_THROW(spawn_process({{"no-such-program-xyz"}, current_environment()}), std::system_error);
}

TEST(SpawnProcess, DecodesSignals) {
  const pid_t pid = spawn_process({{"/bin/sleep", "30"}, current_environment()});
  ::kill(pid, SIGKILL);
  while (!leader_exited(pid)) {
  }
  EXPECT_EQ(decode_wait_status(reap_group(pid)), 128 + SIGKILL);
}

}  // namespace
}  // namespace edgeloop::jobs
