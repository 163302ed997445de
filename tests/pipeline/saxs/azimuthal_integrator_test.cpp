#include "edgeloop/pipeline/saxs/azimuthal_integrator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "edgeloop/pipeline/saxs/intensity_profile.hpp"
#include "saxs_test_support.hpp"

namespace edgeloop::saxs {
namespace {

using fixtures::dtype_of;
using fixtures::tilted_geometry;

class AzimuthalIntegratorTest : public fixtures::KokkosSuite {
 protected:
  formats::PoniGeometry geometry_{tilted_geometry()};
};

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& pixels) {
  return std::as_bytes(std::span(pixels));
}

// c × solid angle × polarisation: what a flat scatterer of intensity c puts on each pixel.
std::vector<double> flat_field(const formats::PoniGeometry& g, double c, double factor) {
  std::vector<double> image = g.solid_angle_array();
  const std::vector<double> p = g.polarization_array(factor);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] *= c * p[i];
  return image;
}

TEST_F(AzimuthalIntegratorTest, FlatFieldIntegratesToItsIntensityInEveryBin) {
  constexpr double kC = 1234.5;
  const AzimuthalIntegrator integrator(geometry_, {.bins = 120, .polarization_factor = 0.95});
  const std::vector<double> image = flat_field(geometry_, kC, 0.95);
  const BinnedSums sums = integrator.integrate(bytes_of(image), wire::DType::F64);
  const IntensityProfile profile = poisson_intensity(integrator.bin_centres(), sums);
  std::size_t filled = 0;
  for (std::size_t k = 0; k < integrator.bins(); ++k) {
    if (sums.pixels[k] == 0) {
      EXPECT_TRUE(std::isnan(profile.intensity[k]));
      continue;
    }
    ++filled;
    EXPECT_NEAR(profile.intensity[k], kC, kC * 1e-11) << "bin " << k;
  }
  EXPECT_GT(filled, 110u);
  std::uint64_t total = 0;
  for (const auto n : sums.pixels) total += n;
  EXPECT_EQ(total, geometry_.pixel_count());
}

TEST_F(AzimuthalIntegratorTest, RoundedFlatFieldInU32IsFlatWithinRounding) {
  constexpr double kC = 1.0e6;
  const AzimuthalIntegrator integrator(geometry_, {.bins = 80, .polarization_factor = 0.99});
  const std::vector<double> exact = flat_field(geometry_, kC, 0.99);
  std::vector<std::uint32_t> image(exact.size());
  for (std::size_t i = 0; i < exact.size(); ++i) {
    image[i] = static_cast<std::uint32_t>(std::lround(exact[i]));
  }
  const IntensityProfile profile = poisson_intensity(
      integrator.bin_centres(), integrator.integrate(bytes_of(image), wire::DType::U32));
  for (const double value : profile.intensity) {
    if (!std::isnan(value)) {
      EXPECT_NEAR(value, kC, kC * 5e-7);
    }
  }
}

TEST_F(AzimuthalIntegratorTest, BinsFollowPyFaiNoSplittingOverTheUnmaskedRange) {
  std::vector<std::uint8_t> mask(geometry_.pixel_count(), 0);
  for (std::size_t i = 0; i < mask.size(); i += 7) mask[i] = 1;
  const AzimuthalIntegrator integrator(geometry_, {.bins = 50}, mask);
  const std::vector<double> q = geometry_.q_array();
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (mask[i] != 0) continue;
    lo = std::min(lo, q[i]);
    hi = std::max(hi, q[i]);
  }
  EXPECT_EQ(integrator.radial_min(), lo);
  EXPECT_EQ(integrator.radial_max(), hi);
  EXPECT_EQ(integrator.masked_pixels(), (mask.size() + 6) / 7);
  const double width = (hi - lo) / 50.0;
  for (std::size_t k = 0; k < 50; ++k) {
    EXPECT_NEAR(integrator.bin_centres()[k], lo + (static_cast<double>(k) + 0.5) * width, 1e-12);
  }
  for (std::size_t i = 0; i < q.size(); ++i) {
    const std::int32_t b = integrator.pixel_bins()[i];
    if (mask[i] != 0) {
      EXPECT_EQ(b, -1);
      continue;
    }
    ASSERT_GE(b, 0);
    // Each pixel centre lies in its bin (the largest one in the last, right edge included).
    const double left = lo + static_cast<double>(b) * width;
    EXPECT_GE(q[i], left - 1e-12) << i;
    EXPECT_LE(q[i], left + width + 1e-12) << i;
    EXPECT_NEAR(integrator.pixel_weight(i),
                geometry_.solid_angle(static_cast<double>(i / 200), static_cast<double>(i % 200)) *
                    geometry_.polarization(static_cast<double>(i / 200),
                                           static_cast<double>(i % 200), 0.99),
                1e-12);
  }
}

