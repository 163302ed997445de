#include "edgeloop/core/counters.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <thread>
#include <vector>

namespace edgeloop {
namespace {

TEST(Counters, StartAtZeroAndAdd) {
  Counters counters;
  EXPECT_EQ(counters.value("never.used"), 0U);
  counters.add("rejected.data.invalid_flatbuffer");
  counters.add("rejected.data.invalid_flatbuffer", 4);
  EXPECT_EQ(counters.value("rejected.data.invalid_flatbuffer"), 5U);
  EXPECT_EQ(counters.snapshot().count("never.used"), 0U);
}

TEST(Counters, HandleIsStableAsMoreNamesAppear) {
  Counters counters;
  std::atomic<std::uint64_t>& handle = counters.counter("frames.in");
  for (int i = 0; i < 1000; ++i) counters.add("filler." + std::to_string(i));
  EXPECT_EQ(&handle, &counters.counter("frames.in"));
  handle.fetch_add(2);
  EXPECT_EQ(counters.value("frames.in"), 2U);
}

TEST(Counters, GaugeIsAStoredValue) {
  Counters counters;
  auto& depth = counters.counter("queue.depth");
  depth.store(17);
  depth.store(3);
  EXPECT_EQ(counters.value("queue.depth"), 3U);
}

TEST(Counters, ConcurrentIncrementsSumExactly) {
  Counters counters;
  constexpr int kThreads = 8;
  constexpr std::uint64_t kPerThread = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counters, t] {
      auto& shared = counters.counter("shared");
      for (std::uint64_t i = 0; i < kPerThread; ++i) {
        shared.fetch_add(1, std::memory_order_relaxed);
        // Also race name creation and the locked convenience path.
        if (i % 100 == 0) counters.add("by_name." + std::to_string(i % 700));
      }
      counters.add("thread." + std::to_string(t), kPerThread);
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(counters.value("shared"), kThreads * kPerThread);
  const auto snapshot = counters.snapshot();
  std::uint64_t by_name = 0;
  for (const auto& [name, value] : snapshot) {
    if (name.rfind("by_name.", 0) == 0) by_name += value;
  }
  EXPECT_EQ(by_name, kThreads * (kPerThread / 100));
  EXPECT_EQ(snapshot.at("thread.3"), kPerThread);
}

TEST(Counters, SnapshotAndJsonAgree) {
  Counters counters;
  counters.add("b", 2);
  counters.add("a", 1);
  const auto snapshot = counters.snapshot();
  EXPECT_EQ(snapshot, (std::map<std::string, std::uint64_t>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(counters.to_json(), nlohmann::json::parse(R"({"a": 1, "b": 2})"));
  EXPECT_EQ(Counters().to_json(), nlohmann::json::object());
}

}  // namespace
}  // namespace edgeloop
