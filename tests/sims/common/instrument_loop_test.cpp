#include "edgeloop/sims/instrument_loop.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/sims/sim_device.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;
using test::LoopHarness;
using test::receive_frame;

constexpr auto kWait = LoopHarness::kWait;
constexpr auto kQuiet = 300ms;

// The smallest device that exercises the loop: `acquire [n]` owes n frames whose 8-byte
// payload is a running frame count; `stream [1]` makes it free-running.
class CountingDevice final : public SimDevice {
 public:
  wire::Modality modality() const override { return wire::Modality::Saxs; }
  std::string_view stream() const override { return "test/counter"; }

  CommandOutcome execute(std::string_view actuator, std::span<const double> target,
                         std::uint64_t seq) override {
    executed.push_back(seq);
    if (actuator == "acquire" && target.size() == 1 && target[0] >= 1 && target[0] <= 100) {
      owed += static_cast<std::uint64_t>(target[0]);
      owing_seq = seq;
      return CommandOutcome::done({static_cast<double>(owed)});
    }
    if (actuator == "stream" && target.size() == 1) {
      streaming = target[0] != 0.0;
      return CommandOutcome::done({streaming ? 1.0 : 0.0});
    }
    return CommandOutcome::rejected("no such thing");
  }
  std::uint64_t abort() override {
    const std::uint64_t dropped = owed;
    owed = 0;
    streaming = false;
    return dropped;
  }
  std::vector<std::pair<std::string, std::vector<double>>> readbacks() const override {
    return {{"owed", {static_cast<double>(owed)}}};
  }
  bool has_data() const override { return owed > 0 || streaming; }
  bool data_owed() const override { return owed > 0; }
  std::chrono::nanoseconds period() const override { return period_value; }
  DataMessage produce(const MessageContext& context) override {
    if (owed > 0) --owed;
    if (produce_time.count() > 0) std::this_thread::sleep_for(produce_time);
    if (fail_at == produced) {
      fail_at = ~std::uint64_t{0};  // once
      throw std::runtime_error("damaged source");
    }
    FrameHeaderFields header;
    header.run_id = context.run;
    header.stream = "test/counter";
    header.modality = wire::Modality::Saxs;
    header.sequence = context.sequence;
    header.command_seq = owing_seq;
    header.dtype = wire::DType::U8;
    header.shape = {8};
    header.uncompressed_size = 8;
    const auto encoded = build_frame_header(header);
    DataMessage message;
    message.parts.emplace_back(encoded.data(), encoded.size());
    const std::uint64_t value = produced++;
    message.parts.emplace_back(&value, sizeof value);
    return message;
  }
  void write_truth(const std::filesystem::path& file) const override {
    auto h5 = h5::File::create(file);
    h5.set_attribute("/", "device", std::string_view("counting"));
  }

  std::vector<std::uint64_t> executed;
  std::uint64_t owed = 0;
  std::uint64_t owing_seq = 0;
  std::uint64_t produced = 0;
  bool streaming = false;
  std::chrono::nanoseconds period_value{0};
  std::chrono::milliseconds produce_time{0};
  std::uint64_t fail_at = ~std::uint64_t{0};  // produce() throws for this message
};

std::uint64_t payload_value(const test::ReceivedFrame& frame) {
  std::uint64_t value = 0;
  if (frame.payload.size() == sizeof value) std::memcpy(&value, frame.payload.data(), sizeof value);
  return value;
}

TEST(InstrumentLoopTest, HelloCarriesModalityAndReadbacks) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  const auto* hello = harness.start(device);
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->modality(), wire::Modality::Saxs);
  EXPECT_EQ(hello->instrument()->str(), "sim-test");
  ASSERT_EQ(hello->actuators()->size(), 1U);
  EXPECT_EQ(hello->actuators()->Get(0)->name()->str(), "owed");
  EXPECT_NE(harness.commands->next_status(kWait), nullptr) << "heartbeats follow";
}

