#include "edgeloop/sims/diffraction_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

constexpr double kDose = 20000.0;

DiffractionModel make_model(std::uint64_t seed, std::uint32_t size = 96,
                            DetectorSettings detector = {}, ProbeOptics optics = {}) {
  detector.size = size;
  return DiffractionModel(Stem4DSpecimen(seed, 1024, 1024), detector, optics, seed);
}

double dark_total(const DiffractionModel& model) {
  return model.detector().dark_counts_per_pixel * static_cast<double>(model.pixel_count());
}

template <class T>
std::vector<T> frame(DiffractionModel& model, double x, double y, double dose = kDose) {
  std::vector<T> out(model.pixel_count());
  model.render(x, y, ProbeState{.electrons = dose}, std::span<T>(out));
  return out;
}

std::vector<double> expected_at(const DiffractionModel& model, double x, double y,
                                double dose = kDose) {
  std::vector<double> out(model.pixel_count());
  model.expected(x, y, ProbeState{.electrons = dose}, out);
  return out;
}

// Fraction of the counts within the bright-field disc (its soft rim included).
template <class T>
double bright_field_fraction(const DiffractionModel& model, std::span<const T> pixels) {
  const auto size = model.size();
  const double limit = model.bright_field_radius() + 1.0;
  double inside = 0.0;
  double all = 0.0;
  for (std::uint32_t i = 0; i < size; ++i) {
    for (std::uint32_t j = 0; j < size; ++j) {
      const double r = std::hypot(j + 0.5 - model.centre()[0], i + 0.5 - model.centre()[1]);
      const double v = static_cast<double>(pixels[static_cast<std::size_t>(i) * size + j]);
      all += v;
      if (r <= limit) inside += v;
    }
  }
  return inside / all;
}

// Cross-correlation of a pattern with the probe (the vacuum pattern), as Bragg-disc finders
// do: a flat disc correlated with itself gives a cone whose apex is the disc's centre, where
// the raw disc is a plateau whose azimuthal average peaks nearer the origin than its centre.
std::vector<double> correlate_with_probe(const DiffractionModel& model,
                                         std::span<const double> pattern) {
  const auto size = static_cast<int>(model.size());
  const auto vacuum = std::array<double, 2>{1.0, 1.0};
  EXPECT_TRUE(model.specimen().is_vacuum(vacuum[0], vacuum[1]));
  const std::vector<double> probe = expected_at(model, vacuum[0], vacuum[1]);
  struct Tap {
    int di;
    int dj;
    double weight;
  };
  std::vector<Tap> taps;
  const int c = size / 2;
  for (int i = 0; i < size; ++i) {
    for (int j = 0; j < size; ++j) {
      const double w = probe[static_cast<std::size_t>(i * size + j)];
      if (w > 1.0) taps.push_back({i - c, j - c, w});  // the disc, not the dark counts
    }
  }
  std::vector<double> out(model.pixel_count(), 0.0);
  for (int i = 0; i < size; ++i) {
    for (int j = 0; j < size; ++j) {
      double sum = 0.0;
      for (const Tap& t : taps) {
        const int ii = i + t.di;
        const int jj = j + t.dj;
        if (ii >= 0 && ii < size && jj >= 0 && jj < size) {
          sum += t.weight * pattern[static_cast<std::size_t>(ii * size + jj)];
        }
      }
      out[static_cast<std::size_t>(i * size + j)] = sum;
    }
  }
  return out;
}

// The strongest value in each ring one pixel wide around the pattern centre. Not the azimuthal
// average: averaging a cone twice a disc radius wide along a ring pulls its peak towards the
// origin by several pixels, whereas the ring through the cone's apex holds its maximum.
std::vector<double> ring_maxima(const DiffractionModel& model, std::span<const double> image) {
  const auto size = model.size();
  std::vector<double> maxima(size, 0.0);
  for (std::uint32_t i = 0; i < size; ++i) {
    for (std::uint32_t j = 0; j < size; ++j) {
      const double r = std::hypot(j + 0.5 - model.centre()[0], i + 0.5 - model.centre()[1]);
      auto& ring = maxima[static_cast<std::size_t>(r)];
      ring = std::max(ring, image[static_cast<std::size_t>(i) * size + j]);
    }
  }
  return maxima;
}

