#include "edgeloop/controllers/bayes/bayesian_acquisition_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "edgeloop/controllers/plan_record.hpp"

namespace edgeloop::bayes {
namespace {

using nlohmann::json;

json spec(std::uint32_t budget = 10, std::uint32_t batch = 1) {
  return {{"plan", "bayes"},
          {"budget", budget},
          {"batch", batch},
          {"seed", 3},
          {"frames_per_point", 2},
          {"bounds", {{"stage_x", {-10, 10}}, {"stage_y", {-5, 5}}, {"temperature", {20, 60}}}},
          {"objective", {{"product", "iq"}, {"at", 0.22}}}};
}

// A smooth landscape with its top at (3, -1, 40 C); I(q) is flat in q at that height.
double landscape(const std::vector<double>& x) {
  return 10.0 - ((x[0] - 3) * (x[0] - 3) + (x[1] + 1) * (x[1] + 1)) / 10.0 -
         ((x[2] - 40) / 20) * ((x[2] - 40) / 20);
}

PlanObservation observation(std::int64_t scan_index, std::uint64_t seq,
                            const std::vector<double>& x, int frame) {
  const double v = landscape(x);
  return {.scan_index = scan_index,
          .command_seq = seq,
          .position = {x[0], x[1]},
          .payload_sha256 = std::string(64, static_cast<char>('a' + frame)),
          .products = {{"iq", {v, v, v, std::nan("")}}},
          .axes = {{"iq", {0.1, 0.2, 0.3, 0.4}}}};
}

// Runs the plan against the landscape; returns every step handed out.
std::vector<PlanStep> drive(BayesianAcquisitionPlan& plan,
                            const std::function<bool(const PlanStep&)>& refuse = {}) {
  std::vector<PlanStep> steps;
  std::map<std::int64_t, std::vector<double>> points;
  std::uint64_t seq = 0;
  for (int guard = 0; guard < 10000 && !plan.done(); ++guard) {
    auto step = plan.next({});
    if (!step) {
      ADD_FAILURE() << "the plan waits although every observation is in";
      break;
    }
    steps.push_back(*step);
    ++seq;
    if (refuse && refuse(*step)) {
      plan.refused({.source = "envelope",
                    .actuator = step->actuator,
                    .target = step->target,
                    .scan_index = step->scan_index,
                    .reason = "step"});
      continue;
    }
    auto& p = points[step->scan_index];
    if (step->actuator != "acquire") {
      p.push_back(step->target.at(0));
      continue;
    }
    for (int f = 0; f < 2; ++f) plan.observe(observation(step->scan_index, seq, p, f));
  }
  return steps;
}

TEST(BayesianAcquisitionPlan, MovesThenAcquiresAndRecordsEachDecision) {
  BayesianAcquisitionPlan plan(BayesianPlanOptions::parse(spec()));
  EXPECT_EQ(plan.observed_products(), std::vector<std::string>{"iq"});
  EXPECT_EQ(plan.max_frames(), 20u);
  const auto steps = drive(plan);
  ASSERT_EQ(steps.size(), 40u);  // 10 evaluations x (3 moves + acquire)
  for (std::size_t i = 0; i < steps.size(); i += 4) {
    EXPECT_EQ(steps[i].actuator, "stage_x");
    EXPECT_EQ(steps[i + 1].actuator, "stage_y");
    EXPECT_EQ(steps[i + 2].actuator, "temperature");
    EXPECT_EQ(steps[i + 3].actuator, "acquire");
    EXPECT_EQ(steps[i + 3].frames, 2u);
    ASSERT_TRUE(steps[i].decision.is_object());
    EXPECT_TRUE(steps[i + 1].decision.is_null());
    const json& d = steps[i].decision;
    EXPECT_EQ(d["evaluation"], i / 4);
    EXPECT_EQ(d["seed"], 3);
    EXPECT_EQ(d["model_state_hash"].get<std::string>().size(), 64u);
    // The observations told since the last decision (the previous point's two frames), and a
    // digest of all of them.
    EXPECT_EQ(d["inputs"].size(), i == 0 ? 0u : 2u);
    EXPECT_EQ(d["inputs_digest"].get<std::string>().size(), i == 0 ? 0u : 64u);
    if (i / 4 >= 5) {  // after the Sobol design: a fitted model chose it
      EXPECT_EQ(d["reason"], "acquisition");
      EXPECT_TRUE(d["acquisition_value"].is_number());
      EXPECT_TRUE(d["hyperparameters"].is_object());
      EXPECT_TRUE(d["alternatives"].is_array());
    }
  }
  EXPECT_TRUE(plan.done());
  // The model improves on the Sobol design.
  double best_initial = -1e300;
  for (std::size_t i = 0; i < 20; i += 4) {
    best_initial =
        std::max(best_initial,
                 landscape({steps[i].target[0], steps[i + 1].target[0], steps[i + 2].target[0]}));
  }
  ASSERT_TRUE(plan.best());
  EXPECT_GT(plan.best()->second, best_initial);
}

TEST(BayesianAcquisitionPlan, IsDeterministicGivenTheSameObservations) {
  BayesianAcquisitionPlan a(BayesianPlanOptions::parse(spec(8, 2)));
  BayesianAcquisitionPlan b(BayesianPlanOptions::parse(a.to_json()));
  const auto sa = drive(a);
  const auto sb = drive(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].target, sb[i].target);
    EXPECT_EQ(sa[i].decision, sb[i].decision);
  }
}

