// The results of a run for people (a text report laid out like SISSO.out: feature space, then
// per dimension the descriptors, coefficients and errors) and for programs (JSON).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

#include "edgeloop/sisso/settings.hpp"
#include "edgeloop/sisso/solver.hpp"
#include "edgeloop/sisso/training_data.hpp"

namespace edgeloop::sisso {

struct RunInfo {
  std::string train_path;
  std::string settings_path;  // empty when none was given
  std::string version;        // program version
  std::string git;            // git describe of the build
};

void write_report(std::ostream& out, const TrainingData& data, const Settings& settings,
                  const SissoResult& result, const RunInfo& info);

nlohmann::ordered_json result_json(const TrainingData& data, const Settings& settings,
                                   const SissoResult& result, const RunInfo& info);

}  // namespace edgeloop::sisso
