// The daemon in-process, driven over its real sockets by a scripted instrument: the whole
// loop (commands, acks, frames, results, provenance) and its refusal of malformed input.
#include "edgeloop/daemon/daemon.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/provenance_reader.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/pipeline/stage.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

zmq::const_buffer buf(const flatbuffers::DetachedBuffer& b) {
  return zmq::buffer(b.data(), b.size());
}

// Plays the instrument: DEALER for commands/acks/status, PUSH for frames.
class ScriptedInstrument {
 public:
  ScriptedInstrument(zmq::context_t& ctx, const DaemonEndpoints& ep, const std::string& name)
      : name_(name), dealer_(ctx, zmq::socket_type::dealer), push_(ctx, zmq::socket_type::push) {
    dealer_.set(zmq::sockopt::routing_id, name);
    dealer_.set(zmq::sockopt::linger, 0);
    push_.set(zmq::sockopt::linger, 0);
    dealer_.connect(ep.commands);
    push_.connect(ep.data);
  }

  void hello() {
    dealer_.send(buf(build_instrument_status({.instrument = name_,
                                              .modality = wire::Modality::Stem4D,
                                              .state = wire::InstrumentState::Idle,
                                              .wall_ns = wall_ns()})),
                 zmq::send_flags::none);
  }

  struct ReceivedCommand {
    Uuid run;
    std::uint64_t seq;
    std::string actuator;
    std::vector<double> target;
    std::uint32_t attempt;
  };
  std::optional<ReceivedCommand> next_command(std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{dealer_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    zmq::message_t m;
    if (!dealer_.recv(m, zmq::recv_flags::none)) return std::nullopt;
    auto decoded = decode<wire::Command>(
        std::span(static_cast<const std::byte*>(m.data()), m.size()), scratch_);
    if (!std::holds_alternative<const wire::Command*>(decoded)) return std::nullopt;
    const auto& c = *std::get<const wire::Command*>(decoded);
    return ReceivedCommand{from_wire(c.run_id()),
                           c.seq(),
                           c.actuator()->str(),
                           {c.target()->begin(), c.target()->end()},
                           c.attempt()};
  }

  void ack(const ReceivedCommand& c, wire::AckStatus status, std::string reason = {}) {
    dealer_.send(buf(build_ack({.run_id = c.run,
                                .seq = c.seq,
                                .status = status,
                                .reason = std::move(reason),
                                .readback = c.target,
                                .completed_wall_ns = wall_ns()})),
                 zmq::send_flags::none);
  }

  // An 8x8 u16 frame whose pixels all equal `value`.
  void frame(const ReceivedCommand& c, std::uint64_t sequence, std::uint16_t value) {
    std::vector<std::uint16_t> pixels(64, value);
    const auto header = build_frame_header({.run_id = c.run,
                                            .stream = "4dstem/detector",
                                            .modality = wire::Modality::Stem4D,
                                            .sequence = sequence,
                                            .scan_position = c.target,
                                            .command_seq = c.seq,
                                            .acquired_wall_ns = wall_ns(),
                                            .dtype = wire::DType::U16,
                                            .shape = {8, 8},
                                            .uncompressed_size = 128});
    push_.send(buf(header), zmq::send_flags::sndmore);
    push_.send(zmq::buffer(pixels), zmq::send_flags::none);
  }

  // The same frame sent pre-compressed as bitshuffle+LZ4, or as a corrupt chunk claiming to be.
  void compressed_frame(const ReceivedCommand& c, std::uint64_t sequence, std::uint16_t value,
                        bool corrupt) {
    std::vector<std::uint16_t> pixels(64, value);
    auto chunk = formats::bslz4_compress(std::as_bytes(std::span(pixels)), 2);
    if (corrupt) std::fill(chunk.begin() + 12, chunk.end(), std::byte{0xA5});
    const auto header = build_frame_header({.run_id = c.run,
                                            .stream = "4dstem/detector",
                                            .modality = wire::Modality::Stem4D,
                                            .sequence = sequence,
                                            .command_seq = c.seq,
                                            .dtype = wire::DType::U16,
                                            .shape = {8, 8},
                                            .codec = wire::Codec::BitshuffleLz4,
                                            .uncompressed_size = 128});
    push_.send(buf(header), zmq::send_flags::sndmore);
    push_.send(zmq::buffer(chunk.data(), chunk.size()), zmq::send_flags::none);
  }

  zmq::socket_t& dealer() { return dealer_; }
  zmq::socket_t& push() { return push_; }

 private:
  std::string name_;
  AlignedScratch scratch_;
  zmq::socket_t dealer_;
  zmq::socket_t push_;
};

class DaemonTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kokkos_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { kokkos_.reset(); }

  void SetUp() override {
    const std::string base = "ipc://" + dir_.path().string() + "/";
    config_.endpoints = {base + "data", base + "results", base + "commands", base + "admin"};
    config_.data_dir = dir_ / "runs";
    config_.command_timings = {50ms, 2000ms};
    config_.run_idle_timeout = 1000ms;
    config_.stop_grace = 300ms;
    config_.heartbeat_interval = 20ms;
    config_.instrument_timeout = 2000ms;
    config_.logging.level = "warn";
    // The scripted instrument sends no heartbeats and answers at its own pace: the tests that
    // are about the watchdog turn it on.
    config_.safety.watchdog = {0ms, 0ms};
    // One stage, one product per frame: the counts below follow from the plan alone.
    config_.pipelines[wire::Modality::Stem4D] = PipelineConfig{.stages = {"frame_sum"}};
    config_.logging.file = (dir_ / "daemon.log").string();
  }

