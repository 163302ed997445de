#include "edgeloop/controllers/scan/scan_plan.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <set>

#include "edgeloop/controllers/scan/scan_policy.hpp"
#include "edgeloop/controllers/scan/scan_policy_network.hpp"
#include "edgeloop/controllers/scan/scan_strategy.hpp"
#include "edgeloop/pipeline/ml/model_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

// An untrained policy is enough to test the plumbing: its choices are as deterministic.
std::filesystem::path write_policy(const testing::TempDir& dir, std::uint64_t seed = 7) {
  torch::manual_seed(seed);
  scan::ScanPolicyNet net(4);
  ml::ModelManifest m;
  m.kind = scan::kScanPolicyKind;
  m.architecture = scan::kScanPolicyArchitecture;
  m.architecture_params = {{"width", 4}};
  m.data_seed = 0;
  const auto path = dir / "policy.pt";
  ml::save_model(*net, path, m);
  return path;
}

double value_at(std::int64_t i) {
  return (i % 16 < 7) == (i / 16 < 9) ? 1.0 : 0.25;
}

PlanObservation observation_for(const PlanStep& s, const std::string& product = "virtual_adf") {
  return {.scan_index = s.scan_index,
          .command_seq = static_cast<std::uint64_t>(s.scan_index) + 1,
          .position = s.target,
          .payload_sha256 = "ab",
          .products = {{product, {value_at(s.scan_index)}}, {"virtual_bf", {0.5}}}};
}

// Runs a plan to the end, answering each step at once.
std::vector<PlanStep> run(RunPlan& plan) {
  std::vector<PlanStep> steps;
  while (!plan.done()) {
    auto s = plan.next({});
    if (!s) break;
    plan.observe(observation_for(*s));
    steps.push_back(*s);
  }
  return steps;
}

TEST(ScanPlan, LearnedPlanRecordsEachDecisionWithItsInputsAndModel) {
  testing::TempDir dir;
  const auto policy = write_policy(dir);
  const auto weights = ml::read_manifest(policy).weights_sha256;
  auto plan =
      make_learned_scan_plan({.nx = 16, .ny = 16, .fraction = 0.2, .seed = 3, .policy = policy});
  EXPECT_EQ(plan->max_frames(), 51u);
  EXPECT_EQ(plan->observed_products(), (std::vector<std::string>{"virtual_adf"}));
  const auto steps = run(*plan);
  ASSERT_EQ(steps.size(), 51u);
  EXPECT_TRUE(plan->done());
  std::set<std::int64_t> seen;
  std::set<std::string> input_hashes;
  for (const auto& s : steps) {
    EXPECT_EQ(s.actuator, "scan_position");
    EXPECT_EQ(s.frames, 1u);
    EXPECT_TRUE(seen.insert(s.scan_index).second);
    EXPECT_EQ(s.target, plan->point_coordinates(s.scan_index));
    EXPECT_EQ(s.decision["controller"], "scan/learned");
    EXPECT_EQ(s.decision["seed"], 3);
    EXPECT_EQ(s.decision["chosen"]["scan_index"], s.scan_index);
    input_hashes.insert(s.decision["inputs"]["observations_sha256"].get<std::string>());
  }
  EXPECT_EQ(input_hashes.size(), steps.size());  // every decision saw one more frame
  const auto seeds = scan::seed_grid_positions(16, 16);
  EXPECT_EQ(steps[0].decision["rule"], "seed_grid");
  const auto& last = steps.back().decision;
  EXPECT_EQ(last["rule"], "policy");
  EXPECT_EQ(last["model"]["weights_sha256"], weights);
  EXPECT_EQ(last["inputs"]["observations"], 50);
  EXPECT_GT(last["chosen"]["probability"].get<double>(), 0.0);
  ASSERT_EQ(last["alternatives"].size(), 3u);
  EXPECT_LE(last["alternatives"][0]["score"].get<double>(), last["chosen"]["score"].get<double>());
  EXPECT_EQ(plan->to_json()["controller"]["weights_sha256"], weights);
}

