#include "edgeloop/sims/stem4d_device.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;
using test::receive_frame;

constexpr auto kWait = 5s;      // for what must arrive
constexpr auto kQuiet = 300ms;  // for what must not

// The 4D-STEM device behind the real protocol loop, played against over inproc:// as
// edgeloopd would over TCP. The kinematic model keeps these protocol tests fast; the
// phase-object model has its own tests.
class Stem4DInstrumentTest : public ::testing::Test {
 protected:
  Stem4DInstrumentTest() {
    config_.max_x = 63;
    config_.max_y = 47;
    config_.model = PatternModelKind::Kinematic;
  }

  ~Stem4DInstrumentTest() override { stop(); }

  void start(int pull_hwm = 1000) {
    config_.common = harness_.config;
    device_ = std::make_unique<Stem4DDevice>(config_);
    hello_ = harness_.start(*device_, pull_hwm);
    ASSERT_NE(hello_, nullptr) << "no hello from the instrument";
    commands_ = harness_.commands.get();
    pull_ = harness_.pull.get();
  }

  void stop() { harness_.stop(); }

  CommandFields scan(std::uint64_t seq, double x, double y) const {
    return harness_.command(seq, "scan_position", {x, y});
  }

  const wire::Ack* send_and_ack(const CommandFields& command) {
    return harness_.send_and_ack(command);
  }

  std::uint64_t counter(std::string_view name) const {
    return harness_.loop->counters().value(name);
  }

