// Checks the simulated atom probe against the physics it models, by analysing its events the
// way an experimenter would: time of flight to mass-to-charge with the chunk's voltage and each
// hit's flight path, ranging with the device's own .rrng, background subtracted.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <string>

#include "apt_test_support.hpp"
#include "edgeloop/formats/apt_time_of_flight.hpp"
#include "edgeloop/formats/isotopes.hpp"
#include "edgeloop/formats/rrng_file.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

using test::context_for;
using test::decode_chunk;

// Which isotope of which element in which charge state a range holds.
struct Peak {
  std::string element;
  std::uint16_t mass_number = 0;
  std::uint32_t charge = 0;
};

Peak peak_of(const formats::Range& range) {
  const formats::Element& e = formats::element(range.composition.at(0).symbol);
  for (std::uint32_t charge = 1; charge <= 2; ++charge) {
    for (const formats::Isotope& iso : e.isotopes) {
      const double m = iso.mass_u / charge;
      if (m >= range.low && m < range.high) return {std::string(e.symbol), iso.mass_number, charge};
    }
  }
  ADD_FAILURE() << "no isotope in range " << range.low << ".." << range.high;
  return {};
}

struct Spectrum {
  std::vector<double> mass_to_charge;
  std::uint64_t pulses = 0;
  std::vector<test::Chunk> chunks;
};

// Runs the device until its specimen is used up and converts every hit to mass-to-charge.
Spectrum acquire(AptDevice& device) {
  Spectrum s;
  const AptDetectorSettings& d = device.config().detector;
  test::start(device);
  for (std::uint64_t n = 0; device.has_data() && n < 10000; ++n) {
    test::Chunk chunk = decode_chunk(device.produce(context_for(n)));
    s.pulses += chunk.pulses;
    for (const wire::Event& e : chunk.events) {
      const double path = formats::flight_path_mm(d.flight_length_mm, e.x(), e.y());
      s.mass_to_charge.push_back(
          formats::mass_to_charge(e.tof_ns(), chunk.voltage_v, path, d.t0_ns));
    }
    chunk.events.clear();
    s.chunks.push_back(std::move(chunk));
  }
  return s;
}

// Counts per range, less the background. The background is uniform in time of flight, so its
// density in mass-to-charge falls as 1/sqrt(m); its level comes from a peak-free window.
std::vector<double> ranged_counts(const formats::RangeTable& table, const Spectrum& s) {
  constexpr double kLow = 40.0;
  constexpr double kHigh = 60.0;
  double window = 0.0;
  std::vector<double> counts(table.ranges().size(), 0.0);
  for (const double m : s.mass_to_charge) {
    if (m >= kLow && m < kHigh) window += 1.0;
    if (const formats::Range* r = table.find(m)) {
      counts[static_cast<std::size_t>(r - table.ranges().data())] += 1.0;
    }
  }
  const double per_sqrt = window / (2.0 * (std::sqrt(kHigh) - std::sqrt(kLow)));
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const formats::Range& r = table.ranges()[i];
    counts[i] -= per_sqrt * 2.0 * (std::sqrt(r.high) - std::sqrt(r.low));
  }
  return counts;
}

// |measured - expected| within three standard deviations of a binomial count of n.
void expect_fraction(double measured, double expected, double n, const std::string& what) {
  const double sigma = std::sqrt(expected * (1.0 - expected) / n);
  EXPECT_LT(std::abs(measured - expected), 3.0 * sigma)
      << what << ": measured " << measured << ", expected " << expected << " +- " << sigma
      << " (n = " << n << ")";
}

AptConfig physics_config(std::uint64_t seed) {
  AptConfig config = test::fast_apt_config(seed);
  config.detection_rate = 0.15;
  config.pulses_per_chunk = 100000;
  return config;
}

TEST(AptPhysics, IsotopeRatiosAndCompositionMatchTheTruth) {
  const testing::TempDir dir;
  AptConfig config = physics_config(21);
  config.ranges_file = dir / "alloy.rrng";
  AptDevice device(config);
  const Spectrum spectrum = acquire(device);
  ASSERT_TRUE(device.exhausted());
  const formats::RangeTable table = formats::read_rrng(dir / "alloy.rrng");
  const std::vector<double> counts = ranged_counts(table, spectrum);

  std::map<std::string, double> per_element;
  std::map<std::string, std::map<std::uint16_t, double>> per_isotope;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const Peak p = peak_of(table.ranges()[i]);
    per_element[p.element] += counts[i];
    per_isotope[p.element][p.mass_number] += counts[i];
  }

  // Isotope ratios of the detected ions are the natural abundances.
  for (const std::string symbol : {"Cu", "Mg"}) {
    const formats::Element& e = formats::element(symbol);
    const double total = per_element[symbol];
    ASSERT_GT(total, 500.0) << symbol;
    for (const formats::Isotope& iso : e.isotopes) {
      expect_fraction(per_isotope[symbol][iso.mass_number] / total, iso.abundance, total,
                      symbol + std::to_string(iso.mass_number));
    }
  }

  // The composition of the ranged ions is that of the analysed volume: the atoms whose ions
  // reached the detector, thinned at random by the detection efficiency.
  const auto in_view = device.evaporation().in_view_per_element();
  const double truth_total = std::accumulate(in_view.begin(), in_view.end(), 0.0);
  double ranged_total = 0.0;
  for (const auto& [symbol, n] : per_element) ranged_total += n;
  ASSERT_GT(ranged_total, 100000.0);
  // Detected ions are a fraction near the efficiency of those that reached the detector.
  EXPECT_NEAR(ranged_total / truth_total, 0.6, 0.03);
  const auto elements = device.specimen().elements();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::string symbol(elements[i]->symbol);
    expect_fraction(per_element[symbol] / ranged_total,
                    static_cast<double>(in_view[i]) / truth_total, ranged_total,
                    symbol + " composition");
  }
}

