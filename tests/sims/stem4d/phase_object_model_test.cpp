#include "edgeloop/sims/phase_object_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "edgeloop/sims/reciprocal_lattice.hpp"

namespace edgeloop::sims {
namespace {

constexpr double kDose = 20000.0;
constexpr double kPi = std::numbers::pi;

PhaseObjectModel make_model(std::uint32_t size = 96, std::uint64_t seed = 1,
                            DetectorSettings detector = {}, PhaseObjectSettings settings = {},
                            ProbeOptics optics = {}) {
  detector.size = size;
  return PhaseObjectModel(Stem4DSpecimen(seed, 1024, 1024), detector, optics, settings, seed);
}

std::vector<double> expected_at(const PatternModel& model, double x, double y,
                                ProbeState probe = {.electrons = kDose}) {
  std::vector<double> out(model.pixel_count());
  model.expected(x, y, probe, out);
  return out;
}

template <class T>
std::vector<T> frame(PatternModel& model, double x, double y,
                     ProbeState probe = {.electrons = kDose}) {
  std::vector<T> out(model.pixel_count());
  model.render(x, y, probe, std::span<T>(out));
  return out;
}

template <class T>
double total(const std::vector<T>& pixels) {
  double sum = 0.0;
  for (const T v : pixels) sum += static_cast<double>(v);
  return sum;
}

// Distance of pixel (i, j)'s centre from the pattern centre, and its components.
struct PixelGeometry {
  double dx;
  double dy;
  double r;
};
PixelGeometry geometry(const PatternModel& model, std::uint32_t i, std::uint32_t j) {
  const double dx = j + 0.5 - model.centre()[0];
  const double dy = i + 0.5 - model.centre()[1];
  return {dx, dy, std::hypot(dx, dy)};
}

// Sum of a pattern within `radius` pixels of the centre.
double within(const PatternModel& model, const std::vector<double>& pattern, double radius) {
  double sum = 0.0;
  for (std::uint32_t i = 0; i < model.size(); ++i) {
    for (std::uint32_t j = 0; j < model.size(); ++j) {
      if (geometry(model, i, j).r <= radius) sum += pattern[std::size_t{i} * model.size() + j];
    }
  }
  return sum;
}

// Radius (scan units) of the disc the model's real-space window covers around a position.
double window_radius(const PhaseObjectModel& model) {
  return 0.5 * std::numbers::sqrt2 * model.window_nm() / model.specimen().nm_per_unit();
}

// A grain seed of the phase whose whole probe window lies in one perfect crystal.
std::array<double, 2> perfect_crystal(const PhaseObjectModel& model, int phase) {
  const Stem4DSpecimen& specimen = model.specimen();
  for (std::size_t g = 0; g < specimen.grain_count(); ++g) {
    const auto [x, y] = specimen.grain_centre(g);
    if (specimen.grain_phase(g) != phase || specimen.is_vacuum(x, y)) continue;
    if (specimen.neighbourhood(x, y, window_radius(model)).uniform) return {x, y};
  }
  ADD_FAILURE() << "no perfect crystal of phase " << phase;
  return {0.0, 0.0};
}

struct Spot {
  double dx;  // from the pattern centre, pixels
  double dy;
  double value;
  double radius() const { return std::hypot(dx, dy); }
  double angle() const { return std::atan2(dy, dx); }
};

// Blind disc finder, as 4D-STEM software does it: correlate the pattern with the probe's own
// (vacuum) pattern, which turns each disc into a cone whose apex is the disc's centre, then
// take local maxima beyond the central disc, refined to sub-pixel by parabolas. The template is
// made zero-mean over a disc a little larger than the probe's, so a smooth background (the
// diffuse halo) neither adds to a cone nor, by its slope, pulls it towards the centre.
std::vector<Spot> find_discs(const PatternModel& model, const std::vector<double>& pattern,
                             const std::vector<double>& probe) {
  const auto n = static_cast<int>(model.size());
  struct Tap {
    int di;
    int dj;
    double w;
  };
  std::vector<Tap> taps;
  double mean = 0.0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (std::hypot(j + 0.5 - 0.5 * n, i + 0.5 - 0.5 * n) > model.bright_field_radius() + 3.0) {
        continue;
      }
      taps.push_back({i - n / 2, j - n / 2, probe[static_cast<std::size_t>(i * n + j)]});
      mean += taps.back().w;
    }
  }
  mean /= static_cast<double>(taps.size());
  for (Tap& t : taps) t.w -= mean;
  std::vector<double> c(pattern.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (const Tap& t : taps) {
        const int ii = i + t.di;
        const int jj = j + t.dj;
        if (ii >= 0 && ii < n && jj >= 0 && jj < n) {
          sum += t.w * pattern[static_cast<std::size_t>(ii * n + jj)];
        }
      }
      c[static_cast<std::size_t>(i * n + j)] = sum;
    }
  }
  const auto at = [&](int i, int j) { return c[static_cast<std::size_t>(i * n + j)]; };
  // A disc centred on pixel index p (continuous coordinate p) correlates best at index p.
  const double centre = 0.5 * n;
  // The threshold comes from beyond the central disc's own cone, 2 disc radii wide.
  double strongest = 0.0;
  for (int i = 1; i < n - 1; ++i) {
    for (int j = 1; j < n - 1; ++j) {
      if (std::hypot(j - centre, i - centre) > 2.0 * model.bright_field_radius() + 1.0) {
        strongest = std::max(strongest, at(i, j));
      }
    }
  }
  std::vector<Spot> spots;
  for (int i = 1; i < n - 1; ++i) {
    for (int j = 1; j < n - 1; ++j) {
      const double v = at(i, j);
      if (std::hypot(j - centre, i - centre) < 1.5 * model.bright_field_radius()) continue;
      if (v < 0.1 * strongest) continue;
      bool is_max = true;
      for (int di = -1; di <= 1 && is_max; ++di) {
        for (int dj = -1; dj <= 1; ++dj) {
          if ((di != 0 || dj != 0) && at(i + di, j + dj) >= v) {
            is_max = false;
            break;
          }
        }
      }
      if (!is_max) continue;
      const auto vertex = [](double minus, double mid, double plus) {
        const double curvature = minus - 2.0 * mid + plus;
        return curvature < 0.0 ? 0.5 * (minus - plus) / curvature : 0.0;
      };
      spots.push_back({j + vertex(at(i, j - 1), v, at(i, j + 1)) - centre,
                       i + vertex(at(i - 1, j), v, at(i + 1, j)) - centre, v});
    }
  }
  return spots;
}

