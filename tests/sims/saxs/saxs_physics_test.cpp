// Physics sanity of the whole chain, checked the way a beamline scientist would: render a
// monodisperse sphere sample, reduce the image radially with the PONI geometry, and find the
// sphere form factor's minima where theory puts them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "edgeloop/formats/poni_geometry.hpp"
#include "edgeloop/sims/saxs_device.hpp"

namespace edgeloop::sims {
namespace {

// Zeros of the sphere amplitude, tan x = x.
constexpr double kFirstZero = 4.493409457909064;
constexpr double kSecondZero = 7.725251836937707;

SaxsConfig monodisperse_config() {
  SaxsConfig c;
  c.common.seed = 3;
  c.detector.rows = 512;
  c.detector.cols = 512;
  c.detector.module_rows = 248;
  c.detector.module_cols = 248;
  c.geometry = default_saxs_geometry(c.detector);  // 2 m, 0.1 nm, 75 µm
  c.sample.sphere_polydispersity_min = 0.0;
  c.sample.sphere_polydispersity_max = 0.0;
  c.sample.sphere_radius_min_nm = 10.0;
  c.sample.sphere_radius_max_nm = 24.0;
  c.beam.flux_photons_per_s = 1e12;
  return c;
}

// Azimuthal average of counts / (solid angle · polarisation) in q bins of `bin` nm⁻¹, from
// the geometry alone; pixels set negative (masked) are left out, as a reduction does.
std::vector<double> radial_profile(const std::vector<double>& image, const SaxsConfig& config,
                                   double bin, std::size_t bins) {
  const formats::PoniGeometry g(config.geometry);
  std::vector<double> sum(bins, 0.0);
  std::vector<double> count(bins, 0.0);
  for (std::uint32_t i = 0; i < g.rows(); ++i) {
    for (std::uint32_t j = 0; j < g.cols(); ++j) {
      const double value = image[std::size_t{i} * g.cols() + j];
      if (value < 0.0) continue;  // masked
      const auto b = static_cast<std::size_t>(g.q_nm(i, j) / bin);
      if (b >= bins) continue;
      sum[b] +=
          value / (g.solid_angle_sr(i, j) * g.polarization(i, j, config.beam.polarization_factor));
      count[b] += 1.0;
    }
  }
  for (std::size_t b = 0; b < bins; ++b) sum[b] = count[b] > 0 ? sum[b] / count[b] : std::nan("");
  return sum;
}

// The bin of the profile's minimum between q_lo and q_hi, refined by a parabola through the
// bins around it (least squares over ±half_width bins); returns q.
double minimum_between(const std::vector<double>& profile, double bin, double q_lo, double q_hi,
                       int half_width) {
  const auto lo = static_cast<std::size_t>(q_lo / bin);
  const auto hi = static_cast<std::size_t>(q_hi / bin);
  std::size_t best = lo;
  for (std::size_t b = lo; b <= hi; ++b) {
    if (profile[b] < profile[best]) best = b;
  }
  EXPECT_GT(best, lo) << "minimum at the window's edge";
  EXPECT_LT(best, hi) << "minimum at the window's edge";
  // Fit y = a + b x + c x² with x in bins relative to `best`.
  double s[5] = {0, 0, 0, 0, 0};
  double t[3] = {0, 0, 0};
  for (int d = -half_width; d <= half_width; ++d) {
    const double y = profile[static_cast<std::size_t>(static_cast<long>(best) + d)];
    double p = 1.0;
    for (int k = 0; k < 5; ++k) {
      s[k] += p;
      if (k < 3) t[k] += p * y;
      p *= d;
    }
  }
  // Normal equations, solved by Cramer's rule.
  const double m[3][3] = {{s[0], s[1], s[2]}, {s[1], s[2], s[3]}, {s[2], s[3], s[4]}};
  const auto det3 = [](const double a[3][3]) {
    return a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
           a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
           a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  };
  double mb[3][3];
  double mc[3][3];
  std::memcpy(mb, m, sizeof m);
  std::memcpy(mc, m, sizeof m);
  for (int r = 0; r < 3; ++r) {
    mb[r][1] = t[r];
    mc[r][2] = t[r];
  }
  const double det = det3(m);
  const double b1 = det3(mb) / det;
  const double c2 = det3(mc) / det;
  const double offset = c2 > 0 ? std::clamp(-b1 / (2.0 * c2), -1.0, 1.0) : 0.0;
  return (static_cast<double>(best) + 0.5 + offset) * bin;
}

struct SphereScene {
  SaxsConfig config = monodisperse_config();
  SaxsDevice device{config};
  double radius = 0.0;
  double bin = 0.0;
  std::size_t bins = 0;

