#include "edgeloop/pipeline/runtime/delay_stage.hpp"

#include <gtest/gtest.h>

#include "edgeloop/core/clock.hpp"

namespace edgeloop {
namespace {

TEST(DelayStage, TakesItsTimeAndProducesNothing) {
  DelayStage stage;
  stage.configure({{"ms", 5}});
  Frame frame;
  std::vector<Product> out;
  const auto start = monotonic_ns();
  stage.process(frame, out);
  EXPECT_GE(monotonic_ns() - start, 5'000'000);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stage.metrics().processed, 1u);
  EXPECT_GE(stage.metrics().latency_quantile_ns(0.5), 4'000'000.0);
}

TEST(DelayStage, RejectsBadParameters) {
  DelayStage stage;
  EXPECT_THROW(stage.configure({{"ms", -1}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"seconds", 1}}), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
