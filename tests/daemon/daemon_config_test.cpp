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

TEST(DaemonConfig, ShippedExampleConfigLoads) {
  const DaemonConfig c = load_daemon_config_file(EDGELOOP_SOURCE_DIR "/config/edgeloopd.toml");
  EXPECT_EQ(c.endpoints.results, "tcp://127.0.0.1:47101");
}

}  // namespace
}  // namespace edgeloop
