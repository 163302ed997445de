// The walking skeleton end to end: edgeloopd and the simulated 4D-STEM instrument as separate
// processes on loopback TCP, a 32x32 raster scan driven by the daemon, results received by a
// C++ subscriber, the CLI and a Python (pyzmq) subscriber, and the provenance log verified.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "daemon_session.hpp"
#include "edgeloop/core/provenance_reader.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/free_port.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::ChildProcess;

using testing::read_file;
using testing::wait_until;

class ClosedLoop : public testing::DaemonSession {};

TEST_F(ClosedLoop, RasterScan32x32ThroughSeparateProcesses) {
  // frame_sum alone: one result per frame, so the counts below follow from the scan.
  auto started_daemon = start_daemon({}, "[pipeline.4dstem]\nstages = [\"frame_sum\"]\n");
  ASSERT_TRUE(started_daemon);
  ChildProcess& daemon = *started_daemon;
  auto connected_sim = start_sim();
  ASSERT_TRUE(connected_sim);
  ChildProcess& sim = *connected_sim;

  // Three subscribers: this test (C++), the CLI and a Python user with pyzmq.
  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.set(zmq::sockopt::rcvhwm, 100000);
  sub.set(zmq::sockopt::rcvtimeo, 10000);
  sub.connect(results_);
  zmq::message_t topic;
  zmq::message_t body;
  ASSERT_TRUE(sub.recv(topic, zmq::recv_flags::none));  // any heartbeat: the subscription is live
  ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));

  ChildProcess cli_sub(EDGELOOP_CLI_BINARY,
                       {"--results", results_, "--json", "subscribe", "run/", "--count", "1024",
                        "--timeout-s", "120"},
                       dir_ / "cli_subscribe.log");
  setenv("PYTHONPATH", EDGELOOP_PYTHON_DIR, 1);
  ChildProcess py_sub(
      EDGELOOP_DEBIAN_PYTHON,
      {EDGELOOP_TEST_SOURCE_DIR "/subscribe_results.py", results_, "run/", "1024", "120"},
      dir_ / "python_subscribe.log");
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string cli_log = read_file(dir_ / "cli_subscribe.log");
        const std::string py_log = read_file(dir_ / "python_subscribe.log");
        return cli_log.find("subscribed") != std::string::npos &&
               py_log.find("ready") != std::string::npos;
      },
      20s))
      << read_file(dir_ / "cli_subscribe.log") << read_file(dir_ / "python_subscribe.log");

  const auto started = cli({"start-run", "--nx", "32", "--ny", "32"});
  ASSERT_EQ(started.status, 0) << started.output;
  const std::string run_id = started.output.substr(0, 36);
  ASSERT_TRUE(Uuid::parse(run_id)) << started.output;

  // 1024 results, in frame order, one per scan position.
  std::vector<std::uint64_t> sequences;
  std::set<std::int64_t> scan_indices;
  AlignedScratch scratch;
  const auto until =
      std::chrono::steady_clock::now() + 60s;  // heartbeats keep recv from timing out
  while (sequences.size() < 1024 && std::chrono::steady_clock::now() < until &&
         sub.recv(topic, zmq::recv_flags::none)) {
    ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));
    if (topic.to_string() != "run/" + run_id + "/4dstem/frame_sum") continue;
    auto decoded = decode<wire::Result>(
        std::span(static_cast<const std::byte*>(body.data()), body.size()), scratch);
    ASSERT_TRUE(std::holds_alternative<const wire::Result*>(decoded));
    const wire::Result& r = *std::get<const wire::Result*>(decoded);
    sequences.push_back(r.source_sequence());
    scan_indices.insert(r.scan_index());
    EXPECT_GT(r.values()->Get(0), 0.0);
  }
  ASSERT_EQ(sequences.size(), 1024u);
  for (std::size_t i = 0; i < sequences.size(); ++i) ASSERT_EQ(sequences[i], i);
  EXPECT_EQ(scan_indices.size(), 1024u);
  EXPECT_EQ(*scan_indices.begin(), 0);
  EXPECT_EQ(*scan_indices.rbegin(), 1023);

  json last;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto s = admin({{"cmd", "status"}});
        if (!s || (*s)["last_run"].is_null()) return false;
        last = (*s)["last_run"];
        return true;
      },
      30s));
  EXPECT_EQ(last["id"], run_id);
  EXPECT_EQ(last["state"], "completed");
  EXPECT_EQ(last["frames_received"], 1024);
  EXPECT_EQ(last["frames_processed"], 1024);
  EXPECT_EQ(last["results_published"], 1024);
  EXPECT_EQ(last["acks"]["done"], 1024);
  EXPECT_EQ(last["duplicate_frames"], 0);
  EXPECT_EQ(last["missing_frames"], 0);

  // The CLI and Python subscribers saw every result too.
  ASSERT_TRUE(cli_sub.wait_for(30s).has_value());
  std::istringstream cli_lines(read_file(dir_ / "cli_subscribe.log"));
  std::string line;
  int cli_results = 0;
  while (std::getline(cli_lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    EXPECT_EQ(json::parse(line)["run_id"], run_id);
    ++cli_results;
  }
  EXPECT_EQ(cli_results, 1024);
  ASSERT_EQ(py_sub.wait_for(30s), 0) << read_file(dir_ / "python_subscribe.log");
  const std::string py_log = read_file(dir_ / "python_subscribe.log");
  const json py_summary = json::parse(py_log.substr(py_log.find('{')));
  EXPECT_EQ(py_summary["count"], 1024);
  EXPECT_EQ(py_summary["in_order"], true);
  EXPECT_EQ(py_summary["product"], "frame_sum");

  // Every frame, result, command and ack is in the log, frames in order, and it verifies.
  const auto log_file = runs_ / run_id / "provenance.elp";
  const auto records = read_provenance(log_file);
  std::map<wire::RecordKind, std::uint64_t> kinds;
  std::int64_t last_frame_sequence = -1;
  for (const auto& r : records) {
    ++kinds[r.kind];
    if (r.kind == wire::RecordKind::Frame) {
      const auto sequence = r.attributes["sequence"].get<std::int64_t>();
      EXPECT_EQ(sequence, last_frame_sequence + 1);
      last_frame_sequence = sequence;
    }
  }
  EXPECT_EQ(kinds[wire::RecordKind::Frame], 1024u);
  EXPECT_EQ(kinds[wire::RecordKind::Result], 1024u);
  EXPECT_EQ(kinds[wire::RecordKind::Command], 1024u);
  EXPECT_EQ(kinds[wire::RecordKind::Ack], 1024u);
  const auto verified = cli({"provenance", "verify", run_id});
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("OK"), std::string::npos);

  // One flipped byte in the middle of the log is detected.
  const auto tampered = dir_ / "tampered.elp";
  std::filesystem::copy_file(log_file, tampered);
  {
    std::fstream f(tampered, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(tampered) / 2);
    f.seekg(middle);
    const char original = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(original ^ 0x01));
  }
  const auto failed = cli({"provenance", "verify", tampered.string()});
  EXPECT_EQ(failed.status, 1) << failed.output;
  EXPECT_NE(failed.output.find("FAILED"), std::string::npos);

  // Both processes shut down cleanly on SIGTERM.
  EXPECT_EQ(sim.stop(), 0) << read_file(dir_ / "sim.log");
  EXPECT_EQ(daemon.stop(), 0) << read_file(dir_ / "edgeloopd.log");
  const auto status_after = cli({"status"});
  EXPECT_EQ(status_after.status, 3);  // no daemon
}

