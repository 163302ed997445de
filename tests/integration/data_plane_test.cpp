// The data plane end to end: edgeloopd and a simulated instrument as separate processes, a run
// through the configured pipeline of each modality into its NeXus file, and the file checked
// from Python (h5py + hdf5plugin, nexus_run_check.py) against the run's provenance log: frames
// bit-identical to what the instrument sent, per-frame products consistent with the run-level
// ones. Then the two overflow policies under a deliberately slow stage: `lossless` loses
// nothing and holds the sender back, `latest` drops frames and accounts for every one.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <string>
#include <variant>
#include <vector>
#include <zmq.hpp>

#include "daemon_session.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/testing/child_process.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::read_file;
using testing::wait_until;

// The fast kinematic model without pacing: frames go out as fast as the daemon takes them.
std::string stem_sim(int size, const char* dtype) {
  return "[detector]\nsize = " + std::to_string(size) + "\ndtype = \"" + dtype +
         "\"\n[optics]\nmodel = \"kinematic\"\n[timing]\nrealtime = false\nheartbeat_ms = 50\n";
}

// A deliberately slow pipeline with almost no buffering between the sender and the stage.
std::string slow_pipeline(int delay_ms) {
  return "[pipeline.4dstem]\nstages = [\"frame_sum\", \"delay\"]\n[pipeline.4dstem.delay]\nms = " +
         std::to_string(delay_ms) +
         "\n[ingest]\nqueue_capacity = 2\nreceive_hwm = 2\n[storage]\nqueue_capacity = 2\n";
}

class DataPlane : public testing::DaemonSession {
 protected:
  // Starts a run; its id, or empty (with a failure added) when the daemon refused it.
  std::string start_run(const json& request) {
    const auto reply = admin(request);
    if (!reply || !reply->value("ok", false)) {
      ADD_FAILURE() << "start_run refused: " << (reply ? reply->dump() : "no reply") << "\n"
                    << read_file(dir_ / "edgeloopd.log");
      return {};
    }
    return (*reply)["run_id"].get<std::string>();
  }

  // The run's summary once it has ended and its file and log are closed ("last_run").
  json wait_for_end(const std::string& run_id, std::chrono::milliseconds timeout = 60s) {
    json last;
    const bool ended = wait_until(
        [&] {
          const auto s = admin({{"cmd", "status"}});
          if (!s || !(*s)["last_run"].is_object() || (*s)["last_run"].value("id", "") != run_id) {
            return false;
          }
          last = (*s)["last_run"];
          return true;
        },
        timeout);
    EXPECT_TRUE(ended) << "run " << run_id << " did not end: " << read_file(dir_ / "edgeloopd.log");
    return last;
  }

  std::uint64_t counter(const std::string& name) {
    const auto s = admin({{"cmd", "status"}});
    return s ? (*s)["counters"].value(name, std::uint64_t{0}) : 0;
  }

  // The run's provenance records as JSON lines, through the CLI as an operator gets them.
  std::filesystem::path provenance_records(const std::string& run_id) {
    const auto shown = cli({"provenance", "show", run_id});
    EXPECT_EQ(shown.status, 0) << shown.output;
    const auto file = dir_ / ("records-" + run_id + ".jsonl");
    std::ofstream(file) << shown.output;
    return file;
  }

  // Runs nexus_run_check.py on the run's directory; its JSON summary (null when it failed).
  json check_nexus(const std::string& modality, const std::string& run_id,
                   std::vector<std::string> extra) {
    std::vector<std::string> args = {EDGELOOP_TEST_SOURCE_DIR "/nexus_run_check.py",
                                     "--modality",
                                     modality,
                                     "--run-dir",
                                     (runs_ / run_id).string(),
                                     "--records",
                                     provenance_records(run_id).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto checked = testing::run_program(EDGELOOP_DEBIAN_PYTHON, args, 120s);
    EXPECT_EQ(checked.status, 0) << checked.output;
    // The summary is the last line that holds a JSON object (stderr is mixed in).
    std::istringstream lines(checked.output);
    json summary;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("{")) summary = json::parse(line, nullptr, false);
    }
    if (!summary.is_object()) {
      ADD_FAILURE() << "no summary from nexus_run_check.py: " << checked.output;
      return nullptr;
    }
    json brief = summary;
    brief.erase("run_summary");
    std::cout << "nexus_run_check.py " << modality << ": " << brief.dump() << "\n";
    return summary;
  }
};

