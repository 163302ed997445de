#include "edgeloop/controllers/scan/scan_strategy.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "edgeloop/controllers/scan/scan_environment.hpp"
#include "edgeloop/controllers/scan/scan_evaluation.hpp"

namespace edgeloop::scan {
namespace {

std::vector<double> disc_image(std::uint32_t n) {
  std::vector<double> image(static_cast<std::size_t>(n) * n);
  for (std::uint32_t y = 0; y < n; ++y) {
    for (std::uint32_t x = 0; x < n; ++x) {
      const double dx = x - 0.4 * n;
      const double dy = y - 0.55 * n;
      image[y * n + x] = dx * dx + dy * dy < 0.09 * n * n ? 1.0 : 0.2;
    }
  }
  return image;
}

// The positions a strategy picks, measuring each from `truth`.
std::vector<std::int64_t> picks(ScanStrategy& s, std::uint32_t n, const std::vector<double>& truth,
                                std::size_t count) {
  ScanEnvironment env(n, n, truth, count);
  std::vector<std::int64_t> out;
  for (std::uint64_t k = 0; !env.done(); ++k) {
    const auto c = s.choose(env.observation(), k);
    if (c.index < 0) break;
    EXPECT_TRUE(env.observation().available(c.index));
    out.push_back(c.index);
    env.step(c.index);
  }
  return out;
}

TEST(RasterSubsample, CoversTheGridUniformlyWithAtLeastTheAskedCount) {
  const auto p = raster_subsample_positions(32, 32, 205);
  EXPECT_GE(p.size(), 205u);
  EXPECT_LE(p.size(), 215u);
  EXPECT_EQ(std::set<std::int64_t>(p.begin(), p.end()).size(), p.size());
  std::set<std::int64_t> xs;
  std::set<std::int64_t> ys;
  for (const auto i : p) {
    xs.insert(i % 32);
    ys.insert(i / 32);
  }
  EXPECT_EQ(xs.size() * ys.size(), p.size());  // a full lattice
  // Spacing varies by at most one grid step in each direction.
  std::vector<std::int64_t> xv(xs.begin(), xs.end());
  std::int64_t lo = 100;
  std::int64_t hi = 0;
  for (std::size_t i = 1; i < xv.size(); ++i) {
    lo = std::min(lo, xv[i] - xv[i - 1]);
    hi = std::max(hi, xv[i] - xv[i - 1]);
  }
  EXPECT_LE(hi - lo, 1);
  EXPECT_EQ(raster_subsample_positions(4, 4, 16).size(), 16u);
  EXPECT_EQ(raster_subsample_positions(4, 4, 100).size(), 16u);
  EXPECT_EQ(seed_grid_positions(32, 32).size(), 16u);
}

TEST(ScanStrategies, RasterSubsampledMeasuresItsSubGrid) {
  auto s = make_scan_strategy("raster_subsampled", {.nx = 16, .ny = 16, .positions = 64});
  const auto p = picks(*s, 16, disc_image(16), 64);
  EXPECT_EQ(p, raster_subsample_positions(16, 16, 64));
}

TEST(ScanStrategies, RandomVisitsEveryPositionOnceInASeededOrder) {
  auto a = make_scan_strategy("random", {.nx = 8, .ny = 8, .positions = 64, .seed = 5});
  auto b = make_scan_strategy("random", {.nx = 8, .ny = 8, .positions = 64, .seed = 5});
  auto c = make_scan_strategy("random", {.nx = 8, .ny = 8, .positions = 64, .seed = 6});
  const auto pa = picks(*a, 8, disc_image(8), 64);
  EXPECT_EQ(std::set<std::int64_t>(pa.begin(), pa.end()).size(), 64u);
  EXPECT_EQ(pa, picks(*b, 8, disc_image(8), 64));
  EXPECT_NE(pa, picks(*c, 8, disc_image(8), 64));
}

TEST(ScanStrategies, GpUncertaintyStartsOnTheSeedGridAndBeatsRandomOnAnEdge) {
  const auto truth = disc_image(16);
  auto gp = make_scan_strategy("gp_uncertainty", {.nx = 16, .ny = 16, .positions = 60, .seed = 1});
  const auto p = picks(*gp, 16, truth, 60);
  ASSERT_EQ(p.size(), 60u);
  const auto seeds = seed_grid_positions(16, 16);
  EXPECT_EQ(std::vector<std::int64_t>(p.begin(), p.begin() + static_cast<long>(seeds.size())),
            seeds);
  EXPECT_EQ(std::set<std::int64_t>(p.begin(), p.end()).size(), p.size());
  EXPECT_TRUE(gp->describe().contains("log_length_scales"));
  // Same inputs, same choices.
  auto again =
      make_scan_strategy("gp_uncertainty", {.nx = 16, .ny = 16, .positions = 60, .seed = 1});
  EXPECT_EQ(picks(*again, 16, truth, 60), p);
}

TEST(ScanStrategies, UnknownNamesAreRefused) {
  EXPECT_THROW(make_scan_strategy("spiral", {}), std::invalid_argument);
  EXPECT_EQ(scan_strategy_names().size(), 4u);
}

TEST(ScanEvaluation, CurvesRecordTheErrorAfterEveryPosition) {
  auto s = make_scan_strategy("random", {.nx = 8, .ny = 8, .positions = 64, .seed = 2});
  const auto curve = run_scan_strategy(*s, 8, 8, disc_image(8), 64, true);
  ASSERT_EQ(curve.error.size(), 64u);
  EXPECT_EQ(curve.decision_ns.size(), 64u);
  EXPECT_EQ(curve.error.back(), 0.0);
}

}  // namespace
}  // namespace edgeloop::scan
