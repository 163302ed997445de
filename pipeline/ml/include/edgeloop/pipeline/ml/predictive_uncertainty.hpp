// What a classifier's Monte Carlo samples say about one frame: the averaged class
// probabilities, the chosen class and the two uncertainties (total and epistemic).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeloop::ml {

struct PredictiveUncertainty {
  std::vector<double> probabilities;  // mean over the samples, sums to 1
  std::size_t label = 0;              // argmax of probabilities (lowest index on ties)
  // Predictive entropy H[mean p] in nats: all uncertainty, noise in the frame included.
  double entropy = 0.0;
  // Mutual information H[mean p] - mean H[p] (BALD) in nats: the share due to the model not
  // knowing, which grows where the samples disagree (frames unlike the training data).
  double mutual_information = 0.0;
};

// `samples` is row-major [sample_count, classes] of probability vectors (each row sums to 1).
// Throws std::invalid_argument for an empty or misshapen input.
PredictiveUncertainty summarise_samples(std::span<const double> samples, std::size_t classes);

// Expected calibration error over `bins` equal-width confidence bins: the bin-weighted mean of
// |accuracy - mean confidence|, with confidence the top class's probability.
double expected_calibration_error(std::span<const double> confidence,
                                  std::span<const std::uint8_t> correct, std::size_t bins = 15);

}  // namespace edgeloop::ml