// Radius of the strongest ring beyond the central disc's correlation (2 disc radii), at the
// ring's middle.
double peak_radius_beyond_bf(const DiffractionModel& model, const std::vector<double>& profile) {
  const auto first = static_cast<std::size_t>(std::ceil(2.0 * model.bright_field_radius() + 2.0));
  const auto peak = std::max_element(profile.begin() + static_cast<std::ptrdiff_t>(first),
                                     profile.begin() + model.size() / 2);
  return static_cast<double>(peak - profile.begin()) + 0.5;
}

// Direction of the strongest correlation within half a disc radius of the spot ring.
double spot_angle(const DiffractionModel& model, std::span<const double> correlation,
                  double radius) {
  const auto size = model.size();
  double best = -1.0;
  double angle = 0.0;
  for (std::uint32_t i = 0; i < size; ++i) {
    for (std::uint32_t j = 0; j < size; ++j) {
      const double dx = j + 0.5 - model.centre()[0];
      const double dy = i + 0.5 - model.centre()[1];
      if (std::abs(std::hypot(dx, dy) - radius) > 0.5 * model.bright_field_radius()) continue;
      const double v = correlation[static_cast<std::size_t>(i) * size + j];
      if (v > best) {
        best = v;
        angle = std::atan2(dy, dx);
      }
    }
  }
  return angle;
}

// Distance between two angles on a circle of period `period`.
double angle_distance(double a, double b, double period) {
  const double d = std::fmod(std::abs(a - b), period);
  return std::min(d, period - d);
}

// A position well inside a grain of the phase, away from the hole.
std::array<double, 2> position_in_phase(const Stem4DSpecimen& specimen, int phase) {
  for (std::size_t g = 0; g < specimen.grain_count(); ++g) {
    const auto centre = specimen.grain_centre(g);
    if (specimen.grain_phase(g) == phase && !specimen.is_vacuum(centre[0], centre[1])) {
      return centre;
    }
  }
  ADD_FAILURE() << "no grain of phase " << phase;
  return {0, 0};
}

TEST(DiffractionModel, SameSeedGivesIdenticalFramesInAnyOrder) {
  DiffractionModel a = make_model(1);
  DiffractionModel b = make_model(1);
  const std::vector<std::array<double, 2>> positions = {{3, 4}, {500, 500}, {1023, 0}, {77, 900}};
  std::vector<std::vector<std::uint16_t>> forward;
  for (const auto& [x, y] : positions) forward.push_back(frame<std::uint16_t>(a, x, y));
  for (std::size_t k = positions.size(); k-- > 0;) {
    EXPECT_EQ(frame<std::uint16_t>(b, positions[k][0], positions[k][1]), forward[k]);
  }
  // Revisiting a position gives the same frame again; fractions round to the same seed.
  EXPECT_EQ(frame<std::uint16_t>(a, 3, 4), forward[0]);
  EXPECT_EQ(frame<std::uint16_t>(a, 3.2, 3.9), frame<std::uint16_t>(b, 3.2, 3.9));
  // Neighbouring positions have independent noise.
  EXPECT_NE(frame<std::uint16_t>(a, 500, 501), forward[1]);
}

TEST(DiffractionModel, DifferentSeedsGiveDifferentFrames) {
  DiffractionModel a = make_model(1);
  DiffractionModel b = make_model(2);
  int different = 0;
  for (double x : {10.0, 300.0, 600.0, 900.0}) {
    if (frame<std::uint16_t>(a, x, x) != frame<std::uint16_t>(b, x, x)) ++different;
  }
  EXPECT_EQ(different, 4);
}

TEST(DiffractionModel, ExpectedPatternHoldsTheWholeDose) {
  const DiffractionModel model = make_model(1);
  for (const auto& [x, y] : std::vector<std::array<double, 2>>{{5, 5}, {600, 400}, {1000, 1000}}) {
    const std::vector<double> expected = expected_at(model, x, y);
    const double dark = dark_total(model);
    EXPECT_NEAR(test::total(std::span<const double>(expected)), kDose + dark, 1e-6 * kDose);
  }
}