TEST_F(ClosedLoop, SigintMidRunDrainsAndSealsTheLog) {
  // A paced detector, so the signal lands mid-scan.
  auto started_daemon = start_daemon("[timing]\nrealtime = true\n[scan]\ndwell_us = 2500\n",
                                     "[pipeline.4dstem]\nstages = [\"frame_sum\"]\n");
  ASSERT_TRUE(started_daemon);
  ChildProcess& daemon = *started_daemon;
  auto connected_sim = start_sim();
  ASSERT_TRUE(connected_sim);
  ChildProcess& sim = *connected_sim;
  const auto started = cli({"start-run", "--nx", "32", "--ny", "32"});
  ASSERT_EQ(started.status, 0) << started.output;
  const std::string run_id = started.output.substr(0, 36);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto s = admin({{"cmd", "status"}});
        return s && !(*s)["run"].is_null() && (*s)["run"].value("frames_processed", 0) >= 40;
      },
      20s));

  daemon.signal(SIGINT);
  const auto exit_status = daemon.wait_for(20s);
  ASSERT_TRUE(exit_status.has_value()) << read_file(dir_ / "edgeloopd.log");
  EXPECT_EQ(*exit_status, 0) << read_file(dir_ / "edgeloopd.log");

  const auto log_file = runs_ / run_id / "provenance.elp";
  const VerifyReport report = verify_provenance(log_file);
  ASSERT_TRUE(report.ok) << report.error;
  EXPECT_TRUE(report.sealed);
  const auto records = read_provenance(log_file);
  std::map<wire::RecordKind, std::uint64_t> kinds;
  for (const auto& r : records) ++kinds[r.kind];
  const json& summary = records.back().attributes;
  EXPECT_EQ(summary["state"], "interrupted");
  // Every frame that was accepted before the signal was processed and has its result.
  EXPECT_EQ(summary["frames_received"], summary["frames_processed"]);
  EXPECT_EQ(kinds[wire::RecordKind::Frame], summary["frames_received"].get<std::uint64_t>());
  EXPECT_EQ(kinds[wire::RecordKind::Result], kinds[wire::RecordKind::Frame]);
  EXPECT_GE(kinds[wire::RecordKind::Frame], 40u);
  EXPECT_LT(kinds[wire::RecordKind::Frame], 1024u);
  EXPECT_EQ(sim.stop(), 0);
}

}  // namespace
}  // namespace edgeloop
