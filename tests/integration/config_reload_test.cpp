// SIGHUP makes edgeloopd read its configuration file again: pipelines apply from the next run,
// changes it cannot take live are named, and a file that does not load changes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "daemon_session.hpp"
#include "edgeloop/core/provenance_reader.hpp"

namespace edgeloop {
namespace {

using namespace std::chrono_literals;
using testing::read_file;
using testing::wait_until;

class ConfigReloadTest : public testing::DaemonSession {};

TEST_F(ConfigReloadTest, SighupAppliesPipelinesNamesWhatNeedsARestartAndSurvivesABadFile) {
  auto daemon = start_daemon({}, "[pipeline.4dstem]\nstages = [\"frame_sum\"]\n");
  ASSERT_TRUE(daemon);
  const auto config_path = dir_ / "edgeloopd.toml";
  std::string text = read_file(config_path);
  text.replace(text.find("stages = [\"frame_sum\"]"), std::strlen("stages = [\"frame_sum\"]"),
               "stages = [\"frame_sum\", \"delay\"]\n[pipeline.4dstem.delay]\nms = 1");
  text += "[storage]\nflush_ms = 100\n";
  std::ofstream(config_path) << text;
  daemon->signal(SIGHUP);
  const auto log = dir_ / "edgeloopd.log";
  ASSERT_TRUE(
      wait_until([&] { return read_file(log).find("SIGHUP: reloaded") != std::string::npos; }, 5s))
      << read_file(log);
  const std::string said = read_file(log);
  EXPECT_NE(said.find("applied: pipeline;"), std::string::npos) << said;
  EXPECT_NE(said.find("needing a restart: storage"), std::string::npos) << said;

  // The next run gets the new pipeline.
  auto sim = start_sim("4dstem",
                       "[detector]\nsize = 96\n[optics]\nmodel = \"kinematic\"\n"
                       "[timing]\nrealtime = false\nheartbeat_ms = 50\n");
  ASSERT_TRUE(sim);
  const auto reply = admin({{"cmd", "start_run"}, {"modality", "4dstem"}, {"nx", 2}, {"ny", 2}});
  ASSERT_TRUE(reply && reply->value("ok", false)) << (reply ? reply->dump() : "no reply");
  const std::string run_id = (*reply)["run_id"];
  ASSERT_TRUE(wait_until(
      [&] {
        const auto st = admin({{"cmd", "status"}});
        return st && !(*st)["last_run"].is_null();
      },
      10s));
  std::vector<std::string> stages;
  for (const auto& r : read_provenance(runs_ / run_id / "provenance.elp")) {
    if (r.kind == wire::RecordKind::Stage) stages.push_back(r.subject);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"stage/frame_sum", "stage/delay"}));

  // A broken file is refused and the daemon goes on.
  std::ofstream(config_path) << "[pipeline.4dstem]\nstages = [\"no_such_stage\"]\n";
  daemon->signal(SIGHUP);
  ASSERT_TRUE(
      wait_until([&] { return read_file(log).find("was not applied") != std::string::npos; }, 5s))
      << read_file(log);
  EXPECT_TRUE(admin({{"cmd", "ping"}}).has_value());
  EXPECT_EQ(sim->stop(), 0);
  EXPECT_EQ(daemon->stop(), 0) << read_file(log);
}

}  // namespace
}  // namespace edgeloop