TEST(DiffractionModel, TotalCountsMatchTheDoseWithinPoissonError) {
  for (const std::uint32_t size : {96U, 256U}) {
    DiffractionModel model = make_model(4, size);
    const double mean = kDose + dark_total(model);
    for (const auto& [x, y] : std::vector<std::array<double, 2>>{
             {2, 2}, {100, 900}, {512, 512}, {1023, 1023}, {900, 50}}) {
      const auto counts = frame<std::uint32_t>(model, x, y);
      EXPECT_NEAR(test::total(std::span<const std::uint32_t>(counts)), mean, 5.0 * std::sqrt(mean))
          << "size " << size << " at " << x << "," << y;
    }
  }
}

// Summed over many positions, every pixel's counts match the summed expectation within
// Poisson error: the noise is unbiased, including the halo and dark counts that render()
// scatters electron by electron rather than pixel by pixel.
// With a detector PSF as without: render() blurs what expected() blurs.
TEST(DiffractionModel, CountsAverageToTheExpectedPattern) {
  for (const double psf : {0.0, 1.5}) {
    DiffractionModel model = make_model(6, 96, {.psf_sigma_px = psf});
    std::vector<double> counted(model.pixel_count(), 0.0);
    std::vector<double> expected_sum(model.pixel_count(), 0.0);
    for (int k = 0; k < 300; ++k) {
      const double x = (k * 37) % 1024;
      const double y = (k * 91) % 1024;
      const auto counts = frame<std::uint32_t>(model, x, y);
      const std::vector<double> expected = expected_at(model, x, y);
      for (std::size_t p = 0; p < counted.size(); ++p) {
        counted[p] += counts[p];
        expected_sum[p] += expected[p];
      }
    }
    double chi2 = 0.0;
    std::size_t pixels = 0;
    for (std::size_t p = 0; p < counted.size(); ++p) {
      if (expected_sum[p] < 20.0) continue;
      const double z = (counted[p] - expected_sum[p]) / std::sqrt(expected_sum[p]);
      EXPECT_LT(std::abs(z), 6.0) << "pixel " << p;
      chi2 += z * z;
      ++pixels;
    }
    ASSERT_GT(pixels, model.pixel_count() / 2);
    // chi^2 per pixel is 1 +- sqrt(2 / pixels) for Poisson noise: 1 +- 0.02 here.
    EXPECT_NEAR(chi2 / static_cast<double>(pixels), 1.0, 0.15) << "psf " << psf;
  }
}

TEST(DiffractionModel, VacuumKeepsTheBeamInTheBrightFieldDisc) {
  DiffractionModel model = make_model(1);
  ASSERT_TRUE(model.specimen().is_vacuum(20, 30));
  const auto counts = frame<std::uint16_t>(model, 20, 30);
  EXPECT_GT(bright_field_fraction(model, std::span<const std::uint16_t>(counts)), 0.995);
}

TEST(DiffractionModel, SpecimenScattersOutOfTheBrightFieldDiscMoreWhenThicker) {
  DiffractionModel model = make_model(1);
  const Stem4DSpecimen& specimen = model.specimen();
  double thin_fraction = 0.0;
  double thin = 10.0;
  double thick_fraction = 1.0;
  double thick = 0.0;
  for (double x = 0; x < 1024; x += 64) {
    for (double y = 0; y < 1024; y += 64) {
      if (specimen.is_vacuum(x, y)) continue;
      const auto counts = frame<std::uint16_t>(model, x, y);
      const double fraction = bright_field_fraction(model, std::span<const std::uint16_t>(counts));
      // Unscattered exp(-t), plus the small part of the diffuse halo under the disc.
      const double t = specimen.thickness_at(x, y);
      EXPECT_NEAR(fraction, std::exp(-t), 0.05) << "at " << x << "," << y << " t=" << t;
      EXPECT_LT(fraction, 0.95);
      if (t < thin) {
        thin = t;
        thin_fraction = fraction;
      }
      if (t > thick) {
        thick = t;
        thick_fraction = fraction;
      }
    }
  }
  ASSERT_GT(thick - thin, 0.3);
  EXPECT_LT(thick_fraction, thin_fraction - 0.15);
}