  void start() {
    daemon_ = std::make_unique<Daemon>(config_, make_logger("daemon-test", config_.logging));
    thread_ = std::thread([this] { daemon_->run(); });
  }

  void TearDown() override {
    if (daemon_) {
      daemon_->request_stop();
      thread_.join();
    }
  }

  json admin(const json& request) {
    zmq::socket_t req(ctx_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, 3000);
    req.connect(config_.endpoints.admin);
    const std::string text = request.is_string() ? request.get<std::string>() : request.dump();
    req.send(zmq::buffer(text), zmq::send_flags::none);
    zmq::message_t reply;
    if (!req.recv(reply, zmq::recv_flags::none)) return json{{"ok", false}, {"error", "timeout"}};
    return json::parse(reply.to_string_view());
  }

  // Polls status until `predicate` holds; returns the last status.
  json wait_status(const std::function<bool(const json&)>& predicate,
                   std::chrono::milliseconds timeout = 5000ms) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    json s;
    while (std::chrono::steady_clock::now() < until) {
      s = admin({{"cmd", "status"}});
      if (predicate(s)) return s;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "condition not reached; last status: " << s.dump(2);
    return s;
  }

  // A scripted instrument that has said hello and that the daemon lists.
  std::unique_ptr<ScriptedInstrument> connect_instrument(const std::string& name) {
    auto instrument = std::make_unique<ScriptedInstrument>(ctx_, config_.endpoints, name);
    instrument->hello();
    wait_status([](const json& s) { return s["instruments"].size() == 1; });
    return instrument;
  }

  std::uint64_t counter(const json& status, const std::string& name) {
    return status["counters"].value(name, std::uint64_t{0});
  }

  inline static std::unique_ptr<KokkosRuntime> kokkos_;
  testing::TempDir dir_;
  DaemonConfig config_;
  zmq::context_t ctx_;
  std::unique_ptr<Daemon> daemon_;
  std::thread thread_;
};

TEST_F(DaemonTest, AnswersStatusWithNoRun) {
  start();
  const json s = admin({{"cmd", "status"}});
  EXPECT_TRUE(s.value("ok", false)) << s.dump();
  EXPECT_TRUE(s["run"].is_null());
  EXPECT_EQ(s["endpoints"]["admin"], config_.endpoints.admin);
}

TEST_F(DaemonTest, RejectsMalformedDataMessagesAndKeepsRunning) {
  start();
  zmq::socket_t push(ctx_, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 1000);
  push.connect(config_.endpoints.data);
  const Uuid run = Uuid::random();
  FrameHeaderFields good{.run_id = run,
                         .stream = "4dstem/detector",
                         .modality = wire::Modality::Stem4D,
                         .dtype = wire::DType::U16,
                         .shape = {8, 8}};
  const auto header = build_frame_header(good);
  std::vector<std::uint16_t> pixels(64, 1);

  // 1: one part only: read as an [EventChunk], which a FrameHeader is not.
  push.send(buf(header), zmq::send_flags::none);
  // 2: three parts.
  push.send(buf(header), zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels), zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels), zmq::send_flags::none);
  // 3: truncated FlatBuffer (identifier intact).
  push.send(zmq::buffer(header.data(), 12), zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels), zmq::send_flags::none);
  // 4: random bytes.
  std::string garbage(100, '\xA5');
  push.send(zmq::buffer(garbage), zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels), zmq::send_flags::none);
  // 5: wrong schema version.
  {
    flatbuffers::FlatBufferBuilder fbb;
    const wire::Uuid id = to_wire(run);
    const auto stream = fbb.CreateString("4dstem/detector");
    const auto shape = fbb.CreateVector(std::vector<std::uint32_t>{8, 8});
    wire::FrameHeaderBuilder b(fbb);
    b.add_schema_version(static_cast<wire::SchemaVersion>(2));
    b.add_run_id(&id);
    b.add_stream(stream);
    b.add_dtype(wire::DType::U16);
    b.add_shape(shape);
    fbb.Finish(b.Finish(), wire::FrameHeaderIdentifier());
    push.send(zmq::buffer(fbb.GetBufferPointer(), fbb.GetSize()), zmq::send_flags::sndmore);
    push.send(zmq::buffer(pixels), zmq::send_flags::none);
  }
  // 6: absurd shape.
  {
    FrameHeaderFields absurd = good;
    absurd.shape = {100000, 100000};
    push.send(buf(build_frame_header(absurd)), zmq::send_flags::sndmore);
    push.send(zmq::buffer(pixels), zmq::send_flags::none);
  }
  // 7: payload size disagrees with the shape.
  push.send(buf(header), zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels.data(), 100), zmq::send_flags::none);
  // 8: a valid frame, but for a run nobody started.
  push.send(buf(header), zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels), zmq::send_flags::none);
  // 9: a valid Command where a FrameHeader belongs.
  push.send(buf(build_command({.run_id = run, .seq = 1, .actuator = "x"})),
            zmq::send_flags::sndmore);
  push.send(zmq::buffer(pixels), zmq::send_flags::none);

  const json s = wait_status([&](const json& st) { return counter(st, "rejected.data") == 9; });
  EXPECT_EQ(counter(s, "rejected.data.part_count"), 1u);
  EXPECT_EQ(counter(s, "rejected.data.invalid_flatbuffer"), 1u);
  EXPECT_EQ(counter(s, "rejected.data.bad_identifier"), 3u);
  EXPECT_EQ(counter(s, "rejected.data.schema_version"), 1u);
  EXPECT_EQ(counter(s, "rejected.data.bad_shape"), 1u);
  EXPECT_EQ(counter(s, "rejected.data.payload_size"), 1u);
  EXPECT_EQ(counter(s, "rejected.data.unknown_run"), 1u);
  EXPECT_EQ(counter(s, "data.frames"), 0u);
}

