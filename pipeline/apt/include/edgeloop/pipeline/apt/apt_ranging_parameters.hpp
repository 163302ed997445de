// The validated configuration of the apt_ranging stage: every key, its default and its unit,
// parsed from the stage's parameter table and written back as its effective parameters.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "edgeloop/pipeline/apt/apt_flight_geometry.hpp"
#include "edgeloop/pipeline/apt/background_estimate.hpp"
#include "edgeloop/pipeline/apt/point_projection.hpp"

namespace edgeloop {

// Keys (defaults match config/sim-apt.toml, so a simulated run needs only `ranges`):
//  ranges                      path of the .rrng file (required)
//  flight_length_mm     100    tip to detector centre (m/z and reconstruction)
//  t0_ns                0      time-of-flight offset
//  mz_min, mz_max       0, 120 mass spectrum extent, Da
//  bin_width            0.05   Da
//  background_window    none   [low, high] Da, a peak-free window touching no range
//  background_model     "flat" or "inverse_sqrt" (see background_estimate.hpp)
//  background_subtract  false  compositions from background-corrected range counts
//                              (needs background_window)
//  reconstruction       true   build the point cloud
//  detector_radius_mm   38
//  image_compression    1.5    xi
//  field_factor         3.3    k_f
//  evaporation_field_v_per_nm 19  F
//  detection_efficiency 0.6    eta
//  atomic_volume_nm3    0.0166075  Omega (Al, 0.405^3 / 4); a range's own Vol: wins when > 0
//  count_unranged_volume false unranged hits (mostly background) add no depth unless true
//  max_points           200000 point-cloud rows kept (reservoir sample), 1..5000000
//  seed                 1      of the reservoir sample
struct AptRangingParameters {
  static constexpr std::uint64_t kMaxPoints = 5'000'000;

  std::filesystem::path ranges{};
  AptFlightGeometry geometry{};
  double mz_min = 0.0;
  double mz_max = 120.0;
  double bin_width = 0.05;
  std::optional<std::array<double, 2>> background_window{};
  BackgroundModel background_model = BackgroundModel::Flat;
  bool background_subtract = false;
  bool reconstruction = true;
  PointProjection projection{};  // its flight_length_mm is geometry's
  double atomic_volume_nm3 = 0.405 * 0.405 * 0.405 / 4.0;
  bool count_unranged_volume = false;
  std::uint64_t max_points = 200000;
  std::uint64_t seed = 1;
};

// std::invalid_argument naming the key for an unknown key (with a did-you-mean hint), a value
// of the wrong type or out of range. Checks that need the range file (the background window
// against the ranges) are the stage's.
AptRangingParameters parse_apt_ranging_parameters(const nlohmann::json& parameters);
// Every key with its effective value.
nlohmann::json to_json(const AptRangingParameters& parameters);

}  // namespace edgeloop
