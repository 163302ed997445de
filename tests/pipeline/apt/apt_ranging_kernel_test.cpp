#include "edgeloop/pipeline/apt/apt_ranging_kernel.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "apt_stage_test_support.hpp"
#include "edgeloop/formats/apt_time_of_flight.hpp"

namespace edgeloop {
namespace {

using test::event_at;

class AptRangingKernel : public test::KokkosTest {};

// Output buffers sized for a chunk.
struct Buffers {
  Buffers(std::size_t events, std::size_t bins, std::size_t ranges)
      : mz(events), index(events), spectrum(bins), counts(ranges + 1) {}
  AptRangingOutputs outputs() { return {mz, index, spectrum, counts}; }
  std::vector<double> mz;
  std::vector<std::int32_t> index;
  std::vector<std::uint64_t> spectrum;
  std::vector<std::uint64_t> counts;
};

TEST_F(AptRangingKernel, MassToChargeIsFormatsConversionOfEachHit) {
  // A flight length and t0 other than the defaults, so both are seen to be used.
  const AptFlightGeometry geometry{120.0, 12.5};
  const double voltage = 6543.0;
  const std::vector<double> masses{1.008, 13.49, 26.98, 31.46, 62.93, 64.93, 118.9};
  std::vector<wire::Event> events;
  for (std::size_t i = 0; i < masses.size(); ++i) {
    const auto x = static_cast<float>(-30.0 + 10.0 * static_cast<double>(i));
    events.push_back(event_at(masses[i], voltage, x, 0.5F * x, i, 1.0F, 120.0, 12.5));
  }
  // A hit before t0 has no mass.
  events.emplace_back(99, 0.0F, 0.0F, 10.0F, 1.0F);
  Buffers b(events.size(), 1, 0);
  AptRangingOutputs out = b.outputs();
  range_events_kokkos(events, voltage, {geometry, MassSpectrumBinning(0.0, 1.0, 1.0)}, out);
  EXPECT_EQ(b.spectrum[0], 0U) << "the massless hit is no count in [0, 1) Da";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const wire::Event& e = events[i];
    const double expected = formats::mass_to_charge(
        e.tof_ns(), voltage, formats::flight_path_mm(120.0, e.x(), e.y()), 12.5);
    EXPECT_EQ(b.mz[i], expected) << i;
    if (i < masses.size()) {
      EXPECT_NEAR(b.mz[i], masses[i], 1e-5 * masses[i]) << i;
    }
  }
  EXPECT_EQ(b.mz.back(), 0.0);
  EXPECT_EQ(b.counts[0], events.size()) << "no ranges: every event unranged";
}

TEST_F(AptRangingKernel, SpectrumAndRangeCountsAreExact) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> mass(0.5, 130.0);
  std::uniform_real_distribution<float> pos(-38.0F, 38.0F);
  const double voltage = 4000.0;
  std::vector<wire::Event> events;
  for (std::uint64_t i = 0; i < 200000; ++i) {
    events.push_back(event_at(mass(rng), voltage, pos(rng), pos(rng), i));
  }
  const MassSpectrumBinning binning(2.0, 120.0, 0.01);
  const std::vector<double> low{10.0, 26.8, 27.4, 62.8};
  const std::vector<double> high{11.0, 27.4, 28.0, 63.5};
  const AptRangingTables tables{{}, binning, low, high, 40.0, 60.0};
  Buffers b(events.size(), binning.bins(), low.size());
  b.spectrum[7] = 5;  // tallies are added to
  AptRangingOutputs out = b.outputs();
  out.in_window = 3;
  range_events_kokkos(events, voltage, tables, out);

  std::vector<std::uint64_t> spectrum(binning.bins());
  spectrum[7] = 5;
  std::vector<std::uint64_t> counts(low.size() + 1);
  std::uint64_t window = 3;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const wire::Event& e = events[i];
    const double mz = formats::mass_to_charge(e.tof_ns(), voltage,
                                              formats::flight_path_mm(100.0, e.x(), e.y()), 0.0);
    const std::int64_t bin = binning.bin_of(mz);
    if (bin >= 0) ++spectrum[static_cast<std::size_t>(bin)];
    std::int32_t r = -1;
    for (std::size_t k = 0; k < low.size(); ++k) {
      if (mz >= low[k] && mz < high[k]) r = static_cast<std::int32_t>(k);
    }
    ASSERT_EQ(b.index[i], r) << "event " << i << " at " << mz;
    ++counts[r < 0 ? low.size() : static_cast<std::size_t>(r)];
    if (mz >= 40.0 && mz < 60.0) ++window;
  }
  EXPECT_EQ(b.spectrum, spectrum);
  EXPECT_EQ(b.counts, counts);
  EXPECT_EQ(out.in_window, window);
  EXPECT_EQ(out.in_multiples, 0U) << "one hit per pulse";
}

