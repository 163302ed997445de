// A SAXS run driven by Bayesian optimisation: each evaluation moves the sample stage (and the
// temperature cell) to the optimiser's next point and acquires frames there; the objective
// is read from the live pipeline's per-frame products and told back to the optimiser, which
// proposes the next point. Every choice is handed out with its decision record.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "edgeloop/controllers/bayes/bayesian_optimizer.hpp"
#include "edgeloop/controllers/bayes/observation_objective.hpp"
#include "edgeloop/controllers/run_plan.hpp"

namespace edgeloop::bayes {

struct BayesianPlanOptions {
  // Axis names in order (stage_x, stage_y and optionally temperature) and their bounds.
  std::vector<std::string> axes;
  std::vector<Interval> bounds;
  std::uint32_t budget = 12;  // evaluations, refused ones included
  std::uint32_t batch = 1;    // points proposed at once (kriging believer)
  Acquisition acquisition = Acquisition::log_ei;
  std::uint64_t seed = 1;
  std::uint32_t initial_points = 0;  // Sobol design; 0: the optimiser's default
  std::uint32_t frames_per_point = 1;
  ObservationObjective objective;

  // The start_run fields (or the plan's own to_json(), for a replay):
  // {"budget": 12, "batch": 1, "acquisition": "log_ei"|"ucb"|"log_pi", "seed": 1,
  //  "initial_points": 5, "frames_per_point": 1,
  //  "bounds": {"stage_x": [lo, hi], "stage_y": [lo, hi], "temperature": [lo, hi]},
  //  "objective": {...}}; "plan" and "kind" are ignored. Throws std::invalid_argument.
  static BayesianPlanOptions parse(const nlohmann::json& spec);
  nlohmann::json to_json() const;
};

class BayesianAcquisitionPlan final : public RunPlan {
 public:
  explicit BayesianAcquisitionPlan(BayesianPlanOptions options);

  std::optional<PlanStep> next(const PlanProgress& progress) override;
  bool done() const override;
  std::uint64_t max_frames() const override;
  std::vector<double> point_coordinates(std::int64_t scan_index) const override;
  nlohmann::json to_json() const override;
  void observe(const PlanObservation& observation) override;
  std::vector<std::string> observed_products() const override;
  void refused(const PlanRefusal& refusal) override;

  // Best objective so far (higher is better) and where; nullopt before the first.
  std::optional<std::pair<std::vector<double>, double>> best() const { return optimizer_.best(); }

 private:
  enum class Status { Measuring, Done, Failed };
  struct Evaluation {
    std::vector<double> x;
    Status status = Status::Measuring;
    std::uint32_t frames_seen = 0;
    std::uint32_t values = 0;
    double sum = 0.0;
  };

  void propose();
  void finish(std::size_t index, bool failed);
  nlohmann::json decision(const Proposal& proposal, std::size_t evaluation,
                          std::size_t in_batch) const;

  BayesianPlanOptions options_;
  BayesianOptimizer optimizer_;
  std::vector<Evaluation> evaluations_;
  std::deque<PlanStep> queue_;
  std::size_t awaiting_ = 0;                   // evaluations still measuring
  std::vector<std::string> new_observations_;  // hashes told since the last batch, in order
  std::string inputs_digest_;                  // SHA-256 chain over every observation told
  std::size_t batches_ = 0;
};

}  // namespace edgeloop::bayes