TEST_F(DataPlane, FourDStemRasterIsStoredBitIdenticalWithConsistentMaps) {
  // The default 4dstem pipeline: frame_sum, then stem_virtual_detectors.
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon);
  auto sim = start_sim("4dstem", stem_sim(96, "u16"));
  ASSERT_TRUE(sim);
  const std::string run_id =
      start_run({{"cmd", "start_run"}, {"modality", "4dstem"}, {"nx", 16}, {"ny", 16}});
  ASSERT_FALSE(run_id.empty());
  const json last = wait_for_end(run_id);
  ASSERT_TRUE(last.is_object());
  EXPECT_EQ(last["state"], "completed") << last.dump(2);
  EXPECT_EQ(last["frames_received"], 256);
  EXPECT_EQ(last["frames_processed"], 256);
  EXPECT_EQ(last["frames_stored"], 256);
  EXPECT_EQ(last["frames_dropped"], 0);
  EXPECT_EQ(last["storage_failures"], 0);
  EXPECT_EQ(last["stage_failures"], 0);
  EXPECT_EQ(last["nexus_file"], (runs_ / run_id / "run.nxs").string());

  const json checked =
      check_nexus("4dstem", run_id, {"--expect-frames", "256", "--nx", "16", "--ny", "16"});
  ASSERT_TRUE(checked.is_object());
  EXPECT_EQ(checked["frames_bit_identical"], 256);
  EXPECT_EQ(checked["frame_shape"], json({256, 96, 96}));
  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-4dstem.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