  // Counters are written by the loop thread; poll until one reaches a value.
  bool counter_reaches(std::string_view name, std::uint64_t value) const {
    const auto until = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < until) {
      if (counter(name) >= value) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  test::LoopHarness harness_;
  Stem4DConfig config_;
  std::unique_ptr<Stem4DDevice> device_;
  test::FakeDaemonCommands* commands_ = nullptr;
  zmq::socket_t* pull_ = nullptr;
  const wire::InstrumentStatus* hello_ = nullptr;
  Uuid& run_ = harness_.run;
};

std::vector<double> values(const flatbuffers::Vector<double>* v) {
  return v == nullptr ? std::vector<double>{} : std::vector<double>(v->begin(), v->end());
}

TEST_F(Stem4DInstrumentTest, SaysHelloThenSendsHeartbeats) {
  start();
  EXPECT_EQ(commands_->identity(), "sim-test");
  ASSERT_NE(hello_->instrument(), nullptr);
  EXPECT_EQ(hello_->instrument()->str(), "sim-test");
  EXPECT_EQ(hello_->modality(), wire::Modality::Stem4D);
  EXPECT_EQ(hello_->state(), wire::InstrumentState::Idle);
  EXPECT_FALSE(hello_->interlock());
  EXPECT_EQ(hello_->frames_sent(), 0U);
  EXPECT_GT(hello_->wall_ns(), 0U);
  ASSERT_NE(hello_->actuators(), nullptr);
  ASSERT_EQ(hello_->actuators()->size(), 4U);
  EXPECT_EQ(hello_->actuators()->Get(0)->name()->str(), "scan_position");
  EXPECT_EQ(values(hello_->actuators()->Get(0)->value()), (std::vector<double>{31.5, 23.5}));
  EXPECT_EQ(hello_->actuators()->Get(1)->name()->str(), "beam_blank");
  EXPECT_EQ(values(hello_->actuators()->Get(1)->value()), std::vector<double>{0.0});
  EXPECT_EQ(hello_->actuators()->Get(2)->name()->str(), "dwell");
  EXPECT_EQ(values(hello_->actuators()->Get(2)->value()), std::vector<double>{1000.0});
  EXPECT_EQ(hello_->actuators()->Get(3)->name()->str(), "defocus");

  // heartbeat_ms = 100: two more within a second, and they carry the moved position.
  ASSERT_NE(send_and_ack(scan(1, 10, 20)), nullptr);
  ASSERT_TRUE(receive_frame(*pull_, kWait));
  const auto* beat = commands_->next_status(1s);
  ASSERT_NE(beat, nullptr);
  beat = commands_->next_status(1s);
  ASSERT_NE(beat, nullptr);
  EXPECT_EQ(values(beat->actuators()->Get(0)->value()), (std::vector<double>{10.0, 20.0}));
  EXPECT_EQ(beat->frames_sent(), 1U);
}

TEST_F(Stem4DInstrumentTest, ScanCommandsGiveDoneAckAndOneFrameEach) {
  start();
  // A second device of the same configuration renders the reference payloads, bit for bit.
  Stem4DDevice reference(config_);
  const std::vector<std::array<double, 2>> positions = {{5, 5}, {40, 30}, {63, 47}, {0, 0}};
  for (std::size_t k = 0; k < positions.size(); ++k) {
    const auto [x, y] = positions[k];
    const std::uint64_t seq = 100 + k;
    const wire::Ack* ack = send_and_ack(scan(seq, x, y));
    ASSERT_NE(ack, nullptr);
    EXPECT_EQ(ack->status(), wire::AckStatus::Done);
    EXPECT_EQ(ack->seq(), seq);
    EXPECT_EQ(from_wire(ack->run_id()), run_);
    EXPECT_EQ(values(ack->readback()), (std::vector<double>{x, y}));
    EXPECT_GT(ack->completed_wall_ns(), 0U);

    const auto frame = receive_frame(*pull_, kWait);
    ASSERT_TRUE(frame);
    ASSERT_EQ(frame->parts, 2U);
    const wire::FrameHeader* header = frame->header();
    ASSERT_NE(header, nullptr);
    EXPECT_EQ(from_wire(header->run_id()), run_);
    EXPECT_EQ(header->stream()->str(), "4dstem/detector");
    EXPECT_EQ(header->modality(), wire::Modality::Stem4D);
    EXPECT_EQ(header->sequence(), k);
    EXPECT_EQ(header->scan_index(), -1);
    EXPECT_EQ(values(header->scan_position()), (std::vector<double>{x, y}));
    EXPECT_EQ(header->command_seq(), seq);
    EXPECT_GT(header->acquired_wall_ns(), 0U);
    EXPECT_GT(header->acquired_mono_ns(), 0U);
    EXPECT_EQ(header->dtype(), wire::DType::U16);
    ASSERT_NE(header->shape(), nullptr);
    EXPECT_EQ(std::vector<std::uint32_t>(header->shape()->begin(), header->shape()->end()),
              (std::vector<std::uint32_t>{96, 96}));
    EXPECT_EQ(header->codec(), wire::Codec::Raw);
    EXPECT_EQ(header->uncompressed_size(), 96U * 96U * 2U);
    EXPECT_EQ(frame->payload.size(), 96U * 96U * 2U);

    ASSERT_EQ(reference.execute("scan_position", std::vector<double>{x, y}, seq).status,
              wire::AckStatus::Done);
    const DataMessage expected = reference.produce(MessageContext{});
    ASSERT_EQ(expected.parts.size(), 2U);
    const auto expected_payload = test::bytes_of(expected.parts[1]);
    EXPECT_TRUE(std::equal(frame->payload.begin(), frame->payload.end(), expected_payload.begin(),
                           expected_payload.end()))
        << "frame at " << x << "," << y;
  }
  EXPECT_FALSE(receive_frame(*pull_, kQuiet)) << "one frame per command, no more";
  EXPECT_EQ(harness_.loop->data_sent(), positions.size());
  EXPECT_EQ(counter("acks.done"), positions.size());
}

TEST_F(Stem4DInstrumentTest, OutOfRangeAndMalformedTargetsAreRejectedWithoutFrame) {
  start();
  struct Case {
    std::vector<double> target;
    std::string reason_part;
  };
  const std::vector<Case> cases = {
      {{64, 3}, "x=64 is outside the scan coils' range 0..63"},
      {{3, 48}, "y=48 is outside the scan coils' range 0..47"},
      {{-0.5, 3}, "x=-0.5"},
      {{std::numeric_limits<double>::quiet_NaN(), 3}, "2 finite values"},
      {{std::numeric_limits<double>::infinity(), 3}, "2 finite values"},
      {{1, 2, 3}, "2 finite values"},
      {{}, "2 finite values"},
  };
  std::uint64_t seq = 1;
  for (const Case& c : cases) {
    CommandFields command = scan(seq++, 0, 0);
    command.target = c.target;
    const wire::Ack* ack = send_and_ack(command);
    ASSERT_NE(ack, nullptr);
    EXPECT_EQ(ack->status(), wire::AckStatus::Rejected);
    ASSERT_NE(ack->reason(), nullptr);
    EXPECT_NE(ack->reason()->str().find(c.reason_part), std::string::npos) << ack->reason()->str();
  }
  EXPECT_FALSE(receive_frame(*pull_, kQuiet));

  // Edges of the range are allowed, and the first frame after the rejections is sequence 0.
  ASSERT_EQ(send_and_ack(scan(seq, 63, 47))->status(), wire::AckStatus::Done);
  const auto frame = receive_frame(*pull_, kWait);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->header()->command_seq(), seq);
  EXPECT_EQ(frame->header()->sequence(), 0U);
  EXPECT_EQ(counter("acks.rejected"), cases.size());
}

