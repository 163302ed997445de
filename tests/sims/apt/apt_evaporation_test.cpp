#include "edgeloop/sims/apt_evaporation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace edgeloop::sims {
namespace {

struct Rig {
  explicit Rig(AptEvaporationSettings e = {}, std::uint64_t seed = 1)
      : detector(AptDetectorSettings{}),
        specimen(settings(), detector.field_of_view_half_angle(), seed),
        evaporation(specimen, detector, std::move(e), seed) {}

  static AptSpecimenSettings settings() {
    AptSpecimenSettings s;
    s.tip_radius_nm = 20.0;
    s.length_nm = 10.0;
    return s;
  }

  AptDetector detector;
  AptSpecimen specimen;
  AptEvaporation evaporation;
};

TEST(AptEvaporation, RateGrowsExponentiallyWithTheVoltage) {
  Rig s;
  const double ve = s.evaporation.evaporation_voltage();
  EXPECT_NEAR(ve, 19.0 * 3.3 * 20.0, 1e-9);
  EXPECT_NEAR(s.evaporation.ions_per_pulse(ve), 1.0, 1e-12);
  EXPECT_NEAR(s.evaporation.ions_per_pulse(0.99 * ve), std::exp(-1.0), 1e-9);
  EXPECT_NEAR(s.evaporation.ions_per_pulse(0.95 * ve), std::exp(-5.0), 1e-9);
  EXPECT_EQ(s.evaporation.ions_per_pulse(2.0 * ve), 10.0);  // capped
}

TEST(AptEvaporation, BelowTheEvaporationVoltageOnlyBackgroundIsRecorded) {
  AptEvaporationSettings e;
  e.background_per_pulse = 1e-3;
  Rig s(e);
  std::vector<AptHit> hits;
  const AptPulseStats stats = s.evaporation.run(1000, 1'000'000, 500.0, hits);
  EXPECT_EQ(stats.evaporated, 0U);
  EXPECT_EQ(stats.background, hits.size());
  EXPECT_NEAR(static_cast<double>(hits.size()), 1000.0, 5 * std::sqrt(1000.0));
  double mean_tof = 0.0;
  for (const AptHit& h : hits) {
    EXPECT_EQ(h.element, AptHit::kBackground);
    EXPECT_GE(h.pulse, 1000U);
    EXPECT_LT(h.pulse, 1'001'000U);
    EXPECT_LE(std::hypot(h.det_x, h.det_y), 38.0F);
    mean_tof += static_cast<double>(h.tof_ns) / static_cast<double>(hits.size());
  }
  EXPECT_NEAR(mean_tof, 2500.0, 5 * 5000.0 / std::sqrt(12.0 * 1000.0));
}

TEST(AptEvaporation, EfficiencyAndMultipleHits) {
  AptEvaporationSettings e;
  e.background_per_pulse = 0.0;
  e.correlated_probability = 0.5;
  Rig s(e, 3);
  std::vector<AptHit> hits;
  const double v = 0.97 * s.evaporation.evaporation_voltage();  // ~0.05 ions per pulse
  const AptPulseStats stats = s.evaporation.run(0, 200'000, v, hits);
  ASSERT_GT(stats.evaporated, 5000U);
  EXPECT_EQ(stats.recorded, hits.size());
  EXPECT_EQ(stats.evaporated, stats.recorded + stats.undetected + stats.missed + stats.late + 0U);
  const double arrived = static_cast<double>(stats.recorded + stats.undetected);
  EXPECT_NEAR(static_cast<double>(stats.recorded) / arrived, 0.6, 4 * std::sqrt(0.24 / arrived));
  // Correlated evaporation: many pulses carry several hits, far more than the ~2.5% an
  // independent Poisson rate of 0.05 would give.
  std::uint64_t later = 0;
  for (const AptHit& h : hits) later += h.rank > 1 ? 1 : 0;
  EXPECT_GT(static_cast<double>(later) / static_cast<double>(hits.size()), 0.15);
  // Sorted by pulse then time of flight, ranks counting up within a pulse.
  for (std::size_t i = 1; i < hits.size(); ++i) {
    if (hits[i].pulse == hits[i - 1].pulse) {
      EXPECT_GE(hits[i].tof_ns, hits[i - 1].tof_ns);
      EXPECT_EQ(hits[i].rank, hits[i - 1].rank + 1);
    } else {
      EXPECT_GT(hits[i].pulse, hits[i - 1].pulse);
      EXPECT_EQ(hits[i].rank, 1U);
    }
  }
}

TEST(AptEvaporation, RejectsBadSettings) {
  AptEvaporationSettings e;
  e.voltage_sensitivity = 0.0;
  EXPECT_THROW(Rig{e}, std::invalid_argument);
  e = {};
  e.doubly_charged = {{"Cu", 1.5}};
  EXPECT_THROW(Rig{e}, std::invalid_argument);
  e = {};
  e.doubly_charged = {{"Xx", 0.5}};
  EXPECT_THROW(Rig{e}, std::invalid_argument);
  e = {};
  e.correlated_probability = 0.95;
  EXPECT_THROW(Rig{e}, std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::sims
