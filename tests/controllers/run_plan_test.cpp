#include "edgeloop/controllers/run_plan.hpp"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

std::vector<PlanStep> drain(RunPlan& plan, PlanProgress progress = {}) {
  std::vector<PlanStep> steps;
  while (auto s = plan.next(progress)) steps.push_back(*s);
  return steps;
}

TEST(RunPlan, RasterVisitsEveryPositionOnceWithOneFrameEach) {
  auto plan = make_raster_plan(3, 2);
  const auto steps = drain(*plan);
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_TRUE(plan->done());
  EXPECT_EQ(plan->max_frames(), 6u);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].actuator, "scan_position");
    EXPECT_EQ(steps[i].scan_index, static_cast<std::int64_t>(i));
    EXPECT_EQ(steps[i].frames, 1u);
  }
  EXPECT_EQ(plan->point_coordinates(4), (std::vector<double>{1, 1}));
  EXPECT_EQ(plan->to_json()["kind"], "raster");
}

TEST(RunPlan, AcquisitionsMoveThenAcquireAndSkipTemperatureWhenNotGiven) {
  auto plan = make_acquisition_plan({{1.0, 2.0}, {3.0, 4.0, 40.0}}, 5);
  const auto steps = drain(*plan);
  std::vector<std::string> actuators;
  for (const auto& s : steps) actuators.push_back(s.actuator);
  EXPECT_EQ(actuators, (std::vector<std::string>{"stage_x", "stage_y", "acquire", "stage_x",
                                                 "stage_y", "temperature", "acquire"}));
  EXPECT_EQ(steps[2].frames, 5u);
  EXPECT_EQ(steps[2].scan_index, 0);
  EXPECT_EQ(steps[5].target, (std::vector<double>{40.0}));
  EXPECT_EQ(steps[6].scan_index, 1);
  EXPECT_EQ(plan->max_frames(), 10u);
  EXPECT_EQ(plan->point_coordinates(1), (std::vector<double>{3.0, 4.0, 40.0}));
  EXPECT_THROW(make_acquisition_plan({}, 1), std::invalid_argument);
  EXPECT_THROW(make_acquisition_plan({{1.0}}, 1), std::invalid_argument);
}

TEST(RunPlan, StreamOpensThenClosesOnlyOnceEnoughChunksArrived) {
  auto plan = make_stream_plan(10, 100000.0, 0.01);
  const auto opening = drain(*plan);
  ASSERT_EQ(opening.size(), 3u);
  EXPECT_EQ(opening[0].actuator, "pulse_rate");
  EXPECT_EQ(opening[1].actuator, "detection_rate");
  EXPECT_EQ(opening[2].actuator, "pause");
  EXPECT_TRUE(opening[2].opens_stream);
  EXPECT_FALSE(plan->done());
  EXPECT_FALSE(plan->next({.frames_received = 9}));
  const auto closing = plan->next({.frames_received = 10});
  ASSERT_TRUE(closing);
  EXPECT_EQ(closing->target, (std::vector<double>{1.0}));
  EXPECT_TRUE(plan->done());
  EXPECT_GT(plan->max_frames(), 10u);  // chunks in flight when it closes are still taken
}

TEST(RunPlan, ExternalSeriesSendsNothing) {
  auto plan = make_external_plan(7);
  EXPECT_FALSE(plan->next({}));
  EXPECT_TRUE(plan->done());
  EXPECT_EQ(plan->max_frames(), 7u);
}

}  // namespace
}  // namespace edgeloop
