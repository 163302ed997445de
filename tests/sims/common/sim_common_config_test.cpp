#include "edgeloop/sims/sim_common_config.hpp"

#include <gtest/gtest.h>

#include <string>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/testing/config_error_of.hpp"

namespace edgeloop::sims {
namespace {

using std::chrono::milliseconds;

// The caller's part: common keys, then the leftover check, as every modality does.
SimCommonConfig parse(std::string_view text) {
  const ConfigTable root = ConfigTable::parse(text, "sim.toml");
  SimCommonConfig config = sim_common_config_from(root, "sim-x");
  root.reject_unknown_keys();
  return config;
}

std::string error_of(std::string_view text) {
  return testing::config_error_of(parse, text);
}

std::string override_error(const SimOverrides& overrides) {
  SimCommonConfig config = parse("");
  try {
    apply_overrides(config, overrides);
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

TEST(SimCommonConfig, EmptyFileGivesDefaults) {
  const SimCommonConfig config = parse("");
  EXPECT_EQ(config.name, "sim-x");
  EXPECT_EQ(config.seed, 1U);
  EXPECT_EQ(config.data_endpoint, "tcp://127.0.0.1:47100");
  EXPECT_EQ(config.commands_endpoint, "tcp://127.0.0.1:47102");
  EXPECT_EQ(config.heartbeat, milliseconds(500));
  EXPECT_TRUE(config.truth_file.empty());
  EXPECT_FALSE(config.faults.any());
  EXPECT_EQ(config.log.level, "info");
}

TEST(SimCommonConfig, ReadsEveryKey) {
  const SimCommonConfig config = parse(R"(
[instrument]
name = "stem-2"
seed = 99
[endpoints]
data = "ipc:///tmp/d"
commands = "tcp://10.0.0.1:5"
[timing]
heartbeat_ms = 250
[truth]
file = "runs/truth.h5"
[faults]
drop = 0.1
duplicate = 0.2
corrupt = 0.3
drop_ack = 0.4
stall_every = 10
stall_ms = 50
disconnect_every = 20
reconnect_after_ms = 60
ack_delay_ms = 70
[logging]
level = "debug"
format = "json"
)");
  EXPECT_EQ(config.name, "stem-2");
  EXPECT_EQ(config.seed, 99U);
  EXPECT_EQ(config.data_endpoint, "ipc:///tmp/d");
  EXPECT_EQ(config.commands_endpoint, "tcp://10.0.0.1:5");
  EXPECT_EQ(config.heartbeat, milliseconds(250));
  EXPECT_EQ(config.truth_file, "runs/truth.h5");
  EXPECT_EQ(config.faults.drop, 0.1);
  EXPECT_EQ(config.faults.duplicate, 0.2);
  EXPECT_EQ(config.faults.corrupt, 0.3);
  EXPECT_EQ(config.faults.drop_ack, 0.4);
  EXPECT_EQ(config.faults.stall_every, 10U);
  EXPECT_EQ(config.faults.stall, milliseconds(50));
  EXPECT_EQ(config.faults.disconnect_every, 20U);
  EXPECT_EQ(config.faults.reconnect_after, milliseconds(60));
  EXPECT_EQ(config.faults.ack_delay, milliseconds(70));
  EXPECT_TRUE(config.faults.any());
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.format, "json");
}

TEST(SimCommonConfig, ErrorsNameFileAndKey) {
  EXPECT_NE(error_of("[timing]\nheartbeat_ms = 0\n").find("timing.heartbeat_ms"),
            std::string::npos);
  EXPECT_NE(error_of("[endpoints]\ndata = \"localhost\"\n").find("endpoints.data"),
            std::string::npos);
  EXPECT_NE(error_of("[instrument]\nname = \"\"\n").find("instrument.name"), std::string::npos);
  // edgeloopd ignores instruments with longer names, so the simulator refuses them up front.
  EXPECT_NE(error_of("[instrument]\nname = \"" + std::string(65, 'n') + "\"\n").find("1 to 64"),
            std::string::npos);
  EXPECT_NO_THROW(parse("[instrument]\nname = \"" + std::string(64, 'n') + "\"\n"));
  EXPECT_NE(error_of("[logging]\nlevel = \"loud\"\n").find("logging.level"), std::string::npos);
  EXPECT_NE(error_of("[faults]\ndrop = 1.5\n").find("faults.drop"), std::string::npos);
  EXPECT_EQ(error_of("[faults]\nstall_every = 5\n"),
            "sim.toml: faults.stall_ms: must be > 0 when stall_every is set");
  EXPECT_NE(error_of("[faults]\ndisconnect_every = 5\n").find("faults.reconnect_after_ms"),
            std::string::npos);
  EXPECT_NE(error_of("[faults]\ndorp = 0.1\n").find("faults.dorp"), std::string::npos);
}

TEST(SimCommonConfig, CommandLineOverridesTheFile) {
  SimCommonConfig config = parse("[instrument]\nname = \"from-file\"\nseed = 3\n");
  SimOverrides overrides;
  overrides.data_endpoint = "tcp://127.0.0.1:1";
  overrides.commands_endpoint = "tcp://127.0.0.1:2";
  overrides.seed = 17;
  overrides.name = "from-cli";
  overrides.truth_file = "t.h5";
  overrides.faults = {"stall_every=4", "stall_ms=20", "drop=0.5"};
  apply_overrides(config, overrides);
  EXPECT_EQ(config.name, "from-cli");
  EXPECT_EQ(config.seed, 17U);
  EXPECT_EQ(config.data_endpoint, "tcp://127.0.0.1:1");
  EXPECT_EQ(config.commands_endpoint, "tcp://127.0.0.1:2");
  EXPECT_EQ(config.truth_file, "t.h5");
  EXPECT_EQ(config.faults.stall_every, 4U);
  EXPECT_EQ(config.faults.stall, milliseconds(20));
  EXPECT_EQ(config.faults.drop, 0.5);
}

TEST(SimCommonConfig, BadOverridesNameTheOption) {
  SimOverrides bad_endpoint;
  bad_endpoint.data_endpoint = "nonsense";
  EXPECT_NE(override_error(bad_endpoint).find("--data"), std::string::npos);
  SimOverrides bad_seed;
  bad_seed.seed = std::uint64_t{1} << 63;
  EXPECT_NE(override_error(bad_seed).find("--seed"), std::string::npos);
  SimOverrides bad_fault;
  bad_fault.faults = {"drop"};
  EXPECT_NE(override_error(bad_fault).find("--fault"), std::string::npos);
  bad_fault.faults = {"drop=2"};
  EXPECT_NE(override_error(bad_fault).find("drop"), std::string::npos);
  bad_fault.faults = {"drpo=0.1"};
  EXPECT_NE(override_error(bad_fault).find("drpo"), std::string::npos);
  bad_fault.faults = {"stall_every=3"};
  EXPECT_NE(override_error(bad_fault).find("stall_ms"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop::sims
