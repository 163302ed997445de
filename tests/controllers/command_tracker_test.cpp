#include "edgeloop/controllers/command_tracker.hpp"

#include <gtest/gtest.h>

#include "edgeloop/core/wire_builders.hpp"

namespace edgeloop {
namespace {

constexpr std::int64_t kMs = 1'000'000;

const wire::Ack& as_ack(const flatbuffers::DetachedBuffer& b) {
  return *flatbuffers::GetRoot<wire::Ack>(b.data());
}

TEST(CommandTracker, NumbersCommandsFromOneAndResolvesByAck) {
  const Uuid run = Uuid::random();
  CommandTracker tracker(run, {std::chrono::milliseconds(100), std::chrono::milliseconds(1000)});
  const auto& first = tracker.issue("scan_position", {1, 2}, "test", 0, 0, 0);
  EXPECT_EQ(first.seq, 1u);
  EXPECT_EQ(first.deadline_wall_ns, 1000 * kMs);
  EXPECT_EQ(tracker.issue("scan_position", {2, 2}, "test", 1, 0, 0).seq, 2u);
  EXPECT_EQ(tracker.in_flight(), 2u);

  const auto ack =
      build_ack({.run_id = run, .seq = 2, .status = wire::AckStatus::Done, .readback = {2, 2}});
  const auto resolved = tracker.on_ack(as_ack(ack), 5 * kMs);
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->command.seq, 2u);
  EXPECT_EQ(resolved->status, wire::AckStatus::Done);
  EXPECT_EQ(resolved->readback, (std::vector<double>{2, 2}));
  EXPECT_EQ(resolved->latency_ns, 5 * kMs);
  EXPECT_EQ(tracker.in_flight(), 1u);
  // A duplicate ack (after a retry) resolves nothing.
  EXPECT_FALSE(tracker.on_ack(as_ack(ack), 6 * kMs));
}

TEST(CommandTracker, IgnoresAcksForAnotherRun) {
  CommandTracker tracker(Uuid::random(), {});
  tracker.issue("beam_blank", {1}, "test", -1, 0, 0);
  const auto ack = build_ack({.run_id = Uuid::random(), .seq = 1, .status = wire::AckStatus::Done});
  EXPECT_FALSE(tracker.on_ack(as_ack(ack), 0));
  EXPECT_EQ(tracker.in_flight(), 1u);
}

TEST(CommandTracker, ResendsAfterRetryIntervalWithAttemptCount) {
  CommandTracker tracker(Uuid::random(),
                         {std::chrono::milliseconds(100), std::chrono::milliseconds(1000)});
  tracker.issue("scan_position", {0, 0}, "test", 0, 0, 0);
  EXPECT_TRUE(tracker.due_for_resend(99 * kMs).empty());
  auto due = tracker.due_for_resend(100 * kMs);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 2u);
  EXPECT_TRUE(tracker.due_for_resend(150 * kMs).empty());
  EXPECT_EQ(tracker.due_for_resend(200 * kMs).at(0).attempts, 3u);
}

TEST(CommandTracker, ExpiresCommandsPastTheirDeadline) {
  CommandTracker tracker(Uuid::random(),
                         {std::chrono::milliseconds(100), std::chrono::milliseconds(1000)});
  tracker.issue("scan_position", {0, 0}, "test", 0, 0, 0);
  // The wall clock is far ahead (an NTP step): expiry follows the monotonic clock alone.
  tracker.issue("scan_position", {1, 0}, "test", 1, 9'000'000 * kMs, 500 * kMs);
  EXPECT_TRUE(tracker.expire(1000 * kMs).empty());
  const auto expired = tracker.expire(1001 * kMs);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].command.seq, 1u);
  EXPECT_EQ(expired[0].status, wire::AckStatus::Expired);
  EXPECT_EQ(tracker.in_flight(), 1u);
}

TEST(CommandTracker, EncodedCommandCarriesEveryField) {
  const Uuid run = Uuid::random();
  CommandTracker tracker(run, {});
  const auto& c = tracker.issue("scan_position", {3, 4}, "raster_scan index=7", 7, 10, 20);
  const auto bytes = encode_command(run, c);
  auto decoded = decode<wire::Command>(
      std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
  ASSERT_TRUE(std::holds_alternative<const wire::Command*>(decoded));
  const wire::Command& w = *std::get<const wire::Command*>(decoded);
  EXPECT_EQ(from_wire(w.run_id()), run);
  EXPECT_EQ(w.seq(), 1u);
  EXPECT_EQ(w.actuator()->str(), "scan_position");
  EXPECT_EQ(w.target()->Get(1), 4.0);
  EXPECT_EQ(w.attempt(), 1u);
  EXPECT_EQ(w.cause()->str(), "raster_scan index=7");
}

}  // namespace
}  // namespace edgeloop