// The spots nearest the centre: the first-order ring.
std::vector<Spot> first_ring(std::vector<Spot> spots) {
  if (spots.empty()) return spots;
  const double inner =
      std::min_element(spots.begin(), spots.end(), [](const Spot& a, const Spot& b) {
        return a.radius() < b.radius();
      })->radius();
  std::erase_if(spots, [&](const Spot& s) { return s.radius() > inner + 1.5; });
  return spots;
}

double angle_distance(double a, double b, double period) {
  const double d = std::fmod(std::abs(a - b), period);
  return std::min(d, period - d);
}

Lattice lattice_of(int phase) {
  return Stem4DSpecimen::phases()[static_cast<std::size_t>(phase)].lattice;
}

TEST(PhaseObjectModel, DiscsSitAtEachPhaseSpacingAndInItsGrainsOrientation) {
  const PhaseObjectModel model = make_model(128);
  const auto probe = expected_at(model, 5, 5);
  ASSERT_TRUE(model.specimen().is_vacuum(5, 5));
  for (int phase = 0; phase < 3; ++phase) {
    const auto [x, y] = perfect_crystal(model, phase);
    const auto spots = find_discs(model, expected_at(model, x, y), probe);
    const auto ring = first_ring(spots);
    const Lattice lattice = lattice_of(phase);
    const std::size_t fold = lattice == Lattice::Hexagonal ? 6 : 4;
    ASSERT_EQ(ring.size(), fold) << "phase " << phase;
    const double orientation = model.specimen().orientation_at(x, y);
    for (const Spot& s : ring) {
      EXPECT_NEAR(s.radius(), model.spot_radius(phase), 0.1) << "phase " << phase;
      // Each first-order disc lies along one of the grain's lattice directions.
      EXPECT_LT(angle_distance(s.angle(), orientation, 2.0 * kPi / static_cast<double>(fold)),
                0.1 / model.spot_radius(phase))
          << "phase " << phase << " spot at " << s.dx << "," << s.dy;
    }
    // The second shell, where the detector shows it, is sqrt(3) (hexagonal) or sqrt(2)
    // (square) times farther out, halfway between the first-order directions.
    const double second = model.spot_radius(phase) * (fold == 6 ? std::sqrt(3.0) : std::sqrt(2.0));
    int seen = 0;
    // A disc cut by the detector's edge is found off its centre: only whole ones count.
    const double whole_within = 0.5 * model.size() - model.bright_field_radius();
    for (const Spot& s : spots) {
      if (std::abs(s.radius() - second) > 1.0) continue;
      if (std::abs(s.dx) > whole_within || std::abs(s.dy) > whole_within) continue;
      ++seen;
      EXPECT_NEAR(s.radius(), second, 0.1);
      EXPECT_LT(angle_distance(s.angle(), orientation + kPi / static_cast<double>(fold),
                               2.0 * kPi / static_cast<double>(fold)),
                0.1 / second);
    }
    if (second + model.bright_field_radius() < 0.5 * model.size()) {
      EXPECT_EQ(seen, static_cast<int>(fold)) << "phase " << phase;
    }
  }
}