TEST_F(AzimuthalIntegratorTest, AngstromUnitsScaleTheAxisOnly) {
  const AzimuthalIntegrator nm(geometry_, {.bins = 40});
  const AzimuthalIntegrator a(geometry_, {.bins = 40, .unit = RadialUnit::QA});
  const std::vector<double> image = flat_field(geometry_, 10.0, 0.99);
  const BinnedSums s_nm = nm.integrate(bytes_of(image), wire::DType::F64);
  const BinnedSums s_a = a.integrate(bytes_of(image), wire::DType::F64);
  EXPECT_NEAR(a.radial_max(), nm.radial_max() / 10.0, 1e-15);
  for (std::size_t k = 0; k < 40; ++k) {
    EXPECT_NEAR(a.bin_centres()[k], nm.bin_centres()[k] / 10.0, 1e-14);
    // Bin membership can differ at an edge by rounding; totals must not.
  }
  double t_nm = 0.0;
  double t_a = 0.0;
  for (std::size_t k = 0; k < 40; ++k) {
    t_nm += s_nm.counts[k];
    t_a += s_a.counts[k];
  }
  EXPECT_NEAR(t_a, t_nm, 1e-9 * t_nm);
}

TEST_F(AzimuthalIntegratorTest, RadialRangeLeavesOutsidePixelsOut) {
  const AzimuthalIntegrator whole(geometry_, {.bins = 10});
  const double lo = whole.radial_min() + 0.3 * (whole.radial_max() - whole.radial_min());
  const double hi = whole.radial_min() + 0.8 * (whole.radial_max() - whole.radial_min());
  const AzimuthalIntegrator integrator(geometry_, {.bins = 10, .radial_min = lo, .radial_max = hi});
  const std::vector<double> q = geometry_.q_array();
  std::size_t inside = 0;
  for (const double v : q) inside += (v >= lo && v <= hi) ? 1 : 0;
  ASSERT_GT(inside, 0u);
  ASSERT_LT(inside, q.size());
  EXPECT_EQ(integrator.out_of_range_pixels(), q.size() - inside);
  EXPECT_DOUBLE_EQ(integrator.bin_centres()[0], lo + 0.05 * (hi - lo));
  std::uint64_t binned = 0;
  for (const auto n : integrator.static_sums().pixels) binned += n;
  EXPECT_EQ(binned, inside);
}

TEST_F(AzimuthalIntegratorTest, MaskedPixelsContributeNothing) {
  constexpr double kC = 500.0;
  std::vector<std::uint8_t> mask(geometry_.pixel_count(), 0);
  std::vector<double> image = flat_field(geometry_, kC, 0.99);
  // A block of garbage under the static mask, and per-frame NaN marks (f64's invalid value).
  for (std::uint32_t r = 40; r < 80; ++r) {
    for (std::uint32_t c = 10; c < 90; ++c) {
      mask[r * 200U + c] = 1;
      image[r * 200U + c] = 1e9;
    }
  }
  std::size_t marked = 0;
  for (std::size_t i = 3; i < image.size(); i += 11) {
    if (mask[i] != 0) continue;
    image[i] = std::numeric_limits<double>::quiet_NaN();
    ++marked;
  }
  const AzimuthalIntegrator integrator(geometry_, {.bins = 60}, mask);
  const BinnedSums sums = integrator.integrate(bytes_of(image), wire::DType::F64);
  const IntensityProfile profile = poisson_intensity(integrator.bin_centres(), sums);
  for (const double value : profile.intensity) {
    if (!std::isnan(value)) {
      EXPECT_NEAR(value, kC, kC * 1e-11);
    }
  }
  std::uint64_t total = 0;
  for (const auto n : sums.pixels) total += n;
  EXPECT_EQ(total, geometry_.pixel_count() - 40 * 80 - marked);
}