TEST_F(DaemonTest, RejectsMalformedCommandSocketMessages) {
  start();
  zmq::socket_t dealer(ctx_, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(config_.endpoints.commands);
  const std::string garbage(64, 'x');
  dealer.send(zmq::buffer(garbage), zmq::send_flags::none);            // not a known message
  dealer.send(zmq::buffer(garbage.data(), 3), zmq::send_flags::none);  // too short
  dealer.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);         // extra part
  dealer.send(zmq::str_buffer("b"), zmq::send_flags::none);
  const auto ack = build_ack({.run_id = Uuid::random(), .seq = 1, .status = wire::AckStatus::Done});
  dealer.send(zmq::buffer(ack.data(), ack.size() - 9), zmq::send_flags::none);  // truncated ack
  const auto status = build_instrument_status({.instrument = std::string(100, 'n')});
  dealer.send(buf(status), zmq::send_flags::none);  // name too long
  {
    flatbuffers::FlatBufferBuilder fbb;  // an Ack from a future, incompatible schema
    wire::AckBuilder b(fbb);
    b.add_schema_version(static_cast<wire::SchemaVersion>(2));
    b.add_seq(1);
    fbb.Finish(b.Finish(), wire::AckIdentifier());
    dealer.send(zmq::buffer(fbb.GetBufferPointer(), fbb.GetSize()), zmq::send_flags::none);
  }

  const json s = wait_status([&](const json& st) { return counter(st, "rejected.commands") == 6; });
  EXPECT_EQ(counter(s, "rejected.commands.schema_version"), 1u);
  EXPECT_EQ(counter(s, "rejected.commands.bad_identifier"), 1u);
  EXPECT_EQ(counter(s, "rejected.commands.truncated"), 1u);
  EXPECT_EQ(counter(s, "rejected.commands.part_count"), 1u);
  EXPECT_EQ(counter(s, "rejected.commands.invalid_flatbuffer"), 1u);
  EXPECT_EQ(counter(s, "rejected.commands.bad_field"), 1u);
  EXPECT_TRUE(s["instruments"].empty());
}

TEST_F(DaemonTest, RejectsMalformedAdminRequestsWithAnErrorReply) {
  start();
  for (const json& bad :
       {json("not json {"), json("[1,2]"), json(R"({"nocmd":1})"),
        json(R"({"cmd":"launch_missiles"})"), json(R"({"cmd":"start_run","nx":0,"ny":3})"),
        json(R"({"cmd":"start_run","nx":"4","ny":3})"),
        json(R"({"cmd":"start_run","nx":4,"ny":3})"),  // no instrument
        json(R"({"cmd":"stop_run"})"),
        json(R"({"cmd":"status","pad":")" + std::string(100 * 1024, 'x') + "\"}")}) {
    const json reply = admin(bad);
    EXPECT_FALSE(reply.value("ok", true)) << bad;
    EXPECT_FALSE(reply.value("error", std::string()).empty()) << bad;
  }
  // A raw peer can send a multipart request to the REP socket.
  zmq::socket_t raw(ctx_, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::rcvtimeo, 3000);
  raw.connect(config_.endpoints.admin);
  raw.send(zmq::message_t(), zmq::send_flags::sndmore);  // REQ-style empty delimiter
  raw.send(zmq::str_buffer(R"({"cmd":"status"})"), zmq::send_flags::sndmore);
  raw.send(zmq::str_buffer("extra"), zmq::send_flags::none);
  zmq::message_t delimiter;
  zmq::message_t reply;
  ASSERT_TRUE(raw.recv(delimiter, zmq::recv_flags::none));
  ASSERT_TRUE(raw.recv(reply, zmq::recv_flags::none));
  EXPECT_FALSE(json::parse(reply.to_string_view()).value("ok", true));

  const json s = admin({{"cmd", "status"}});
  EXPECT_TRUE(s.value("ok", false));
  EXPECT_EQ(counter(s, "rejected.admin"), 10u);
  EXPECT_EQ(counter(s, "rejected.admin.too_large"), 1u);
  EXPECT_EQ(counter(s, "rejected.admin.not_json"), 1u);
  EXPECT_EQ(counter(s, "rejected.admin.unknown_command"), 1u);
  EXPECT_EQ(counter(s, "rejected.admin.part_count"), 1u);
}