TEST_F(Stem4DInstrumentTest, ResentSeqGetsSameAckAndNoSecondFrame) {
  start();
  CommandFields command = scan(1, 12, 13);
  ASSERT_NE(send_and_ack(command), nullptr);
  const std::vector<std::byte> first = commands_->last_ack_bytes();
  ASSERT_TRUE(receive_frame(*pull_, kWait));

  command.attempt = 2;
  command.issued_wall_ns = wall_ns();
  const wire::Ack* again = send_and_ack(command);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(commands_->last_ack_bytes(), first) << "a retry gets the cached ack, byte for byte";
  EXPECT_FALSE(receive_frame(*pull_, kQuiet)) << "a retry must not acquire again";
  EXPECT_EQ(counter("commands.duplicate"), 1U);

  // Even a retry with another target is answered from the cache: seq identifies the command.
  command.target = {30, 30};
  const wire::Ack* stale = send_and_ack(command);
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(values(stale->readback()), (std::vector<double>{12.0, 13.0}));
  EXPECT_FALSE(receive_frame(*pull_, kQuiet));

  ASSERT_NE(send_and_ack(scan(2, 14, 15)), nullptr);
  const auto frame = receive_frame(*pull_, kWait);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->header()->sequence(), 1U);
  EXPECT_EQ(frame->header()->command_seq(), 2U);
  EXPECT_TRUE(counter_reaches("data.sent", 2));
  EXPECT_EQ(harness_.loop->data_sent(), 2U);
}

TEST_F(Stem4DInstrumentTest, PassedDeadlineExpires) {
  start();
  CommandFields late = scan(1, 5, 5);
  late.deadline_wall_ns = wall_ns() - 1'000'000'000;
  const wire::Ack* ack = send_and_ack(late);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Expired);
  EXPECT_EQ(ack->reason()->str(), "deadline passed");
  EXPECT_FALSE(receive_frame(*pull_, kQuiet));

  CommandFields no_deadline = scan(2, 5, 5);
  no_deadline.deadline_wall_ns = 0;  // 0: no deadline
  EXPECT_EQ(send_and_ack(no_deadline)->status(), wire::AckStatus::Done);
  EXPECT_TRUE(receive_frame(*pull_, kWait));
}

TEST_F(Stem4DInstrumentTest, GarbageIsCountedAndTheInstrumentKeepsWorking) {
  start();
  const std::string garbage = "this is not a flatbuffer";
  commands_->send(std::as_bytes(std::span(garbage.data(), garbage.size())));
  EXPECT_TRUE(counter_reaches("commands.invalid.bad_identifier", 1));

  // A well-formed message of the wrong type, and a command split over two parts.
  AckFields not_a_command;
  not_a_command.seq = 9;
  const auto ack_bytes = build_ack(not_a_command);
  commands_->send(std::as_bytes(std::span(ack_bytes.data(), ack_bytes.size())));
  EXPECT_TRUE(counter_reaches("commands.invalid.bad_identifier", 2));
  const auto command_bytes = build_command(scan(3, 1, 1));
  auto& router = commands_->socket();
  router.send(zmq::buffer(commands_->identity()), zmq::send_flags::sndmore);
  router.send(zmq::const_buffer(command_bytes.data(), command_bytes.size()),
              zmq::send_flags::sndmore);
  router.send(zmq::str_buffer("extra"), zmq::send_flags::none);
  EXPECT_TRUE(counter_reaches("commands.invalid.multipart", 1));
  EXPECT_FALSE(receive_frame(*pull_, kQuiet));

  const wire::Ack* ack = send_and_ack(scan(4, 2, 2));
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Done);
  EXPECT_EQ(ack->seq(), 4U);
  EXPECT_TRUE(receive_frame(*pull_, kWait));
}

