#include "sisso_job.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace edgeloop {

namespace {

using nlohmann::json;

// Round-trips a double exactly, so the job sees the values the daemon computed.
std::string number(double v) {
  return fmt::format("{:.17g}", v);
}

double finite_number(const json& j, const char* key, const std::string& where) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) {
    throw std::runtime_error(where + ": '" + key + "' is missing or not a number");
  }
  const double v = it->get<double>();
  if (!std::isfinite(v)) throw std::runtime_error(where + ": '" + key + "' is not finite");
  return v;
}

}  // namespace

std::string sisso_train_dat(const SampleSnapshot& samples) {
  std::string text = "sample " + samples.target_name;
  for (const auto& name : samples.feature_names) text += " " + name;
  text += "\n";
  const std::size_t width = samples.feature_names.size() + 1;
  for (std::size_t row = 0; row < samples.row_count(); ++row) {
    text += "s" + std::to_string(row);
    for (std::size_t col = 0; col < width; ++col) {
      text += " " + number(samples.values[row * width + col]);
    }
    text += "\n";
  }
  return text;
}

std::string sisso_settings_text(const SissoOptions& options) {
  return fmt::format(
      "! written by edgeloopd for submit_sisso\n"
      "ops = '{}'\nfcomplexity = {}\ndesc_dim = {}\nnf_sis = {}\n",
      options.ops.empty() ? "(+)(-)(*)(/)" : options.ops, options.fcomplexity.value_or(3),
      options.desc_dim.value_or(2), options.nf_sis.value_or(20));
}

jobs::JobSpec sisso_job_spec(const SampleSnapshot& samples, const SissoOptions& options,
                             const jobs::ContentStore& store, const SissoJobConfig& config,
                             const std::string& runner, std::uint32_t time_limit_s) {
  if (samples.row_count() < kMinSissoRows) {
    throw std::invalid_argument(
        "run " + samples.run_id.str() + " has " + std::to_string(samples.row_count()) +
        " sample row(s); SISSO needs at least " + std::to_string(kMinSissoRows));
  }
  jobs::JobSpec spec;
  spec.job_id = Uuid::random();
  spec.run_id = samples.run_id;
  spec.program = config.program.string();
  spec.program_version = "edgeloop-sisso";
  spec.args = {"--train",        "train.dat", "--settings",    "SISSO.in", "--json",
               kSissoJsonOutput, "--report",  "out/SISSO.out", "--quiet"};
  spec.inputs = {store.put_bytes(sisso_train_dat(samples), "train.dat"),
                 store.put_bytes(sisso_settings_text(options), "SISSO.in")};
  spec.cpus = config.cpus;
  spec.time_limit_s = time_limit_s;
  spec.runner = runner;
  return spec;
}

std::vector<SissoModel> read_sisso_models(const std::filesystem::path& json_file) {
  std::ifstream in(json_file);
  if (!in) throw std::runtime_error(json_file.string() + ": cannot be read");
  const json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw std::runtime_error(json_file.string() + ": not a JSON object");
  }
  const auto models = doc.find("models");
  if (models == doc.end() || !models->is_array() || models->empty()) {
    throw std::runtime_error(json_file.string() + ": no 'models'");
  }
  std::string target = "y";
  if (const auto input = doc.find("input"); input != doc.end() && input->is_object()) {
    target = input->value("property", target);
  }
  std::vector<SissoModel> out;
  for (std::size_t i = 0; i < models->size(); ++i) {
    const json& m = (*models)[i];
    const std::string where = json_file.string() + ": models[" + std::to_string(i) + "]";
    if (!m.is_object()) throw std::runtime_error(where + " is not an object");
    SissoModel model;
    model.dimension = static_cast<int>(finite_number(m, "dimension", where));
    model.intercept = finite_number(m, "intercept", where);
    model.rmse = finite_number(m, "rmse", where);
    const auto descriptors = m.find("descriptors");
    const auto coefficients = m.find("coefficients");
    if (descriptors == m.end() || !descriptors->is_array() || coefficients == m.end() ||
        !coefficients->is_array() || descriptors->size() != coefficients->size()) {
      throw std::runtime_error(where + ": 'descriptors' and 'coefficients' do not match");
    }
    for (const json& d : *descriptors) {
      if (!d.is_object() || !d.contains("expression") || !d["expression"].is_string()) {
        throw std::runtime_error(where + ": a descriptor has no 'expression'");
      }
      model.descriptors.push_back(d["expression"].get<std::string>());
    }
    for (const json& c : *coefficients) {
      if (!c.is_number() || !std::isfinite(c.get<double>())) {
        throw std::runtime_error(where + ": a coefficient is not a finite number");
      }
      model.coefficients.push_back(c.get<double>());
    }
    model.formula = sisso_formula(target, model);
    out.push_back(std::move(model));
  }
  return out;
}

std::string sisso_formula(const std::string& target, const SissoModel& model) {
  std::string text = target + " = " + fmt::format("{:.10g}", model.intercept);
  for (std::size_t i = 0; i < model.descriptors.size(); ++i) {
    const double c = model.coefficients[i];
    text += fmt::format(" {} {:.10g}*({})", c < 0 ? '-' : '+', std::abs(c), model.descriptors[i]);
  }
  return text;
}

nlohmann::json to_json(const SissoModel& model) {
  return {{"dimension", model.dimension},
          {"descriptors", model.descriptors},
          {"coefficients", model.coefficients},
          {"intercept", model.intercept},
          {"rmse", model.rmse},
          {"formula", model.formula}};
}

}  // namespace edgeloop
