// The acceptance test of the SAXS reduction: a noise-free image of monodisperse spheres rendered
// by the simulated instrument (edgeloop::sims_saxs, in process) reduces to the sphere's
// analytic I(q) in absolute units, and its Guinier radius to sqrt(3/5) R.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "edgeloop/pipeline/saxs/saxs_integration_stage.hpp"
#include "edgeloop/sims/saxs_device.hpp"
#include "edgeloop/sims/saxs_form_factors.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "saxs_test_support.hpp"

namespace edgeloop::saxs {
namespace {

using nlohmann::json;

// Zeros of the sphere amplitude, tan x = x.
constexpr double kSphereZeros[] = {4.4934, 7.7253, 10.9041, 14.0662, 17.2208, 20.3713, 23.5195};

// How far q·R is from the nearest zero of the form factor.
double distance_to_zero(double qr) {
  double d = std::numeric_limits<double>::infinity();
  for (const double z : kSphereZeros) d = std::min(d, std::abs(qr - z));
  return d;
}

class SimulatedSphereTest : public fixtures::KokkosSuite {
 protected:
  static sims::SaxsConfig sphere_config() {
    sims::SaxsConfig c;
    // Monodisperse, dilute (no structure factor), nothing but the spheres: the analytic
    // 0.1 φ Δρ² V P(q) in cm⁻¹ is then the whole signal.
    c.sample.sphere_polydispersity_min = 0.0;
    c.sample.sphere_polydispersity_max = 0.0;
    c.sample.structure_factor = false;
    c.sample.background_per_cm = 0.0;
    c.detector.dark_counts_per_s = 0.0;
    // Enough photons that rounding the expected counts to integers is negligible even at the
    // largest q (hundreds of counts per pixel there).
    c.beam.flux_photons_per_s = 1e13;
    c.acquisition.start_x_mm = -10.0;  // deep in the sphere region: R about 10 nm
    c.acquisition.start_y_mm = 0.0;
    c.acquisition.exposure_s = 10.0;
    return c;
  }
};

TEST_F(SimulatedSphereTest, NoiseFreeSphereImageReducesToTheAnalyticCurve) {
  const sims::SaxsConfig config = sphere_config();
  const sims::SaxsDevice device(config);
  const sims::SaxsDetector& detector = device.detector();
  const sims::SampleStructure truth =
      device.sample().structure_at(config.acquisition.start_x_mm, config.acquisition.start_y_mm,
                                   config.acquisition.start_temperature_c);
  ASSERT_EQ(truth.sphere_share, 1.0);
  ASSERT_EQ(truth.spheres.polydispersity, 0.0);
  const double radius = truth.spheres.radius_nm;

  // The simulator's noise-free frame (expected counts), written as the detector writes it:
  // integer counts, and the u32 maximum on gaps, dead and hot pixels. The beamstop shadow is not
  // marked in the frame; only the truth file's mask knows it.
  testing::TempDir dir;
  const auto t0 = std::chrono::steady_clock::now();
  device.write_truth(dir / "truth.h5");
  const auto t1 = std::chrono::steady_clock::now();
  detector.geometry().write(dir / "saxs.poni");
  const std::vector<double> expected = device.expected_frame(device.state());
  std::vector<std::uint32_t> pixels(expected.size());
  const std::span<const std::uint32_t> mask = detector.mask();
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    const bool flagged = (mask[i] & (sims::kMaskGap | sims::kMaskDead | sims::kMaskHot)) != 0;
    pixels[i] = flagged ? 0xFFFFFFFFU : static_cast<std::uint32_t>(std::llround(expected[i]));
  }
  const std::uint32_t rows = detector.rows();
  const std::uint32_t cols = detector.cols();
  const double exposure = config.acquisition.exposure_s;

