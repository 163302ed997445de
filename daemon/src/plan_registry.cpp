#include "plan_registry.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "edgeloop/controllers/bayes/bayesian_acquisition_plan.hpp"
#include "edgeloop/controllers/scan/scan_plan.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/pipeline/ml/model_file.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

void only_fields(const json& spec, std::initializer_list<std::string_view> known,
                 const std::string& plan) {
  for (const auto& [key, value] : spec.items()) {
    if (key == "plan" || key == "kind") continue;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw std::invalid_argument("plan '" + plan + "': unknown field '" + key + "'");
    }
  }
}

std::uint64_t integer(const json& spec, const char* key, std::uint64_t min, std::uint64_t max,
                      std::optional<std::uint64_t> fallback = std::nullopt) {
  const auto it = spec.find(key);
  if (it == spec.end()) {
    if (fallback) return *fallback;
    throw std::invalid_argument(std::string("missing '") + key + "'");
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::uint64_t>() < min ||
      it->get<std::uint64_t>() > max) {
    throw std::invalid_argument(std::string("'") + key + "' must be an integer " +
                                std::to_string(min) + ".." + std::to_string(max));
  }
  return it->get<std::uint64_t>();
}

double number(const json& spec, const char* key, double fallback, double min, double max) {
  const auto it = spec.find(key);
  if (it == spec.end()) return fallback;
  if (!it->is_number() || !(it->get<double>() >= min && it->get<double>() <= max)) {
    throw std::invalid_argument(std::string("'") + key + "' must be a number in " +
                                std::to_string(min) + ".." + std::to_string(max));
  }
  return it->get<double>();
}

BuiltPlan raster(const PlanRequest& r) {
  only_fields(r.spec, {"nx", "ny"}, "raster");
  const auto nx = static_cast<std::uint32_t>(integer(r.spec, "nx", 1, 4096));
  const auto ny = static_cast<std::uint32_t>(integer(r.spec, "ny", 1, 4096));
  return {make_raster_plan(nx, ny), nx, ny};
}

BuiltPlan acquisitions(const PlanRequest& r) {
  only_fields(r.spec, {"points", "frames_per_point"}, "acquisitions");
  const auto points = r.spec.find("points");
  if (points == r.spec.end() || !points->is_array() || points->empty() || points->size() > 10000) {
    throw std::invalid_argument("'points' must be 1..10000 of [x_mm, y_mm(, T_c)]");
  }
  std::vector<std::vector<double>> out;
  for (const json& p : *points) {
    std::vector<double> point;
    if (p.is_array()) {
      for (const json& v : p) {
        if (!v.is_number() || !std::isfinite(v.get<double>())) break;
        point.push_back(v.get<double>());
      }
    }
    if (!p.is_array() || point.size() != p.size()) {
      throw std::invalid_argument("each point is [x_mm, y_mm] or [x_mm, y_mm, T_c]");
    }
    out.push_back(std::move(point));
  }
  const auto frames = static_cast<std::uint32_t>(integer(r.spec, "frames_per_point", 1, 1000, 1));
  return {make_acquisition_plan(std::move(out), frames)};
}

BuiltPlan stream(const PlanRequest& r) {
  only_fields(r.spec, {"chunks", "pulse_rate_hz", "detection_rate"}, "stream");
  return {make_stream_plan(integer(r.spec, "chunks", 1, 10000000),
                           number(r.spec, "pulse_rate_hz", 200000.0, 1.0, 1e7),
                           number(r.spec, "detection_rate", 0.005, 1e-6, 1.0))};
}

BuiltPlan bayesian(const PlanRequest& r) {
  bayes::BayesianPlanOptions options = bayes::BayesianPlanOptions::parse(r.spec);
  if (r.envelope != nullptr) {
    // Every point the optimiser may propose must lie inside the envelope's ranges, so a
    // refusal means a step, rate, interlock or dose limit, never a badly chosen bound.
    for (std::size_t i = 0; i < options.axes.size(); ++i) {
      const ActuatorLimits* l = r.envelope->limits(options.axes[i]);
      if (l == nullptr) {
        throw std::invalid_argument("bounds: the instrument's envelope does not allow '" +
                                    options.axes[i] + "' to move");
      }
      if (options.bounds[i].lower < l->min.front() || options.bounds[i].upper > l->max.front()) {
        throw std::invalid_argument(
            "bounds: " + options.axes[i] + " [" + std::to_string(options.bounds[i].lower) + ", " +
            std::to_string(options.bounds[i].upper) + "] reaches outside the envelope [" +
            std::to_string(l->min.front()) + ", " + std::to_string(l->max.front()) + "]");
      }
    }
    const std::vector<double> acquire{static_cast<double>(options.frames_per_point)};
    if (const EnvelopeDecision d = r.envelope->check_range("acquire", acquire); !d.allowed) {
      throw std::invalid_argument("frames_per_point: the envelope refuses acquire " +
                                  std::to_string(options.frames_per_point) + " (" + d.detail + ")");
    }
  }
  return {std::make_unique<bayes::BayesianAcquisitionPlan>(std::move(options))};
}

