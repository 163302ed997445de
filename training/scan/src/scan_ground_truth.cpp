#include "edgeloop/training/scan_ground_truth.hpp"

#include <cmath>
#include <stdexcept>

#include "edgeloop/controllers/scan/scan_random.hpp"
#include "edgeloop/sims/diffraction_model.hpp"

namespace edgeloop {

std::vector<double> render_scan_truth(std::uint64_t seed, const ScanTruthSettings& s) {
  const double span_x = s.step * static_cast<double>(s.nx);
  const double span_y = s.step * static_cast<double>(s.ny);
  if (span_x > s.field || span_y > s.field) {
    throw std::invalid_argument("the scan window is larger than the specimen's field");
  }
  sims::DiffractionModel model(sims::Stem4DSpecimen(seed, s.field, s.field),
                               sims::DetectorSettings{.size = s.detector_size}, seed);
  scan::ScanRandom rng(seed ^ 0x5ca17e57ULL);
  const double ox = rng.uniform() * (s.field - span_x);
  const double oy = rng.uniform() * (s.field - span_y);
  // Detector pixels inside the annulus, by their centres.
  const auto size = s.detector_size;
  const auto centre = model.centre();
  const double bf = model.bright_field_radius();
  std::vector<std::size_t> ring;
  for (std::uint32_t i = 0; i < size; ++i) {
    for (std::uint32_t j = 0; j < size; ++j) {
      const double r = std::hypot(static_cast<double>(j) + 0.5 - centre[0],
                                  static_cast<double>(i) + 0.5 - centre[1]);
      if (r >= s.annulus_inner * bf && r < s.annulus_outer * bf) {
        ring.push_back(static_cast<std::size_t>(i) * size + j);
      }
    }
  }
  std::vector<double> pattern(model.pixel_count());
  std::vector<double> image(static_cast<std::size_t>(s.nx) * s.ny);
  const sims::ProbeState probe{.electrons = 1.0};
  for (std::uint32_t y = 0; y < s.ny; ++y) {
    for (std::uint32_t x = 0; x < s.nx; ++x) {
      model.expected(ox + s.step * static_cast<double>(x), oy + s.step * static_cast<double>(y),
                     probe, pattern);
      double sum = 0.0;
      for (const auto p : ring) sum += pattern[p];
      image[static_cast<std::size_t>(y) * s.nx + x] = sum;
    }
  }
  return image;
}

}  // namespace edgeloop