  SphereScene() {
    // The sphere region, where R is near 20 nm (and no cylinder is present).
    EXPECT_EQ(device.execute("stage_x", std::vector<double>{-1.0}, 1).status,
              wire::AckStatus::Done);
    const SampleStructure s = device.sample().structure_at(-1.0, 0.0, 25.0);
    EXPECT_EQ(s.sphere_share, 1.0);
    EXPECT_EQ(s.spheres.polydispersity, 0.0);
    radius = s.spheres.radius_nm;
    // One pixel's q step at the beam: the finest binning the detector supports.
    bin = 4.0 * M_PI / 0.1 * std::sin(0.5 * std::atan(75e-6 / 2.0));
    bins = static_cast<std::size_t>(0.6 / bin);
  }
};

TEST(SaxsPhysics, NoiseFreeImageShowsSphereMinimaAtTheirTheoreticalQ) {
  SphereScene setup;
  std::vector<double> image = setup.device.expected_frame(setup.device.state());
  const auto mask = setup.device.detector().mask();
  for (std::size_t k = 0; k < image.size(); ++k) image[k] = mask[k] != 0 ? -1.0 : image[k];
  const auto profile = radial_profile(image, setup.config, setup.bin, setup.bins);
  const double r = setup.radius;
  // Windows between the form factor's maxima (qR = 5.76, 9.10) so each holds one zero.
  const double q1 = minimum_between(profile, setup.bin, 3.6 / r, 5.7 / r, 3);
  const double q2 = minimum_between(profile, setup.bin, 6.9 / r, 8.9 / r, 3);
  // The image is sampled in q bins of one pixel (Δq = 0.00236 nm⁻¹, Δ(qR) ≈ 0.05 at R ≈ 20
  // nm) and the parabola puts the vertex within a bin; allow one bin.
  const double tolerance = setup.bin * r;
  EXPECT_NEAR(q1 * r, kFirstZero, tolerance) << "R = " << r;
  EXPECT_NEAR(q2 * r, kSecondZero, tolerance) << "R = " << r;
}

TEST(SaxsPhysics, NoisyImageShowsSphereMinimaAtTheirTheoreticalQ) {
  SphereScene setup;
  ASSERT_EQ(setup.device.execute("acquire", std::vector<double>{1}, 2).status,
            wire::AckStatus::Done);
  const DataMessage frame = setup.device.produce({});
  std::vector<std::uint32_t> counts(setup.device.detector().pixel_count());
  std::memcpy(counts.data(), frame.parts.at(1).data(), frame.parts.at(1).size());
  // A consumer knows gaps and bad pixels by the marker value; the beamstop it knows only from
  // the experiment's mask (the truth file's pixel_mask): its shadow reads dark counts, which
  // would drag the profile down wherever the arm crosses a q ring.
  const auto mask = setup.device.detector().mask();
  std::vector<double> image(counts.size());
  std::size_t marked = 0;
  std::size_t shadowed = 0;
  double shadow_counts = 0.0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const bool flagged = counts[k] == 0xFFFFFFFFU;
    const bool beamstop = (mask[k] & kMaskBeamstop) != 0;
    image[k] = flagged || beamstop ? -1.0 : static_cast<double>(counts[k]);
    marked += flagged ? 1U : 0U;
    if (beamstop && !flagged) {
      ++shadowed;
      shadow_counts += counts[k];
    }
  }
  EXPECT_EQ(marked, setup.device.detector().count_masked(kMaskGap | kMaskDead | kMaskHot));
  ASSERT_GT(shadowed, 1000U);
  // The shadow holds dark counts (1e-3 /s for 1 s), not the marker and not scattering.
  EXPECT_LT(shadow_counts, 0.01 * static_cast<double>(shadowed) + 10.0);
  // Twice the bin width: ~1300 pixels per bin around the minima, so the counts of the maxima
  // next to them (~10⁴ per pixel) stand hundreds of standard errors above the minima.
  const double bin = 2.0 * setup.bin;
  const auto profile = radial_profile(image, setup.config, bin, setup.bins / 2);
  const double r = setup.radius;
  const double q1 = minimum_between(profile, bin, 3.6 / r, 5.7 / r, 3);
  const double q2 = minimum_between(profile, bin, 6.9 / r, 8.9 / r, 3);
  // Noise can move the vertex by a fraction of a bin; allow one (doubled) bin.
  const double tolerance = bin * r;
  EXPECT_NEAR(q1 * r, kFirstZero, tolerance) << "R = " << r;
  EXPECT_NEAR(q2 * r, kSecondZero, tolerance) << "R = " << r;
}

}  // namespace
}  // namespace edgeloop::sims
