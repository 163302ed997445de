// The training set of one SISSO run as read from SISSO's train.dat: one target property and the
// primary features of every sample, checked for shape and values.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::sisso {

struct TrainingData {
  std::string sample_column;               // first header field ("materials")
  std::string property_name;               // second header field, the target
  std::vector<std::string> feature_names;  // primary features, in file order
  std::vector<std::string> sample_names;   // first field of every row
  std::vector<double> property;            // target value of every sample
  std::vector<double> features;            // feature-major: features[f * samples() + s]

  std::size_t samples() const { return sample_names.size(); }
  std::size_t primary_features() const { return feature_names.size(); }
  std::span<const double> feature(std::size_t f) const {
    return {features.data() + f * samples(), samples()};
  }
};

// Parses train.dat text: a header "sample property feature1 feature2 ..." and one row per
// sample, fields separated by blanks, tabs or commas (as SISSO accepts). Throws InputError
// naming `source` and the line for ragged rows, non-numeric or non-finite values, fewer than two
// samples, duplicate or unusable feature names.
TrainingData parse_training_data(std::istream& in, std::string_view source);
TrainingData read_training_data(const std::filesystem::path& path);

}  // namespace edgeloop::sisso
