#include "edgeloop/jobs/slurm_batch_script.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgeloop/jobs/subprocess.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;

JobRecord record_for(JobSpec spec, std::uint32_t attempt = 1) {
  JobRecord record;
  spec.job_id = spec.job_id.is_nil() ? Uuid::random() : spec.job_id;
  record.status.job_id = spec.job_id;
  record.status.attempt = attempt;
  record.spec = std::move(spec);
  return record;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SlurmBatchScript, AsksForTheResourcesOfTheSpec) {
  JobSpec spec;
  spec.program = "pw.x";
  spec.args = {"-in", "pw.in"};
  spec.cpus = 2;
  spec.mpi_ranks = 4;
  spec.memory_mb = 1500;
  spec.time_limit_s = 61;
  const JobRecord record = record_for(spec, 3);
  const JobWorkspace space("/jobs", record.spec.job_id);
  const BatchScript script = make_batch_script(record, space, {"debug", "mpirun"});
  const std::string& s = script.text;
  EXPECT_TRUE(s.starts_with("#!/bin/bash\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --job-name=edgeloop-" + record.spec.job_id.str() + "-3\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --ntasks=4\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --cpus-per-task=2\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --mem=1500M\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --time=2\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --partition=debug\n"));
  EXPECT_TRUE(contains(s, "#SBATCH --no-requeue\n"));
  EXPECT_TRUE(contains(s, "set -eo pipefail\n"));
  EXPECT_TRUE(contains(s, "OMPI_ALLOW_RUN_AS_ROOT=1"));
  EXPECT_TRUE(contains(s, "'mpirun' -np \"$SLURM_NTASKS\" 'pw.x' '-in' 'pw.in'\n"));
  EXPECT_EQ(script.sbatch_args,
            (std::vector<std::string>{"--chdir=" + space.dir().string(),
                                      "--output=" + space.stdout_path(3).string(),
                                      "--error=" + space.stderr_path(3).string()}));
}

TEST(SlurmBatchScript, LeavesOutWhatWasNotAskedFor) {
  const JobRecord record = record_for(JobSpec{.program = "/bin/true"});
  const std::string s =
      make_batch_script(record, JobWorkspace("/jobs", record.spec.job_id), {}).text;
  EXPECT_FALSE(contains(s, "--mem"));
  EXPECT_FALSE(contains(s, "--time"));
  EXPECT_FALSE(contains(s, "--partition"));
  EXPECT_FALSE(contains(s, "mpirun"));
  EXPECT_TRUE(contains(s, "\n'/bin/true'\n"));
}

TEST(SlurmBatchScript, TimeLimitsRoundUpToMinutes) {
  EXPECT_EQ(slurm_time_minutes(0), 0u);
  EXPECT_EQ(slurm_time_minutes(1), 1u);
  EXPECT_EQ(slurm_time_minutes(60), 1u);
  EXPECT_EQ(slurm_time_minutes(61), 2u);
  EXPECT_EQ(slurm_time_minutes(3600), 60u);
}

TEST(SlurmBatchScript, QuotingKeepsEveryArgumentOneWord) {
  EXPECT_EQ(shell_quote("plain"), "'plain'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

// The script itself, run by bash outside Slurm: arguments arrive intact, the environment is
// set, and the exit file records the program's status (also through set -e).
TEST(SlurmBatchScript, TheScriptRunsTheProgramAndRecordsItsExit) {
  edgeloop::testing::TempDir dir;
  JobSpec spec;
  spec.program = "/bin/sh";
  spec.args = {"-c", "printf '%s|' \"$0\" \"$MY_VAR\" \"$EDGELOOP_JOB_ATTEMPT\" > out/args; exit 5",
               "it's $HOME `x`"};
  spec.environment = {{"MY_VAR", "a 'quoted' $value"}};
  const JobRecord record = record_for(spec, 2);
  const JobWorkspace space(dir.path(), record.spec.job_id);
  std::filesystem::create_directories(space.out_dir());
  std::filesystem::create_directories(space.control_dir());
  const BatchScript script = make_batch_script(record, space, {});
  std::ofstream(dir / "job.sh") << script.text;
  const auto result =
      run_command({"/bin/bash", (dir / "job.sh").string()}, current_environment(), 10s);
  EXPECT_EQ(result.exit_code, 5) << result.err;
  std::ifstream args(space.out_dir() / "args");
  std::string text((std::istreambuf_iterator<char>(args)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "it's $HOME `x`|a 'quoted' $value|2|");
  EXPECT_EQ(space.read_exit_marker(2), 5);
}

}  // namespace
}  // namespace edgeloop::jobs