TEST(InstrumentLoopTest, FramesFollowTheirAckNumberedPerRun) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  const auto* ack = harness.send_and_ack(harness.command(1, "acquire", {3}));
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Done);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const auto frame = receive_frame(*harness.pull, kWait);
    ASSERT_TRUE(frame);
    ASSERT_NE(frame->header(), nullptr);
    EXPECT_EQ(frame->header()->sequence(), i);
    EXPECT_EQ(frame->header()->command_seq(), 1U);
    EXPECT_EQ(from_wire(frame->header()->run_id()), harness.run);
  }
  EXPECT_FALSE(receive_frame(*harness.pull, kQuiet)) << "exactly the frames owed";

  harness.run = Uuid::random();
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {1})), nullptr);
  const auto frame = receive_frame(*harness.pull, kWait);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->header()->sequence(), 0U) << "a new run restarts numbering";
}

TEST(InstrumentLoopTest, RetriedSeqIsAnsweredFromCacheNotExecutedAgain) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  auto command = harness.command(5, "acquire", {1});
  ASSERT_NE(harness.send_and_ack(command), nullptr);
  const auto first = harness.commands->last_ack_bytes();
  command.attempt = 2;
  ASSERT_NE(harness.send_and_ack(command), nullptr);
  EXPECT_EQ(harness.commands->last_ack_bytes(), first);
  ASSERT_TRUE(receive_frame(*harness.pull, kWait));
  EXPECT_FALSE(receive_frame(*harness.pull, kQuiet));
  harness.stop();
  EXPECT_EQ(device.executed, std::vector<std::uint64_t>{5});
  EXPECT_EQ(harness.loop->counters().value("commands.duplicate"), 1U);
}

TEST(InstrumentLoopTest, PassedDeadlineExpiresWithoutExecuting) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  auto command = harness.command(1, "acquire", {1});
  command.deadline_wall_ns = wall_ns() - 1'000'000;
  const auto* ack = harness.send_and_ack(command);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Expired);
  EXPECT_FALSE(receive_frame(*harness.pull, kQuiet));
  harness.stop();
  EXPECT_TRUE(device.executed.empty());
}

TEST(InstrumentLoopTest, DeviceRejectionReachesTheAck) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  const auto* ack = harness.send_and_ack(harness.command(1, "warp_drive", {9}));
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Rejected);
  EXPECT_EQ(ack->reason()->str(), "no such thing");
}

TEST(InstrumentLoopTest, GarbageAndMultipartAreCountedAndTheLoopGoesOn) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  const std::array<std::byte, 5> garbage{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                         std::byte{5}};
  harness.commands->send(garbage);
  auto& router = harness.commands->socket();
  router.send(zmq::buffer(harness.commands->identity()), zmq::send_flags::sndmore);
  router.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  router.send(zmq::str_buffer("b"), zmq::send_flags::none);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {1})), nullptr);
  harness.stop();
  EXPECT_EQ(harness.loop->counters().value("commands.invalid.multipart"), 1U);
  EXPECT_EQ(harness.loop->counters().value("commands.invalid.truncated"), 1U);
}

TEST(InstrumentLoopTest, PeriodPacesFreeRunningData) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  device.period_value = 40ms;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "stream", {1})), nullptr);
  ASSERT_TRUE(receive_frame(*harness.pull, kWait));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(receive_frame(*harness.pull, kWait));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 5 * 40ms - 10ms);
}

TEST(InstrumentLoopTest, DataSlowerThanItsPeriodIsCountedLate) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  device.period_value = 2ms;
  device.produce_time = 6ms;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {3})), nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(receive_frame(*harness.pull, kWait));
  harness.stop();
  EXPECT_EQ(harness.loop->counters().value("data.late"), 3U);
}