TEST_F(AzimuthalIntegratorTest, DtypeMaximumIsMaskedPerFrameAndAllRejectedBinsAreEmpty) {
  const AzimuthalIntegrator integrator(geometry_, {.bins = 30});
  std::vector<std::uint16_t> image(geometry_.pixel_count(), 7);
  // Every pixel of bin 0 reads the gap mark, plus a few elsewhere.
  std::size_t others = 0;
  for (std::size_t i = 0; i < image.size(); ++i) {
    const std::int32_t b = integrator.pixel_bins()[i];
    if (b == 0 || (b > 0 && i % 13 == 0)) {
      image[i] = 0xFFFF;
      others += b > 0 ? 1 : 0;
    }
  }
  const BinnedSums sums = integrator.integrate(bytes_of(image), wire::DType::U16);
  const BinnedSums full = integrator.static_sums();
  EXPECT_EQ(sums.pixels[0], 0u);
  EXPECT_EQ(sums.norm[0], 0.0);
  EXPECT_EQ(sums.counts[0], 0.0);
  std::uint64_t lost = 0;
  for (std::size_t k = 1; k < 30; ++k) {
    lost += full.pixels[k] - sums.pixels[k];
    EXPECT_EQ(sums.counts[k], 7.0 * static_cast<double>(sums.pixels[k]));
  }
  EXPECT_EQ(lost, others);
  const IntensityProfile profile = poisson_intensity(integrator.bin_centres(), sums);
  EXPECT_TRUE(std::isnan(profile.intensity[0]));
  EXPECT_TRUE(std::isnan(profile.sigma[0]));
}

TEST_F(AzimuthalIntegratorTest, PoissonErrorOfOneBinOverTheWholeDetector) {
  // No polarisation: the weights are the relative solid angles alone.
  const AzimuthalIntegrator integrator(geometry_, {.bins = 1, .polarization_factor = std::nullopt});
  const std::vector<std::uint32_t> ones(geometry_.pixel_count(), 4);
  const IntensityProfile profile = poisson_intensity(
      integrator.bin_centres(), integrator.integrate(bytes_of(ones), wire::DType::U32), 2.0);
  double norm = 0.0;
  for (const double w : geometry_.solid_angle_array()) norm += w;
  const double n = static_cast<double>(geometry_.pixel_count());
  EXPECT_NEAR(profile.intensity[0], 4.0 * n / (norm * 2.0), 1e-12 * profile.intensity[0]);
  EXPECT_NEAR(profile.sigma[0], std::sqrt(4.0 * n) / (norm * 2.0), 1e-12 * profile.sigma[0]);
}

