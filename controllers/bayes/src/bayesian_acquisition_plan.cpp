#include "edgeloop/controllers/bayes/bayesian_acquisition_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "edgeloop/controllers/plan_record.hpp"
#include "edgeloop/core/sha256.hpp"

namespace edgeloop::bayes {

namespace {

using nlohmann::json;

// The optimiser runs on the daemon's I/O thread and its fit grows as the cube of the
// observations: a few milliseconds at tens of points, too long for that thread beyond a few
// hundred.
constexpr std::uint32_t kMaxBudget = 256;
constexpr std::uint32_t kMaxBatch = 64;
constexpr std::uint32_t kMaxFramesPerPoint = 1000;
// The actuators a SAXS evaluation may move, in the order they are moved.
constexpr std::array<const char*, 3> kAxes = {"stage_x", "stage_y", "temperature"};

std::uint32_t bounded_int(const json& spec, const char* key, std::uint32_t fallback,
                          std::uint32_t min, std::uint32_t max) {
  const auto it = spec.find(key);
  if (it == spec.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max) {
    throw std::invalid_argument(std::string("bayes plan: '") + key + "' must be an integer " +
                                std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<std::uint32_t>(it->get<std::int64_t>());
}

const char* acquisition_name(Acquisition a) {
  switch (a) {
    case Acquisition::ucb:
      return "ucb";
    case Acquisition::log_pi:
      return "log_pi";
    default:
      return "log_ei";
  }
}

json number_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

}  // namespace

BayesianPlanOptions BayesianPlanOptions::parse(const json& spec) {
  if (!spec.is_object()) throw std::invalid_argument("bayes plan: the spec must be an object");
  for (const auto& [key, value] : spec.items()) {
    static constexpr std::array<const char*, 11> kKnown = {
        "plan",   "kind",           "budget",           "batch",     "acquisition", "seed",
        "bounds", "initial_points", "frames_per_point", "objective", "modality"};
    if (std::none_of(kKnown.begin(), kKnown.end(), [&](const char* k) { return key == k; })) {
      throw std::invalid_argument("bayes plan: unknown field '" + key +
                                  "' (known: budget, batch, acquisition, seed, bounds, "
                                  "initial_points, frames_per_point, objective)");
    }
  }
  BayesianPlanOptions o;
  o.budget = bounded_int(spec, "budget", 12, 1, kMaxBudget);
  o.batch = bounded_int(spec, "batch", 1, 1, kMaxBatch);
  o.initial_points = bounded_int(spec, "initial_points", 0, 0, kMaxBudget);
  if (o.initial_points > o.budget) {
    throw std::invalid_argument("bayes plan: 'initial_points' must not exceed 'budget'");
  }
  o.frames_per_point = bounded_int(spec, "frames_per_point", 1, 1, kMaxFramesPerPoint);
  if (const auto seed = spec.find("seed"); seed != spec.end()) {
    if (!seed->is_number_integer() || seed->get<std::int64_t>() < 0) {
      throw std::invalid_argument("bayes plan: 'seed' must be a non-negative integer");
    }
    o.seed = seed->get<std::uint64_t>();
  }
  if (const auto a = spec.find("acquisition"); a != spec.end()) {
    if (*a == "log_ei") {
      o.acquisition = Acquisition::log_ei;
    } else if (*a == "ucb") {
      o.acquisition = Acquisition::ucb;
    } else if (*a == "log_pi") {
      o.acquisition = Acquisition::log_pi;
    } else {
      throw std::invalid_argument("bayes plan: 'acquisition' must be log_ei, ucb or log_pi");
    }
  }
  const auto bounds = spec.find("bounds");
  if (bounds == spec.end() || !bounds->is_object()) {
    throw std::invalid_argument(
        "bayes plan: needs 'bounds': {\"stage_x\": [lo, hi], \"stage_y\": [lo, hi]"
        "(, \"temperature\": [lo, hi])}");
  }
  for (const auto& [key, value] : bounds->items()) {
    if (std::none_of(kAxes.begin(), kAxes.end(), [&](const char* k) { return key == k; })) {
      throw std::invalid_argument(
          "bayes plan: 'bounds' may name stage_x, stage_y and "
          "temperature, not '" +
          key + "'");
    }
  }
  for (const char* axis : kAxes) {
    const auto b = bounds->find(axis);
    if (b == bounds->end()) {
      if (std::string(axis) == "temperature") continue;
      throw std::invalid_argument(std::string("bayes plan: 'bounds' needs '") + axis + "'");
    }
    if (!b->is_array() || b->size() != 2 || !(*b)[0].is_number() || !(*b)[1].is_number() ||
        !std::isfinite((*b)[0].get<double>()) || !std::isfinite((*b)[1].get<double>()) ||
        !((*b)[0].get<double>() < (*b)[1].get<double>())) {
      throw std::invalid_argument(std::string("bayes plan: bounds '") + axis +
                                  "' must be [lo, hi] with finite lo < hi");
    }
    o.axes.emplace_back(axis);
    o.bounds.push_back({(*b)[0].get<double>(), (*b)[1].get<double>()});
  }
  const auto objective = spec.find("objective");
  if (objective == spec.end()) {
    throw std::invalid_argument(
        "bayes plan: needs 'objective', e.g. {\"product\": \"iq\", \"at\": 0.22}");
  }
  o.objective = ObservationObjective::parse(*objective);
  return o;
}

json BayesianPlanOptions::to_json() const {
  json b = json::object();
  for (std::size_t i = 0; i < axes.size(); ++i) b[axes[i]] = {bounds[i].lower, bounds[i].upper};
  return {{"kind", "bayes"},
          {"budget", budget},
          {"batch", batch},
          {"acquisition", acquisition_name(acquisition)},
          {"seed", seed},
          {"initial_points", initial_points},
          {"frames_per_point", frames_per_point},
          {"bounds", b},
          {"objective", objective.to_json()}};
}

namespace {
BoOptions optimizer_options(const BayesianPlanOptions& o) {
  BoOptions bo;
  bo.acquisition = o.acquisition;
  bo.batch = o.batch;
  bo.seed = o.seed;
  bo.initial_points = o.initial_points;
  bo.minimize = false;  // the objective is "higher is better" whatever its goal
  return bo;
}
}  // namespace

BayesianAcquisitionPlan::BayesianAcquisitionPlan(BayesianPlanOptions options)
    : options_(std::move(options)), optimizer_(options_.bounds, optimizer_options(options_)) {
  if (options_.axes.size() != options_.bounds.size() || options_.axes.size() < 2) {
    throw std::invalid_argument("bayes plan: needs bounds for stage_x and stage_y");
  }
}

std::optional<PlanStep> BayesianAcquisitionPlan::next(const PlanProgress& /*progress*/) {
  // Synchronous batches: the next batch is proposed only once every evaluation of this one is
  // measured or has failed, so the decisions depend on the observations alone, never on
  // timing (which is what makes a replay exact).
  if (queue_.empty() && awaiting_ == 0 && evaluations_.size() < options_.budget) propose();
  if (queue_.empty()) return std::nullopt;
  PlanStep step = std::move(queue_.front());
  queue_.pop_front();
  return step;
}

bool BayesianAcquisitionPlan::done() const {
  return queue_.empty() && (evaluations_.size() >= options_.budget);
}

std::uint64_t BayesianAcquisitionPlan::max_frames() const {
  return static_cast<std::uint64_t>(options_.budget) * options_.frames_per_point;
}

std::vector<double> BayesianAcquisitionPlan::point_coordinates(std::int64_t scan_index) const {
  if (scan_index < 0 || static_cast<std::size_t>(scan_index) >= evaluations_.size()) return {};
  return evaluations_[static_cast<std::size_t>(scan_index)].x;
}

json BayesianAcquisitionPlan::to_json() const {
  return options_.to_json();
}

std::vector<std::string> BayesianAcquisitionPlan::observed_products() const {
  return {options_.objective.product()};
}

void BayesianAcquisitionPlan::propose() {
  const std::size_t q =
      std::min<std::size_t>(options_.batch, options_.budget - evaluations_.size());
  const std::vector<Proposal> proposals = optimizer_.ask(q);
  for (std::size_t k = 0; k < proposals.size(); ++k) {
    Proposal p = proposals[k];
    // The unit cube's edge maps back onto the bound up to rounding: clamp, so the target
    // is inside the bounds (and the envelope they were checked against) bit for bit.
    for (std::size_t a = 0; a < p.x.size(); ++a) {
      p.x[a] = std::clamp(p.x[a], options_.bounds[a].lower, options_.bounds[a].upper);
    }
    const std::size_t index = evaluations_.size();
    evaluations_.push_back({.x = p.x});
    ++awaiting_;
    const auto scan_index = static_cast<std::int64_t>(index);
    const std::string cause = "bayes evaluation=" + std::to_string(index);
    for (std::size_t a = 0; a < options_.axes.size(); ++a) {
      PlanStep move{.actuator = options_.axes[a],
                    .target = {p.x[a]},
                    .cause = cause,
                    .scan_index = scan_index};
      // The decision travels with the evaluation's first command; the run links the others
      // to it through the scan index.
      if (a == 0) move.decision = decision(p, index, k);
      queue_.push_back(std::move(move));
    }
    queue_.push_back({.actuator = "acquire",
                      .target = {static_cast<double>(options_.frames_per_point)},
                      .cause = cause,
                      .scan_index = scan_index,
                      .frames = options_.frames_per_point});
  }
  new_observations_.clear();
  ++batches_;
}

json BayesianAcquisitionPlan::decision(const Proposal& p, std::size_t evaluation,
                                       std::size_t in_batch) const {
  json point = json::object();
  for (std::size_t a = 0; a < options_.axes.size(); ++a) point[options_.axes[a]] = p.x[a];
  json hyper = nullptr;
  const GpHyperparameters& h = optimizer_.model().hyperparameters();
  if (p.reason != "initial design" &&
      static_cast<std::size_t>(h.log_length_scales.size()) == options_.axes.size()) {
    json lengths = json::array();
    for (Eigen::Index i = 0; i < h.log_length_scales.size(); ++i) {
      lengths.push_back(std::exp(h.log_length_scales[i]));
    }
    // Length scales are in the unit cube the model works in (a fraction of each bound's range).
    hyper = {{"signal_variance", std::exp(h.log_signal_variance)},
             {"length_scales_unit", lengths},
             {"noise_variance", std::exp(h.log_noise_variance)}};
  }
  json alternatives = json::array();
  for (const Alternative& alt : p.alternatives) {
    alternatives.push_back(
        {{"x", alt.x}, {"acquisition_value", number_or_null(alt.acquisition_value)}});
  }
  json best = nullptr;
  if (const auto b = optimizer_.best()) best = {{"x", b->first}, {"objective", b->second}};
  return {{"controller", "bayes"},
          {"evaluation", evaluation},
          {"batch", batches_},
          {"in_batch", in_batch},
          {"point", point},
          {"x", p.x},
          {"reason", p.reason},
          {"fallback", p.fallback},
          {"acquisition", acquisition_name(options_.acquisition)},
          {"acquisition_value", number_or_null(p.acquisition_value)},
          {"model_state_hash", p.model_state_hash},
          {"seed", options_.seed},
          {"hyperparameters", hyper},
          {"observations_told", optimizer_.observations()},
          // The observations told since the last batch (those this decision is the first to
          // use), and a digest chaining every one told so far: the record stays small however
          // long the run, yet names exactly the data the model saw.
          {"inputs", new_observations_},
          {"inputs_digest", inputs_digest_},
          {"best_so_far", best},
          {"alternatives", alternatives}};
}

void BayesianAcquisitionPlan::observe(const PlanObservation& o) {
  if (o.scan_index < 0 || static_cast<std::size_t>(o.scan_index) >= evaluations_.size()) return;
  const auto index = static_cast<std::size_t>(o.scan_index);
  Evaluation& e = evaluations_[index];
  if (e.status != Status::Measuring) return;
  ++e.frames_seen;
  if (const auto value = options_.objective.evaluate(o)) {
    e.sum += *value;
    ++e.values;
  }
  const std::string hash = observation_hash(o);
  new_observations_.push_back(hash);
  inputs_digest_ = to_hex(Sha256().update(inputs_digest_).update(hash).finish());
  if (e.frames_seen >= options_.frames_per_point) finish(index, e.values == 0);
}

void BayesianAcquisitionPlan::refused(const PlanRefusal& r) {
  if (r.scan_index < 0 || static_cast<std::size_t>(r.scan_index) >= evaluations_.size()) return;
  const auto index = static_cast<std::size_t>(r.scan_index);
  if (evaluations_[index].status != Status::Measuring) return;
  // The point cannot be measured: its remaining steps are dropped (moving there, or
  // acquiring somewhere else, would be wrong).
  std::erase_if(queue_, [&](const PlanStep& s) { return s.scan_index == r.scan_index; });
  finish(index, true);
}

void BayesianAcquisitionPlan::finish(std::size_t index, bool failed) {
  Evaluation& e = evaluations_[index];
  e.status = failed ? Status::Failed : Status::Done;
  --awaiting_;
  if (!failed) {
    optimizer_.tell(e.x, e.sum / e.values);
    return;
  }
  // A point that could not be measured is told as the worst value seen so far (a "constant
  // liar"): the model learns to avoid it, and asking again does not propose it again. Before
  // any value exists the Sobol design simply moves on.
  double worst = std::numeric_limits<double>::infinity();
  for (const Evaluation& other : evaluations_) {
    if (other.status == Status::Done && other.values > 0) {
      worst = std::min(worst, other.sum / other.values);
    }
  }
  if (std::isfinite(worst)) optimizer_.tell(e.x, worst);
}

}  // namespace edgeloop::bayes