TEST(PhaseObjectModel, SpotRadiusFollowsWavelengthOverConvergenceAngle) {
  const PhaseObjectModel model = make_model(96);
  for (int phase = 0; phase < 3; ++phase) {
    const double g = Stem4DSpecimen::phases()[static_cast<std::size_t>(phase)].g_per_nm;
    const double lambda = model.optics().wavelength_nm();
    const double alpha = model.optics().convergence_mrad * 1e-3;
    EXPECT_NEAR(model.spot_radius(phase), g * lambda / alpha * model.bright_field_radius(), 1e-9);
  }
  EXPECT_DOUBLE_EQ(model.bright_field_radius(), 96.0 / 12.0);
}

TEST(PhaseObjectModel, VacuumKeepsTheWholeDoseInTheBrightFieldDisc) {
  const PhaseObjectModel model = make_model(96, 1, {.dark_counts_per_pixel = 0.0});
  const auto pattern = expected_at(model, 20, 30);
  ASSERT_TRUE(model.specimen().is_vacuum(20, 30));
  EXPECT_NEAR(total(pattern), kDose, 1e-6 * kDose);
  const double r = model.bright_field_radius();
  EXPECT_GT(within(model, pattern, r + 1.5), 0.999 * kDose);
  EXPECT_LT(within(model, pattern, r - 1.5), 0.99 * kDose);
  // The rim: pixels well inside are flat, and the intensity falls through half its plateau
  // at the disc's radius.
  const double plateau = pattern[std::size_t{48} * 96 + 48];
  for (std::uint32_t i = 0; i < 96; ++i) {
    for (std::uint32_t j = 0; j < 96; ++j) {
      const double v = pattern[std::size_t{i} * 96 + j] / plateau;
      const double radius = geometry(model, i, j).r;
      if (radius < r - 2.0) {
        EXPECT_NEAR(v, 1.0, 0.03) << i << "," << j;
      } else if (radius > r + 2.0) {
        EXPECT_LT(v, 0.01) << i << "," << j;
      } else if (std::abs(radius - r) < 0.25) {
        EXPECT_NEAR(v, 0.5, 0.2) << i << "," << j;
      }
    }
  }
}

// For a perfect crystal whose discs do not overlap, the bright-field disc carries exactly the
// mean of the transmission function, |<t>|^2: computed here independently, by averaging
// t = exp(i sigma V - mu/2) over a unit cell.
TEST(PhaseObjectModel, BrightFieldIsTheMeanTransmissionOfTheCrystal) {
  const PhaseObjectSettings settings{.thermal_diffuse = false};
  const PhaseObjectModel model = make_model(96, 1, {.dark_counts_per_pixel = 0.0}, settings);
  const auto vacuum = expected_at(model, 20, 30);
  const double r = model.bright_field_radius() - 2.0;
  const double sigma = model.optics().interaction_constant();
  for (int phase = 0; phase < 3; ++phase) {
    const auto [x, y] = perfect_crystal(model, phase);
    const double tau = model.specimen().thickness_at(x, y);
    const Phase& p = Stem4DSpecimen::phases()[static_cast<std::size_t>(phase)];
    // Cosine amplitude per +-g pair: 2 sigma V(g) t, with V(g) halved in the second shell.
    std::vector<std::array<double, 3>> terms;  // amplitude, h, k
    for (const Reflection& reflection : reflections(p.lattice)) {
      if (reflection.angle >= kPi - 1e-9) continue;
      const double v = reflection.order == 1 ? p.potential_v : 0.5 * p.potential_v;
      terms.push_back({2.0 * sigma * v * settings.thickness_unit_nm * tau,
                       static_cast<double>(reflection.h), static_cast<double>(reflection.k)});
    }
    // In fractional coordinates (u, v) of the real-space cell, g.r = h u + k v.
    constexpr int kSteps = 256;
    std::complex<double> mean = 0.0;
    for (int a = 0; a < kSteps; ++a) {
      for (int b = 0; b < kSteps; ++b) {
        double phi = 0.0;
        for (const auto& [amplitude, h, k] : terms) {
          phi += amplitude * std::cos(2.0 * kPi * (h * a + k * b) / kSteps);
        }
        mean += std::polar(1.0, phi);
      }
    }
    mean /= static_cast<double>(kSteps) * kSteps;
    const double predicted = std::norm(mean) * std::exp(-settings.absorption_per_unit * tau);
    const double measured = within(model, expected_at(model, x, y), r) / within(model, vacuum, r);
    EXPECT_NEAR(measured, predicted, 0.01) << "phase " << phase << " thickness " << tau;
    EXPECT_LT(measured, 0.9);
  }
}

