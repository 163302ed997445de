#include "edgeloop/sims/stem4d_instrument.hpp"

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
#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;
using test::FakeDaemonCommands;
using test::receive_frame;

constexpr auto kWait = 5s;      // for what must arrive
constexpr auto kQuiet = 300ms;  // for what must not

// Plays the daemon over inproc:// against an instrument loop running on a thread, as
// edgeloopd would over TCP.
class Stem4DInstrumentTest : public ::testing::Test {
 protected:
  Stem4DInstrumentTest() {
    const std::string suffix = Uuid::random().str();
    config_.name = "sim-test";
    config_.seed = 7;
    config_.data_endpoint = "inproc://sim-data-" + suffix;
    config_.commands_endpoint = "inproc://sim-commands-" + suffix;
    config_.max_x = 63;
    config_.max_y = 47;
    config_.heartbeat = 100ms;
  }

  ~Stem4DInstrumentTest() override { stop(); }

  // Binds the daemon's sockets, starts the loop and waits for the hello.
  void start(int pull_hwm = 1000) {
    commands_ = std::make_unique<FakeDaemonCommands>(context_, config_.commands_endpoint);
    pull_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pull);
    pull_->set(zmq::sockopt::rcvhwm, pull_hwm);
    pull_->set(zmq::sockopt::linger, 0);
    pull_->bind(config_.data_endpoint);
    instrument_ = std::make_unique<Stem4DInstrument>(config_, context_,
                                                     std::make_shared<spdlog::logger>("sim-test"));
    loop_ = std::jthread([this](std::stop_token token) { instrument_->run(token); });
    hello_ = commands_->next_status(kWait);
    ASSERT_NE(hello_, nullptr) << "no hello from the instrument";
  }

  void stop() {
    if (loop_.joinable()) {
      loop_.request_stop();
      loop_.join();
    }
  }

  CommandFields scan(std::uint64_t seq, double x, double y) const {
    CommandFields command;
    command.run_id = run_;
    command.seq = seq;
    command.actuator = "scan_position";
    command.target = {x, y};
    command.issued_wall_ns = wall_ns();
    command.deadline_wall_ns = wall_ns() + 10'000'000'000;
    command.cause = "test";
    return command;
  }

  const wire::Ack* send_and_ack(const CommandFields& command) {
    commands_->send_command(command);
    return commands_->next_ack(kWait);
  }

  std::uint64_t counter(std::string_view name) const { return instrument_->counters().value(name); }

  // Counters are written by the loop thread; poll until one reaches a value.
  bool counter_reaches(std::string_view name, std::uint64_t value) const {
    const auto until = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < until) {
      if (counter(name) >= value) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  Stem4DConfig config_;
  Uuid run_ = Uuid::random();
  zmq::context_t context_{1};
  std::unique_ptr<FakeDaemonCommands> commands_;
  std::unique_ptr<zmq::socket_t> pull_;
  std::unique_ptr<Stem4DInstrument> instrument_;
  const wire::InstrumentStatus* hello_ = nullptr;
  std::jthread loop_;  // last: stopped and joined before the sockets and instrument go
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
  ASSERT_EQ(hello_->actuators()->size(), 2U);
  EXPECT_EQ(hello_->actuators()->Get(0)->name()->str(), "scan_position");
  EXPECT_EQ(values(hello_->actuators()->Get(0)->value()), (std::vector<double>{31.5, 23.5}));
  EXPECT_EQ(hello_->actuators()->Get(1)->name()->str(), "beam_blank");
  EXPECT_EQ(values(hello_->actuators()->Get(1)->value()), std::vector<double>{0.0});

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
  // The same model the instrument renders with, to check the payload bit for bit.
  DiffractionModel reference(Stem4DSpecimen(config_.seed, 64, 48),
                             DetectorSettings{.size = 96, .electrons_per_position = 20000.0},
                             config_.seed);
  std::vector<std::uint16_t> expected(reference.pixel_count());
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

    reference.render(x, y, std::span<std::uint16_t>(expected));
    EXPECT_EQ(test::u16_pixels(frame->payload), expected) << "frame at " << x << "," << y;
  }
  EXPECT_FALSE(receive_frame(*pull_, kQuiet)) << "one frame per command, no more";
  EXPECT_EQ(instrument_->frames_sent(), positions.size());
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
  EXPECT_TRUE(counter_reaches("frames.sent", 2));
  EXPECT_EQ(instrument_->frames_sent(), 2U);
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
  EXPECT_EQ(ack->reason()->str(), "unknown actuator 'foo'");
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
  EXPECT_EQ(counter("frames.dropped"), 0U);
}

TEST_F(Stem4DInstrumentTest, FrameRatePacesAcquisitions) {
  config_.frame_rate_hz = 50.0;
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

}  // namespace
}  // namespace edgeloop::sims
