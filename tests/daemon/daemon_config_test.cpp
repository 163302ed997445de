#include "edgeloop/daemon/daemon_config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

std::string error_for(const std::string& toml) {
  try {
    load_daemon_config(ConfigTable::parse(toml, "edgeloopd.toml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(DaemonConfig, DefaultsAreLoopbackAndValid) {
  const DaemonConfig c = load_daemon_config(ConfigTable::parse("", "<defaults>"));
  EXPECT_EQ(c.endpoints.data, "tcp://127.0.0.1:47100");
  EXPECT_EQ(c.endpoints.admin, "tcp://127.0.0.1:47103");
  EXPECT_EQ(c.provenance.fsync, FsyncPolicy::Interval);
}

TEST(DaemonConfig, ReadsEveryTable) {
  const DaemonConfig c = load_daemon_config(ConfigTable::parse(R"(
[daemon]
data_dir = "/srv/edgeloop"
[endpoints]
data = "ipc:///run/edgeloop/data"
[ingest]
queue_capacity = 8
[provenance]
fsync = "every_record"
[commands]
retry_interval_ms = 100
deadline_ms = 1000
max_in_flight = 2
[stages.frame_sum]
backend = "cpu"
)",
                                                               "edgeloopd.toml"));
  EXPECT_EQ(c.data_dir, "/srv/edgeloop");
  EXPECT_EQ(c.endpoints.data, "ipc:///run/edgeloop/data");
  EXPECT_EQ(c.queue_capacity, 8u);
  EXPECT_EQ(c.provenance.fsync, FsyncPolicy::EveryRecord);
  EXPECT_EQ(c.command_timings.deadline, std::chrono::milliseconds(1000));
  EXPECT_EQ(c.max_commands_in_flight, 2u);
  EXPECT_EQ(c.frame_sum_backend, "cpu");
}

TEST(DaemonConfig, PipelinesStreamsStorageAndStream2) {
  const DaemonConfig c = load_daemon_config(ConfigTable::parse(R"(
[ingest.stream2]
enabled = true
endpoint = "tcp://10.0.0.5:31001"
modality = "saxs"
stream = "eiger/detector"
[streams."4dstem/detector"]
policy = "latest"
[streams."saxs/detector"]
codec = "zstd"
[storage]
raw_codec = "raw"
zstd_level = 7
queue_capacity = 8
flush_ms = 100
[pipeline.4dstem]
stages = ["frame_sum", "delay"]
[pipeline.4dstem.delay]
ms = 2
[pipeline.apt]
stages = []
)",
                                                               "edgeloopd.toml"));
  EXPECT_TRUE(c.stream2.enabled);
  EXPECT_EQ(c.stream2.endpoint, "tcp://10.0.0.5:31001");
  EXPECT_EQ(c.stream2.modality, wire::Modality::Saxs);
  EXPECT_EQ(c.streams.at("4dstem/detector").policy, OverflowPolicy::Latest);
  EXPECT_FALSE(c.streams.at("4dstem/detector").codec.has_value());
  EXPECT_EQ(c.streams.at("saxs/detector").codec, wire::Codec::Zstd);
  EXPECT_EQ(c.storage.raw_codec, wire::Codec::Raw);
  EXPECT_EQ(c.storage.zstd_level, 7);
  EXPECT_EQ(c.storage.queue_capacity, 8u);
  const PipelineConfig& stem = c.pipelines.at(wire::Modality::Stem4D);
  EXPECT_EQ(stem.stages, (std::vector<std::string>{"frame_sum", "delay"}));
  EXPECT_EQ(stem.parameters.at("delay"), (nlohmann::json{{"ms", 2}}));
  EXPECT_TRUE(c.pipelines.at(wire::Modality::Apt).stages.empty());
  // Not configured: the built-in default.
  EXPECT_TRUE(c.pipelines.at(wire::Modality::Saxs).stages.empty());
}

TEST(DaemonConfig, PipelineMistakesStopTheDaemonAtLoad) {
  EXPECT_NE(error_for("[pipeline.tem]\nstages = []").find("pipeline.tem"), std::string::npos);
  EXPECT_NE(error_for("[pipeline.4dstem]\nstages = [\"fft\"]").find("unknown stage 'fft'"),
            std::string::npos);
  // Parameters are checked by the stage itself, with the key named.
  EXPECT_NE(error_for("[pipeline.4dstem]\nstages = [\"delay\"]\n[pipeline.4dstem.delay]\n"
                      "seconds = 1")
                .find("unknown parameter 'seconds'"),
            std::string::npos);
  // A stage serves its own modality only.
  EXPECT_NE(error_for("[pipeline.saxs]\nstages = [\"stem_virtual_detectors\"]").find("4dstem runs"),
            std::string::npos);
  EXPECT_NE(error_for("[pipeline.saxs]\nstages = [\"saxs_azimuthal_integration\"]\n"
                      "[pipeline.saxs.saxs_azimuthal_integration]\nponi = \"/nonexistent.poni\"")
                .find("pipeline.saxs.saxs_azimuthal_integration"),
            std::string::npos);
  EXPECT_NE(error_for("[streams.x]\npolicy = \"newest\"").find("streams.x.policy"),
            std::string::npos);
  EXPECT_NE(error_for("[storage]\nraw_codec = \"gzip\"").find("storage.raw_codec"),
            std::string::npos);
  EXPECT_NE(error_for("[streams.x]\ncodec = \"lz4\"").find("streams.x.codec"), std::string::npos);
  EXPECT_NE(error_for("[storage]\nzstd_level = 40").find("storage.zstd_level"), std::string::npos);
}

TEST(DaemonConfig, ErrorsNameFileKeyAndProblem) {
  EXPECT_NE(error_for("[endpoints]\ndata = \"http://x\"").find("edgeloopd.toml: endpoints.data"),
            std::string::npos);
  EXPECT_NE(error_for("[ingest]\nqueue_capacity = 0").find("ingest.queue_capacity"),
            std::string::npos);
  EXPECT_NE(error_for("[ingest]\nqueue_capacity = \"big\"").find("expected an integer"),
            std::string::npos);
  EXPECT_NE(error_for("[provenance]\nfsync = \"sometimes\"").find("not one of"), std::string::npos);
  EXPECT_NE(error_for("[commands]\nretry_interval_ms = 500\ndeadline_ms = 100")
                .find("commands.deadline_ms"),
            std::string::npos);
  EXPECT_NE(error_for("[ingest]\nqueue_capacty = 4").find("did you mean"), std::string::npos);
}

TEST(DaemonConfig, JobsDefaultToTheLocalRunnerUnderTheDataDir) {
  const DaemonConfig c = load_daemon_config(
      ConfigTable::parse("[daemon]\ndata_dir = \"/srv/el\"\n", "edgeloopd.toml"));
  EXPECT_EQ(c.jobs.default_runner, "local");
  EXPECT_FALSE(c.jobs.slurm_enabled);
  EXPECT_EQ(c.jobs.paths.jobs_root, std::filesystem::path("/srv/el/jobs"));
  EXPECT_EQ(c.jobs.paths.store_root, std::filesystem::path("/srv/el/store"));
  EXPECT_EQ(c.jobs.slurm.state_dir, std::filesystem::path("/srv/el/state/slurm"));
  EXPECT_TRUE(c.sisso.program.empty());
  EXPECT_EQ(c.sisso.max_rows, 100000u);
  EXPECT_EQ(c.sisso.time_limit_s, 600u);
  EXPECT_EQ(c.sisso.cpus, 1u);
}

TEST(DaemonConfig, ReadsTheJobsTables) {
  const DaemonConfig c = load_daemon_config(ConfigTable::parse(R"(
[daemon]
data_dir = "/srv/el"
[jobs]
root = "/scratch/jobs"
stage = "hardlink"
default_runner = "slurm"
status_queue = 16
[jobs.local]
max_cpus = 2
[jobs.slurm]
enabled = true
partition = "debug"
[jobs.sisso]
program = "/opt/edgeloop/bin/edgeloop-sisso"
max_rows = 500
time_limit_s = 30
cpus = 2
)",
                                                               "edgeloopd.toml"));
  EXPECT_EQ(c.jobs.paths.jobs_root, std::filesystem::path("/scratch/jobs"));
  EXPECT_EQ(c.jobs.default_runner, "slurm");
  EXPECT_TRUE(c.jobs.slurm_enabled);
  EXPECT_EQ(c.jobs.slurm.partition, "debug");
  EXPECT_EQ(c.jobs.status_queue_capacity, 16u);
  EXPECT_EQ(c.jobs.local.max_cpus, 2u);
  EXPECT_EQ(c.sisso.program, std::filesystem::path("/opt/edgeloop/bin/edgeloop-sisso"));
  EXPECT_EQ(c.sisso.max_rows, 500u);
  EXPECT_EQ(c.sisso.time_limit_s, 30u);
  EXPECT_EQ(c.sisso.cpus, 2u);
}