TEST(PhaseObjectModel, BrightFieldDimsAsTheFilmThickens) {
  const PhaseObjectModel model = make_model(96, 1, {.dark_counts_per_pixel = 0.0});
  const Stem4DSpecimen& specimen = model.specimen();
  const double vacuum_bf = within(model, expected_at(model, 20, 30), model.bright_field_radius());
  struct Sample {
    double thickness;
    double bright_field;
  };
  std::array<std::vector<Sample>, 3> by_phase;
  for (double x = 40; x < 1024; x += 97) {
    for (double y = 40; y < 1024; y += 97) {
      if (specimen.is_vacuum(x, y) || !specimen.neighbourhood(x, y, window_radius(model)).uniform) {
        continue;
      }
      const double bf =
          within(model, expected_at(model, x, y), model.bright_field_radius()) / vacuum_bf;
      EXPECT_LT(bf, 0.95) << x << "," << y;
      by_phase[static_cast<std::size_t>(specimen.phase_at(x, y))].push_back(
          {specimen.thickness_at(x, y), bf});
    }
  }
  for (std::size_t phase = 0; phase < 3; ++phase) {
    const auto& samples = by_phase[phase];
    ASSERT_GE(samples.size(), 3U) << "phase " << phase;
    double thinnest = 10.0;
    double thickest = 0.0;
    for (const Sample& a : samples) {
      thinnest = std::min(thinnest, a.thickness);
      thickest = std::max(thickest, a.thickness);
      for (const Sample& b : samples) {
        if (a.thickness + 0.02 < b.thickness) {
          EXPECT_GT(a.bright_field, b.bright_field)
              << "phase " << phase << ": t=" << a.thickness << " vs " << b.thickness;
        }
      }
    }
    EXPECT_GT(thickest - thinnest, 0.1) << "phase " << phase;
  }
}

TEST(PhaseObjectModel, TotalCountsFollowTheDose) {
  PhaseObjectModel model = make_model(96);
  const double dark = model.detector().dark_counts_per_pixel * 96.0 * 96.0;
  // Frames in the hole all expect the same pattern: their totals are Poisson(dose + dark).
  std::vector<double> totals;
  for (int k = 0; k < 160; ++k) {
    const double x = 5.0 + (k * 37) % 120;
    const double y = 5.0 + (k * 53) % 120;
    ASSERT_TRUE(model.specimen().is_vacuum(x, y));
    totals.push_back(total(frame<std::uint32_t>(model, x, y)));
  }
  double mean = 0.0;
  for (const double t : totals) mean += t;
  mean /= static_cast<double>(totals.size());
  double variance = 0.0;
  for (const double t : totals) variance += (t - mean) * (t - mean);
  variance /= static_cast<double>(totals.size() - 1);
  const double expected_mean = kDose + dark;
  const auto n = static_cast<double>(totals.size());
  EXPECT_NEAR(mean, expected_mean, 4.0 * std::sqrt(expected_mean / n));
  // The variance of a sample variance of n Poisson draws is about 2 mean^2 / n.
  EXPECT_NEAR(variance / expected_mean, 1.0, 4.0 * std::sqrt(2.0 / n));

  // In the film the frame holds what the expected pattern says (some of the beam scatters
  // off the detector), and the expected pattern scales with the dose.
  for (const auto& [x, y] : std::vector<std::array<double, 2>>{{500, 500}, {900, 200}}) {
    const auto pattern = expected_at(model, x, y);
    const auto half = expected_at(model, x, y, {.electrons = 0.5 * kDose});
    EXPECT_NEAR(total(pattern) - dark, 2.0 * (total(half) - dark), 1e-6 * kDose);
    EXPECT_LT(total(pattern), kDose + dark);
    EXPECT_GT(total(pattern), 0.9 * kDose);
    EXPECT_NEAR(total(frame<std::uint32_t>(model, x, y)), total(pattern),
                5.0 * std::sqrt(total(pattern)));
  }
}

// Summed over many frames with the same expectation, each pixel's counts match it within
// Poisson error: bright pixels are drawn one by one, dim ones electron by electron.
TEST(PhaseObjectModel, CountsAverageToTheExpectedPattern) {
  PhaseObjectModel model = make_model(96, 3, {.psf_sigma_px = 1.0});
  const auto pattern = expected_at(model, 10, 10, {.electrons = 2000.0});
  std::vector<double> counted(model.pixel_count(), 0.0);
  constexpr int kFrames = 200;
  for (int k = 0; k < kFrames; ++k) {
    const auto counts =
        frame<std::uint32_t>(model, 3.0 + k % 100, 3.0 + k / 100, {.electrons = 2000.0});
    for (std::size_t p = 0; p < counted.size(); ++p) counted[p] += counts[p];
  }
  double chi2 = 0.0;
  std::size_t pixels = 0;
  for (std::size_t p = 0; p < counted.size(); ++p) {
    const double mean = kFrames * pattern[p];
    if (mean < 20.0) continue;
    const double z = (counted[p] - mean) / std::sqrt(mean);
    EXPECT_LT(std::abs(z), 6.0) << "pixel " << p;
    chi2 += z * z;
    ++pixels;
  }
  ASSERT_GT(pixels, 150U);
  EXPECT_NEAR(chi2 / static_cast<double>(pixels), 1.0, 0.25);
  // The dark counts spread over the rest.
  double dark_region = 0.0;
  double dark_expected = 0.0;
  for (std::size_t p = 0; p < counted.size(); ++p) {
    if (kFrames * pattern[p] < 1.0) {
      dark_region += counted[p];
      dark_expected += kFrames * pattern[p];
    }
  }
  EXPECT_NEAR(dark_region, dark_expected, 6.0 * std::sqrt(dark_expected) + 1.0);
}