// Answers every command the daemon sends; rejects positions listed in `reject`, ignores the
// first attempt of each command when `drop_first` is set (so the daemon must retry).
struct ScriptOptions {
  std::set<std::uint64_t> reject_seqs{};
  bool drop_first = false;
};
std::uint64_t serve(ScriptedInstrument& instrument, std::uint64_t expected_commands,
                    const ScriptOptions& options) {
  std::uint64_t sequence = 0;
  std::set<std::uint64_t> answered;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (answered.size() < expected_commands && std::chrono::steady_clock::now() < until) {
    const auto c = instrument.next_command(100ms);
    if (!c) continue;
    if (options.drop_first && c->attempt == 1) continue;
    if (answered.count(c->seq) != 0) {  // a retry of something answered: ack again, no frame
      instrument.ack(*c, wire::AckStatus::Done);
      continue;
    }
    answered.insert(c->seq);
    if (options.reject_seqs.count(c->seq) != 0) {
      instrument.ack(*c, wire::AckStatus::Rejected, "outside hardware limits");
      continue;
    }
    instrument.ack(*c, wire::AckStatus::Done);
    instrument.frame(*c, sequence++, static_cast<std::uint16_t>(c->seq));
  }
  return sequence;
}

TEST_F(DaemonTest, RunsARasterScanEndToEndAndRecordsProvenance) {
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;

  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.set(zmq::sockopt::rcvtimeo, 3000);
  sub.connect(config_.endpoints.results);
  zmq::message_t topic;
  zmq::message_t body;
  ASSERT_TRUE(sub.recv(topic, zmq::recv_flags::none));  // heartbeat: subscription is live
  ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));

  const json started = admin({{"cmd", "start_run"}, {"nx", 4}, {"ny", 3}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  const std::string run_id = started["run_id"];

  EXPECT_EQ(serve(instrument, 12, {.reject_seqs = {5}}), 11u);
  const json s =
      wait_status([](const json& st) { return st["run"].is_null() && !st["last_run"].is_null(); });
  const json& last = s["last_run"];
  EXPECT_EQ(last["state"], "completed_with_errors");  // one position was refused
  EXPECT_EQ(last["frames_received"], 11);
  EXPECT_EQ(last["frames_processed"], 11);
  EXPECT_EQ(last["results_published"], 11);
  EXPECT_EQ(last["acks"]["done"], 11);
  EXPECT_EQ(last["acks"]["rejected"], 1);

  // Every frame's result arrives, with the right sum and scan index.
  std::map<std::uint64_t, double> sums;
  AlignedScratch scratch;
  const auto until = std::chrono::steady_clock::now() + 5s;  // heartbeats keep recv from timing out
  while (sums.size() < 11 && std::chrono::steady_clock::now() < until &&
         sub.recv(topic, zmq::recv_flags::none) && sub.recv(body, zmq::recv_flags::none)) {
    if (topic.to_string().find("/4dstem/frame_sum") == std::string::npos) continue;
    EXPECT_EQ(topic.to_string(), "run/" + run_id + "/4dstem/frame_sum");
    auto decoded = decode<wire::Result>(
        std::span(static_cast<const std::byte*>(body.data()), body.size()), scratch);
    ASSERT_TRUE(std::holds_alternative<const wire::Result*>(decoded));
    const auto* r = std::get<const wire::Result*>(decoded);
    sums[r->source_sequence()] = r->values()->Get(0);
    EXPECT_GE(r->scan_index(), 0);
  }
  ASSERT_EQ(sums.size(), 11u);
  EXPECT_EQ(sums[0], 64.0 * 1);  // command 1's frame holds 64 pixels of value 1

  const auto file = config_.data_dir / run_id / "provenance.elp";
  const VerifyReport report = verify_provenance(file);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_TRUE(report.sealed);
  std::map<wire::RecordKind, int> kinds;
  for (const auto& record : read_provenance(file)) ++kinds[record.kind];
  EXPECT_EQ(kinds[wire::RecordKind::Frame], 11);
  EXPECT_EQ(kinds[wire::RecordKind::Result], 11);
  EXPECT_EQ(kinds[wire::RecordKind::Command], 12);
  EXPECT_EQ(kinds[wire::RecordKind::Ack], 12);
  EXPECT_EQ(kinds[wire::RecordKind::Stage], 1);
}

TEST_F(DaemonTest, RetriesUnacknowledgedCommandsWithoutDuplicatingFrames) {
  start();
  auto connected = connect_instrument("lossy-4dstem");
  ScriptedInstrument& instrument = *connected;
  ASSERT_TRUE(admin({{"cmd", "start_run"}, {"nx", 3}, {"ny", 2}}).value("ok", false));
  EXPECT_EQ(serve(instrument, 6, {.drop_first = true}), 6u);
  const json s = wait_status([](const json& st) { return !st["last_run"].is_null(); });
  EXPECT_EQ(s["last_run"]["state"], "completed");
  EXPECT_EQ(s["last_run"]["frames_received"], 6);
  EXPECT_GE(s["last_run"]["command_retries"].get<int>(), 6);
}

TEST_F(DaemonTest, StopDrainsAndSealsTheActiveRunAsInterrupted) {
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;
  const json started = admin({{"cmd", "start_run"}, {"nx", 8}, {"ny", 8}});
  ASSERT_TRUE(started.value("ok", false));
  EXPECT_EQ(serve(instrument, 3, {}), 3u);
  wait_status([](const json& st) { return st["run"].value("frames_processed", 0) == 3; });

  daemon_->request_stop();
  thread_.join();
  daemon_.reset();
  const auto file = config_.data_dir / started["run_id"].get<std::string>() / "provenance.elp";
  const VerifyReport report = verify_provenance(file);
  EXPECT_TRUE(report.ok) << report.error;
  const auto records = read_provenance(file);
  EXPECT_EQ(records.back().kind, wire::RecordKind::RunEnded);
  EXPECT_EQ(records.back().attributes["state"], "interrupted");
  EXPECT_EQ(records.back().attributes["frames_processed"], 3);
}

TEST_F(DaemonTest, StopRunMidScanSealsTheLogAndIgnoresLateAcks) {
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;
  const json started = admin({{"cmd", "start_run"}, {"nx", 8}, {"ny", 8}});
  ASSERT_TRUE(started.value("ok", false));
  EXPECT_EQ(serve(instrument, 2, {}), 2u);
  // The next commands are in flight; hold them unanswered while the run is stopped.
  std::vector<ScriptedInstrument::ReceivedCommand> held;
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (held.size() < config_.max_commands_in_flight && std::chrono::steady_clock::now() < until) {
    if (auto c = instrument.next_command(100ms); c && c->attempt == 1) held.push_back(*c);
  }
  ASSERT_EQ(held.size(), config_.max_commands_in_flight);
  EXPECT_TRUE(admin({{"cmd", "stop_run"}}).value("ok", false));
  wait_status([](const json& s) { return !s["last_run"].is_null(); });

  for (const auto& c : held) instrument.ack(c, wire::AckStatus::Done);
  instrument.frame(held.front(), 2, 1);
  const json s = wait_status([&](const json& st) {
    // "late" while the log is being sealed, "stale" once the run is gone: either way ignored.
    return counter(st, "commands.late_acks") + counter(st, "commands.stale_acks") == held.size() &&
           counter(st, "rejected.data.unknown_run") == 1;
  });
  EXPECT_TRUE(s.value("ok", false));
  EXPECT_EQ(s["last_run"]["state"], "aborted");
  const auto file = config_.data_dir / started["run_id"].get<std::string>() / "provenance.elp";
  const VerifyReport report = verify_provenance(file);
  EXPECT_TRUE(report.ok) << report.error;
  EXPECT_EQ(read_provenance(file).back().attributes["state"], "aborted");
}

TEST_F(DaemonTest, HostileFramesDuringARunAreRefusedAndTheRunStillCompletes) {
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;
  const json started = admin({{"cmd", "start_run"}, {"nx", 4}, {"ny", 3}});
  ASSERT_TRUE(started.value("ok", false));
  const Uuid run = *Uuid::parse(started["run_id"].get<std::string>());
  // A sequence far beyond the scan would otherwise make every real frame a "duplicate".
  instrument.frame({run, 1, "scan_position", {0, 0}, 1}, 1'000'000'000'000ull, 1);
  // A frame no command of this run asked for.
  instrument.frame({run, 999, "scan_position", {0, 0}, 1}, 5, 1);  // must not mark 0..4 missing
  wait_status([&](const json& st) { return counter(st, "rejected.data") == 2; });

  EXPECT_EQ(serve(instrument, 12, {}), 12u);
  const json s = wait_status([](const json& st) { return !st["last_run"].is_null(); });
  EXPECT_EQ(counter(s, "rejected.data.bad_sequence"), 1u);
  EXPECT_EQ(counter(s, "rejected.data.unknown_command"), 1u);
  EXPECT_EQ(s["last_run"]["state"], "completed");
  EXPECT_EQ(s["last_run"]["frames_received"], 12);
  EXPECT_EQ(s["last_run"]["missing_frames"], 0);
  EXPECT_EQ(counter(s, "data.sequence_gaps"), 0u);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST_F(DaemonTest, ASubscriberThatNeverReadsDoesNotHoldUpARun) {
  config_.publish_hwm = 4;  // the stalled subscriber's queue fills at once
  config_.pipelines[wire::Modality::Stem4D] =
      PipelineConfig{.stages = {"frame_sum", "stem_virtual_detectors"}};
  config_.snapshot_interval = 10ms;  // live maps too, as fast as they come
  start();
  auto connected = connect_instrument("scripted-4dstem");
  zmq::socket_t stalled(ctx_, zmq::socket_type::sub);
  stalled.set(zmq::sockopt::rcvhwm, 1);
  stalled.set(zmq::sockopt::subscribe, "");
  stalled.connect(config_.endpoints.results);
  std::this_thread::sleep_for(100ms);  // subscribed before the run, then never read

  const json started = admin({{"cmd", "start_run"}, {"nx", 10}, {"ny", 10}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  EXPECT_EQ(serve(*connected, 100, {}), 100u);
  const json s =
      wait_status([](const json& st) { return st["run"].is_null() && !st["last_run"].is_null(); });
  EXPECT_EQ(s["last_run"]["state"], "completed");
  EXPECT_EQ(s["last_run"]["frames_processed"], 100);
  EXPECT_EQ(s["last_run"]["frames_stored"], 100);
  // Every result was still published (and the subscriber's share dropped by ZeroMQ).
  EXPECT_EQ(s["last_run"]["results_published"], 100 * 5);
}

TEST_F(DaemonTest, StatusReportsStageLatencyQueuesAndThePool) {
  // Stage statistics belong to the active run: a slow second stage keeps it active long
  // enough to be looked at.
  config_.pipelines[wire::Modality::Stem4D] =
      PipelineConfig{.stages = {"frame_sum", "delay"}, .parameters = {{"delay", {{"ms", 20}}}}};
  start();
  auto connected = connect_instrument("scripted-4dstem");
  const json started = admin({{"cmd", "start_run"}, {"nx", 4}, {"ny", 4}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  std::thread server([&] { serve(*connected, 16, {}); });
  const json s = wait_status([](const json& st) {
    return !st["run"].is_null() && st["stages"].size() == 2 && st["stages"][0]["processed"] >= 4;
  });
  server.join();
  ASSERT_EQ(s["stages"].size(), 2u) << s.dump(2);
  const json& stage = s["stages"][0];
  EXPECT_EQ(stage["name"], "frame_sum");
  EXPECT_GT(stage["p99_us"].get<double>(), 0.0);
  EXPECT_GE(stage["p99_us"].get<double>(), stage["p50_us"].get<double>());
  EXPECT_EQ(stage["latency_histogram_log2_ns"].size(), edgeloop::kLatencyBuckets);
  // The delay stage's 20 ms show in its quantiles.
  EXPECT_GE(s["stages"][1]["p50_us"].get<double>(), 16000.0);
  EXPECT_EQ(s["queues"]["processing"]["capacity"], config_.queue_capacity);
  EXPECT_EQ(s["queues"]["storage"]["capacity"], config_.storage.queue_capacity);
  EXPECT_EQ(s["buffer_pool"]["slots"], config_.storage.pool_slots);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST_F(DaemonTest, PrecompressedFramesAreDecodedForStagesAndACorruptOneOnlyCostsItself) {
  start();
  auto connected = connect_instrument("scripted-4dstem");
  const json started = admin({{"cmd", "start_run"}, {"nx", 3}, {"ny", 1}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  std::uint64_t sequence = 0;
  while (sequence < 3) {
    const auto c = connected->next_command(2000ms);
    ASSERT_TRUE(c);
    connected->ack(*c, wire::AckStatus::Done);
    connected->compressed_frame(*c, sequence, 7, /*corrupt=*/sequence == 1);
    ++sequence;
  }
  const json s =
      wait_status([](const json& st) { return st["run"].is_null() && !st["last_run"].is_null(); });
  EXPECT_EQ(s["last_run"]["frames_processed"], 3);
  EXPECT_EQ(s["last_run"]["frames_stored"], 2);  // the corrupt chunk stays out of the file
  EXPECT_EQ(s["last_run"]["results_published"], 2);
  EXPECT_EQ(counter(s, "pipeline.decode_failures"), 1u);
  // The good frames' sums show they were decoded: 64 pixels of 7.
  const auto file = config_.data_dir / started["run_id"].get<std::string>() / "provenance.elp";
  int sums = 0;
  for (const auto& r : read_provenance(file)) {
    if (r.kind == wire::RecordKind::Result && r.attributes.contains("values") &&
        r.subject.find("frame_sum") != std::string::npos) {
      EXPECT_EQ(r.attributes["values"][0], 64.0 * 7);
      ++sums;
    }
  }
  EXPECT_EQ(sums, 2);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST_F(DaemonTest, ABacklogBehindASlowStageIsNotIdlenessAndTheStatusWaitsForTheSeal) {
  config_.run_idle_timeout = 200ms;
  config_.pipelines[wire::Modality::Stem4D] =
      PipelineConfig{.stages = {"frame_sum", "delay"}, .parameters = {{"delay", {{"ms", 25}}}}};
  start();
  auto connected = connect_instrument("scripted-4dstem");
  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "run/");
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.connect(config_.endpoints.results);
  std::this_thread::sleep_for(100ms);

  const json started = admin({{"cmd", "start_run"}, {"nx", 20}, {"ny", 1}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  const std::string run_id = started["run_id"];
  // All 20 frames arrive at once; working them off takes 500 ms, beyond the idle timeout.
  EXPECT_EQ(serve(*connected, 20, {}), 20u);

  zmq::message_t topic;
  zmq::message_t body;
  bool status_seen = false;
  while (!status_seen && sub.recv(topic, zmq::recv_flags::none) &&
         sub.recv(body, zmq::recv_flags::none)) {
    status_seen = topic.to_string() == "run/" + run_id + "/status";
  }
  ASSERT_TRUE(status_seen);
  // When the status is out, the log is sealed and the file finished.
  const auto dir = config_.data_dir / run_id;
  const VerifyReport report = verify_provenance(dir / "provenance.elp");
  EXPECT_TRUE(report.ok && report.sealed) << report.error;
  EXPECT_TRUE(std::filesystem::exists(dir / "run.nxs"));
  const json s = admin({{"cmd", "status"}});
  EXPECT_EQ(s["last_run"]["state"], "completed") << s["last_run"].dump(2);
  EXPECT_EQ(s["last_run"]["frames_stored"], 20);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

// The scripted instrument's envelope: the probe may reach x = 0..2 only, y = 0..10.
InstrumentSafety narrow_scan_envelope() {
  InstrumentSafety s;
  s.actuators["scan_position"] = {.min = {0.0, 0.0}, .max = {2.0, 10.0}};
  s.actuators["beam_blank"] = {.min = {0.0}, .max = {1.0}, .allowed_during_interlock = true};
  s.safe_state = {{"beam_blank", {1.0}}};
  return s;
}

std::map<wire::RecordKind, std::vector<ProvenanceRecordView>> records_by_kind(
    const std::filesystem::path& file) {
  std::map<wire::RecordKind, std::vector<ProvenanceRecordView>> out;
  for (auto& r : read_provenance(file)) out[r.kind].push_back(std::move(r));
  return out;
}

TEST_F(DaemonTest, NoCommandOutsideTheEnvelopeEverReachesTheInstrument) {
  config_.safety.instruments["scripted-4dstem"] = narrow_scan_envelope();
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;
  // A 4 x 3 raster: the column x = 3 lies outside the envelope.
  const json started = admin({{"cmd", "start_run"}, {"nx", 4}, {"ny", 3}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();

  std::map<std::uint64_t, ScriptedInstrument::ReceivedCommand> received;
  std::uint64_t sequence = 0;
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    const auto c = instrument.next_command(100ms);
    if (!c) {
      if (!admin({{"cmd", "status"}})["last_run"].is_null()) break;
      continue;
    }
    instrument.ack(*c, wire::AckStatus::Done);
    if (received.emplace(c->seq, *c).second) instrument.frame(*c, sequence++, 1);
  }
  ASSERT_EQ(received.size(), 9u);
  for (const auto& [seq, c] : received) {
    EXPECT_EQ(c.actuator, "scan_position");
    EXPECT_LE(c.target.at(0), 2.0) << "command " << seq << " left the envelope";
  }
  const json s = wait_status([](const json& st) { return !st["last_run"].is_null(); });
  const json& last = s["last_run"];
  EXPECT_EQ(last["state"], "completed_with_errors");
  EXPECT_EQ(last["refused"], 3);
  EXPECT_EQ(last["refused_by_reason"]["range"], 3);
  EXPECT_EQ(last["frames_received"], 9);
  EXPECT_EQ(counter(s, "commands.refused"), 3u);
  EXPECT_EQ(counter(s, "commands.refused.range"), 3u);

  const auto file = config_.data_dir / started["run_id"].get<std::string>() / "provenance.elp";
  ASSERT_TRUE(verify_provenance(file).ok);
  auto kinds = records_by_kind(file);
  ASSERT_EQ(kinds[wire::RecordKind::Refusal].size(), 3u);
  for (const auto& r : kinds[wire::RecordKind::Refusal]) {
    EXPECT_EQ(r.attributes["reason"], "range");
    EXPECT_EQ(r.attributes["source"], "envelope");
    EXPECT_EQ(r.attributes["target"][0], 3.0);
  }
  EXPECT_EQ(kinds[wire::RecordKind::Command].size(), 9u);
  for (const auto& r : kinds[wire::RecordKind::Command]) {
    EXPECT_LE(r.attributes["target"][0].get<double>(), 2.0);
  }
  EXPECT_FALSE(read_provenance(file).front().attributes["safety"].is_null());
}

TEST_F(DaemonTest, AnInterlockRefusesAStepAndPausesThePlanUntilItIsReleased) {
  config_.safety.instruments["scripted-4dstem"] = narrow_scan_envelope();
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;
  const auto status = [&](bool interlock) {
    instrument.dealer().send(buf(build_instrument_status({.instrument = "scripted-4dstem",
                                                          .modality = wire::Modality::Stem4D,
                                                          .state = wire::InstrumentState::Idle,
                                                          .interlock = interlock,
                                                          .wall_ns = wall_ns()})),
                             zmq::send_flags::none);
  };
  status(true);
  wait_status([&](const json& st) { return counter(st, "commands.status_messages") >= 2; });
  const json started = admin({{"cmd", "start_run"}, {"nx", 2}, {"ny", 1}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  const json paused =
      wait_status([&](const json& st) { return counter(st, "commands.refused.interlock") == 1; });
  EXPECT_TRUE(paused["run"]["paused_by_interlock"].get<bool>());
  EXPECT_FALSE(instrument.next_command(200ms).has_value()) << "nothing moves while interlocked";
  EXPECT_EQ(counter(admin({{"cmd", "status"}}), "commands.refused.interlock"), 1u);

  status(false);  // released: the plan goes on with its next point
  const auto c = instrument.next_command(2000ms);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->target, (std::vector<double>{1.0, 0.0}));
  instrument.ack(*c, wire::AckStatus::Done);
  instrument.frame(*c, 0, 1);
  const json s = wait_status([](const json& st) { return !st["last_run"].is_null(); });
  EXPECT_EQ(s["last_run"]["state"], "completed_with_errors");
  EXPECT_EQ(s["last_run"]["refused_by_reason"]["interlock"], 1);
  EXPECT_EQ(counter(s, "commands.sent"), 1u);
}

TEST_F(DaemonTest, ASpentDoseBudgetEndsThePlan) {
  InstrumentSafety safety = narrow_scan_envelope();
  safety.actuators["scan_position"].max = {10.0, 10.0};
  safety.actuators["scan_position"].dose_per_command = 1.0;
  safety.dose_budget = 5.0;
  config_.safety.instruments["scripted-4dstem"] = safety;
  start();
  auto connected = connect_instrument("scripted-4dstem");
  const json started = admin({{"cmd", "start_run"}, {"nx", 4}, {"ny", 3}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  EXPECT_EQ(serve(*connected, 5, {}), 5u);
  const json s = wait_status([](const json& st) { return !st["last_run"].is_null(); });
  EXPECT_EQ(s["last_run"]["state"], "completed_with_errors");
  EXPECT_EQ(s["last_run"]["frames_received"], 5);
  EXPECT_EQ(s["last_run"]["refused_by_reason"]["dose"], 1);  // the sixth, then the plan ends
  EXPECT_TRUE(s["last_run"]["dose_budget_spent"].get<bool>());
  EXPECT_EQ(s["last_run"]["envelope"]["dose_spent"], 5.0);
}

TEST_F(DaemonTest, AHeldRunStallsAndTheWatchdogSendsTheSafeStateOnce) {
  config_.safety.instruments["scripted-4dstem"] = narrow_scan_envelope();
  config_.safety.watchdog = {200ms, 0ms};
  config_.max_commands_in_flight = 1;
  start();
  auto connected = connect_instrument("scripted-4dstem");
  ScriptedInstrument& instrument = *connected;
  const json started = admin({{"cmd", "start_run"}, {"nx", 3}, {"ny", 3}});
  ASSERT_TRUE(started.value("ok", false)) << started.dump();
  std::uint64_t sequence = 0;
  for (int i = 0; i < 2; ++i) {
    const auto c = instrument.next_command(2000ms);
    ASSERT_TRUE(c);
    if (i == 1) {
      ASSERT_TRUE(admin({{"cmd", "hold_run"}}).value("ok", false));
    }
    instrument.ack(*c, wire::AckStatus::Done);
    instrument.frame(*c, sequence++, 1);
  }
  const auto last_progress = std::chrono::steady_clock::now();
  std::optional<ScriptedInstrument::ReceivedCommand> safe;
  while (!safe && std::chrono::steady_clock::now() - last_progress < 3s) {
    const auto c = instrument.next_command(50ms);
    if (c && c->actuator == "beam_blank") safe = c;
  }
  ASSERT_TRUE(safe) << "no safe state within 3 s";
  const auto waited = std::chrono::steady_clock::now() - last_progress;
  EXPECT_EQ(safe->target, std::vector<double>{1.0});
  EXPECT_GE(waited, 190ms);
  EXPECT_LT(waited, 1000ms);
  instrument.ack(*safe, wire::AckStatus::Done);
  const json s = wait_status([](const json& st) { return !st["last_run"].is_null(); });
  EXPECT_EQ(s["last_run"]["state"], "stalled");
  EXPECT_EQ(s["last_run"]["watchdog"], "loop_stall");
  EXPECT_EQ(counter(s, "watchdog.fired.loop_stall"), 1u);

  const auto file = config_.data_dir / started["run_id"].get<std::string>() / "provenance.elp";
  auto kinds = records_by_kind(file);
  int watchdog_notes = 0;
  for (const auto& r : kinds[wire::RecordKind::Note]) {
    watchdog_notes += r.subject == "watchdog/loop_stall" ? 1 : 0;
  }
  EXPECT_EQ(watchdog_notes, 1);
  const auto& commands = kinds[wire::RecordKind::Command];
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.back().attributes["actuator"], "beam_blank");
  EXPECT_EQ(commands.back().attributes["origin"], "watchdog");
  EXPECT_EQ(kinds[wire::RecordKind::Ack].back().attributes["origin"], "watchdog");
}

TEST_F(DaemonTest, StartRunRefusesAnInstrumentWithoutAnEnvelopeWhenOneIsRequired) {
  config_.safety.require_envelope = true;
  start();
  auto connected = connect_instrument("scripted-4dstem");
  const json reply = admin({{"cmd", "start_run"}, {"nx", 2}, {"ny", 1}});
  EXPECT_FALSE(reply.value("ok", true));
  EXPECT_NE(reply.value("error", "").find("no safety envelope"), std::string::npos) << reply.dump();
  const json unknown = admin({{"cmd", "start_run"}, {"modality", "saxs"}, {"plan", "nope"}});
  EXPECT_FALSE(unknown.value("ok", true));
}

}  // namespace
}  // namespace edgeloop
