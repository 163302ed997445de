// The simulated atom probe inside the real protocol loop, over inproc:// sockets: what a daemon
// sees of it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "apt_test_support.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/sims/instrument_loop.hpp"
#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;
using test::LoopHarness;

std::optional<test::Chunk> next_chunk(zmq::socket_t& pull, std::chrono::milliseconds timeout) {
  auto parts = test::receive(pull, timeout);
  if (!parts) return std::nullopt;
  DataMessage message;
  message.parts = std::move(*parts);
  return test::decode_chunk(message);
}

TEST(AptLoop, StartsPausedStreamsOnCommandAndStopsOnPause) {
  AptConfig config = test::fast_apt_config();
  AptDevice device(config);  // outlives the loop running it
  LoopHarness harness;
  const wire::InstrumentStatus* hello = harness.start(device);
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->modality(), wire::Modality::Apt);
  ASSERT_EQ(hello->actuators()->size(), 4U);
  EXPECT_EQ(hello->actuators()->Get(2)->name()->str(), "pause");
  EXPECT_EQ(hello->actuators()->Get(2)->value()->Get(0), 1.0);
  EXPECT_FALSE(test::receive(*harness.pull, 200ms)) << "no data while paused";

  const wire::Ack* rejected = harness.send_and_ack(harness.command(1, "pulse_rate", {5e6}));
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->status(), wire::AckStatus::Rejected);
  EXPECT_NE(rejected->reason()->str().find("pulse_rate"), std::string::npos);

  const wire::Ack* run = harness.send_and_ack(harness.command(2, "pause", {0}));
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->status(), wire::AckStatus::Done);
  for (std::uint64_t n = 0; n < 3; ++n) {
    const auto chunk = next_chunk(*harness.pull, LoopHarness::kWait);
    ASSERT_TRUE(chunk);
    EXPECT_EQ(chunk->sequence, n);
    EXPECT_EQ(chunk->command_seq, 2U);
    EXPECT_EQ(chunk->first_pulse, n * config.pulses_per_chunk);
  }

  const wire::Ack* pause = harness.send_and_ack(harness.command(3, "pause", {1}));
  ASSERT_NE(pause, nullptr);
  EXPECT_EQ(pause->status(), wire::AckStatus::Done);
  // What was queued before the pause drains; then nothing more comes.
  while (test::receive(*harness.pull, 200ms)) {
  }
  EXPECT_FALSE(test::receive(*harness.pull, 200ms));
}

TEST(AptLoop, RealtimeChunksArePacedByThePulseRate) {
  AptConfig config = test::fast_apt_config();
  config.realtime = true;
  config.pulses_per_chunk = 4000;  // 20 ms at 200 kHz
  AptDevice device(config);        // outlives the loop running it
  LoopHarness harness;
  ASSERT_NE(harness.start(device), nullptr);
  ASSERT_NE(harness.send_and_ack(harness.command(1, "pause", {0})), nullptr);
  ASSERT_TRUE(test::receive(*harness.pull, LoopHarness::kWait));
  const auto start = std::chrono::steady_clock::now();
  int chunks = 0;
  while (std::chrono::steady_clock::now() - start < 400ms) {
    if (test::receive(*harness.pull, 100ms)) ++chunks;
  }
  // 400 ms at 20 ms per chunk: about 20, never the thousands an unpaced device would send.
  EXPECT_GE(chunks, 10);
  EXPECT_LE(chunks, 30);
}

}  // namespace
}  // namespace edgeloop::sims