TEST_F(DataPlane, SaxsAcquisitionsAreIntegratedAndStoredAsNXcanSAS) {
  const std::string repo = EDGELOOP_SOURCE_DIR;
  auto daemon = start_daemon({},
                             "[pipeline.saxs]\nstages = [\"saxs_azimuthal_integration\"]\n"
                             "[pipeline.saxs.saxs_azimuthal_integration]\nponi = \"" +
                                 repo + "/config/sim-saxs.poni\"\nmask = \"" + repo +
                                 "/config/sim-saxs-mask.h5:/mask\"\n");
  ASSERT_TRUE(daemon);
  // The committed .poni and mask describe the default 1024 x 1024 detector, so it is kept;
  // the exposure is short and frames are not paced.
  auto sim = start_sim(
      "saxs", "[acquisition]\nexposure_s = 0.05\n[timing]\nrealtime = false\nheartbeat_ms = 50\n");
  ASSERT_TRUE(sim);
  // A 2 x 2 grid around the stage's centre (limits -20..20 by -10..10 mm).
  const std::string run_id =
      start_run({{"cmd", "start_run"},
                 {"modality", "saxs"},
                 {"points", json::array({{-1.0, -1.0}, {1.0, -1.0}, {-1.0, 1.0}, {1.0, 1.0}})},
                 {"frames_per_point", 1}});
  ASSERT_FALSE(run_id.empty());
  const json last = wait_for_end(run_id);
  ASSERT_TRUE(last.is_object());
  EXPECT_EQ(last["state"], "completed") << last.dump(2);
  EXPECT_EQ(last["acks"]["done"], 12);  // stage_x, stage_y, acquire per point
  EXPECT_EQ(last["frames_received"], 4);
  EXPECT_EQ(last["frames_processed"], 4);
  EXPECT_EQ(last["frames_stored"], 4);
  EXPECT_EQ(last["stage_failures"], 0);

  const json checked = check_nexus("saxs", run_id, {"--expect-frames", "4"});
  ASSERT_TRUE(checked.is_object());
  EXPECT_EQ(checked["frames_bit_identical"], 4);
  EXPECT_EQ(checked["frame_shape"], json({4, 1024, 1024}));
  EXPECT_GT(checked.value("iq_mean_finite_bins", 0), 100);
  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-saxs.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

TEST_F(DataPlane, AptEventStreamIsRangedIntoAComposition) {
  const std::string repo = EDGELOOP_SOURCE_DIR;
  auto daemon = start_daemon({},
                             "[pipeline.apt]\nstages = [\"apt_ranging\"]\n"
                             "[pipeline.apt.apt_ranging]\nranges = \"" +
                                 repo + "/config/sim-apt.rrng\"\n");
  ASSERT_TRUE(daemon);
  // Paced as on the instrument (10 ms chunks at 1 MHz), the voltage starting near the
  // evaporation voltage of the default tip so the chunks hold ions from the first.
  auto sim = start_sim("apt",
                       "[timing]\nrealtime = true\nheartbeat_ms = 50\n"
                       "[control]\nstart_voltage_v = 1850.0\n");
  ASSERT_TRUE(sim);
  const std::string run_id = start_run({{"cmd", "start_run"},
                                        {"modality", "apt"},
                                        {"chunks", 30},
                                        {"pulse_rate_hz", 1e6},
                                        {"detection_rate", 0.02}});
  ASSERT_FALSE(run_id.empty());
  const json last = wait_for_end(run_id);
  ASSERT_TRUE(last.is_object());
  EXPECT_EQ(last["state"], "completed") << last.dump(2);
  const auto chunks = last["frames_received"].get<std::uint64_t>();
  EXPECT_GE(chunks, 30u);
  EXPECT_EQ(last["frames_processed"], chunks);
  EXPECT_EQ(last["frames_stored"], chunks);
  EXPECT_EQ(last["stage_failures"], 0);

  const json checked = check_nexus("apt", run_id, {"--expect-frames", std::to_string(chunks)});
  ASSERT_TRUE(checked.is_object());
  EXPECT_EQ(checked["chunks_stored"], chunks);
  EXPECT_EQ(checked["events_stored"], checked["events_logged"]);
  EXPECT_GT(checked.value("events_stored", 0), 1000);
  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-apt.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

TEST_F(DataPlane, LosslessBackpressureLosesNothingAndHoldsTheSenderBack) {
  constexpr int kDelayMs = 3;
  constexpr int kNx = 20;
  constexpr int kNy = 15;
  constexpr int kPositions = kNx * kNy;
  auto daemon = start_daemon({}, slow_pipeline(kDelayMs));
  ASSERT_TRUE(daemon);
  // 256 x 256 u32 frames (256 KiB): few fit in the kernel's socket buffers, so what the sender
  // may have in flight is essentially its own send queue (SNDHWM 100) and the daemon's queues
  // (2 + 2), far fewer than the run's frames.
  auto sim = start_sim("4dstem", stem_sim(256, "u32"));
  ASSERT_TRUE(sim);
  const auto started = std::chrono::steady_clock::now();
  const std::string run_id =
      start_run({{"cmd", "start_run"}, {"modality", "4dstem"}, {"nx", kNx}, {"ny", kNy}});
  ASSERT_FALSE(run_id.empty());

  // While it runs: how far the sender (its own count, from its heartbeats every 50 ms) gets
  // ahead of the frames the daemon has processed.
  std::int64_t max_lead = 0;
  std::uint64_t sent_at_third = 0;
  json last;
  const bool ended = wait_until(
      [&] {
        const auto s = admin({{"cmd", "status"}});
        if (!s) return false;
        if ((*s)["last_run"].is_object() && (*s)["last_run"].value("id", "") == run_id) {
          last = (*s)["last_run"];
          return true;
        }
        if (!(*s)["run"].is_object() || (*s)["instruments"].empty()) return false;
        const auto processed = (*s)["run"].value("frames_processed", std::uint64_t{0});
        std::uint64_t sent = 0;
        for (const auto& i : (*s)["instruments"]) {
          if (i.value("name", "") == "sim-4dstem") sent = i.value("frames_sent", std::uint64_t{0});
        }
        max_lead = std::max(max_lead,
                            static_cast<std::int64_t>(sent) - static_cast<std::int64_t>(processed));
        if (sent_at_third == 0 && processed >= kPositions / 3) sent_at_third = sent;
        return false;
      },
      60s);
  const double run_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(ended) << read_file(dir_ / "edgeloopd.log");
  EXPECT_EQ(last["state"], "completed") << last.dump(2);
  EXPECT_EQ(last["frames_received"], kPositions);
  EXPECT_EQ(last["frames_processed"], kPositions);
  EXPECT_EQ(last["frames_stored"], kPositions);
  EXPECT_EQ(last["frames_dropped"], 0);
  EXPECT_EQ(last["missing_frames"], 0);
  EXPECT_EQ(last["duplicate_frames"], 0);
  EXPECT_EQ(counter("data.dropped"), 0u);
  EXPECT_EQ(counter("data.frames"), static_cast<std::uint64_t>(kPositions));

  // Unhindered, the sender renders all frames in well under 0.1 s (thousands per second),
  // while the daemon processes one per 3 ms: it would be almost all of the run ahead. Held
  // back, it is never further ahead than the queues between it and the stage allow (about
  // 100 + 2 + 2 + what the kernel buffers), and it has not sent everything a third of the way
  // through the run.
  EXPECT_GE(run_s, kPositions * kDelayMs / 1000.0);
  EXPECT_LT(max_lead, kPositions / 2) << "the sender got " << max_lead << " frames ahead";
  EXPECT_LT(sent_at_third, static_cast<std::uint64_t>(kPositions)) << sent_at_third;
  std::cout << "lossless: " << kPositions << " frames in " << run_s << " s, sender at most "
            << max_lead << " frames ahead of processing, " << sent_at_third
            << " sent when a third were processed\n";

  // The file holds every frame, each as it was sent.
  const json checked = check_nexus("4dstem", run_id,
                                   {"--expect-frames", std::to_string(kPositions), "--dtype",
                                    "uint32", "--stages", "frame_sum,delay"});
  ASSERT_TRUE(checked.is_object());
  EXPECT_EQ(checked["frames_bit_identical"], kPositions);
  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-4dstem.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

TEST_F(DataPlane, LatestPolicyDropsFramesAndAccountsForEveryOne) {
  constexpr int kNx = 20;
  constexpr int kNy = 10;
  constexpr int kPositions = kNx * kNy;
  auto daemon =
      start_daemon({}, slow_pipeline(4) + "[streams.\"4dstem/detector\"]\npolicy = \"latest\"\n");
  ASSERT_TRUE(daemon);
  auto sim = start_sim("4dstem", stem_sim(96, "u16"));
  ASSERT_TRUE(sim);

  // Subscribed before the run starts; the daemon's heartbeat shows the subscription is live.
  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "run/");
  sub.set(zmq::sockopt::subscribe, "daemon/heartbeat");
  sub.set(zmq::sockopt::rcvhwm, 100000);
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.connect(results_);
  zmq::message_t topic;
  zmq::message_t body;
  ASSERT_TRUE(sub.recv(topic, zmq::recv_flags::none));
  ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));

  const std::string run_id =
      start_run({{"cmd", "start_run"}, {"modality", "4dstem"}, {"nx", kNx}, {"ny", kNy}});
  ASSERT_FALSE(run_id.empty());
  const json last = wait_for_end(run_id);
  ASSERT_TRUE(last.is_object());

  // PUB/SUB keeps order: every frame_sum of the run comes before the run's status message.
  const std::string frame_sum_topic = "run/" + run_id + "/4dstem/frame_sum";
  const std::string status_topic = "run/" + run_id + "/status";
  std::uint64_t results = 0;
  std::uint64_t live = 0;
  bool saw_status = false;
  AlignedScratch scratch;
  while (!saw_status && sub.recv(topic, zmq::recv_flags::none)) {
    ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));
    if (topic.to_string() == status_topic) saw_status = true;
    if (topic.to_string() != frame_sum_topic) continue;
    auto decoded = decode<wire::Result>(
        std::span(static_cast<const std::byte*>(body.data()), body.size()), scratch);
    ASSERT_TRUE(std::holds_alternative<const wire::Result*>(decoded));
    if (std::get<const wire::Result*>(decoded)->live()) {
      ++live;
      continue;
    }
    ++results;
  }
  ASSERT_TRUE(saw_status) << "no run/<id>/status message";

  const auto received = last["frames_received"].get<std::uint64_t>();
  const auto dropped = last["frames_dropped"].get<std::uint64_t>();
  std::cout << "latest: " << received << " frames received, " << dropped << " dropped, " << results
            << " frame_sum results (" << live << " live ignored)\n";
  EXPECT_EQ(last["state"], "completed") << last.dump(2);
  EXPECT_EQ(received, static_cast<std::uint64_t>(kPositions));
  EXPECT_GT(dropped, 0u) << "the sender was not fast enough for the latest policy to drop";
  EXPECT_EQ(results, received - dropped);
  EXPECT_EQ(last["frames_processed"], received - dropped);
  EXPECT_EQ(last["frames_stored"], received - dropped);
  EXPECT_EQ(counter("data.dropped"), dropped);
  // What was kept is stored as it was sent; the dropped frames are in neither file nor log.
  const json checked = check_nexus(
      "4dstem", run_id,
      {"--expect-frames", std::to_string(received - dropped), "--stages", "frame_sum,delay"});
  ASSERT_TRUE(checked.is_object());
  EXPECT_EQ(checked["frames_bit_identical"], received - dropped);
  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-4dstem.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

}  // namespace
}  // namespace edgeloop
