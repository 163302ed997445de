// Electron counting on frames of the simulated instrument: 4D-STEM patterns of the kinematic
// model over the film, recorded by a direct detector in counting mode (charge clouds of 0.4 px,
// 10% gain spread, 2.5 ADU read noise at 100 ADU per electron), counted, and matched one to one
// within 1 px against the electrons' true landing positions.
//
// What limits counting is the occupancy of the brightest pixels, not the frame's mean: the
// bright-field and Bragg discs hold most electrons on a few hundred pixels, and two electrons
// closer than about 1.5 px make one maximum. The figures printed here are in
// docs/benchmarks.md ("Lossy compression").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/pipeline/lossy/electron_counter.hpp"
#include "edgeloop/pipeline/lossy/electron_counting_stage.hpp"
#include "edgeloop/pipeline/lossy/kokkos_electron_detector.hpp"
#include "edgeloop/sims/counting_detector.hpp"
#include "edgeloop/sims/diffraction_model.hpp"
#include "lossy_test_frames.hpp"

namespace edgeloop {
namespace {

using testing::MatchCounts;
using testing::Position;

constexpr double kGain = 100.0;

struct DoseResult {
  MatchCounts matches;
  double true_electrons = 0.0;
  double counted = 0.0;
  double integrated = 0.0;
  double peak_expected = 0.0;        // the brightest pixel's expectation, highest over the frames
  double integrated_variance = 0.0;  // of `integrated`, from the reported per-frame errors
  double run_loss() const { return (integrated - counted) / integrated; }
  // One standard deviation of run_loss() from the reported errors.
  double run_loss_error() const { return std::sqrt(integrated_variance) / integrated; }
  double true_loss() const { return 1.0 - counted / true_electrons; }
};

sims::DetectorSettings pattern_detector(std::uint32_t size) {
  sims::DetectorSettings d;
  d.size = size;
  d.dark_counts_per_pixel = 0.0;
  d.psf_sigma_px = 0.0;  // the counting detector's charge cloud is the PSF
  return d;
}

lossy::ElectronCounter make_counter(bool weight_by_charge) {
  return lossy::ElectronCounter({.gain_adu = kGain,
                                 .threshold_adu = 0.15 * kGain,
                                 .min_cluster_adu = 0.5 * kGain,
                                 .pedestal_adu = 0.0,
                                 .weight_by_charge = weight_by_charge});
}

// The simulator's pixel j spans [j, j+1); the data plane puts pixel j's centre at j.
std::vector<Position> truth_of(const sims::CountingFrame& frame) {
  std::vector<Position> truths;
  for (const sims::ElectronHit& hit : frame.electrons) truths.push_back({hit.x - 0.5, hit.y - 0.5});
  return truths;
}

class CountingOnSimulatedFrames : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

  explicit CountingOnSimulatedFrames(std::uint32_t size = 96)
      : size_(size),
        specimen_(17, 1024, 1024),
        model_(specimen_, pattern_detector(size), 17),
        detector_(sims::CountingDetectorSettings{.size = size}, 5) {
    // Probe positions on the film: a mix of thicknesses, phases and grains.
    for (double y = 150; y < 1000; y += 37) {
      for (double x = 150; x < 1000; x += 53) {
        if (!specimen_.at(x, y).vacuum) positions_.push_back({x, y});
      }
    }
  }

  DoseResult count_at(double electrons, bool weight_by_charge, std::size_t frames) {
    lossy::ElectronCounter counter = make_counter(weight_by_charge);
    DoseResult r;
    std::vector<double> expected(model_.pixel_count());
    std::vector<double> pixels;
    std::vector<lossy::CountedEvent> events;
    sims::CountingFrame frame;
    sims::ProbeState probe;
    probe.electrons = electrons;
    for (std::size_t f = 0; f < frames; ++f) {
      const Position& at = positions_.at(f);
      model_.expected(at.x, at.y, probe, expected);
      r.peak_expected =
          std::max(r.peak_expected, *std::max_element(expected.begin(), expected.end()));
      detector_.expose(expected, f, frame);
      pixels.assign(frame.adu.begin(), frame.adu.end());
      events.clear();
      const lossy::CountingReport report =
          counter.count(pixels, {size_, size_}, pixels.size() * sizeof(float), events);
      r.matches += testing::match_events(events, truth_of(frame), 1.0, weight_by_charge);
      r.true_electrons += static_cast<double>(frame.electrons.size());
      r.counted += report.electrons_counted;
      r.integrated += report.electrons_integrated;
      const double error = report.counting_loss_error * std::max(report.electrons_integrated, 1.0);
      r.integrated_variance += error * error;
    }
    std::printf(
        "%3u px %s dose %5.0f e/frame (%.4f e/px, peak %.3f e/px): recall %.4f precision %.4f "
        "rms offset %.3f px, reported loss %+.4f +- %.4f, true loss %+.4f (%zu electrons)\n",
        size_, weight_by_charge ? "charge-weighted" : "counting       ", electrons,
        r.true_electrons / static_cast<double>(frames) / static_cast<double>(model_.pixel_count()),
        r.peak_expected, r.matches.recall(), r.matches.precision(), r.matches.rms_distance(),
        r.run_loss(), r.run_loss_error(), r.true_loss(), r.matches.truths);
    return r;
  }

