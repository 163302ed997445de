#include "edgeloop/pipeline/apt/apt_reconstruction_kernel.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "apt_stage_test_support.hpp"
#include "edgeloop/sims/apt_detector.hpp"

namespace edgeloop {
namespace {

class AptReconstructionKernel : public test::KokkosTest {};

TEST_F(AptReconstructionKernel, InvertsTheSimulatorsProjection) {
  // Atoms on a cap of radius R, projected onto the detector exactly as the simulated
  // instrument does (launch angle asin(rho / R), compressed by xi, straight flight), come back
  // where they were when the voltage implies that R.
  const sims::AptDetector detector(sims::AptDetectorSettings{});
  const PointProjection projection;  // the same defaults
  const double radius = 25.0;
  const double voltage = radius * projection.field_factor * projection.evaporation_field_v_per_nm;
  std::vector<std::array<double, 2>> atoms{{0.0, 0.0}, {3.0, -4.0}, {-10.0, 2.5}, {0.5, 12.0}};
  std::vector<wire::Event> events;
  for (const auto& a : atoms) {
    const auto hit = detector.project(a[0], a[1], radius);
    ASSERT_TRUE(hit.has_value());
    events.emplace_back(0, static_cast<float>((*hit)[0]), static_cast<float>((*hit)[1]), 500.0F,
                        1.0F);
  }
  const std::vector<std::int32_t> index(events.size(), -1);
  const std::vector<double> volume{0.0};  // unranged: no depth
  std::vector<double> xyz(3 * events.size());
  double apex = 7.0;
  reconstruct_events_kokkos(events, index, volume, projection, voltage, apex, xyz);
  EXPECT_EQ(apex, 7.0);
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    // The detector position is a float: about 1e-6 mm of 100, 1e-5 nm here.
    EXPECT_NEAR(xyz[3 * i], atoms[i][0], 1e-4) << i;
    EXPECT_NEAR(xyz[3 * i + 1], atoms[i][1], 1e-4) << i;
    const double rho = std::hypot(atoms[i][0], atoms[i][1]);
    EXPECT_NEAR(xyz[3 * i + 2], 7.0 + radius - std::sqrt(radius * radius - rho * rho), 1e-4);
  }
}

TEST_F(AptReconstructionKernel, EachIonAdvancesTheApexByItsVolumeOverTheAnalysedArea) {
  PointProjection projection;
  projection.detection_efficiency = 0.5;
  const double voltage = 4000.0;
  const double radius = projection.radius_nm(voltage);
  EXPECT_DOUBLE_EQ(radius, 4000.0 / (3.3 * 19.0));
  const double area = projection.analysed_area_nm2(radius);
  // Small angles: Bas's S_D / M^2 with M = L / (xi R).
  const double theta = projection.max_launch_angle();
  EXPECT_NEAR(area, std::numbers::pi * std::pow(radius * std::sin(theta), 2), 1e-9);

  // Ranges 0 and 1 with volumes 0.02 and 0.05; unranged adds none.
  const std::vector<double> volume{0.02, 0.05, 0.0};
  const std::vector<std::int32_t> index{0, 1, -1, 0, 1};
  const std::vector<wire::Event> events(index.size(), wire::Event(0, 0.0F, 0.0F, 100.0F, 1.0F));
  std::vector<double> xyz(3 * events.size());
  double apex = 1.0;
  reconstruct_events_kokkos(events, index, volume, projection, voltage, apex, xyz);
  const double per_nm3 = 1.0 / (0.5 * area);
  // Hits on the axis sit at the apex as it is when they leave: after the ions before them.
  const std::vector<double> before{0.0, 0.02, 0.07, 0.07, 0.09};
  for (std::size_t i = 0; i < index.size(); ++i) {
    EXPECT_NEAR(xyz[3 * i + 2], 1.0 + before[i] * per_nm3, 1e-12) << i;
  }
  EXPECT_NEAR(apex, 1.0 + 0.14 * per_nm3, 1e-12);
}

TEST_F(AptReconstructionKernel, RefusesMismatchedSpansAndNoVoltage) {
  const std::vector<wire::Event> events(2, wire::Event(0, 0.0F, 0.0F, 100.0F, 1.0F));
  const std::vector<std::int32_t> index(2, -1);
  const std::vector<double> volume{0.0};
  std::vector<double> xyz(6);
  std::vector<double> short_xyz(5);
  double apex = 0.0;
  EXPECT_THROW(reconstruct_events_kokkos(events, index, volume, {}, 1000.0, apex, short_xyz),
               std::invalid_argument);
  EXPECT_THROW(reconstruct_events_kokkos(events, index, volume, {}, 0.0, apex, xyz),
               std::invalid_argument);
}

TEST(PointProjection, ValidatesNamingTheParameter) {
  const auto message = [](PointProjection p) -> std::string {
    try {
      p.validate();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message({}), "");
  PointProjection p;
  p.detection_efficiency = 1.5;
  EXPECT_NE(message(p).find("detection_efficiency"), std::string::npos);
  p = {};
  p.image_compression = 0.5;
  EXPECT_NE(message(p).find("image_compression"), std::string::npos);
  p = {};
  p.image_compression = 3.0;
  p.detector_radius_mm = 300.0;  // 3 x atan(3) is beyond 90 deg
  EXPECT_NE(message(p).find("pi/2"), std::string::npos);
  p = {};
  p.field_factor = std::nan("");
  EXPECT_NE(message(p).find("field_factor"), std::string::npos);
  p = {};
  p.evaporation_field_v_per_nm = 0.0;
  EXPECT_NE(message(p).find("evaporation_field_v_per_nm"), std::string::npos);
}

}  // namespace
}  // namespace edgeloop
