#include "edgeloop/sisso/report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace edgeloop::sisso {
namespace {

const std::string kRule(80, '=');
const std::string kThinRule(80, '-');

std::string ops_text(const Settings& s) {
  std::vector<std::string> sets;
  for (const auto& set : s.ops) sets.push_back(set.to_string());
  return fmt::format("{}", fmt::join(sets, ", "));
}

std::string nf_sis_text(const Settings& s) {
  return fmt::format("{}", fmt::join(s.nf_sis, ","));
}

double population_sd(const std::vector<double>& y) {
  const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  double ss = 0.0;
  for (const double v : y) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(y.size()));
}

std::string units_text(const Settings& s) {
  std::string out;
  if (!s.funit.empty()) out += "funit " + s.funit;
  if (!s.units.empty()) {
    if (!out.empty()) out += "; ";
    std::vector<std::string> parts;
    for (const auto& [name, unit] : s.units) parts.push_back(name + ":" + unit);
    out += fmt::format("{}", fmt::join(parts, ", "));
  }
  return out.empty() ? "none (all features dimensionless)" : out;
}

}  // namespace

void write_report(std::ostream& out, const TrainingData& data, const Settings& settings,
                  const SissoResult& result, const RunInfo& info) {
  out << kRule << "\n";
  out << fmt::format("edgeloop-sisso {} ({}): SISSO on Kokkos ({}), 1 rank\n", info.version,
                     info.git, result.execution_space);
  out << kRule << "\n\n";
  out << fmt::format("Training data: {}\n", info.train_path);
  out << fmt::format("  {} samples, {} primary features, property {} (population SD {:.8f})\n",
                     data.samples(), data.primary_features(), data.property_name,
                     population_sd(data.property));
  if (!info.settings_path.empty()) out << fmt::format("Settings file: {}\n", info.settings_path);
  out << fmt::format("  ops            {}\n", ops_text(settings));
  out << fmt::format("  fcomplexity    {} (rung {})\n", settings.fcomplexity, settings.rung());
  out << fmt::format("  nf_sis         {}\n", nf_sis_text(settings));
  out << fmt::format("  desc_dim       {}\n", settings.desc_dim);
  out << fmt::format("  fmax_min/max   {:g} / {:g}\n", settings.fmax_min, settings.fmax_max);
  out << fmt::format("  units          {}{}\n", units_text(settings),
                     settings.has_units() && settings.dimensionless_transcendentals
                         ? " (transcendental operators on dimensionless features only)"
                         : "");
  out << fmt::format("  fit_intercept  {}\n", settings.fit_intercept ? "true" : "false");
  out << "  method_so      L0, metric RMSE\n\n";

  out << "Feature space\n";
  for (std::size_t r = 0; r < result.rung_sizes.size(); ++r) {
    out << fmt::format("  Phi{}: {} features{}\n", r, result.rung_sizes[r],
                       r == 0 ? " (primary)" : "");
  }
  out << fmt::format("  Total number of features in the space Phi{}: {}\n\n",
                     result.rung_sizes.empty() ? 0 : result.rung_sizes.size() - 1,
                     result.feature_space_size);

  for (std::size_t d = 0; d < result.models.size(); ++d) {
    const SissoModel& m = result.models[d];
    const auto& sub = result.subspaces[d];
    out << fmt::format("{}D descriptor/model (y = sum(ci*di) + c0)\n", m.dimension);
    out << kThinRule << "\n";
    if (!sub.empty()) {
      out << fmt::format("  SIS subspace: {} features, SIS score {:.4f} .. {:.4f}\n", sub.size(),
                         sub.front().score, sub.back().score);
    } else {
      out << "  SIS subspace: none (the whole feature space was already selected)\n";
    }
    out << fmt::format(
        "  L0: {} combinations of {} features\n", m.combinations,
        std::accumulate(
            result.subspaces.begin(), result.subspaces.begin() + static_cast<std::ptrdiff_t>(d) + 1,
            std::size_t{0}, [](std::size_t acc, const auto& s) { return acc + s.size(); }));
    for (std::size_t i = 0; i < m.descriptors.size(); ++i) {
      out << fmt::format("     d{:03} = {}\n", i + 1, m.descriptors[i].expression);
    }
    out << "\n";
    std::string coeffs;
    for (const double c : m.coefficients) coeffs += fmt::format("{:20.10e}", c);
    out << fmt::format("        coeff.(ci): {}\n", coeffs);
    out << fmt::format("                c0: {:20.10e}\n", m.intercept);
    out << fmt::format("    RMSE and MaxAE: {:20.10e}{:20.10e}\n", m.rmse, m.max_abs_error);
    out << kThinRule << "\n\n";
  }

  const SissoTimings& t = result.timings;
  out << "Time (s)\n";
  out << fmt::format("  feature space (stored rungs)  {:10.3f}\n", t.feature_space_s);
  for (std::size_t d = 0; d < t.sis_s.size(); ++d) {
    out << fmt::format("  D={}: SIS {:10.3f}   L0 {:10.3f}\n", d + 1, t.sis_s[d],
                       d < t.l0_s.size() ? t.l0_s[d] : 0.0);
  }
  out << fmt::format("  total                         {:10.3f}\n", t.total_s);
}