TEST(PhaseObjectModel, DefocusShowsAShadowOfTheHoleEdgeButLeavesTheDiscsInPlace) {
  PhaseObjectModel model = make_model(128, 1, {.dark_counts_per_pixel = 0.0});
  const double defocus = 0.5 * model.max_defocus_nm();
  // Just inside the film at the hole's edge, on the diagonal: the hole lies towards (0, 0).
  const double edge = 0.2 * 1024 + 0.3;
  const double x = edge / std::numbers::sqrt2;
  ASSERT_FALSE(model.specimen().is_vacuum(x, x));
  ASSERT_TRUE(model.specimen().is_vacuum(x - 1.0, x - 1.0));
  struct Shadow {
    double contrast;      // relative standard deviation inside the bright-field disc
    double towards_hole;  // centroid shift towards the hole, pixels
  };
  const auto shadow = [&](double df) {
    const auto pattern = expected_at(model, x, x, {.electrons = kDose, .defocus_nm = df});
    double sum = 0.0;
    double sum2 = 0.0;
    double moment = 0.0;
    int count = 0;
    for (std::uint32_t i = 0; i < model.size(); ++i) {
      for (std::uint32_t j = 0; j < model.size(); ++j) {
        const PixelGeometry g = geometry(model, i, j);
        if (g.r > 0.8 * model.bright_field_radius()) continue;
        const double v = pattern[std::size_t{i} * model.size() + j];
        sum += v;
        sum2 += v * v;
        moment += v * -(g.dx + g.dy) / std::numbers::sqrt2;
        ++count;
      }
    }
    const double mean = sum / count;
    return Shadow{std::sqrt(sum2 / count - mean * mean) / mean, moment / sum};
  };
  const Shadow focused = shadow(0.0);
  const Shadow over = shadow(defocus);
  const Shadow under = shadow(-defocus);
  EXPECT_LT(focused.contrast, 0.02);
  EXPECT_GT(over.contrast, 2.5 * focused.contrast);
  EXPECT_GT(under.contrast, 2.5 * focused.contrast);
  // The shadow image inverts with the sign of the defocus: the vacuum (brighter) side of the
  // disc swaps over.
  EXPECT_GT(over.towards_hole, 0.05);
  EXPECT_LT(under.towards_hole, -0.05);

  // Inside a perfect crystal the discs stay where they are.
  const auto probe = expected_at(model, 5, 5);
  const auto [cx, cy] = perfect_crystal(model, 0);
  const auto in_focus = first_ring(find_discs(model, expected_at(model, cx, cy), probe));
  const auto defocused = first_ring(find_discs(
      model, expected_at(model, cx, cy, {.electrons = kDose, .defocus_nm = defocus}), probe));
  ASSERT_EQ(in_focus.size(), 6U);
  ASSERT_EQ(defocused.size(), in_focus.size());
  for (const Spot& a : in_focus) {
    double nearest = 1e9;
    for (const Spot& b : defocused)
      nearest = std::min(nearest, std::hypot(a.dx - b.dx, a.dy - b.dy));
    EXPECT_LT(nearest, 0.3);
  }
}

TEST(PhaseObjectModel, DefocusBeyondTheWindowIsRejected) {
  PhaseObjectModel model = make_model(96);
  // The defocused probe, |df| alpha in radius, must fit in the real-space window.
  const double alpha = model.optics().convergence_mrad * 1e-3;
  EXPECT_GT(model.max_defocus_nm() * alpha, 0.2 * model.window_nm());
  EXPECT_LT(model.max_defocus_nm() * alpha, 0.5 * model.window_nm());
  std::vector<std::uint16_t> out(model.pixel_count());
  const ProbeState too_far{.electrons = kDose, .defocus_nm = 1.01 * model.max_defocus_nm()};
  EXPECT_THROW(model.render(500, 500, too_far, std::span<std::uint16_t>(out)),
               std::invalid_argument);
  const ProbeState nan{.electrons = kDose, .defocus_nm = std::nan("")};
  EXPECT_THROW(model.render(500, 500, nan, std::span<std::uint16_t>(out)), std::invalid_argument);
  EXPECT_NO_THROW(model.render(500, 500,
                               {.electrons = kDose, .defocus_nm = -model.max_defocus_nm()},
                               std::span<std::uint16_t>(out)));
  // A larger detector samples spatial frequency more finely: a wider window, more defocus.
  EXPECT_NEAR(make_model(128).max_defocus_nm() / model.max_defocus_nm(), 128.0 / 96.0, 1e-9);
}

