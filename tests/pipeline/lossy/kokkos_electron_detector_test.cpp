// The Kokkos form of electron detection against the plain loop, on the hand-made cases where
// the rule is delicate: flat tops, frame edges, non-finite pixels, pile-up, the pedestal.
#include "edgeloop/pipeline/lossy/kokkos_electron_detector.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/pipeline/lossy/electron_counter.hpp"

namespace edgeloop::lossy {
namespace {

constexpr ImageShape kShape{9, 11};
constexpr ElectronCounterSettings kSettings{.gain_adu = 100.0,
                                            .threshold_adu = 15.0,
                                            .min_cluster_adu = 50.0,
                                            .pedestal_adu = 10.0,
                                            .weight_by_charge = true};

// Runs before the suite below creates the runtime.
TEST(KokkosElectronDetectorWithoutRuntime, RefusesToRun) {
  KokkosElectronDetector detector(kSettings);
  std::vector<CountedEvent> events;
  EXPECT_THROW(detector.detect(std::vector<double>(kShape.pixels()), kShape, events),
               std::logic_error);
}

class KokkosElectronDetectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

TEST_F(KokkosElectronDetectorTest, FindsTheLoopsEventsInItsOrder) {
  std::vector<double> f(kShape.pixels(), 10.0);  // the pedestal
  const auto set = [&](std::uint32_t row, std::uint32_t col, double v) {
    f[std::size_t{row} * kShape.cols + col] = 10.0 + v;
  };
  set(0, 0, 90.0);   // a corner
  set(8, 10, 70.0);  // the opposite corner
  for (const auto& [row, col] : {std::pair{2U, 2U}, {2U, 3U}, {3U, 2U}, {3U, 3U}}) {
    set(row, col, 25.0);  // a flat top
  }
  set(5, 7, 260.0);  // a pile-up
  set(5, 8, 30.0);
  set(6, 1, 40.0);  // a noise spike below the cluster minimum
  f[4 * kShape.cols + 9] = std::numeric_limits<double>::quiet_NaN();
  set(4, 10, 80.0);  // beside the NaN
  ElectronCounter loop(kSettings);
  KokkosElectronDetector kokkos(kSettings);
  std::vector<CountedEvent> expected;
  const CountingReport r = loop.count(f, kShape, 0, expected);
  std::vector<CountedEvent> found = {CountedEvent{}};  // appended after what is there
  const double charge = kokkos.detect(f, kShape, found);
  ASSERT_EQ(found.size(), expected.size() + 1);
  ASSERT_EQ(expected.size(), 5U);
  for (std::size_t e = 0; e < expected.size(); ++e) {
    EXPECT_EQ(found[e + 1].x, expected[e].x) << e;
    EXPECT_EQ(found[e + 1].y, expected[e].y) << e;
    EXPECT_EQ(found[e + 1].charge_adu, expected[e].charge_adu) << e;
    EXPECT_EQ(found[e + 1].electrons, expected[e].electrons) << e;
  }
  EXPECT_DOUBLE_EQ(charge, r.charge_adu);
  EXPECT_THROW(kokkos.detect(std::vector<double>(3), kShape, found), std::invalid_argument);
  EXPECT_THROW(KokkosElectronDetector({.gain_adu = -1.0}), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::lossy
