#include "edgeloop/pipeline/runtime/buffer_pool.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace edgeloop {
namespace {

TEST(BufferPool, SlotsAreAlignedDistinctAndReturnedByTheHandle) {
  BufferPool pool(3, 1000);
  EXPECT_EQ(pool.slot_bytes() % 64, 0u);
  auto a = pool.acquire(10, std::chrono::milliseconds(0));
  auto b = pool.acquire(1000, std::chrono::milliseconds(0));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a->bytes().data()) % 64, 0u);
  EXPECT_NE(a->bytes().data(), b->bytes().data());
  EXPECT_EQ(a->size(), 10u);
  EXPECT_EQ(pool.available(), 1u);
  a.reset();
  EXPECT_EQ(pool.available(), 2u);
}

TEST(BufferPool, AnEmptyPoolTimesOutThenServesTheSlotReleasedOnAnotherThread) {
  BufferPool pool(1, 64);
  auto held = pool.acquire(64, std::chrono::milliseconds(0));
  ASSERT_TRUE(held);
  EXPECT_EQ(pool.acquire(8, std::chrono::milliseconds(5)), nullptr);
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    held.reset();
  });
  auto next = pool.acquire(8, std::chrono::milliseconds(2000));
  releaser.join();
  EXPECT_TRUE(next);
  EXPECT_GE(pool.waits(), 2u);
}

TEST(BufferPool, HandlesOutliveThePoolObject) {
  std::unique_ptr<PooledBuffer> kept;
  {
    BufferPool pool(2, 128);
    kept = pool.acquire(128, std::chrono::milliseconds(0));
  }
  ASSERT_TRUE(kept);
  kept->writable()[127] = std::byte{7};
  EXPECT_EQ(kept->bytes()[127], std::byte{7});
}

TEST(BufferPool, RefusesOversizedRequestsAndResizes) {
  BufferPool pool(1, 100);
  EXPECT_THROW(pool.acquire(pool.slot_bytes() + 1, std::chrono::milliseconds(0)),
               std::length_error);
  auto b = pool.acquire(1, std::chrono::milliseconds(0));
  b->resize(pool.slot_bytes());
  EXPECT_EQ(b->size(), pool.slot_bytes());
  EXPECT_THROW(b->resize(pool.slot_bytes() + 1), std::length_error);
  EXPECT_THROW(BufferPool(0, 10), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
