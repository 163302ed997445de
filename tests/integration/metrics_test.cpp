// Prometheus metrics over HTTP: a scraper on the loopback port sees the daemon's counters,
// queues and the stages of a run, in the text exposition format; other paths are refused.
#include <gtest/gtest.h>

#include "daemon_session.hpp"
#include "edgeloop/testing/free_port.hpp"

namespace edgeloop {
namespace {

using testing::read_file;
using testing::run_program;

class MetricsTest : public testing::DaemonSession {};

// GET with Debian's Python, as a scraper would: prints the status code and the body.
testing::RunResult get(int port, const std::string& path) {
  return run_program(EDGELOOP_DEBIAN_PYTHON,
                     {"-c",
                      "import sys, urllib.request, urllib.error\n"
                      "try:\n"
                      "    r = urllib.request.urlopen(sys.argv[1], timeout=5)\n"
                      "    print(r.status); print(r.headers['Content-Type']); "
                      "print(r.read().decode())\n"
                      "except urllib.error.HTTPError as e:\n"
                      "    print(e.code)\n",
                      "http://127.0.0.1:" + std::to_string(port) + path});
}

TEST_F(MetricsTest, AScraperSeesCountersQueuesAndTheRunsStages) {
  const int port = testing::free_loopback_port();
  auto daemon = start_daemon({}, "[metrics]\nport = " + std::to_string(port) +
                                     "\n[pipeline.4dstem]\nstages = [\"frame_sum\"]\n"
                                     "[storage]\nenabled = false\n");
  ASSERT_TRUE(daemon);
  auto sim = start_sim("4dstem",
                       "[detector]\nsize = 96\n[optics]\nmodel = \"kinematic\"\n"
                       "[timing]\nrealtime = false\nheartbeat_ms = 50\n");
  ASSERT_TRUE(sim);
  const auto reply = admin({{"cmd", "start_run"}, {"modality", "4dstem"}, {"nx", 4}, {"ny", 4}});
  ASSERT_TRUE(reply && reply->value("ok", false));

  const auto scraped = get(port, "/metrics");
  ASSERT_EQ(scraped.status, 0) << scraped.output;
  const std::string& text = scraped.output;
  EXPECT_EQ(text.rfind("200\ntext/plain; version=0.0.4\n", 0), 0u) << text;
  EXPECT_NE(text.find("# TYPE edgeloop_events_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("edgeloop_up 1"), std::string::npos) << text;
  EXPECT_NE(text.find("edgeloop_queue_depth{queue=\"processing\"}"), std::string::npos) << text;
  EXPECT_NE(text.find("edgeloop_instrument_connected{instrument=\"sim-4dstem\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("edgeloop_events_total{name=\"commands.sent\"}"), std::string::npos) << text;
  // Every sample line is `name{labels} value` or `name value`.
  std::istringstream lines(text.substr(text.find("# HELP")));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_NE(line.find(' '), std::string::npos) << line;
    EXPECT_EQ(line.rfind("edgeloop_", 0), 0u) << line;
  }

  EXPECT_EQ(get(port, "/").output.rfind("404", 0), 0u);
  EXPECT_EQ(sim->stop(), 0);
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

}  // namespace
}  // namespace edgeloop