TEST(AptPhysics, WithoutClustersTheCompositionIsTheNominalOne) {
  AptConfig config = physics_config(5);
  config.specimen.clusters.number_density_per_nm3 = 0.0;
  config.specimen.matrix = {{"Cu", 0.02}, {"Mg", 0.01}};
  AptDevice device(config);
  const Spectrum spectrum = acquire(device);
  const std::vector<double> counts = ranged_counts(device.ranges(), spectrum);
  std::map<std::string, double> per_element;
  double total = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    per_element[peak_of(device.ranges().ranges()[i]).element] += counts[i];
    total += counts[i];
  }
  // Every atom's species is an independent draw from the matrix composition, so the detected
  // ions are too.
  expect_fraction(per_element["Cu"] / total, 0.02, total, "Cu");
  expect_fraction(per_element["Mg"] / total, 0.01, total, "Mg");
  expect_fraction(per_element["Al"] / total, 0.97, total, "Al");
}

TEST(AptPhysics, DoublyChargedSharesFollowTheSettings) {
  AptConfig config = physics_config(8);
  AptDevice device(config);
  const Spectrum spectrum = acquire(device);
  const std::vector<double> counts = ranged_counts(device.ranges(), spectrum);
  std::map<std::string, std::array<double, 2>> by_charge;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const Peak p = peak_of(device.ranges().ranges()[i]);
    by_charge[p.element][p.charge - 1] += counts[i];
  }
  for (const auto& f : config.evaporation.doubly_charged) {
    const auto& c = by_charge[f.symbol];
    const double n = c[0] + c[1];
    expect_fraction(c[1] / n, f.fraction, n, f.symbol + "2+");
  }
}

TEST(AptPhysics, DetectionRateConvergesToTheTarget) {
  AptConfig config = test::fast_apt_config(3);
  config.voltage.start_v = 1000.0;  // well below evaporation: the controller ramps up first
  config.detection_rate = 0.01;
  AptDevice device(config);
  test::start(device);
  std::vector<double> rates;
  std::vector<double> voltages;
  for (std::uint64_t n = 0; n < 120 && device.has_data(); ++n) {
    const test::Chunk chunk = decode_chunk(device.produce(context_for(n)));
    rates.push_back(static_cast<double>(chunk.events.size()) / static_cast<double>(chunk.pulses));
    voltages.push_back(chunk.voltage_v);
  }
  ASSERT_EQ(rates.size(), 120U);
  EXPECT_LT(rates.front(), 0.001) << "starts far below the evaporation voltage";
  // The last 40 chunks (800k pulses, ~8000 hits) hold the target within 5% on average.
  const double tail = std::accumulate(rates.end() - 40, rates.end(), 0.0) / 40.0;
  EXPECT_NEAR(tail, 0.01, 0.0005);
  // A new target is reached too.
  ASSERT_EQ(device.execute("detection_rate", std::vector<double>{0.03}, 2).status,
            wire::AckStatus::Done);
  std::vector<double> after;
  for (std::uint64_t n = 0; n < 60 && device.has_data(); ++n) {
    const test::Chunk chunk = decode_chunk(device.produce(context_for(200 + n)));
    after.push_back(static_cast<double>(chunk.events.size()) / static_cast<double>(chunk.pulses));
  }
  ASSERT_EQ(after.size(), 60U);
  const double raised = std::accumulate(after.end() - 30, after.end(), 0.0) / 30.0;
  EXPECT_NEAR(raised, 0.03, 0.0015);
  EXPECT_GT(device.voltage(), voltages.back());
}

TEST(AptPhysics, StandingVoltageRisesAsTheTipBlunts) {
  AptConfig config = physics_config(4);
  config.specimen.shank_half_angle_deg = 15.0;
  AptDevice device(config);
  const Spectrum spectrum = acquire(device);
  ASSERT_GT(spectrum.chunks.size(), 20U);
  // Skip the ramp; then the voltage follows the evaporation voltage, which grows with the cap
  // radius: R0 = 20 nm grows by 0.35 nm per nm evaporated, 7 nm over the 20 nm length.
  const double early = spectrum.chunks[5].voltage_v;
  const double late = spectrum.chunks[spectrum.chunks.size() - 3].voltage_v;
  EXPECT_GT(late, early * 1.2);
  for (std::size_t i = 6; i + 2 < spectrum.chunks.size(); ++i) {
    EXPECT_LT(std::abs(spectrum.chunks[i].voltage_v - spectrum.chunks[i - 1].voltage_v), 60.0);
  }
}

}  // namespace
}  // namespace edgeloop::sims
