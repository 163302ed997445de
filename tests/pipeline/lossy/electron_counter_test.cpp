// Electron counting on hand-made frames, where the right events are known exactly.
#include "edgeloop/pipeline/lossy/electron_counter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace edgeloop::lossy {
namespace {

constexpr ImageShape kShape{8, 10};

std::vector<double> blank(double value = 0.0) {
  return std::vector<double>(kShape.pixels(), value);
}

void set(std::vector<double>& f, std::uint32_t row, std::uint32_t col, double v) {
  f[std::size_t{row} * kShape.cols + col] = v;
}

ElectronCounter counter(ElectronCounterSettings s = {
                            .gain_adu = 100.0, .threshold_adu = 15.0, .min_cluster_adu = 50.0}) {
  return ElectronCounter(s);
}

TEST(ElectronCounter, OneCloudIsOneEventAtItsCentroid) {
  auto f = blank();
  set(f, 3, 4, 60.0);
  set(f, 3, 5, 20.0);  // the cloud leans right
  set(f, 2, 4, 10.0);
  set(f, 4, 4, 10.0);
  std::vector<CountedEvent> events;
  auto c = counter();
  const CountingReport r = c.count(f, kShape, 160, events);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_DOUBLE_EQ(events[0].x, 4.0 + 20.0 / 100.0);
  EXPECT_DOUBLE_EQ(events[0].y, 3.0);
  EXPECT_DOUBLE_EQ(events[0].charge_adu, 100.0);
  EXPECT_DOUBLE_EQ(events[0].electrons, 1.0);
  EXPECT_EQ(r.events, 1U);
  EXPECT_DOUBLE_EQ(r.electrons_counted, 1.0);
  EXPECT_DOUBLE_EQ(r.electrons_integrated, 1.0);
  EXPECT_DOUBLE_EQ(r.counting_loss, 0.0);
  EXPECT_DOUBLE_EQ(r.compression_ratio, 160.0 / 24.0);
  EXPECT_DOUBLE_EQ(r.noise_adu, 0.0);  // a noiseless frame
}

// An electron on a pixel corner splits its charge evenly: a flat top, counted once.
TEST(ElectronCounter, AFlatTopIsCountedOnce) {
  auto f = blank();
  for (const auto& [row, col] : {std::pair{2U, 2U}, {2U, 3U}, {3U, 2U}, {3U, 3U}}) {
    set(f, row, col, 25.0);
  }
  std::vector<CountedEvent> events;
  auto c = counter();
  c.count(f, kShape, 0, events);
  ASSERT_EQ(events.size(), 1U);
  // The winner is the first pixel in row-major order, (2, 2); the centroid is the corner.
  EXPECT_DOUBLE_EQ(events[0].x, 2.5);
  EXPECT_DOUBLE_EQ(events[0].y, 2.5);
}

TEST(ElectronCounter, SeparatedCloudsAreSeparateEventsAndEdgesCount) {
  auto f = blank();
  set(f, 0, 0, 90.0);  // corner
  set(f, 7, 9, 90.0);  // opposite corner
  set(f, 4, 2, 90.0);
  set(f, 4, 4, 90.0);  // two pixels apart: both maxima
  std::vector<CountedEvent> events;
  auto c = counter();
  const CountingReport r = c.count(f, kShape, 0, events);
  EXPECT_EQ(r.events, 4U);
  EXPECT_NEAR(r.counting_loss, (3.6 - 4.0) / 3.6, 1e-12);  // 0.9 gain each: more events than charge
}

TEST(ElectronCounter, ThresholdAndClusterSumRejectNoise) {
  auto f = blank();
  set(f, 1, 1, 15.0);  // at the threshold: not above it
  set(f, 5, 5, 40.0);  // above it, but a cluster of 40 < 50: a noise spike
  set(f, 5, 8, 55.0);  // a real one
  std::vector<CountedEvent> events;
  auto c = counter();
  c.count(f, kShape, 0, events);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_DOUBLE_EQ(events[0].x, 8.0);
}

TEST(ElectronCounter, PedestalIsRemovedFirst) {
  auto f = blank(1000.0);
  set(f, 6, 6, 1100.0);
  std::vector<CountedEvent> events;
  auto c = counter(
      {.gain_adu = 100.0, .threshold_adu = 15.0, .min_cluster_adu = 50.0, .pedestal_adu = 1000.0});
  const CountingReport r = c.count(f, kShape, 0, events);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_DOUBLE_EQ(events[0].charge_adu, 100.0);
  EXPECT_DOUBLE_EQ(r.charge_adu, 100.0);
  EXPECT_DOUBLE_EQ(r.counting_loss, 0.0);
}

// Two electrons in one pixel: counting proper sees one and reports the loss; weighting by
// charge recovers the second.
TEST(ElectronCounter, PileUpIsALossUnlessWeightedByCharge) {
  auto f = blank();
  set(f, 4, 4, 200.0);
  std::vector<CountedEvent> events;
  auto plain = counter();
  const CountingReport r = plain.count(f, kShape, 0, events);
  EXPECT_DOUBLE_EQ(r.counting_loss, 0.5);
  events.clear();
  auto weighted = counter({.gain_adu = 100.0,
                           .threshold_adu = 15.0,
                           .min_cluster_adu = 50.0,
                           .weight_by_charge = true});
  const CountingReport w = weighted.count(f, kShape, 0, events);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_DOUBLE_EQ(events[0].electrons, 2.0);
  EXPECT_DOUBLE_EQ(w.counting_loss, 0.0);
}

TEST(ElectronCounter, NoiseIsEstimatedAwayFromTheElectrons) {
  // Alternating +-3 ADU: rms 3 exactly; one electron whose neighbourhood is left out.
  constexpr ImageShape kLarge{20, 20};
  std::vector<double> f(kLarge.pixels());
  for (std::size_t p = 0; p < f.size(); ++p) f[p] = (p % 2 == 0) ? 3.0 : -3.0;
  f[10 * 20 + 10] = 100.0;
  std::vector<CountedEvent> events;
  auto c = counter();
  const CountingReport r = c.count(f, kLarge, 0, events);
  EXPECT_EQ(events.size(), 1U);
  EXPECT_DOUBLE_EQ(r.noise_adu, 3.0);
  EXPECT_NEAR(r.counting_loss_error, 3.0 * std::sqrt(400.0) / 100.0 / 1.0, 1e-12);
  // Too few quiet pixels left (a small frame): the median magnitude stands in, 1.4826 x 3.
  auto small = blank();
  for (std::size_t p = 0; p < small.size(); ++p) small[p] = (p % 2 == 0) ? 3.0 : -3.0;
  set(small, 4, 5, 100.0);
  events.clear();
  EXPECT_NEAR(c.count(small, kShape, 0, events).noise_adu, 1.4826 * 3.0, 1e-12);
}

TEST(ElectronCounter, NonFinitePixelsAreNeitherEventsNorCharge) {
  auto f = blank();
  set(f, 2, 2, std::numeric_limits<double>::quiet_NaN());
  set(f, 2, 3, 100.0);
  set(f, 6, 6, std::numeric_limits<double>::infinity());
  std::vector<CountedEvent> events;
  auto c = counter();
  const CountingReport r = c.count(f, kShape, 0, events);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_DOUBLE_EQ(events[0].x, 3.0);
  EXPECT_DOUBLE_EQ(r.charge_adu, 100.0);
}

TEST(ElectronCounter, BadSettingsAndSizesAreRefused) {
  EXPECT_THROW(ElectronCounter({.gain_adu = 0.0}), std::invalid_argument);
  EXPECT_THROW(ElectronCounter({.gain_adu = std::nan("")}), std::invalid_argument);
  EXPECT_THROW(ElectronCounter({.threshold_adu = -1.0}), std::invalid_argument);
  EXPECT_THROW(ElectronCounter({.min_cluster_adu = -1.0}), std::invalid_argument);
  auto c = counter();
  std::vector<CountedEvent> events;
  EXPECT_THROW(c.count(std::vector<double>(79), kShape, 0, events), std::invalid_argument);
}

TEST(ElectronCounter, EventsBecomeWireEventsOfTheFrame) {
  const wire::Event e =
      to_wire_event({.x = 1.25, .y = 2.5, .charge_adu = 99.0, .electrons = 2.0}, 42);
  EXPECT_EQ(e.pulse(), 42U);
  EXPECT_FLOAT_EQ(e.x(), 1.25F);
  EXPECT_FLOAT_EQ(e.y(), 2.5F);
  EXPECT_FLOAT_EQ(e.tof_ns(), 0.0F);
  EXPECT_FLOAT_EQ(e.weight(), 2.0F);
}

}  // namespace
}  // namespace edgeloop::lossy