// Fits the width of the bright-field disc's rim: the spread of the derivative of the
// azimuthally averaged profile across it.
double rim_variance(const PatternModel& model, const std::vector<double>& pattern) {
  constexpr double kBin = 0.25;
  const double r0 = model.bright_field_radius();
  const int bins = static_cast<int>(16.0 / kBin);
  std::vector<double> sum(static_cast<std::size_t>(bins), 0.0);
  std::vector<int> count(static_cast<std::size_t>(bins), 0);
  for (std::uint32_t i = 0; i < model.size(); ++i) {
    for (std::uint32_t j = 0; j < model.size(); ++j) {
      const int b = static_cast<int>(std::floor((geometry(model, i, j).r - (r0 - 8.0)) / kBin));
      if (b < 0 || b >= bins) continue;
      sum[static_cast<std::size_t>(b)] += pattern[std::size_t{i} * model.size() + j];
      ++count[static_cast<std::size_t>(b)];
    }
  }
  std::vector<double> profile;
  for (int b = 0; b < bins; ++b) {
    const auto k = static_cast<std::size_t>(b);
    profile.push_back(count[k] > 0 ? sum[k] / count[k] : profile.back());
  }
  double weight = 0.0;
  double first = 0.0;
  double second = 0.0;
  for (std::size_t b = 0; b + 1 < profile.size(); ++b) {
    const double slope = profile[b] - profile[b + 1];
    const double r = (static_cast<double>(b) + 1.0) * kBin;
    weight += slope;
    first += slope * r;
    second += slope * r * r;
  }
  const double mean = first / weight;
  return second / weight - mean * mean;
}

TEST(PhaseObjectModel, PointSpreadFunctionWidensTheDiscRimBySigma) {
  const PhaseObjectModel sharp = make_model(128, 1, {.dark_counts_per_pixel = 0.0});
  const double sharp_rim = rim_variance(sharp, expected_at(sharp, 20, 30));
  for (const double sigma : {1.0, 2.0}) {
    const PhaseObjectModel blurred =
        make_model(128, 1, {.dark_counts_per_pixel = 0.0, .psf_sigma_px = sigma});
    const auto pattern = expected_at(blurred, 20, 30);
    // A pixel-integrated Gaussian adds sigma^2 + 1/12 px^2 of spread.
    EXPECT_NEAR(rim_variance(blurred, pattern) - sharp_rim, sigma * sigma + 1.0 / 12.0,
                0.15 * sigma * sigma)
        << "sigma " << sigma;
    EXPECT_NEAR(total(pattern), kDose, 1e-3 * kDose) << "the PSF moves charge, it makes none";
  }
}

TEST(PhaseObjectModel, SameSeedGivesIdenticalFramesInAnyOrderOtherSeedsDiffer) {
  PhaseObjectModel a = make_model(96, 7);
  PhaseObjectModel b = make_model(96, 7);
  PhaseObjectModel other = make_model(96, 8);
  const std::vector<std::array<double, 2>> positions = {{3, 4}, {500, 500}, {1023, 0}, {77, 900}};
  std::vector<std::vector<std::uint16_t>> forward;
  for (const auto& [x, y] : positions) forward.push_back(frame<std::uint16_t>(a, x, y));
  for (std::size_t k = positions.size(); k-- > 0;) {
    EXPECT_EQ(frame<std::uint16_t>(b, positions[k][0], positions[k][1]), forward[k]);
  }
  // Revisiting gives the same frame, also after other defocus values were rendered.
  frame<std::uint16_t>(a, 500, 500, {.electrons = kDose, .defocus_nm = 300.0});
  EXPECT_EQ(frame<std::uint16_t>(a, 500, 500), forward[1]);
  EXPECT_NE(frame<std::uint16_t>(a, 500, 501), forward[1]);
  for (std::size_t k = 0; k < positions.size(); ++k) {
    EXPECT_NE(frame<std::uint16_t>(other, positions[k][0], positions[k][1]), forward[k]);
  }
}