TEST_F(AptRangingKernel, TouchingRangesGiveTheBoundaryToTheUpperOne) {
  // 27.4 exactly: the first range is [26.8, 27.4), the second starts there.
  const std::vector<double> low{26.8, 27.4};
  const std::vector<double> high{27.4, 28.0};
  const double voltage = 5000.0;
  // Choose the time of flight whose float gives m/z >= 27.4 and the one just below.
  const double tof = formats::time_of_flight_ns(27.4, voltage, 100.0, 0.0);
  const float above = std::nextafter(static_cast<float>(tof), 1e9F);
  const float below = std::nextafter(static_cast<float>(tof), 0.0F);
  const std::vector<wire::Event> events{wire::Event(0, 0.0F, 0.0F, below, 1.0F),
                                        wire::Event(1, 0.0F, 0.0F, above, 1.0F)};
  Buffers b(2, 1, 2);
  AptRangingOutputs out = b.outputs();
  range_events_kokkos(events, voltage, {{}, MassSpectrumBinning(0.0, 1.0, 1.0), low, high}, out);
  ASSERT_LT(b.mz[0], 27.4);
  ASSERT_GE(b.mz[1], 27.4);
  EXPECT_EQ(b.index, (std::vector<std::int32_t>{0, 1}));
}

TEST_F(AptRangingKernel, MultipleHitsAreTheHitsSharingAPulse) {
  const double v = 5000.0;
  // Pulses 1, 1, 2, 3, 3, 3, 4: five hits in multiples.
  const std::vector<wire::Event> events{
      event_at(27.0, v, 0, 0, 1, 1), event_at(27.0, v, 0, 0, 1, 2), event_at(27.0, v, 0, 0, 2, 1),
      event_at(27.0, v, 0, 0, 3, 1), event_at(27.0, v, 0, 0, 3, 2), event_at(27.0, v, 0, 0, 3, 3),
      event_at(27.0, v, 0, 0, 4, 1)};
  Buffers b(events.size(), 1, 0);
  AptRangingOutputs out = b.outputs();
  range_events_kokkos(events, v, {{}, MassSpectrumBinning(0.0, 1.0, 1.0)}, out);
  EXPECT_EQ(out.in_multiples, 5U);
}

TEST_F(AptRangingKernel, ReadsEventsAtAnyAddress) {
  // A payload may start at any offset of the message it arrived in.
  const double v = 3000.0;
  std::vector<wire::Event> events;
  for (int i = 0; i < 100; ++i) events.push_back(event_at(10.0 + i, v, 1.0F, 2.0F, 0, 1.0F));
  std::vector<std::byte> storage(events.size() * sizeof(wire::Event) + 8);
  std::memcpy(storage.data() + 3, events.data(), events.size() * sizeof(wire::Event));
  const std::span<const wire::Event> misaligned(
      reinterpret_cast<const wire::Event*>(storage.data() + 3), events.size());
  const MassSpectrumBinning binning(0.0, 200.0, 1.0);
  Buffers a(events.size(), binning.bins(), 0);
  Buffers b(events.size(), binning.bins(), 0);
  AptRangingOutputs out_a = a.outputs();
  AptRangingOutputs out_b = b.outputs();
  range_events_kokkos(events, v, {{}, binning}, out_a);
  range_events_kokkos(misaligned, v, {{}, binning}, out_b);
  EXPECT_EQ(a.mz, b.mz);
  EXPECT_EQ(a.spectrum, b.spectrum);
}

TEST_F(AptRangingKernel, RefusesMisSizedOutputs) {
  const std::vector<wire::Event> events{event_at(27.0, 5000.0)};
  Buffers b(2, 1, 0);
  AptRangingOutputs out = b.outputs();
  EXPECT_THROW(range_events_kokkos(events, 5000.0, {{}, MassSpectrumBinning(0.0, 1.0, 1.0)}, out),
               std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