TEST_F(Stem4DInstrumentTest, BeamBlankLeavesOnlyDetectorNoise) {
  start();
  CommandFields blank = scan(1, 0, 0);
  blank.actuator = "beam_blank";
  blank.target = {1};
  const wire::Ack* ack = send_and_ack(blank);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Done);
  EXPECT_EQ(values(ack->readback()), std::vector<double>{1.0});
  EXPECT_FALSE(receive_frame(*pull_, kQuiet)) << "blanking acquires nothing";

  ASSERT_EQ(send_and_ack(scan(2, 30, 30))->status(), wire::AckStatus::Done);
  auto frame = receive_frame(*pull_, kWait);
  ASSERT_TRUE(frame);
  const auto dark = test::u16_pixels(frame->payload);
  // 96*96 pixels at 1e-3 dark counts each: about 9, nothing like the 20000 of the beam.
  EXPECT_LT(test::total(std::span<const std::uint16_t>(dark)), 40.0);

  blank.seq = 3;
  blank.target = {0};
  ASSERT_EQ(send_and_ack(blank)->status(), wire::AckStatus::Done);
  ASSERT_EQ(send_and_ack(scan(4, 30, 30))->status(), wire::AckStatus::Done);
  frame = receive_frame(*pull_, kWait);
  ASSERT_TRUE(frame);
  const auto lit = test::u16_pixels(frame->payload);
  EXPECT_GT(test::total(std::span<const std::uint16_t>(lit)), 15000.0);

  blank.seq = 5;
  blank.target = {0.5};
  ack = send_and_ack(blank);
  EXPECT_EQ(ack->status(), wire::AckStatus::Rejected);
  EXPECT_NE(ack->reason()->str().find("[0] or [1]"), std::string::npos);

  CommandFields unknown = scan(6, 0, 0);
  unknown.actuator = "foo";
  ack = send_and_ack(unknown);
  EXPECT_EQ(ack->status(), wire::AckStatus::Rejected);
  EXPECT_NE(ack->reason()->str().find("unknown actuator 'foo'"), std::string::npos);
}

TEST_F(Stem4DInstrumentTest, NewRunRestartsFrameSequenceAndHasItsOwnSeqs) {
  start();
  for (std::uint64_t seq = 1; seq <= 2; ++seq) {
    ASSERT_EQ(send_and_ack(scan(seq, 1, 1))->status(), wire::AckStatus::Done);
    ASSERT_EQ(receive_frame(*pull_, kWait)->header()->sequence(), seq - 1);
  }
  run_ = Uuid::random();
  // seq 1 again, but of another run: a new command, not a retry.
  ASSERT_EQ(send_and_ack(scan(1, 2, 2))->status(), wire::AckStatus::Done);
  const auto frame = receive_frame(*pull_, kWait);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->header()->sequence(), 0U);
  EXPECT_EQ(from_wire(frame->header()->run_id()), run_);
  EXPECT_EQ(counter("commands.duplicate"), 0U);
}

TEST_F(Stem4DInstrumentTest, FullReceiverBlocksWithoutLosingFramesAndReportsBusy) {
  // A receiver that takes at most a handful: the sender's queue (100) fills and it must wait.
  start(/*pull_hwm=*/4);
  constexpr std::uint64_t kCommands = 160;
  for (std::uint64_t seq = 1; seq <= kCommands; ++seq) {
    commands_->send_command(scan(seq, static_cast<double>(seq % 64), 7));
  }
  // Stalled: acks stop well short of all commands, and heartbeats say Busy.
  std::uint64_t acked = 0;
  // Quiet only counts once the queues can be full; on a loaded machine the simulator may
  // pause for longer than kQuiet before it gets there.
  const auto until = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < until) {
    if (commands_->next_ack(kQuiet) != nullptr) {
      ++acked;
    } else if (acked > 90) {
      break;
    }
  }
  EXPECT_LT(acked, kCommands);
  EXPECT_GT(acked, 90U);
  ASSERT_NE(commands_->next_status(1s), nullptr);
  const auto states = commands_->states_seen();
  EXPECT_NE(std::find(states.begin(), states.end(), wire::InstrumentState::Busy), states.end());

  // Draining lets every frame through, in order.
  for (std::uint64_t k = 0; k < kCommands; ++k) {
    const auto frame = receive_frame(*pull_, kWait);
    ASSERT_TRUE(frame) << "frame " << k << " missing";
    EXPECT_EQ(frame->header()->sequence(), k);
    EXPECT_EQ(frame->header()->command_seq(), k + 1);
  }
  while (commands_->next_ack(200ms) != nullptr) ++acked;
  EXPECT_EQ(acked, kCommands);
  EXPECT_EQ(counter("data.dropped"), 0U);
}