  static inline std::unique_ptr<KokkosRuntime> runtime_;
  std::uint32_t size_;
  sims::Stem4DSpecimen specimen_;
  sims::DiffractionModel model_;
  sims::CountingDetector detector_;
  std::vector<Position> positions_;
};

// The done-when check: at low dose (the brightest pixel expects 0.02 electrons per frame),
// counting finds at least 95% of the electrons within 1 px, and at least 95% of its events are
// real electrons.
TEST_F(CountingOnSimulatedFrames, LowDoseRecoversTheTrueElectronsWithinOnePixel) {
  ASSERT_GE(positions_.size(), 150U);
  const DoseResult r = count_at(6.0, false, 150);
  EXPECT_LE(r.peak_expected, 0.025);
  EXPECT_GT(r.matches.truths, 700U);  // enough electrons to tell 95% from 90%
  EXPECT_GE(r.matches.recall(), 0.95);
  EXPECT_GE(r.matches.precision(), 0.95);
  // Centroids land well inside the 1 px match radius.
  EXPECT_LT(r.matches.rms_distance(), 0.3);
  // Charge closure agrees with the truth within its reported error: read noise over 96 x 96
  // pixels is 2.4 electrons per frame, a few percent of the run's 900.
  EXPECT_NEAR(r.run_loss(), r.true_loss(), 4.0 * r.run_loss_error() + 0.01);
  EXPECT_LT(r.run_loss_error(), 0.05);
}

// Coincidence loss: as the dose rises, electrons land within a cloud of each other and merge.
// Recall falls, precision does not (a merged cloud still is an electron), and the reported
// loss follows the true share of electrons missed.
TEST_F(CountingOnSimulatedFrames, CoincidenceLossAtHighDoseShowsInTheReportedError) {
  double previous_loss = -1.0;
  for (const double dose : {6.0, 50.0, 400.0}) {
    const DoseResult r = count_at(dose, false, 40);
    EXPECT_NEAR(r.run_loss(), r.true_loss(), 4.0 * r.run_loss_error() + 0.01) << dose;
    EXPECT_NEAR(r.run_loss(), 1.0 - r.matches.recall(), 4.0 * r.run_loss_error() + 0.02) << dose;
    EXPECT_GT(r.run_loss(), previous_loss) << dose;
    EXPECT_GE(r.matches.precision(), 0.95) << dose;
    previous_loss = r.run_loss();
    if (dose == 400.0) {
      EXPECT_LT(r.matches.recall(), 0.5);
      EXPECT_GT(r.run_loss(), 0.5);
    }
    // Weighting by charge gives a merged cloud its electrons back, though not their positions.
    const DoseResult weighted = count_at(dose, true, 40);
    if (dose > 6.0) {
      EXPECT_GT(weighted.matches.recall(), r.matches.recall()) << dose;
      EXPECT_LT(std::abs(weighted.run_loss()), r.run_loss()) << dose;
    }
  }
}

// The Kokkos kernels find exactly the events of the reference loop, on frames crowded enough
// (50 e/frame, digitized so that ties occur) to exercise every branch of the rule.
TEST_F(CountingOnSimulatedFrames, KokkosKernelsMatchTheReferenceLoop) {
  const lossy::ElectronCounterSettings settings{.gain_adu = kGain,
                                                .threshold_adu = 15.0,
                                                .min_cluster_adu = 50.0,
                                                .pedestal_adu = 100.0,
                                                .weight_by_charge = true};
  lossy::ElectronCounter reference(settings);
  lossy::KokkosElectronDetector kokkos(settings);
  std::vector<double> expected(model_.pixel_count());
  std::vector<std::uint16_t> digits(model_.pixel_count());
  sims::CountingFrame frame;
  sims::ProbeState probe;
  probe.electrons = 50.0;
  std::size_t total = 0;
  for (std::size_t f = 0; f < 20; ++f) {
    model_.expected(positions_[f].x, positions_[f].y, probe, expected);
    detector_.expose(expected, 2000 + f, frame);
    sims::CountingDetector::digitize(frame.adu, 100.0, digits);
    const std::vector<double> pixels(digits.begin(), digits.end());
    std::vector<lossy::CountedEvent> a;
    std::vector<lossy::CountedEvent> b;
    const double charge = kokkos.detect(pixels, {size_, size_}, a);
    const lossy::CountingReport r = reference.count(pixels, {size_, size_}, 0, b);
    ASSERT_EQ(a.size(), b.size()) << f;
    for (std::size_t e = 0; e < a.size(); ++e) {
      EXPECT_EQ(a[e].x, b[e].x);
      EXPECT_EQ(a[e].y, b[e].y);
      EXPECT_EQ(a[e].charge_adu, b[e].charge_adu);
      EXPECT_EQ(a[e].electrons, b[e].electrons);
    }
    EXPECT_NEAR(charge, r.charge_adu, 1e-9 * std::max(1.0, std::abs(r.charge_adu)));
    total += a.size();
  }
  EXPECT_GT(total, 600U);
}

class CountingOnLargeDetector : public CountingOnSimulatedFrames {
 protected:
  CountingOnLargeDetector() : CountingOnSimulatedFrames(256) {}
};

// On a 256 x 256 sensor the discs spread over seven times more pixels, and weighting each
// event by its charge (round(cluster / gain)) recovers most merged pairs: a hundred electrons
// per frame are still counted with 95% recall and precision.
TEST_F(CountingOnLargeDetector, ChargeWeightingCountsAHundredElectronsPerFrame) {
  const DoseResult plain = count_at(100.0, false, 24);
  const DoseResult weighted = count_at(100.0, true, 24);
  EXPECT_GT(weighted.matches.truths, 2000U);
  EXPECT_GE(weighted.matches.recall(), 0.95);
  EXPECT_GE(weighted.matches.precision(), 0.95);
  EXPECT_GT(weighted.matches.recall(), plain.matches.recall());
  EXPECT_LT(std::abs(weighted.run_loss()), std::abs(plain.run_loss()));
}

// The stage on digitized frames (u16, pedestal 100 ADU, as an ADC delivers them): per-frame
// products, and the run's event table holding the true electrons.
TEST_F(CountingOnSimulatedFrames, StageCountsDigitizedFramesIntoTheEventTable) {
  constexpr double kPedestal = 100.0;
  constexpr std::size_t kFramesInRun = 40;
  lossy::ElectronCountingStage stage;
  stage.configure({{"gain_adu", kGain}, {"pedestal_adu", kPedestal}});
  std::vector<double> expected(model_.pixel_count());
  std::vector<std::uint16_t> digits(model_.pixel_count());
  sims::CountingFrame frame;
  sims::ProbeState probe;
  probe.electrons = 6.0;
  std::vector<std::vector<Position>> truths;
  for (std::size_t f = 0; f < kFramesInRun; ++f) {
    model_.expected(positions_[f].x, positions_[f].y, probe, expected);
    detector_.expose(expected, 1000 + f, frame);
    sims::CountingDetector::digitize(frame.adu, kPedestal, digits);
    truths.push_back(truth_of(frame));
    std::vector<Product> out;
    stage.process(testing::image_frame(digits, size_, size_, wire::DType::U16, f), out);
    ASSERT_EQ(out.size(), 6U);
    for (const Product& p : out) {
      ASSERT_EQ(p.values.size(), 1U) << p.name;
      EXPECT_TRUE(std::isfinite(p.values[0])) << p.name;
    }
    EXPECT_EQ(out[0].name, "counted_electrons");
    EXPECT_EQ(out[2].name, "counting_loss");
    ASSERT_EQ(out[2].errors.size(), 1U);
    // Read noise of 2.5 ADU (and rounding) over 96 x 96 pixels: 2.4 electrons of scatter in
    // the frame's sum.
    EXPECT_NEAR(out[2].errors[0] * std::max(out[1].values[0], 1.0), 2.42, 0.1);
  }
  std::vector<Product> finished;
  stage.finish(finished);
  const auto find = [&](const std::string& name) -> const Product& {
    const auto it = std::find_if(finished.begin(), finished.end(),
                                 [&](const Product& p) { return p.name == name; });
    EXPECT_NE(it, finished.end()) << name;
    return *it;
  };
  const Product& table = find("electron_events");
  ASSERT_EQ(table.shape.size(), 2U);
  ASSERT_EQ(table.shape[1], 5U);
  std::vector<std::vector<lossy::CountedEvent>> by_frame(kFramesInRun);
  for (std::size_t row = 0; row < table.shape[0]; ++row) {
    const double* v = table.values.data() + row * 5;
    by_frame.at(static_cast<std::size_t>(v[0])).push_back({v[1], v[2], v[3], v[4]});
  }
  MatchCounts total;
  for (std::size_t f = 0; f < kFramesInRun; ++f) {
    total += testing::match_events(by_frame[f], truths[f], 1.0);
  }
  EXPECT_GE(total.recall(), 0.95);
  EXPECT_GE(total.precision(), 0.95);
  const Product& summary = find("counting_summary");
  ASSERT_EQ(summary.values.size(), 8U);
  EXPECT_EQ(summary.values[0], static_cast<double>(kFramesInRun));
  EXPECT_EQ(summary.values[1], static_cast<double>(table.shape[0]));
  EXPECT_EQ(summary.values[7], 0.0);  // every event kept
  // u16 frames of 18432 B against 24 B per event.
  EXPECT_NEAR(summary.values[5], 18432.0 / 24.0 * kFramesInRun / summary.values[1], 1e-9);
  std::printf("stage, u16 frames at 6 e/frame: %.2f events/frame, run compression ratio %.0f\n",
              summary.values[1] / kFramesInRun, summary.values[5]);
  const Product& loss = find("counting_loss_by_frame");
  EXPECT_EQ(loss.values.size(), kFramesInRun);
  ASSERT_EQ(loss.axes.size(), 1U);
  EXPECT_EQ(loss.axes[0].name, "sequence");
}

}  // namespace
}  // namespace edgeloop
