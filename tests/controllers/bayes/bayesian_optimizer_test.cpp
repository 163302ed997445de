#include "edgeloop/controllers/bayes/bayesian_optimizer.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "edgeloop/controllers/bayes/test_functions.hpp"

namespace edgeloop::bayes {
namespace {

const std::vector<Interval> kBranin{{-5.0, 10.0}, {0.0, 15.0}};

double run_branin(BoOptions options, int evaluations) {
  BayesianOptimizer bo(kBranin, options);
  for (int i = 0; i < evaluations; ++i) {
    const auto p = bo.ask(1);
    bo.tell(p.at(0).x, branin(p[0].x));
  }
  return bo.best()->second - branin_minimum;
}

TEST(BayesianOptimizer, FindsBraninMinimumWithinFortyEvaluations) {
  BoOptions o;
  o.seed = 42;
  EXPECT_LT(run_branin(o, 30), 0.05);
}

TEST(BayesianOptimizer, IsDeterministicGivenTheSeed) {
  BoOptions o;
  o.seed = 3;
  BayesianOptimizer a(kBranin, o), b(kBranin, o);
  for (int i = 0; i < 9; ++i) {
    const auto pa = a.ask(1);
    const auto pb = b.ask(1);
    ASSERT_EQ(pa[0].x, pb[0].x);
    ASSERT_EQ(pa[0].model_state_hash, pb[0].model_state_hash);
    EXPECT_EQ(pa[0].model_state_hash.size(), 64u);
    a.tell(pa[0].x, branin(pa[0].x));
    b.tell(pb[0].x, branin(pb[0].x));
  }
  EXPECT_EQ(a.seed(), 3u);
}

TEST(BayesianOptimizer, ProposesDistinctBatchesWithEveryAcquisition) {
  for (Acquisition acq : {Acquisition::log_ei, Acquisition::ucb, Acquisition::log_pi}) {
    for (BatchStrategy s : {BatchStrategy::kriging_believer, BatchStrategy::constant_liar}) {
      BoOptions o;
      o.acquisition = acq;
      o.batch_strategy = s;
      o.batch = 3;
      BayesianOptimizer bo(kBranin, o);
      for (const auto& p : bo.ask()) bo.tell(p.x, branin(p.x));
      for (const auto& p : bo.ask()) bo.tell(p.x, branin(p.x));
      const auto batch = bo.ask();
      ASSERT_EQ(batch.size(), 3u);
      for (const auto& p : batch) {
        EXPECT_FALSE(p.fallback);
        EXPECT_EQ(p.reason, "acquisition");
        EXPECT_TRUE(std::isfinite(p.acquisition_value));
      }
      EXPECT_NE(batch[0].x, batch[1].x);
      EXPECT_NE(batch[1].x, batch[2].x);
    }
  }
}

TEST(BayesianOptimizer, TravelCostPullsProposalsTowardsThePosition) {
  auto mean_distance = [](double cost) {
    BoOptions o;
    o.travel_cost_per_unit = cost;
    o.seed = 5;
    BayesianOptimizer bo(kBranin, o);
    for (int i = 0; i < 8; ++i) {
      const auto p = bo.ask(1);
      bo.tell(p[0].x, branin(p[0].x));
    }
    double total = 0;
    for (int i = 0; i < 4; ++i) {
      bo.set_position(std::vector<double>{2.5, 7.5});
      const auto p = bo.ask(1);
      total += std::hypot(p[0].x[0] - 2.5, p[0].x[1] - 7.5);
      bo.tell(p[0].x, branin(p[0].x));
    }
    return total;
  };
  EXPECT_LT(mean_distance(100.0), mean_distance(0.0));
  BoOptions bad;
  bad.acquisition = Acquisition::ucb;
  bad.travel_cost_per_unit = 1.0;
  EXPECT_THROW(BayesianOptimizer(kBranin, bad), std::invalid_argument);
}

TEST(BayesianOptimizer, FallsBackToSobolWhenTheFitBreaks) {
  std::ostringstream log;
  BoOptions o;
  o.logger = std::make_shared<spdlog::logger>(
      "bayes", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  BayesianOptimizer bo(kBranin, o);
  for (int i = 0; i < 5; ++i) {
    const auto p = bo.ask(1);
    EXPECT_FALSE(p[0].fallback);
    EXPECT_EQ(p[0].reason, "initial design");
    // Finite values whose sum overflows: standardisation, and so the fit, must fail.
    bo.tell(p[0].x, i < 3 ? 1.7e308 : 0.0);
  }
  const auto p = bo.ask(2);
  ASSERT_EQ(p.size(), 2u);
  for (const auto& q : p) {
    EXPECT_TRUE(q.fallback);
    EXPECT_NE(q.reason.find("GP fit failed"), std::string::npos) << q.reason;
    EXPECT_GE(q.x[0], -5.0);
    EXPECT_LE(q.x[0], 10.0);
  }
  EXPECT_NE(p[0].x, p[1].x);
  EXPECT_EQ(bo.fallbacks(), 2u);
  EXPECT_NE(log.str().find("2 Sobol fallback proposal(s) after 5 observations: GP fit failed"),
            std::string::npos)
      << log.str();
}

TEST(BayesianOptimizer, TellRejectsBadInput) {
  BayesianOptimizer bo(kBranin, {});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(bo.tell(std::vector<double>{1.0}, 1.0), std::invalid_argument);
  EXPECT_THROW(bo.tell(std::vector<double>{1.0, 2.0, 3.0}, 1.0), std::invalid_argument);
  EXPECT_THROW(bo.tell(std::vector<double>{1.0, 2.0}, nan), std::invalid_argument);
  EXPECT_THROW(bo.tell(std::vector<double>{1.0, 2.0}, std::numeric_limits<double>::infinity()),
               std::invalid_argument);
  EXPECT_THROW(bo.tell(std::vector<double>{nan, 2.0}, 1.0), std::invalid_argument);
  EXPECT_THROW(bo.tell(std::vector<double>{11.0, 2.0}, 1.0), std::invalid_argument);
  EXPECT_THROW(bo.tell(std::vector<double>{1.0, -0.1}, 1.0), std::invalid_argument);
  EXPECT_EQ(bo.observations(), 0u);
  bo.tell(std::vector<double>{10.0, 0.0}, 1.0);  // bounds are inclusive
  EXPECT_EQ(bo.observations(), 1u);
}

}  // namespace
}  // namespace edgeloop::bayes