TEST_F(Stem4DInstrumentTest, FrameRatePacesAcquisitions) {
  config_.realtime = true;
  config_.dwell_us = 20000.0;
  start();
  constexpr std::uint64_t kFrames = 6;
  for (std::uint64_t seq = 1; seq <= kFrames; ++seq) commands_->send_command(scan(seq, 3, 3));
  std::vector<std::uint64_t> acquired;
  for (std::uint64_t k = 0; k < kFrames; ++k) {
    const auto frame = receive_frame(*pull_, kWait);
    ASSERT_TRUE(frame);
    EXPECT_DOUBLE_EQ(frame->header()->exposure_s(), 0.02);
    acquired.push_back(frame->header()->acquired_mono_ns());
  }
  for (std::size_t k = 1; k < acquired.size(); ++k) {
    EXPECT_GE(acquired[k] - acquired[k - 1], 19'000'000U) << "frame " << k << " came too soon";
  }
}

TEST_F(Stem4DInstrumentTest, StopEndsTheLoopPromptlyWithAGoodbye) {
  start();
  const auto begin = std::chrono::steady_clock::now();
  stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  // The last message is a status saying so (heartbeats may come before it).
  const wire::InstrumentStatus* last = nullptr;
  while (const auto* status = commands_->next_status(kQuiet)) last = status;
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->message()->str(), "stopping");
}

// ---- the device alone, without sockets ---------------------------------------------------

Stem4DConfig small_config(std::uint64_t seed) {
  Stem4DConfig config;
  config.common.seed = seed;
  config.max_x = 63;
  config.max_y = 47;
  config.model = PatternModelKind::Kinematic;
  return config;
}

std::vector<std::byte> payload_at(Stem4DDevice& device, double x, double y) {
  EXPECT_EQ(device.execute("scan_position", std::vector<double>{x, y}, 1).status,
            wire::AckStatus::Done);
  const DataMessage message = device.produce(MessageContext{});
  const auto bytes = test::bytes_of(message.parts.at(1));
  return {bytes.begin(), bytes.end()};
}

double header_exposure(const DataMessage& message) {
  const auto bytes = test::bytes_of(message.parts.at(0));
  const std::vector<std::byte> copy(bytes.begin(), bytes.end());
  return std::get<const wire::FrameHeader*>(decode<wire::FrameHeader>(copy))->exposure_s();
}

TEST(Stem4DDevice, SameSeedGivesIdenticalFramesAndOtherSeedsDiffer) {
  for (const auto model : {PatternModelKind::Kinematic, PatternModelKind::PhaseObject}) {
    auto config = small_config(11);
    config.model = model;
    Stem4DDevice a(config);
    Stem4DDevice b(config);
    config.common.seed = 12;
    Stem4DDevice other(config);
    // Visited in a different order: the frame at a position does not depend on the path.
    const auto a1 = payload_at(a, 30, 20);
    const auto a2 = payload_at(a, 50, 40);
    const auto b2 = payload_at(b, 50, 40);
    const auto b1 = payload_at(b, 30, 20);
    EXPECT_EQ(a1, b1);
    EXPECT_EQ(a2, b2);
    EXPECT_NE(a1, payload_at(other, 30, 20));
  }
}

TEST(Stem4DDevice, RevisitingAPositionIsANewExposure) {
  Stem4DDevice device(small_config(11));
  const auto first = payload_at(device, 30, 20);
  const auto again = payload_at(device, 30, 20);
  EXPECT_NE(first, again) << "repeated frames must have independent noise to average";
  Stem4DDevice other(small_config(11));
  (void)payload_at(other, 50, 40);  // another path to the same first visit
  EXPECT_EQ(payload_at(other, 30, 20), first);
  EXPECT_EQ(payload_at(other, 30, 20), again);
  EXPECT_NE(payload_at(other, 30.25, 20), first) << "a nearby position is not the same one";
}