TEST(PhaseObjectModel, TypesSaturateAndABlankedBeamLeavesDarkCounts) {
  PhaseObjectModel model = make_model(96);
  const ProbeState strong{.electrons = 2e6};
  const auto u8 = frame<std::uint8_t>(model, 10, 10, strong);
  const auto u32 = frame<std::uint32_t>(model, 10, 10, strong);
  const auto u16 = frame<std::uint16_t>(model, 10, 10, strong);
  for (std::size_t p = 0; p < u8.size(); ++p) {
    ASSERT_EQ(u8[p], std::min<std::uint32_t>(u32[p], 255U));
    ASSERT_EQ(u16[p], std::min<std::uint32_t>(u32[p], 65535U));
  }
  EXPECT_EQ(*std::max_element(u8.begin(), u8.end()), 255U);

  const double dark = model.detector().dark_counts_per_pixel * 96.0 * 96.0;
  const auto blanked = frame<std::uint32_t>(model, 400, 400, {.electrons = kDose, .blanked = true});
  EXPECT_LE(total(blanked), dark + 6.0 * std::sqrt(dark) + 1.0);
  EXPECT_EQ(blanked, frame<std::uint32_t>(model, 400, 400, {.electrons = 0.0}));
  const auto nothing = expected_at(model, 400, 400, {.electrons = kDose, .blanked = true});
  EXPECT_NEAR(total(nothing), dark, 1e-9);
}

// Mean intensity at the centres of a crystal's first-order discs (those whole on the detector),
// over a small disc around each. Discs that another crystal's discs (`overlapping`) reach into
// are left out; NaN when none is left.
double disc_intensity(const PatternModel& model, const std::vector<double>& pattern, int phase,
                      double orientation, const std::vector<Spot>& overlapping = {}) {
  const auto fold = lattice_of(phase) == Lattice::Hexagonal ? 6 : 4;
  const double g = model.spot_radius(phase);
  const double sample = 0.4 * model.bright_field_radius();
  double sum = 0.0;
  int count = 0;
  for (int k = 0; k < fold; ++k) {
    const double angle = orientation + 2.0 * kPi * k / fold;
    const double cx = g * std::cos(angle);
    const double cy = g * std::sin(angle);
    const bool overlapped = std::any_of(overlapping.begin(), overlapping.end(), [&](const Spot& s) {
      return std::hypot(s.dx - cx, s.dy - cy) < sample + model.bright_field_radius();
    });
    if (overlapped) continue;
    for (std::uint32_t i = 0; i < model.size(); ++i) {
      for (std::uint32_t j = 0; j < model.size(); ++j) {
        const PixelGeometry p = geometry(model, i, j);
        if (std::hypot(p.dx - cx, p.dy - cy) > sample) continue;
        sum += pattern[std::size_t{i} * model.size() + j];
        ++count;
      }
    }
  }
  return count > 0 ? sum / count : std::nan("");
}

