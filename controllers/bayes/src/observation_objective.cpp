#include "edgeloop/controllers/bayes/observation_objective.hpp"

#include <cmath>
#include <stdexcept>

namespace edgeloop::bayes {

namespace {
using nlohmann::json;

double finite_number(const json& spec, const char* key) {
  const json& v = spec.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>())) {
    throw std::invalid_argument(std::string("objective: '") + key + "' must be a finite number");
  }
  return v.get<double>();
}
}  // namespace

ObservationObjective ObservationObjective::parse(const json& spec) {
  if (!spec.is_object()) {
    throw std::invalid_argument(
        "objective must be an object like {\"product\": \"iq\", \"at\": 0.22}");
  }
  for (const auto& [key, value] : spec.items()) {
    if (key != "product" && key != "at" && key != "index" && key != "goal" && key != "target") {
      throw std::invalid_argument("objective: unknown field '" + key +
                                  "' (known: product, at, index, goal, target)");
    }
  }
  ObservationObjective o;
  const auto product = spec.find("product");
  if (product == spec.end() || !product->is_string() || product->get<std::string>().empty() ||
      product->get<std::string>().size() > 128) {
    throw std::invalid_argument("objective: 'product' must name a per-frame product, e.g. \"iq\"");
  }
  o.product_ = product->get<std::string>();
  if (spec.contains("at") && spec.contains("index")) {
    throw std::invalid_argument("objective: give 'at' (an axis coordinate) or 'index', not both");
  }
  if (spec.contains("at")) o.at_ = finite_number(spec, "at");
  if (const auto index = spec.find("index"); index != spec.end()) {
    if (!index->is_number_integer() || index->get<std::int64_t>() < 0 ||
        index->get<std::int64_t>() > 1000000) {
      throw std::invalid_argument("objective: 'index' must be an integer 0..1000000");
    }
    o.index_ = index->get<std::size_t>();
  }
  if (spec.contains("goal") && spec.contains("target")) {
    throw std::invalid_argument("objective: give 'goal' or 'target', not both");
  }
  if (const auto goal = spec.find("goal"); goal != spec.end()) {
    if (!goal->is_string() || (*goal != "maximize" && *goal != "minimize")) {
      throw std::invalid_argument("objective: 'goal' must be \"maximize\" or \"minimize\"");
    }
    o.goal_ = goal->get<std::string>();
  }
  if (spec.contains("target")) {
    o.target_ = finite_number(spec, "target");
    o.goal_ = "target";
  }
  return o;
}

std::optional<double> ObservationObjective::evaluate(const PlanObservation& observation) const {
  const auto found = observation.products.find(product_);
  if (found == observation.products.end()) return std::nullopt;
  const std::vector<double>& values = found->second;
  double value = std::nan("");
  if (at_) {
    const auto axis = observation.axes.find(product_);
    if (axis == observation.axes.end() || axis->second.size() != values.size()) return std::nullopt;
    const std::vector<double>& a = axis->second;
    for (std::size_t i = 0; i + 1 < a.size(); ++i) {
      if (a[i] <= *at_ && *at_ <= a[i + 1] && a[i + 1] > a[i]) {
        const double t = (*at_ - a[i]) / (a[i + 1] - a[i]);
        value = values[i] + t * (values[i + 1] - values[i]);
        break;
      }
    }
  } else if (index_ < values.size()) {
    value = values[index_];
  }
  if (!std::isfinite(value)) return std::nullopt;
  if (target_) return -std::abs(value - *target_);
  return goal_ == "minimize" ? -value : value;
}

json ObservationObjective::to_json() const {
  json out = {{"product", product_}};
  if (at_) {
    out["at"] = *at_;
  } else {
    out["index"] = index_;
  }
  if (target_) {
    out["target"] = *target_;
  } else {
    out["goal"] = goal_;
  }
  return out;
}

}  // namespace edgeloop::bayes
