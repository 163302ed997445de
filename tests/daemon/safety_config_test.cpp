#include "edgeloop/daemon/safety_config.hpp"

#include <gtest/gtest.h>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/daemon/daemon_config.hpp"

namespace edgeloop {
namespace {

using namespace std::chrono_literals;

std::string error_for(const std::string& toml) {
  try {
    load_daemon_config(ConfigTable::parse(toml, "edgeloopd.toml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(SafetyConfig, ReadsEnvelopesSafeStatesAndTheWatchdog) {
  const DaemonConfig c = load_daemon_config(ConfigTable::parse(R"(
[safety]
require_envelope = true
[safety.watchdog]
stall_ms = 300
instrument_silence_ms = 0
[safety.instruments."sim-4dstem"]
dose_budget = 100
interlock_on_fault = false
[safety.instruments."sim-4dstem".actuators.scan_position]
min = 0
max = [63, 31]
max_step = 8
max_rate_per_s = 1e6
dose_per_command = 1
[safety.instruments."sim-4dstem".actuators.beam_blank]
min = 0
max = 1
during_interlock = true
[safety.instruments."sim-4dstem".safe_state]
beam_blank = [1]
)",
                                                               "edgeloopd.toml"));
  EXPECT_TRUE(c.safety.require_envelope);
  EXPECT_EQ(c.safety.watchdog.stall, 300ms);
  EXPECT_EQ(c.safety.watchdog.instrument_silence, 0ms);
  const InstrumentSafety* s = c.safety.find("sim-4dstem");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(c.safety.find("sim-saxs"), nullptr);
  EXPECT_EQ(s->dose_budget, 100.0);
  EXPECT_FALSE(s->interlock_on_fault);
  const ActuatorLimits& scan = s->actuators.at("scan_position");
  EXPECT_EQ(scan.min, (std::vector<double>{0, 0}));
  EXPECT_EQ(scan.max, (std::vector<double>{63, 31}));
  EXPECT_EQ(scan.max_step, 8.0);
  EXPECT_EQ(scan.dose_per_command, 1.0);
  EXPECT_TRUE(s->actuators.at("beam_blank").allowed_during_interlock);
  ASSERT_EQ(s->safe_state.size(), 1u);
  EXPECT_EQ(s->safe_state[0].actuator, "beam_blank");
  SafetyEnvelope e = s->envelope();
  EXPECT_EQ(e.check("scan_position", {10, 40}, 0).reason, "range");
  EXPECT_TRUE(s->to_json()["actuators"].contains("scan_position"));
}

TEST(SafetyConfig, BadEnvelopesAreRefusedWithTheirKeyNamed) {
  const std::string base = "[safety.instruments.i.actuators.a]\n";
  EXPECT_NE(error_for(base + "max = 1").find("safety.instruments.i.actuators.a.min"),
            std::string::npos);
  EXPECT_NE(error_for(base + "min = 2\nmax = 1").find("is below min"), std::string::npos);
  EXPECT_NE(error_for(base + "min = 0\nmax = 1\nmax_step = -1")
                .find("safety.instruments.i.actuators.a.max_step"),
            std::string::npos);
  EXPECT_NE(error_for(base + "min = [0, 0]\nmax = [1, 1, 1]").find("as many values"),
            std::string::npos);
  EXPECT_NE(error_for(base + "min = 0\nmax = 1\nmax_stpe = 1").find("unknown key"),
            std::string::npos);
  EXPECT_NE(error_for("[safety.instruments.i]\ndose_budget = 1").find("actuators"),
            std::string::npos);
  // A safe state outside the envelope would be refused exactly when it is needed.
  EXPECT_NE(error_for(base + "min = 0\nmax = 1\n[safety.instruments.i.safe_state]\na = [2]")
                .find("safety.instruments.i.safe_state.a"),
            std::string::npos);
  EXPECT_NE(error_for(base + "min = 0\nmax = 1\n[safety.instruments.i.safe_state]\nb = [0]")
                .find("unknown_actuator"),
            std::string::npos);
  EXPECT_NE(error_for("[safety.watchdog]\nstall_ms = -1").find("safety.watchdog.stall_ms"),
            std::string::npos);
}

TEST(SafetyConfig, TheShippedConfigCoversTheThreeSimulators) {
  const DaemonConfig c = load_daemon_config_file(EDGELOOP_SOURCE_DIR "/config/edgeloopd.toml");
  EXPECT_TRUE(c.safety.require_envelope);
  for (const char* name : {"sim-4dstem", "sim-saxs", "sim-apt"}) {
    const InstrumentSafety* s = c.safety.find(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_FALSE(s->safe_state.empty()) << name;
  }
  EXPECT_EQ(c.safety.find("sim-saxs")->safe_state[0].actuator, "shutter");
  EXPECT_EQ(c.safety.find("sim-apt")->safe_state[0].target, std::vector<double>{1.0});
}

}  // namespace
}  // namespace edgeloop