TEST(ScanPlan, SameObservationsAndSeedReplayTheSameDecisions) {
  testing::TempDir dir;
  const auto policy = write_policy(dir);
  for (const double temperature : {0.0, 1.0}) {
    const ScanPlanOptions o{.nx = 12,
                            .ny = 12,
                            .fraction = 0.3,
                            .seed = 11,
                            .policy = policy,
                            .temperature = temperature};
    auto a = make_learned_scan_plan(o);
    auto b = make_learned_scan_plan(o);
    const auto sa = run(*a);
    const auto sb = run(*b);
    ASSERT_EQ(sa.size(), sb.size());
    for (std::size_t i = 0; i < sa.size(); ++i) {
      EXPECT_EQ(sa[i].scan_index, sb[i].scan_index) << i;
      EXPECT_EQ(sa[i].decision, sb[i].decision) << i;
    }
  }
  for (const char* name : {"random", "gp_uncertainty", "raster_subsampled"}) {
    auto a = make_scan_strategy_plan(name, {.nx = 12, .ny = 12, .fraction = 0.25, .seed = 2});
    auto b = make_scan_strategy_plan(name, {.nx = 12, .ny = 12, .fraction = 0.25, .seed = 2});
    const auto sa = run(*a);
    const auto sb = run(*b);
    ASSERT_EQ(sa.size(), sb.size()) << name;
    EXPECT_GE(sa.size(), 36u) << name;
    for (std::size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].decision, sb[i].decision) << name;
  }
}

TEST(ScanPlan, WaitsForPendingFramesAndSurvivesAFrameWithoutItsProduct) {
  auto plan = make_scan_strategy_plan("random", {.nx = 8, .ny = 8, .fraction = 0.5, .seed = 1});
  const auto first = plan->next({});
  ASSERT_TRUE(first);
  EXPECT_FALSE(plan->next({}));  // max_pending 1: the frame is not back yet
  plan->observe(observation_for(*first, "other_product"));
  EXPECT_EQ(plan->to_json()["observations_without_product"], 1);
  const auto second = plan->next({});
  ASSERT_TRUE(second);
  EXPECT_NE(second->scan_index, first->scan_index);

  auto wide = make_scan_strategy_plan(
      "random", {.nx = 8, .ny = 8, .fraction = 0.5, .seed = 1, .max_pending = 3});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(wide->next({}));
  EXPECT_FALSE(wide->next({}));
}

// A refused or failed position brings no frame: the plan must not wait for it forever.
TEST(ScanPlan, ARefusedPositionIsNotWaitedForNorChosenAgain) {
  auto plan = make_scan_strategy_plan("random", {.nx = 4, .ny = 4, .fraction = 1.0, .seed = 2});
  const auto first = plan->next({});
  ASSERT_TRUE(first);
  EXPECT_FALSE(plan->next({}));
  plan->refused({.source = "envelope",
                 .actuator = first->actuator,
                 .target = first->target,
                 .scan_index = first->scan_index,
                 .reason = "range"});
  EXPECT_EQ(plan->to_json()["refused"], 1);
  std::set<std::int64_t> chosen{first->scan_index};
  while (const auto step = plan->next({})) {
    EXPECT_TRUE(chosen.insert(step->scan_index).second) << step->scan_index;
    plan->observe(observation_for(*step));
  }
  EXPECT_EQ(chosen.size(), 16u);
  EXPECT_TRUE(plan->done());
}

TEST(ScanPlan, UnusablePolicyFilesAreRefusedByName) {
  testing::TempDir dir;
  const auto missing = dir / "absent.pt";
  try {
    make_learned_scan_plan({.policy = missing});
    FAIL() << "a missing policy was accepted";
  } catch (const ml::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.pt"), std::string::npos) << e.what();
  }
  const auto policy = write_policy(dir);
  {
    std::ofstream corrupt(policy, std::ios::binary | std::ios::trunc);
    corrupt << "not a torch archive";
  }
  try {
    scan::ScanPolicy loaded(policy);
    FAIL() << "a corrupt policy was accepted";
  } catch (const ml::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("policy.pt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_scan_strategy_plan("zigzag", {}), std::invalid_argument);
  EXPECT_THROW(make_scan_strategy_plan("random", {.fraction = 0.0}), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