TEST(DiffractionModel, BraggSpotsSitAtEachPhaseRadiusAndOrientation) {
  for (const std::uint32_t size : {96U, 128U}) {
    // Noise-free, and at high dose with noise: both must show the phase's spot radius.
    DiffractionModel model = make_model(9, size);
    std::vector<double> radii;
    for (int phase = 0; phase < 3; ++phase) {
      const auto [x, y] = position_in_phase(model.specimen(), phase);
      const double truth = model.spot_radius(phase);
      const std::vector<double> expected = expected_at(model, x, y, 2e6);
      const auto counts = frame<std::uint32_t>(model, x, y, 2e6);
      const std::vector<double> noisy(counts.begin(), counts.end());
      for (const auto* pattern : {&expected, &noisy}) {
        const auto correlation = correlate_with_probe(model, *pattern);
        const double peak = peak_radius_beyond_bf(model, ring_maxima(model, correlation));
        EXPECT_NEAR(peak, truth, 1.5) << "size " << size << " phase " << phase
                                      << (pattern == &noisy ? " noisy" : " noise-free");
        // The strongest spot lies along one of the grain's lattice directions.
        const double symmetry =
            Stem4DSpecimen::phases()[static_cast<std::size_t>(phase)].lattice == Lattice::Hexagonal
                ? std::numbers::pi / 3.0
                : std::numbers::pi / 2.0;
        const double orientation = model.specimen().orientation_at(x, y);
        EXPECT_LT(angle_distance(spot_angle(model, correlation, truth), orientation, symmetry),
                  1.5 / truth)
            << "size " << size << " phase " << phase;
      }
      radii.push_back(truth);
    }
    EXPECT_GT(radii[1] - radii[0], 3.0);
    EXPECT_GT(radii[2] - radii[1], 3.0);
  }
}

TEST(DiffractionModel, BlankedBeamLeavesOnlyDarkCounts) {
  DiffractionModel model = make_model(1);
  std::vector<std::uint16_t> counts(model.pixel_count());
  model.render(400, 400, ProbeState{.electrons = kDose, .blanked = true},
               std::span<std::uint16_t>(counts));
  const double dark = dark_total(model);
  EXPECT_LE(test::total(std::span<const std::uint16_t>(counts)), dark + 6.0 * std::sqrt(dark));
  EXPECT_EQ(counts, frame<std::uint16_t>(model, 400, 400, 0.0));
}

TEST(DiffractionModel, DefocusPlaysNoPart) {
  DiffractionModel model = make_model(1);
  EXPECT_TRUE(std::isinf(model.max_defocus_nm()));
  std::vector<std::uint16_t> defocused(model.pixel_count());
  model.render(500, 500, ProbeState{.electrons = kDose, .defocus_nm = 5000.0},
               std::span<std::uint16_t>(defocused));
  EXPECT_EQ(defocused, frame<std::uint16_t>(model, 500, 500));
  EXPECT_EQ(model.name(), "kinematic");
}

// Discs sit at g lambda / alpha bright-field radii: a higher beam energy (shorter wavelength)
// or a wider convergence angle pulls them in, as on a microscope.
TEST(DiffractionModel, SpotRadiusFollowsTheOptics) {
  const DiffractionModel at_300 = make_model(1, 96, {}, {.beam_energy_kv = 300.0});
  const DiffractionModel at_200 = make_model(1, 96, {}, {.beam_energy_kv = 200.0});
  const DiffractionModel wide = make_model(1, 96, {}, {.convergence_mrad = 4.0});
  for (int phase = 0; phase < 3; ++phase) {
    EXPECT_NEAR(at_200.spot_radius(phase) / at_300.spot_radius(phase),
                at_200.optics().wavelength_nm() / at_300.optics().wavelength_nm(), 1e-12);
    EXPECT_NEAR(wide.spot_radius(phase) / at_300.spot_radius(phase), 0.5, 1e-12);
  }
  EXPECT_EQ(at_200.bright_field_radius(), at_300.bright_field_radius());
}