TEST(PhaseObjectModel, AGrainBoundaryShowsTheDiscsOfBothGrains) {
  const PhaseObjectModel model = make_model(128);
  const Stem4DSpecimen& specimen = model.specimen();
  ASSERT_TRUE(specimen.is_vacuum(5, 5));
  const auto probe = expected_at(model, 5, 5);
  // The midpoint of two seeds of different phases lies on their boundary when no other seed
  // is closer to it: a probe there straddles both grains.
  int checked = 0;
  for (std::size_t a = 0; a < specimen.grain_count() && checked < 3; ++a) {
    for (std::size_t b = a + 1; b < specimen.grain_count() && checked < 3; ++b) {
      if (specimen.grain_phase(a) == specimen.grain_phase(b)) continue;
      const auto ca = specimen.grain_centre(a);
      const auto cb = specimen.grain_centre(b);
      const double x = 0.5 * (ca[0] + cb[0]);
      const double y = 0.5 * (ca[1] + cb[1]);
      const int here = specimen.at(x, y).grain;
      if (here != static_cast<int>(a) && here != static_cast<int>(b)) continue;
      const auto near = specimen.neighbourhood(x, y, window_radius(model));
      if (near.grains.size() != 2 || !near.defects.empty() || near.hole_edge) continue;
      const std::array<std::size_t, 2> pair = {a, b};
      const std::array<std::vector<double>, 2> pure = {expected_at(model, ca[0], ca[1]),
                                                       expected_at(model, cb[0], cb[1])};
      const auto boundary = expected_at(model, x, y);
      // Each grain is judged by its discs that the other grain's discs, as a disc finder sees
      // them, leave clear: how the orientations fall is up to the seed.
      std::array<double, 2> pure_intensity{};
      std::array<double, 2> mixed_intensity{};
      for (std::size_t k = 0; k < 2; ++k) {
        const int phase = specimen.grain_phase(pair[k]);
        const double orientation = specimen.grain_orientation(pair[k]);
        const auto others = find_discs(model, pure[1 - k], probe);
        pure_intensity[k] = disc_intensity(model, pure[k], phase, orientation, others);
        mixed_intensity[k] = disc_intensity(model, boundary, phase, orientation, others);
      }
      if (std::isnan(pure_intensity[0]) || std::isnan(pure_intensity[1])) continue;
      for (std::size_t k = 0; k < 2; ++k) {
        // Each grain lights its own discs with part of the probe.
        EXPECT_GT(mixed_intensity[k], 0.15 * pure_intensity[k])
            << "grain " << pair[k] << " at " << x << "," << y;
        EXPECT_LT(mixed_intensity[k], 0.85 * pure_intensity[k])
            << "grain " << pair[k] << " at " << x << "," << y;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);
}

TEST(PhaseObjectModel, DefectsShowInThePatterns) {
  const PhaseObjectModel model = make_model(96);
  const Stem4DSpecimen& specimen = model.specimen();
  const auto probe = expected_at(model, 5, 5);
  int voids = 0;
  int inclusions = 0;
  for (const Defect& d : specimen.defects()) {
    if (d.kind == DefectKind::Void) {
      // A cavity thins the film: more of the beam stays in the bright-field disc than in
      // the film beside it.
      const double beside = d.radius + 8.0;
      const double bf_void =
          within(model, expected_at(model, d.x, d.y), model.bright_field_radius());
      const double bf_film =
          within(model, expected_at(model, d.x + beside, d.y), model.bright_field_radius());
      if (specimen.phase_at(d.x + beside, d.y) != specimen.phase_at(d.x, d.y)) continue;
      EXPECT_GT(bf_void, bf_film * 1.05) << "void at " << d.x << "," << d.y;
      ++voids;
    } else if (d.kind == DefectKind::Inclusion) {
      // A precipitate diffracts as its own phase.
      const auto spots = find_discs(model, expected_at(model, d.x, d.y), probe);
      const auto found = std::count_if(spots.begin(), spots.end(), [&](const Spot& s) {
        return std::abs(s.radius() - model.spot_radius(d.phase)) < 0.75;
      });
      EXPECT_GE(found, 3) << "inclusion at " << d.x << "," << d.y;
      ++inclusions;
    }
  }
  EXPECT_GE(voids, 1);
  EXPECT_GE(inclusions, 1);
}

TEST(PhaseObjectModel, ThermalDiffuseScatteringLandsAsAHaloOrIsLost) {
  const PhaseObjectModel kept = make_model(96, 1, {.dark_counts_per_pixel = 0.0});
  const PhaseObjectModel lost =
      make_model(96, 1, {.dark_counts_per_pixel = 0.0}, {.thermal_diffuse = false});
  const auto [x, y] = perfect_crystal(kept, 1);
  const double tau = kept.specimen().thickness_at(x, y);
  const double with_halo = total(expected_at(kept, x, y));
  const double without = total(expected_at(lost, x, y));
  // Without the halo, the elastic pattern holds exp(-absorption x thickness) of the beam,
  // less what scatters past the detector's edge.
  EXPECT_LT(without, kDose * std::exp(-0.3 * tau) + 1.0);
  EXPECT_GT(without, 0.9 * kDose * std::exp(-0.3 * tau));
  EXPECT_NEAR(with_halo - without, kDose * (1.0 - std::exp(-0.3 * tau)),
              0.05 * kDose * (1.0 - std::exp(-0.3 * tau)));
}

TEST(PhaseObjectModel, RejectsBadSettings) {
  const Stem4DSpecimen specimen(1, 64, 64);
  const auto make = [&](DetectorSettings detector, ProbeOptics optics,
                        PhaseObjectSettings settings) {
    return PhaseObjectModel(specimen, detector, optics, settings, 1);
  };
  EXPECT_THROW(make({.size = 8}, {}, {}), std::invalid_argument);
  EXPECT_THROW(make({.size = 98}, {}, {}), std::invalid_argument);
  EXPECT_THROW(make({.psf_sigma_px = -1.0}, {}, {}), std::invalid_argument);
  EXPECT_THROW(make({}, {.beam_energy_kv = 0.0}, {}), std::invalid_argument);
  EXPECT_THROW(make({}, {.convergence_mrad = -2.0}, {}), std::invalid_argument);
  EXPECT_THROW(make({}, {}, {.thickness_unit_nm = 0.0}), std::invalid_argument);
  EXPECT_THROW(make({}, {}, {.absorption_per_unit = -0.1}), std::invalid_argument);
  PhaseObjectModel model = make({}, {}, {});
  std::vector<std::uint16_t> small(10);
  EXPECT_THROW(model.render(1, 1, {.electrons = 1.0}, std::span<std::uint16_t>(small)),
               std::invalid_argument);
  std::vector<std::uint16_t> right(model.pixel_count());
  EXPECT_THROW(model.render(NAN, 1, {.electrons = 1.0}, std::span<std::uint16_t>(right)),
               std::invalid_argument);
  EXPECT_THROW(model.render(1, 1, {.electrons = -1.0}, std::span<std::uint16_t>(right)),
               std::invalid_argument);
}

// Reports the frame rate (not a hard limit: machines differ) and catches a pathological
// slowdown with a very loose floor. A line of positions crosses grains and defects as a scan
// does.
}  // namespace
}  // namespace edgeloop::sims