// An adaptive 4D-STEM scan: `strategy` picks each probe position from the frames measured so
// far. A replay passes the plan's own to_json() (kind "adaptive_scan"), whose extra fields are
// the plan's tallies and are not options.
BuiltPlan adaptive_scan(const std::string& strategy, const PlanRequest& r) {
  const bool replay = r.spec.value("kind", std::string{}) == "adaptive_scan";
  if (!replay) {
    only_fields(r.spec,
                {"nx", "ny", "fraction", "seed", "policy", "product", "temperature",
                 "gradient_weight", "max_pending"},
                strategy);
  }
  ScanPlanOptions o;
  o.nx = static_cast<std::uint32_t>(integer(r.spec, "nx", 2, 4096));
  o.ny = static_cast<std::uint32_t>(integer(r.spec, "ny", 2, 4096));
  o.fraction = number(r.spec, "fraction", 0.2, 1e-6, 1.0);
  o.seed = integer(r.spec, "seed", 0, std::numeric_limits<std::int64_t>::max(), 0);
  o.temperature = number(r.spec, "temperature", 0.0, 0.0, 100.0);
  o.gradient_weight = number(r.spec, "gradient_weight", 1.0, 0.0, 1e6);
  o.max_pending = integer(r.spec, "max_pending", 1, 1024, 1);
  if (const auto it = r.spec.find("product"); it != r.spec.end()) {
    if (!it->is_string()) throw std::invalid_argument("'product' must be a product name");
    o.product = it->get<std::string>();
  }
  if (const auto it = r.spec.find("policy"); it != r.spec.end()) {
    if (!it->is_string()) throw std::invalid_argument("'policy' must be a model file path");
    o.policy = it->get<std::string>();
  }
  // Every decision runs on the I/O thread, over the whole grid (and a GP over every
  // measurement so far): bound the work so one request cannot stall the daemon.
  constexpr std::uint64_t kMaxPositions = 65536;
  constexpr double kMaxGpMeasurements = 1024;
  if (std::uint64_t{o.nx} * o.ny > kMaxPositions) {
    throw std::invalid_argument("nx * ny must be at most " + std::to_string(kMaxPositions));
  }
  if (strategy == "gp_uncertainty" && o.fraction * o.nx * o.ny > kMaxGpMeasurements) {
    throw std::invalid_argument(
        "gp_uncertainty measures at most 1024 positions (fraction * nx * ny)");
  }
  try {
    return {make_scan_strategy_plan(strategy, o), o.nx, o.ny};
  } catch (const ml::ModelFileError& e) {
    throw std::invalid_argument(e.what());
  }
}

}  // namespace

void PlanRegistry::add(wire::Modality modality, std::string name, PlanFactory factory) {
  factories_[{modality, std::move(name)}] = std::move(factory);
}

BuiltPlan PlanRegistry::make(const std::string& name, const PlanRequest& request) const {
  const auto it = factories_.find({request.modality, name});
  if (it == factories_.end()) {
    std::string known;
    for (const std::string& n : names(request.modality)) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown plan '" + name + "' for " +
                                std::string(modality_name(request.modality)) + " (known: " + known +
                                ")");
  }
  if (!request.spec.is_object()) throw std::invalid_argument("the plan's fields must be an object");
  try {
    BuiltPlan built = it->second(request);
    if (!built.plan) throw std::invalid_argument("the factory built nothing");
    return built;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("plan '" + name + "': " + e.what());
  }
}

std::vector<std::string> PlanRegistry::names(wire::Modality modality) const {
  std::vector<std::string> out;
  for (const auto& [key, factory] : factories_) {
    if (key.first == modality) out.push_back(key.second);
  }
  return out;
}

PlanRegistry builtin_plan_registry() {
  PlanRegistry r;
  r.add(wire::Modality::Stem4D, "raster", raster);
  for (const std::string strategy : {"learned", "random", "gp_uncertainty", "raster_subsampled"}) {
    r.add(wire::Modality::Stem4D, strategy,
          [strategy](const PlanRequest& q) { return adaptive_scan(strategy, q); });
  }
  // A replay names the plan by its to_json() kind and the strategy inside it.
  r.add(wire::Modality::Stem4D, "adaptive_scan", [](const PlanRequest& q) {
    const auto it = q.spec.find("strategy");
    if (it == q.spec.end() || !it->is_string()) {
      throw std::invalid_argument("missing 'strategy'");
    }
    return adaptive_scan(it->get<std::string>(), q);
  });
  r.add(wire::Modality::Saxs, "acquisitions", acquisitions);
  r.add(wire::Modality::Saxs, "bayes", bayesian);
  r.add(wire::Modality::Apt, "stream", stream);
  return r;
}

std::string default_plan_name(wire::Modality modality) {
  switch (modality) {
    case wire::Modality::Saxs:
      return "acquisitions";
    case wire::Modality::Apt:
      return "stream";
    default:
      return "raster";
  }
}

}  // namespace edgeloop