nlohmann::ordered_json result_json(const TrainingData& data, const Settings& settings,
                                   const SissoResult& result, const RunInfo& info) {
  using json = nlohmann::ordered_json;
  json j;
  j["program"] = "edgeloop-sisso";
  j["version"] = info.version;
  j["git"] = info.git;
  j["execution_space"] = result.execution_space;
  j["ranks"] = 1;

  json input;
  input["train"] = info.train_path;
  if (!info.settings_path.empty()) input["settings"] = info.settings_path;
  input["samples"] = data.samples();
  input["property"] = data.property_name;
  input["primary_features"] = data.feature_names;
  j["input"] = std::move(input);

  json s;
  json ops = json::array();
  for (const auto& set : settings.ops) ops.push_back(set.to_string());
  s["ops"] = std::move(ops);
  s["fcomplexity"] = settings.fcomplexity;
  s["rung"] = settings.rung();
  s["nf_sis"] = settings.nf_sis;
  s["desc_dim"] = settings.desc_dim;
  s["fmax_min"] = settings.fmax_min;
  s["fmax_max"] = settings.fmax_max;
  s["funit"] = settings.funit;
  json units = json::object();
  for (const auto& [name, unit] : settings.units) units[name] = unit;
  s["units"] = std::move(units);
  s["dimensionless_transcendentals"] = settings.dimensionless_transcendentals;
  s["fit_intercept"] = settings.fit_intercept;
  s["method_so"] = "L0";
  s["metric"] = "RMSE";
  j["settings"] = std::move(s);

  j["feature_space"] = {{"size", result.feature_space_size}, {"per_rung", result.rung_sizes}};

  json subspaces = json::array();
  for (const auto& sub : result.subspaces) {
    json list = json::array();
    for (const auto& f : sub) {
      list.push_back({{"expression", f.expression},
                      {"sisso_name", f.name},
                      {"complexity", f.complexity},
                      {"score", f.score}});
    }
    subspaces.push_back(std::move(list));
  }
  j["subspaces"] = std::move(subspaces);

  json models = json::array();
  for (const auto& m : result.models) {
    json descriptors = json::array();
    for (const auto& d : m.descriptors) {
      descriptors.push_back({{"expression", d.expression}, {"sisso_name", d.name}});
    }
    models.push_back({{"dimension", m.dimension},
                      {"descriptors", std::move(descriptors)},
                      {"coefficients", m.coefficients},
                      {"intercept", m.intercept},
                      {"rmse", m.rmse},
                      {"max_abs_error", m.max_abs_error},
                      {"combinations", m.combinations},
                      {"refitted", m.refitted},
                      {"degenerate", m.degenerate}});
  }
  j["models"] = std::move(models);

  const SissoTimings& t = result.timings;
  j["timings_s"] = {
      {"feature_space", t.feature_space_s}, {"sis", t.sis_s}, {"l0", t.l0_s}, {"total", t.total_s}};
  return j;
}

}  // namespace edgeloop::sisso