TEST(BayesianAcquisitionPlan, ARefusedMoveDropsTheRestOfItsPointAndTheRunGoesOn) {
  BayesianAcquisitionPlan plan(BayesianPlanOptions::parse(spec(6)));
  int refused = 0;
  const auto steps = drive(plan, [&](const PlanStep& s) {
    const bool refuse = s.actuator == "stage_y" && s.scan_index == 1;
    refused += refuse ? 1 : 0;
    return refuse;
  });
  EXPECT_EQ(refused, 1);
  // Point 1 lost its temperature and acquire; the budget counts it.
  EXPECT_EQ(steps.size(), 6u * 4u - 2u);
  for (const PlanStep& s : steps) {
    if (s.scan_index == 1) {
      EXPECT_NE(s.actuator, "acquire");
    }
  }
  EXPECT_TRUE(plan.done());
}

TEST(BayesianAcquisitionPlan, RefusesSpecsThatMakeNoSense) {
  auto error = [](json s) {
    try {
      BayesianPlanOptions::parse(s);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  json s = spec();
  s["bounds"]["stage_x"] = {5, 1};
  EXPECT_NE(error(s).find("stage_x"), std::string::npos);
  s = spec();
  s["bounds"].erase("stage_y");
  EXPECT_NE(error(s).find("stage_y"), std::string::npos);
  s = spec();
  s["budget"] = 0;
  EXPECT_NE(error(s).find("budget"), std::string::npos);
  s = spec();
  s["objective"] = {{"product", "iq"}, {"at", 0.2}, {"index", 1}};
  EXPECT_NE(error(s).find("objective"), std::string::npos);
  s = spec();
  s["budgte"] = 3;
  EXPECT_NE(error(s).find("budgte"), std::string::npos);
  s = spec();
  s["acquisition"] = "ei";
  EXPECT_NE(error(s).find("acquisition"), std::string::npos);
}

TEST(ObservationObjective, InterpolatesTheProductAlongItsAxis) {
  const auto o = ObservationObjective::parse({{"product", "iq"}, {"at", 0.25}});
  PlanObservation obs{.products = {{"iq", {1.0, 3.0}}}, .axes = {{"iq", {0.2, 0.3}}}};
  ASSERT_TRUE(o.evaluate(obs));
  EXPECT_DOUBLE_EQ(*o.evaluate(obs), 2.0);
  obs.axes["iq"] = {0.3, 0.4};
  EXPECT_FALSE(o.evaluate(obs));  // outside the axis
  const auto target = ObservationObjective::parse({{"product", "g"}, {"index", 1}, {"target", 5}});
  EXPECT_DOUBLE_EQ(*target.evaluate({.products = {{"g", {0.0, 7.0}}}}), -2.0);
  const auto minimise = ObservationObjective::parse({{"product", "g"}, {"goal", "minimize"}});
  EXPECT_DOUBLE_EQ(*minimise.evaluate({.products = {{"g", {4.0}}}}), -4.0);
}

}  // namespace
}  // namespace edgeloop::bayes
