// The daemon's side of the edgeloop-sisso job program: its inputs (train.dat from a run's
// samples, SISSO.in from the request), its command line, and the models in its JSON output.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "edgeloop/daemon/admin_request.hpp"
#include "edgeloop/daemon/daemon_config.hpp"
#include "edgeloop/jobs/content_store.hpp"
#include "edgeloop/jobs/job_spec.hpp"
#include "sample_table.hpp"

namespace edgeloop {

// Fewer rows than this cannot give a model with a residual (SISSO itself needs two).
inline constexpr std::size_t kMinSissoRows = 3;
// Where the job writes its results; out/ is hashed by the runner when the job ends.
inline constexpr const char* kSissoJsonOutput = "out/sisso.json";

// SISSO's train.dat: a header "sample <target> <features...>", then one row per sample.
std::string sisso_train_dat(const SampleSnapshot& samples);
// SISSO.in with every setting written out (the request's, else edgeloop-sisso's defaults), so
// the staged file, and the job's provenance through its hash, say what was run.
std::string sisso_settings_text(const SissoOptions& options);

// Stages train.dat and SISSO.in in the store and returns the spec of a job on `runner`;
// std::invalid_argument when the samples have fewer than kMinSissoRows rows.
jobs::JobSpec sisso_job_spec(const SampleSnapshot& samples, const SissoOptions& options,
                             const jobs::ContentStore& store, const SissoJobConfig& config,
                             const std::string& runner, std::uint32_t time_limit_s);

// The best model of one dimension, as edgeloop-sisso reports it.
struct SissoModel {
  int dimension = 0;
  std::vector<std::string> descriptors{};
  std::vector<double> coefficients{};
  double intercept = 0.0;
  double rmse = 0.0;
  std::string formula{};  // "<target> = c0 + c1*(d1) + ...", for people
};

// Reads the "models" of edgeloop-sisso's JSON; std::runtime_error naming the file and field
// when it is missing or malformed.
std::vector<SissoModel> read_sisso_models(const std::filesystem::path& json_file);
std::string sisso_formula(const std::string& target, const SissoModel& model);
nlohmann::json to_json(const SissoModel& model);

}  // namespace edgeloop