// Every supported dtype, its invalid marks, and integer sums checked exactly against a plain
// per-bin 64-bit sum.
template <typename T>
void check_exact_sums(const AzimuthalIntegrator& integrator, std::mt19937_64& rng) {
  std::vector<T> image(integrator.pixel_count());
  std::vector<double> expected(integrator.bins(), 0.0);
  std::vector<std::uint64_t> exact(integrator.bins(), 0);
  std::vector<std::uint64_t> kept(integrator.bins(), 0);
  std::uniform_int_distribution<std::int64_t> value(
      0, std::is_same_v<T, std::uint8_t> ? 254 : 1 << 30);
  for (std::size_t i = 0; i < image.size(); ++i) {
    const bool invalid = i % 17 == 0;
    if constexpr (std::is_floating_point_v<T>) {
      image[i] = invalid ? std::numeric_limits<T>::infinity() : static_cast<T>(value(rng) % 1000);
    } else if constexpr (std::is_signed_v<T>) {
      image[i] = invalid ? T{-1} : static_cast<T>(value(rng));
    } else {
      image[i] = invalid ? std::numeric_limits<T>::max()
                         : static_cast<T>(value(rng) % std::int64_t{std::numeric_limits<T>::max()});
    }
    const std::int32_t b = integrator.pixel_bins()[i];
    if (b < 0 || invalid) continue;
    const auto k = static_cast<std::size_t>(b);
    if constexpr (std::is_floating_point_v<T>) {
      expected[k] += static_cast<double>(image[i]);
    } else {
      exact[k] += static_cast<std::uint64_t>(image[i]);
    }
    ++kept[k];
  }
  // A payload one byte off alignment gives the same answer.
  std::vector<std::byte> shifted(image.size() * sizeof(T) + 1);
  std::memcpy(shifted.data() + 1, image.data(), image.size() * sizeof(T));
  const auto unaligned = std::span<const std::byte>(shifted).subspan(1);
  const BinnedSums a = integrator.integrate(bytes_of(image), dtype_of<T>());
  const BinnedSums b = integrator.integrate(unaligned, dtype_of<T>());
  for (std::size_t k = 0; k < integrator.bins(); ++k) {
    if constexpr (std::is_floating_point_v<T>) {
      EXPECT_DOUBLE_EQ(a.counts[k], expected[k]);
    } else {
      EXPECT_EQ(a.counts[k], static_cast<double>(exact[k])) << "bin " << k;
    }
    EXPECT_EQ(a.pixels[k], kept[k]);
    EXPECT_EQ(b.counts[k], a.counts[k]);
    EXPECT_EQ(b.norm[k], a.norm[k]);
  }
}

TEST_F(AzimuthalIntegratorTest, EveryDtypeSumsExactlyAndMasksItsInvalidValues) {
  const AzimuthalIntegrator integrator(geometry_, {.bins = 25});
  std::mt19937_64 rng(42);
  check_exact_sums<std::uint8_t>(integrator, rng);
  check_exact_sums<std::uint16_t>(integrator, rng);
  check_exact_sums<std::uint32_t>(integrator, rng);
  check_exact_sums<std::int32_t>(integrator, rng);
  check_exact_sums<float>(integrator, rng);
  check_exact_sums<double>(integrator, rng);
}

TEST_F(AzimuthalIntegratorTest, RefusesBadOptionsAndFrames) {
  EXPECT_THROW(AzimuthalIntegrator(geometry_, {.bins = 0}), std::invalid_argument);
  EXPECT_THROW(AzimuthalIntegrator(geometry_, {.radial_min = 2.0, .radial_max = 1.0}),
               std::invalid_argument);
  EXPECT_THROW(AzimuthalIntegrator(geometry_, {.radial_min = -1.0}), std::invalid_argument);
  EXPECT_THROW(AzimuthalIntegrator(geometry_, {.polarization_factor = 1.5}), std::invalid_argument);
  const std::vector<std::uint8_t> short_mask(10, 0);
  EXPECT_THROW(AzimuthalIntegrator(geometry_, {}, short_mask), std::invalid_argument);
  const std::vector<std::uint8_t> all(geometry_.pixel_count(), 1);
  EXPECT_THROW(AzimuthalIntegrator(geometry_, {}, all), std::invalid_argument);

  const AzimuthalIntegrator integrator(geometry_, {});
  const std::vector<std::uint32_t> short_frame(geometry_.pixel_count() - 1, 1);
  EXPECT_THROW(integrator.integrate(bytes_of(short_frame), wire::DType::U32),
               std::invalid_argument);
  const std::vector<std::uint32_t> frame(geometry_.pixel_count(), 1);
  EXPECT_THROW(integrator.integrate(bytes_of(frame), wire::DType::U16), std::invalid_argument);
  EXPECT_THROW(integrator.integrate(bytes_of(frame), wire::DType::Unknown), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::saxs