TEST(InstrumentLoopTest, BusyInstrumentKeepsCommandsInOrderAndHonoursAbort) {
  CountingDevice device;  // outlives the loop running it
  device.period_value = 50ms;
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {100})), nullptr);
  // Busy for about 5 s: these wait, in order, instead of being lost or refused.
  harness.commands->send_command(harness.command(2, "acquire", {1}));
  harness.commands->send_command(harness.command(3, "stream", {0}));
  EXPECT_EQ(harness.commands->next_ack(300ms), nullptr) << "nothing executes while busy";
  // A retry of an answered command and an abort are answered at once.
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {100})), nullptr);
  const auto* abort = harness.send_and_ack(harness.command(4, "abort", {}));
  ASSERT_NE(abort, nullptr);
  EXPECT_EQ(abort->seq(), 4U);
  EXPECT_EQ(abort->status(), wire::AckStatus::Done);
  ASSERT_EQ(abort->readback()->size(), 1U);
  EXPECT_GT(abort->readback()->Get(0), 80.0) << "most of the 100 frames were dropped";
  // Then the waiting commands run, in the order they came.
  const auto* second = harness.commands->next_ack(kWait);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->seq(), 2U);
  const auto* third = harness.commands->next_ack(kWait);  // after the frame of 2
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->seq(), 3U);
  harness.stop();
  EXPECT_EQ(device.executed, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(harness.loop->counters().value("commands.duplicate"), 1U);
}

TEST(InstrumentLoopTest, ADeviceThatCannotProduceStopsAcquiringButStaysUp) {
  CountingDevice device;  // outlives the loop running it
  device.fail_at = 2;
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {5})), nullptr);
  ASSERT_TRUE(receive_frame(*harness.pull, kWait));
  ASSERT_TRUE(receive_frame(*harness.pull, kWait));
  EXPECT_FALSE(receive_frame(*harness.pull, kQuiet)) << "the rest was dropped";
  const auto* ack = harness.send_and_ack(harness.command(2, "acquire", {1}));
  ASSERT_NE(ack, nullptr) << "still answering";
  EXPECT_EQ(ack->status(), wire::AckStatus::Done);
  harness.stop();
  EXPECT_EQ(harness.loop->counters().value("data.failed"), 1U);
}

TEST(InstrumentLoopTest, StopDeliversDataOwedToAckedCommands) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  device.period_value = 20ms;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {10})), nullptr);
  harness.stop();
  int received = 0;
  while (receive_frame(*harness.pull, 200ms)) ++received;
  EXPECT_EQ(received, 10);
  EXPECT_EQ(device.owed, 0U);
}

TEST(InstrumentLoopTest, WritesTheGroundTruthBeforeConnecting) {
  testing::TempDir dir;
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.truth_file = dir.path() / "truth.h5";
  ASSERT_NE(harness.start(device), nullptr);
  const auto file = h5::File::open_read_only(harness.config.truth_file);
  EXPECT_EQ(file.string_attribute("/", "device"), "counting");
}

// ---- injected faults ---------------------------------------------------------------------

TEST(InstrumentLoopFaultsTest, DropSkipsSequenceNumbers) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.drop = 0.5;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {40})), nullptr);
  std::vector<std::uint64_t> sequences;
  while (auto frame = receive_frame(*harness.pull, kQuiet)) {
    sequences.push_back(frame->header()->sequence());
  }
  harness.stop();
  const auto dropped = harness.loop->counters().value("faults.drop");
  EXPECT_GT(dropped, 5U);
  EXPECT_LT(dropped, 35U);
  EXPECT_EQ(sequences.size() + dropped, 40U);
  EXPECT_EQ(sequences.back() + 1 > sequences.size(), true) << "gaps show in the numbering";
}

TEST(InstrumentLoopFaultsTest, DuplicateSendsTheSameMessageTwice) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.duplicate = 1.0;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {2})), nullptr);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  while (auto frame = receive_frame(*harness.pull, kQuiet)) {
    seen.emplace_back(frame->header()->sequence(), payload_value(*frame));
  }
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> expected{
      {0, 0}, {0, 0}, {1, 1}, {1, 1}};
  EXPECT_EQ(seen, expected);
}

