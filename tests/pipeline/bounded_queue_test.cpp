#include "edgeloop/pipeline/bounded_queue.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace edgeloop {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueue, NeverExceedsCapacityAndKeepsOrder) {
  BoundedQueue<std::unique_ptr<int>> q(2);
  auto a = std::make_unique<int>(1);
  auto b = std::make_unique<int>(2);
  auto c = std::make_unique<int>(3);
  EXPECT_TRUE(q.try_push(a));
  EXPECT_TRUE(q.try_push(b));
  EXPECT_TRUE(q.full());
  EXPECT_FALSE(q.try_push(c));
  ASSERT_TRUE(c);  // a refused item stays with the caller
  EXPECT_EQ(**q.pop_for(0ms), 1);
  EXPECT_EQ(**q.pop_for(0ms), 2);
  EXPECT_FALSE(q.pop_for(1ms));
}

TEST(BoundedQueue, BlockingPushWaitsForRoomAndLosesNothing) {
  BoundedQueue<int> q(4);
  constexpr int kItems = 10000;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) ASSERT_TRUE(q.push(i));
    q.close();
  });
  int expected = 0;
  while (auto item = q.pop_for(1000ms)) {
    EXPECT_EQ(*item, expected++);
    EXPECT_LE(q.size(), q.capacity());
  }
  producer.join();
  EXPECT_EQ(expected, kItems);
  EXPECT_TRUE(q.closed_and_empty());
}

TEST(BoundedQueue, CloseDrainsThenStopsAndRefusesPushes) {
  BoundedQueue<int> q(4);
  q.push(1);
  q.close();
  EXPECT_FALSE(q.push(2));
  EXPECT_EQ(q.pop_for(0ms), 1);
  EXPECT_FALSE(q.pop_for(0ms));
  EXPECT_THROW(BoundedQueue<int>(0), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST(BoundedQueueLatest, DropsTheOldestAndSaysSo) {
  BoundedQueue<int> q(2);
  EXPECT_FALSE(q.push_dropping_oldest(1));
  EXPECT_FALSE(q.push_dropping_oldest(2));
  EXPECT_TRUE(q.push_dropping_oldest(3));
  EXPECT_EQ(q.pop_for(std::chrono::milliseconds(0)), 2);
  EXPECT_EQ(q.pop_for(std::chrono::milliseconds(0)), 3);
  q.close();
  bool accepted = true;
  EXPECT_FALSE(q.push_dropping_oldest(4, &accepted));
  EXPECT_FALSE(accepted);
}

}  // namespace
}  // namespace edgeloop
