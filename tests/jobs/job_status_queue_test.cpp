#include "edgeloop/jobs/job_status_queue.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;

JobStatus numbered(std::uint64_t n) {
  JobStatus status;
  status.sequence = n;
  return status;
}

TEST(JobStatusQueue, KeepsOrderAndDropsTheOldestWhenFull) {
  JobStatusQueue queue(3);
  for (std::uint64_t i = 1; i <= 5; ++i) queue.push(numbered(i));
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.dropped(), 2u);
  const auto all = queue.drain();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].sequence, 3u);
  EXPECT_EQ(all[2].sequence, 5u);
  EXPECT_FALSE(queue.pop(1ms));
  EXPECT_THROW(JobStatusQueue(0), std::invalid_argument);
}

TEST(JobStatusQueue, PopWaitsForAProducer) {
  JobStatusQueue queue(8);
  const StatusCallback sink = queue.sink();
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);
    sink(numbered(9));
  });
  const auto got = queue.pop(5s);
  producer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->sequence, 9u);
}

}  // namespace
}  // namespace edgeloop::jobs