TEST(InstrumentLoopFaultsTest, CorruptMessagesFailToDecodeOrMismatchTheirSize) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.corrupt = 1.0;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {30})), nullptr);
  int damaged = 0;
  int received = 0;
  while (auto frame = receive_frame(*harness.pull, kQuiet)) {
    ++received;
    const auto* header = frame->header();
    const bool intact = header != nullptr && header->uncompressed_size() == frame->payload.size() &&
                        header->stream() != nullptr && header->stream()->str() == "test/counter" &&
                        header->sequence() < 30 && header->shape() != nullptr;
    if (!intact) ++damaged;
  }
  EXPECT_EQ(received, 30);
  // Flipped bytes can land in padding and leave a message intact; most must be visibly damaged.
  EXPECT_GT(damaged, 20);
}

TEST(InstrumentLoopFaultsTest, DroppedAckIsRecoveredByARetry) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.drop_ack = 1.0;
  ASSERT_NE(harness.start(device), nullptr);
  auto command = harness.command(1, "acquire", {1});
  harness.commands->send_command(command);
  EXPECT_EQ(harness.commands->next_ack(kQuiet), nullptr);
  ASSERT_TRUE(receive_frame(*harness.pull, kWait)) << "the command was executed";
  harness.stop();
  EXPECT_EQ(device.executed.size(), 1U);
  EXPECT_EQ(harness.loop->counters().value("faults.drop_ack"), 1U);
}

TEST(InstrumentLoopFaultsTest, SlowAcksArriveLate) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.ack_delay = 250ms;
  ASSERT_NE(harness.start(device), nullptr);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {1})), nullptr);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
}

TEST(InstrumentLoopFaultsTest, StallPausesTheStream) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.stall_every = 3;
  harness.config.faults.stall = 300ms;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {4})), nullptr);
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  while (receive_frame(*harness.pull, 1s)) arrivals.push_back(std::chrono::steady_clock::now());
  ASSERT_EQ(arrivals.size(), 4U);
  EXPECT_GE(arrivals[2] - arrivals[1], 250ms) << "the third message waits out the stall";
  EXPECT_LT(arrivals[1] - arrivals[0], 200ms);
}

TEST(InstrumentLoopFaultsTest, DisconnectReconnectsAndSaysSo) {
  CountingDevice device;  // outlives the loop running it
  LoopHarness harness;
  harness.config.faults.disconnect_every = 2;
  harness.config.faults.reconnect_after = 100ms;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {4})), nullptr);
  int received = 0;
  while (receive_frame(*harness.pull, 1s)) ++received;
  EXPECT_EQ(received, 4) << "a reconnect loses nothing that was not yet queued";
  bool reconnected = false;
  while (const auto* status = harness.commands->next_status(300ms)) {
    if (status->message() != nullptr && status->message()->str() == "reconnected") {
      reconnected = true;
      break;
    }
  }
  EXPECT_TRUE(reconnected);
  harness.stop();
  EXPECT_EQ(harness.loop->counters().value("faults.disconnect"), 2U);
}

TEST(InstrumentLoopFaultsTest, SameSeedSameFaultPattern) {
  std::vector<std::vector<std::uint64_t>> runs;
  for (int r = 0; r < 2; ++r) {
    CountingDevice device;  // outlives the loop running it
    LoopHarness harness;
    harness.config.faults.drop = 0.3;
    ASSERT_NE(harness.start(device), nullptr);
    ASSERT_NE(harness.send_and_ack(harness.command(1, "acquire", {30})), nullptr);
    std::vector<std::uint64_t> sequences;
    while (auto frame = receive_frame(*harness.pull, kQuiet)) {
      sequences.push_back(frame->header()->sequence());
    }
    runs.push_back(sequences);
  }
  EXPECT_EQ(runs[0], runs[1]);
}

}  // namespace
}  // namespace edgeloop::sims