TEST(Stem4DDevice, DwellSetsDoseAndExposure) {
  Stem4DDevice device(small_config(3));
  const auto total_counts = [&](double x, double y) {
    const auto bytes = payload_at(device, x, y);
    const auto pixels = test::u16_pixels(bytes);
    return test::total(std::span<const std::uint16_t>(pixels));
  };
  const double at_1ms = total_counts(40, 30);
  EXPECT_NEAR(at_1ms, device.electrons_per_position(), 5 * std::sqrt(at_1ms) + 20);
  auto outcome = device.execute("dwell", std::vector<double>{250.0}, 2);
  ASSERT_EQ(outcome.status, wire::AckStatus::Done);
  EXPECT_EQ(outcome.readback, std::vector<double>{250.0});
  const double at_250us = total_counts(40, 30);
  EXPECT_NEAR(at_250us / at_1ms, 0.25, 0.02);

  outcome = device.execute("dwell", std::vector<double>{0.0}, 3);
  EXPECT_EQ(outcome.status, wire::AckStatus::Rejected);
  EXPECT_NE(outcome.reason.find("1..100000 us"), std::string::npos) << outcome.reason;
  EXPECT_EQ(device.execute("dwell", std::vector<double>{std::nan("")}, 4).status,
            wire::AckStatus::Rejected);
}

TEST(Stem4DDevice, ScanCommandKeepsTheBeamStateItWasGiven) {
  Stem4DDevice device(small_config(3));
  ASSERT_EQ(device.execute("scan_position", std::vector<double>{10, 10}, 1).status,
            wire::AckStatus::Done);
  ASSERT_EQ(device.execute("dwell", std::vector<double>{50.0}, 2).status, wire::AckStatus::Done);
  ASSERT_EQ(device.execute("scan_position", std::vector<double>{11, 10}, 3).status,
            wire::AckStatus::Done);
  EXPECT_DOUBLE_EQ(header_exposure(device.produce(MessageContext{})), 1e-3);
  EXPECT_DOUBLE_EQ(header_exposure(device.produce(MessageContext{})), 50e-6);
  EXPECT_FALSE(device.has_data());
}

TEST(Stem4DDevice, DefocusWithinLimits) {
  Stem4DDevice device(small_config(3));
  auto outcome = device.execute("defocus", std::vector<double>{-120.0}, 1);
  ASSERT_EQ(outcome.status, wire::AckStatus::Done);
  EXPECT_EQ(outcome.readback, std::vector<double>{-120.0});
  outcome = device.execute("defocus", std::vector<double>{2500.0}, 2);
  EXPECT_EQ(outcome.status, wire::AckStatus::Rejected);
  EXPECT_NE(outcome.reason.find("-2000..2000 nm"), std::string::npos) << outcome.reason;
  const auto readbacks = device.readbacks();
  EXPECT_EQ(readbacks.at(3).second, std::vector<double>{-120.0});
}

TEST(Stem4DDevice, TruthFileMatchesTheSpecimen) {
  testing::TempDir dir;
  Stem4DDevice device(small_config(5));
  device.write_truth(dir / "truth.h5");
  const auto file = h5::File::open_read_only(dir / "truth.h5");
  EXPECT_EQ(file.shape("/maps/phase"), (std::vector<std::size_t>{48, 64}));
  const auto phase = file.read<std::int8_t>("/maps/phase");
  const auto thickness = file.read<float>("/maps/thickness_mfp");
  const Stem4DSpecimen& specimen = device.specimen();
  std::size_t vacuum = 0;
  for (std::size_t y = 0; y < 48; ++y) {
    for (std::size_t x = 0; x < 64; ++x) {
      const auto fx = static_cast<double>(x);
      const auto fy = static_cast<double>(y);
      ASSERT_EQ(phase[y * 64 + x], specimen.phase_at(fx, fy)) << x << "," << y;
      EXPECT_FLOAT_EQ(thickness[y * 64 + x], static_cast<float>(specimen.thickness_at(fx, fy)));
      if (phase[y * 64 + x] == Stem4DSpecimen::kVacuumPhase) ++vacuum;
    }
  }
  EXPECT_GT(vacuum, 0U) << "the hole is in the field";
  const auto names = file.read_strings("/phases/name");
  ASSERT_EQ(names.size(), Stem4DSpecimen::phases().size());
  EXPECT_EQ(names[0], Stem4DSpecimen::phases()[0].name);
  const auto radii = file.read<double>("/phases/spot_radius_px");
  EXPECT_DOUBLE_EQ(radii[1], device.model().spot_radius(1));
  EXPECT_EQ(file.int_attribute("/", "seed"), 5);
}

}  // namespace
}  // namespace edgeloop::sims
