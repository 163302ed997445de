#include "edgeloop/jobs/jobs_config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgeloop/testing/config_error_of.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;

JobsConfig load(std::string_view toml) {
  const ConfigTable root = ConfigTable::parse(toml, "edgeloopd.toml");
  JobsConfig config = load_jobs_config(root.table_or_empty("jobs"), "/data");
  root.reject_unknown_keys();
  return config;
}

std::string error_of(std::string_view toml) {
  return edgeloop::testing::config_error_of([](std::string_view t) { load(t); }, toml);
}

TEST(JobsConfig, DefaultsRunJobsLocallyUnderTheDataDirectory) {
  const JobsConfig c = load("");
  EXPECT_EQ(c.paths.jobs_root, "/data/jobs");
  EXPECT_EQ(c.paths.store_root, "/data/store");
  EXPECT_EQ(c.paths.stage_mode, StageMode::Copy);
  EXPECT_EQ(c.default_runner, "local");
  EXPECT_EQ(c.local.max_cpus, 0u);
  EXPECT_FALSE(c.slurm_enabled);
  EXPECT_EQ(c.slurm.state_dir, "/data/state/slurm");
  EXPECT_TRUE(c.slurm.slurm_conf.empty());
  EXPECT_EQ(c.slurm.poll_interval, 1000ms);
}

TEST(JobsConfig, ReadsEveryKey) {
  edgeloop::testing::TempDir dir;
  std::ofstream(dir / "slurm.conf") << "ClusterName=x\n";
  const JobsConfig c = load(R"(
[jobs]
root = "/scratch/jobs"
store = "cas"
stage = "hardlink"
default_runner = "slurm"
status_queue = 64
[jobs.local]
max_cpus = 8
poll_ms = 10
kill_grace_ms = 1000
mpi_launcher = "/usr/bin/mpiexec"
[jobs.slurm]
enabled = true
state_dir = "/var/lib/edgeloop/slurm"
slurm_conf = ")" + (dir / "slurm.conf").string() +
                            R"("
bin_dir = "/opt/slurm/bin"
partition = "gpu"
mpi_launcher = "mpirun"
poll_ms = 500
command_timeout_ms = 10000
lost_after_polls = 5
keep_finished = 10
)");
  EXPECT_EQ(c.paths.jobs_root, "/scratch/jobs");
  EXPECT_EQ(c.paths.store_root, "/data/cas");
  EXPECT_EQ(c.paths.stage_mode, StageMode::Hardlink);
  EXPECT_EQ(c.default_runner, "slurm");
  EXPECT_EQ(c.status_queue_capacity, 64u);
  EXPECT_EQ(c.local.max_cpus, 8u);
  EXPECT_EQ(c.local.kill_grace, 1000ms);
  EXPECT_EQ(c.local.mpi_launcher, "/usr/bin/mpiexec");
  EXPECT_TRUE(c.slurm_enabled);
  EXPECT_EQ(c.slurm.slurm_conf, dir / "slurm.conf");
  EXPECT_EQ(c.slurm.partition, "gpu");
  EXPECT_EQ(c.slurm.poll_interval, 500ms);
  EXPECT_EQ(c.slurm.lost_after_polls, 5u);
  EXPECT_EQ(c.slurm.keep_finished, 10u);
}

TEST(JobsConfig, BadValuesAreNamed) {
  EXPECT_EQ(error_of("[jobs]\nstage = \"symlink\"\n").rfind("edgeloopd.toml: jobs.stage:", 0), 0u);
  EXPECT_NE(error_of("[jobs]\nroot = \"\"\n").find("jobs.root: is empty"), std::string::npos);
  EXPECT_NE(error_of("[jobs]\ndefault_runner = \"slurm\"\n").find("jobs.slurm.enabled is false"),
            std::string::npos);
  EXPECT_NE(error_of("[jobs.slurm]\nenabled = true\nslurm_conf = \"/nonexistent/slurm.conf\"\n")
                .find("does not exist"),
            std::string::npos);
  EXPECT_NE(error_of("[jobs.slurm]\npartition = \"a b\"\n").find("jobs.slurm.partition"),
            std::string::npos);
  EXPECT_NE(error_of("[jobs.local]\nmax_cpus = -1\n").find("jobs.local.max_cpus"),
            std::string::npos);
  EXPECT_NE(error_of("[jobs.slurm]\npoll_ms = 0\n").find("jobs.slurm.poll_ms"), std::string::npos);
  EXPECT_NE(error_of("[jobs.slurm]\nenabld = true\n").find("jobs.slurm.enabld"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::jobs
