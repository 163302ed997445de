#include "edgeloop/sims/ack_cache.hpp"

#include <gtest/gtest.h>

#include <array>

namespace edgeloop::sims {
namespace {

std::vector<std::byte> bytes(std::uint8_t value) {
  return {std::byte{value}, std::byte{7}};
}

TEST(AckCache, FindsWhatWasInsertedPerRunAndSeq) {
  AckCache cache(8);
  const Uuid run_a = Uuid::random();
  const Uuid run_b = Uuid::random();
  EXPECT_EQ(cache.find(run_a, 1), nullptr);
  cache.insert(run_a, 1, bytes(1));
  cache.insert(run_b, 1, bytes(2));
  ASSERT_NE(cache.find(run_a, 1), nullptr);
  EXPECT_EQ(*cache.find(run_a, 1), bytes(1));
  EXPECT_EQ(*cache.find(run_b, 1), bytes(2));
  EXPECT_EQ(cache.find(run_a, 2), nullptr);
}

TEST(AckCache, EvictsTheOldestBeyondCapacity) {
  AckCache cache(3);
  const Uuid run = Uuid::random();
  for (std::uint8_t seq = 1; seq <= 5; ++seq) cache.insert(run, seq, bytes(seq));
  EXPECT_EQ(cache.size(), 3U);
  EXPECT_EQ(cache.find(run, 1), nullptr);
  EXPECT_EQ(cache.find(run, 2), nullptr);
  for (std::uint8_t seq = 3; seq <= 5; ++seq) {
    ASSERT_NE(cache.find(run, seq), nullptr);
    EXPECT_EQ(*cache.find(run, seq), bytes(seq));
  }
}

TEST(AckCache, ReinsertReplacesWithoutGrowing) {
  AckCache cache(2);
  const Uuid run = Uuid::random();
  cache.insert(run, 1, bytes(1));
  cache.insert(run, 1, bytes(9));
  EXPECT_EQ(cache.size(), 1U);
  EXPECT_EQ(*cache.find(run, 1), bytes(9));
}

TEST(AckCache, RefusesZeroCapacity) {
  EXPECT_THROW(AckCache(0), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