TEST(DaemonConfig, JobsErrorsNameTheKey) {
  EXPECT_NE(error_for("[jobs]\ndefault_runner = \"slurm\"").find("jobs.default_runner"),
            std::string::npos);
  EXPECT_NE(error_for("[jobs]\nstage = \"symlink\"").find("not one of"), std::string::npos);
  EXPECT_NE(error_for("[jobs.sisso]\nmax_rows = 2").find("jobs.sisso.max_rows"), std::string::npos);
  EXPECT_NE(error_for("[jobs.sisso]\ntime_limit_s = 0").find("jobs.sisso.time_limit_s"),
            std::string::npos);
  EXPECT_NE(error_for("[jobs.sisso]\nprogramm = \"x\"").find("did you mean"), std::string::npos);
  EXPECT_NE(error_for("[jobs.local]\nmax_cpu = 1").find("did you mean"), std::string::npos);
}

TEST(DaemonConfig, ShippedExampleConfigLoads) {
  const DaemonConfig c = load_daemon_config_file(EDGELOOP_SOURCE_DIR "/config/edgeloopd.toml");
  EXPECT_EQ(c.endpoints.results, "tcp://127.0.0.1:47101");
  EXPECT_EQ(c.jobs.default_runner, "local");
  EXPECT_EQ(c.sisso.max_rows, 100000u);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST(DaemonConfig, AReloadAppliesPipelinesSafetyAndTheLogLevelAndNamesTheRest) {
  const auto before = ConfigTable::parse(
      "[endpoints]\ndata = \"tcp://127.0.0.1:5555\"\n[logging]\nlevel = \"info\"\n"
      "[pipeline.4dstem]\nstages = [\"frame_sum\"]\n[storage]\nflush_ms = 250\n",
      "before.toml");
  const auto after = ConfigTable::parse(
      "[endpoints]\ndata = \"tcp://127.0.0.1:6666\"\n[logging]\nlevel = \"debug\"\n"
      "[pipeline.4dstem]\nstages = [\"frame_sum\", \"delay\"]\n[storage]\nflush_ms = 250\n"
      "[safety]\nrequire_envelope = true\n",
      "after.toml");
  const ConfigReload plan = plan_config_reload(before, after);
  EXPECT_EQ(plan.live, (std::vector<std::string>{"logging.level", "pipeline", "safety"}));
  EXPECT_EQ(plan.restart, std::vector<std::string>{"endpoints"});
  EXPECT_TRUE(plan_config_reload(before, before).live.empty());
  EXPECT_TRUE(plan_config_reload(before, before).restart.empty());
}

}  // namespace
}  // namespace edgeloop