  // Absolute scale: counts = flux · t · transmission · thickness · dΣ/dΩ · ΔΩ · P with
  // ΔΩ = pixel1 · pixel2 / dist² · (relative solid angle), so dividing by everything but t and
  // the relative solid angle × P gives dΣ/dΩ in cm⁻¹.
  const formats::PoniParameters& g = detector.geometry().parameters();
  const double flux = config.beam.flux_photons_per_s * config.sample.transmission *
                      config.sample.thickness_mm * 0.1 * g.pixel1 * g.pixel2 / (g.dist * g.dist);
  SaxsIntegrationStage stage;
  stage.configure({{"poni", (dir / "saxs.poni").string()},
                   {"mask", (dir / "truth.h5").string() + ":/detector/pixel_mask"},
                   {"polarization_factor", config.beam.polarization_factor},
                   {"normalize_exposure", true},
                   {"flux_normalization", flux},
                   {"intensity_units", "cm^-1"}});
  std::vector<Product> out;
  stage.process(fixtures::image_frame(pixels, rows, cols, exposure), out);
  const auto t2 = std::chrono::steady_clock::now();
  const Product& iq = out.at(0);
  ASSERT_EQ(iq.name, "iq");
  const std::vector<double>& q = iq.axes.at(0).values;
  const sims::IntensityCurve ideal = device.ideal_curve();
  const double scale = sims::kPerCmPerNm3 * truth.spheres.volume_fraction * truth.spheres.contrast *
                       truth.spheres.contrast * sims::sphere_volume_nm3(radius);

  // Compare at the bin centres (what pyFAI reports) wherever q·R is at least 0.6 from a zero
  // of the form factor: there I(q) varies slowly enough over one bin (and over the sim's own
  // interpolation grid) for 1 % to be meaningful.
  double worst_ideal = 0.0;
  double worst_analytic = 0.0;
  double worst_anywhere = 0.0;
  std::size_t compared = 0;
  std::size_t filled = 0;
  for (std::size_t k = 0; k < q.size(); ++k) {
    if (std::isnan(iq.values[k])) continue;
    ++filled;
    const double analytic = scale * sims::sphere_form_factor(q[k], radius);
    const double from_sim = ideal.at(q[k]);
    worst_anywhere = std::max(worst_anywhere, std::abs(iq.values[k] / from_sim - 1.0));
    if (distance_to_zero(q[k] * radius) < 0.6) continue;
    ++compared;
    // The simulator interpolates its curve linearly on a grid of about two points per pixel.
    EXPECT_NEAR(from_sim, analytic, 3e-3 * analytic);
    worst_ideal = std::max(worst_ideal, std::abs(iq.values[k] / from_sim - 1.0));
    worst_analytic = std::max(worst_analytic, std::abs(iq.values[k] / analytic - 1.0));
    EXPECT_NEAR(iq.values[k], from_sim, 0.01 * from_sim)
        << "q " << q[k] << " nm^-1, q·R " << q[k] * radius;
  }
  EXPECT_GT(compared, 300u);

  // The Guinier radius of a homogeneous sphere.
  const Product& guinier = out.at(1);
  ASSERT_EQ(guinier.name, "guinier");
  const double rg_true = std::sqrt(0.6) * radius;
  EXPECT_NEAR(truth.guinier_radius_nm, rg_true, 1e-9);
  EXPECT_NEAR(guinier.values[0] / rg_true, 1.0, 0.03);
  EXPECT_NEAR(guinier.values[1] / (scale), 1.0, 0.03);  // I0 = 0.1 φ Δρ² V

  std::printf(
      "R %.4f nm, q %.4f..%.4f nm^-1, %zu of %zu filled bins compared: worst |I/ideal-1| %.2e "
      "(vs analytic %.2e; %.2e including bins near zeros)\n"
      "Rg %.4f +- %.4f nm vs sqrt(3/5) R %.4f (%.2f %%), I0 %.2f +- %.2f vs %.2f cm^-1; "
      "Porod Q %.4g +- %.2g cm^-1 nm^-3\ntruth file %.2f s, reduction %.3f s\n",
      radius, q.front(), q.back(), compared, filled, worst_ideal, worst_analytic, worst_anywhere,
      guinier.values[0], guinier.errors[0], rg_true, 100.0 * (guinier.values[0] / rg_true - 1.0),
      guinier.values[1], guinier.errors[1], scale, out.at(2).values[0], out.at(2).errors[0],
      std::chrono::duration<double>(t1 - t0).count(),
      std::chrono::duration<double>(t2 - t1).count());

  // Without the truth file's mask the beamstop's shadow, dark but not marked in the frame, is
  // integrated as if the sample scattered nothing there.
  SaxsIntegrationStage unmasked;
  unmasked.configure({{"poni", (dir / "saxs.poni").string()},
                      {"normalize_exposure", true},
                      {"flux_normalization", flux}});
  std::vector<Product> biased;
  unmasked.process(fixtures::image_frame(pixels, rows, cols, exposure), biased);
  EXPECT_EQ(biased.at(0).values[0], 0.0);
}

}  // namespace
}  // namespace edgeloop::saxs