// The detector PSF blurs the discs: their rims widen, the dose stays.
TEST(DiffractionModel, PointSpreadFunctionBlursTheDiscs) {
  const DiffractionModel sharp = make_model(1, 96, {.dark_counts_per_pixel = 0.0});
  const DiffractionModel blurred =
      make_model(1, 96, {.dark_counts_per_pixel = 0.0, .psf_sigma_px = 2.0});
  const auto a = expected_at(sharp, 5, 5);
  const auto b = expected_at(blurred, 5, 5);
  EXPECT_NEAR(test::total(std::span<const double>(b)), kDose, 1e-6 * kDose);
  // Just outside the rim the blurred disc spills over; at its centre it is as bright.
  const std::size_t centre = 48 * 96 + 48;
  const std::size_t outside = 48 * 96 + 48 + 10;  // 10 px right of centre, rim at 8..9
  EXPECT_LT(a[outside], 1e-9);
  EXPECT_GT(b[outside], 0.05 * b[centre]);
  EXPECT_NEAR(b[centre], a[centre], 0.02 * a[centre]);
}

TEST(DiffractionModel, RejectsBadSettings) {
  EXPECT_THROW(make_model(1, 8), std::invalid_argument);
  EXPECT_THROW(make_model(1, 96, {.psf_sigma_px = -1.0}), std::invalid_argument);
  EXPECT_THROW(make_model(1, 96, {.dark_counts_per_pixel = -1.0}), std::invalid_argument);
  EXPECT_THROW(make_model(1, 96, {}, {.convergence_mrad = 0.0}), std::invalid_argument);
  DiffractionModel model = make_model(1);
  std::vector<std::uint16_t> out(model.pixel_count());
  EXPECT_THROW(model.render(1, 1, ProbeState{.electrons = -1.0}, std::span<std::uint16_t>(out)),
               std::invalid_argument);
  EXPECT_THROW(
      model.render(1, 1, ProbeState{.electrons = std::nan("")}, std::span<std::uint16_t>(out)),
      std::invalid_argument);
  EXPECT_THROW(model.spot_radius(3), std::out_of_range);
}

TEST(DiffractionModel, SmallTypesSaturateInsteadOfWrapping) {
  // 2e6 electrons in a vacuum disc of ~200 pixels: ~10^4 per pixel, far above 255.
  DiffractionModel model = make_model(1, 96);
  const auto u8 = frame<std::uint8_t>(model, 10, 10, 2e6);
  const auto u32 = frame<std::uint32_t>(model, 10, 10, 2e6);
  ASSERT_EQ(u8.size(), u32.size());
  for (std::size_t p = 0; p < u8.size(); ++p) {
    ASSERT_EQ(u8[p], std::min<std::uint32_t>(u32[p], 255U)) << "pixel " << p;
  }
  EXPECT_EQ(*std::max_element(u8.begin(), u8.end()), 255U);
}

TEST(DiffractionModel, RejectsWrongBufferAndBadPosition) {
  DiffractionModel model = make_model(1);
  std::vector<std::uint16_t> small(10);
  EXPECT_THROW(model.render(1, 1, ProbeState{.electrons = kDose}, std::span<std::uint16_t>(small)),
               std::invalid_argument);
  std::vector<std::uint16_t> right(model.pixel_count());
  EXPECT_THROW(
      model.render(NAN, 1, ProbeState{.electrons = kDose}, std::span<std::uint16_t>(right)),
      std::invalid_argument);
}

// Reports the frame rate (not a hard limit: machines differ), and catches a pathological
// slowdown with a very loose floor.
TEST(DiffractionModel, RendersQuickly) {
  for (const std::uint32_t size : {96U, 256U}) {
    DiffractionModel model = make_model(1, size);
    std::vector<std::uint16_t> out(model.pixel_count());
    constexpr int kFrames = 200;
    const auto begin = std::chrono::steady_clock::now();
    for (int k = 0; k < kFrames; ++k) {
      model.render(100.0 + k, 600.0, ProbeState{.electrons = kDose}, std::span<std::uint16_t>(out));
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - begin;
    const double rate = kFrames / elapsed.count();
    RecordProperty("frames_per_s_" + std::to_string(size), static_cast<int>(rate));
    std::cout << size << "x" << size << " u16: " << rate << " frames/s\n";
    EXPECT_GT(rate, 20.0);
  }
}

}  // namespace
}  // namespace edgeloop::sims
