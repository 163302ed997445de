#include "edgeloop/pipeline/apt/apt_ranging_stage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "apt_stage_test_support.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using test::event_at;
using test::events_frame;

// Al2+, Al+, AlO+ (a molecular ion), 63Cu+ and 65Cu+, in a file order unlike the sorted one.
constexpr const char* kRanges =
    "[Ions]\nNumber=3\nIon1=Al\nIon2=Cu\nIon3=O\n"
    "[Ranges]\nNumber=5\n"
    "Range1=26.8 27.4 Vol:0.0166 Al:1 Color:33FFFF\n"
    "Range2=62.7 63.4 Vol:0.0118 Cu:1 Color:FF8000\n"
    "Range3=64.7 65.4 Vol:0.0118 Cu:1 Color:FF8000\n"
    "Range4=13.3 13.7 Vol:0.0166 Al:1 Color:33FFFF\n"
    "Range5=42.8 43.4 Vol:0.03 Al:1 O:1 Color:00FF00\n";

const Product& product(const std::vector<Product>& products, const std::string& name) {
  const auto it = std::find_if(products.begin(), products.end(),
                               [&](const Product& p) { return p.name == name; });
  if (it == products.end()) throw std::runtime_error("no product " + name);
  return *it;
}

bool has(const std::vector<Product>& products, const std::string& name) {
  return std::any_of(products.begin(), products.end(),
                     [&](const Product& p) { return p.name == name; });
}

class AptRangingStageTest : public test::KokkosTest {
 protected:
  void SetUp() override { test::write_text(dir_ / "test.rrng", kRanges); }
  std::string ranges() const { return (dir_ / "test.rrng").string(); }

  // `n` hits at mass_to_charge, one per pulse from `pulse` on, spread over the detector.
  static void add(std::vector<wire::Event>& events, double mz, int n, double voltage,
                  std::uint64_t& pulse) {
    for (int i = 0; i < n; ++i) {
      const auto x = static_cast<float>(-30.0 + 60.0 * ((i * 37) % 101) / 100.0);
      const auto y = static_cast<float>(-20.0 + 40.0 * ((i * 61) % 97) / 96.0);
      events.push_back(event_at(mz, voltage, x, y, pulse++));
    }
  }

  testing::TempDir dir_;
};

TEST_F(AptRangingStageTest, DescribesItselfWithTheRangeAndElementAxes) {
  AptRangingStage stage;
  stage.configure({{"ranges", ranges()}});
  const StageDescription d = stage.describe();
  EXPECT_EQ(d.name, "apt_ranging");
  EXPECT_EQ(d.version, "1.0.0");
  EXPECT_EQ(d.parameters["elements"], (nlohmann::json{"Al", "Cu", "O"}));
  EXPECT_EQ(d.parameters["range_ions"], (nlohmann::json{"Al", "Al", "AlO", "Cu", "Cu"}));
  EXPECT_EQ(d.parameters["range_low"], (nlohmann::json{13.3, 26.8, 42.8, 62.7, 64.7}));
  EXPECT_EQ(d.parameters["spectrum_bins"], 2400);
  EXPECT_EQ(d.parameters["ranges_sha256"].get<std::string>().size(), 64U);
  EXPECT_EQ(d.parameters["max_points"], 200000);
}

TEST_F(AptRangingStageTest, KnownIonsGiveExactCountsAndTheBinomialComposition) {
  AptRangingStage stage;
  stage.configure({{"ranges", ranges()}, {"bin_width", 0.1}});
  const double v = 5500.0;
  std::uint64_t pulse = 0;
  // Chunk 1: Al2+ 50, Al+ 700, AlO+ 30, 63Cu+ 100, 65Cu+ 45, unranged 20 at 50.05 Da and 5
  // beyond the spectrum at 150 Da.
  std::vector<wire::Event> first;
  add(first, 13.49, 50, v, pulse);
  add(first, 26.98, 700, v, pulse);
  add(first, 42.98, 30, v, pulse);
  add(first, 62.93, 100, v, pulse);
  add(first, 64.93, 45, v, pulse);
  add(first, 50.05, 20, v, pulse);
  add(first, 150.0, 5, v, pulse);
  std::vector<Product> out;
  stage.process(events_frame(first, v, 0), out);
  ASSERT_EQ(out.size(), 3U);
  const Product& counts = product(out, "ion_counts");
  EXPECT_EQ(counts.values, (std::vector<double>{50, 700, 30, 100, 45, 25}));
  EXPECT_EQ(counts.errors[1], std::sqrt(700.0));
  ASSERT_EQ(counts.axes.size(), 1U);
  EXPECT_EQ(counts.axes[0].name, "range");
  EXPECT_EQ(counts.axes[0].values, (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(product(out, "chunk_ions").values, (std::vector<double>{950, 925, 25, 0, 950}));

  // Atoms: Al 50 + 700 + 30 = 780, Cu 145, O 30; N = 955.
  const Product& composition = product(out, "composition");
  const std::vector<double> atoms{780, 145, 30};
  for (std::size_t e = 0; e < 3; ++e) {
    const double p = atoms[e] / 955.0;
    EXPECT_DOUBLE_EQ(composition.values[e], p) << e;
    EXPECT_DOUBLE_EQ(composition.errors[e], std::sqrt(p * (1.0 - p) / 955.0)) << e;
  }
  EXPECT_EQ(composition.axes.at(0).name, "element");

  // Chunk 2 at another voltage: 100 more Al+ and 55 more 63Cu+.
  const double v2 = 7200.0;
  std::vector<wire::Event> second;
  add(second, 26.98, 100, v2, pulse);
  add(second, 62.93, 55, v2, pulse);
  out.clear();
  stage.process(events_frame(second, v2, 1), out);
  EXPECT_EQ(product(out, "ion_counts").values, (std::vector<double>{0, 100, 0, 55, 0, 0}));

  std::vector<Product> run;
  stage.snapshot(run);
  EXPECT_EQ(product(run, "ranged_counts").values, (std::vector<double>{50, 800, 30, 155, 45, 25}));
  EXPECT_EQ(product(run, "element_counts").values, (std::vector<double>{880, 200, 30}));
  const Product& total = product(run, "composition");
  for (std::size_t e = 0; e < 3; ++e) {
    const double n = 1110.0;
    const double p = std::vector<double>{880, 200, 30}[e] / n;
    EXPECT_DOUBLE_EQ(total.values[e], p);
    EXPECT_DOUBLE_EQ(total.errors[e], std::sqrt(p * (1.0 - p) / n));
  }
  // The spectrum holds every event inside [0, 120) Da, each in its own bin.
  const Product& spectrum = product(run, "mass_spectrum");
  ASSERT_EQ(spectrum.values.size(), 1200U);
  ASSERT_EQ(spectrum.axes.at(0).name, "mass_to_charge");
  EXPECT_EQ(spectrum.axes[0].units, "Da");
  EXPECT_DOUBLE_EQ(spectrum.axes[0].values[0], 0.05);
  double sum = 0.0;
  for (const double c : spectrum.values) sum += c;
  EXPECT_EQ(sum, 1100.0);
  EXPECT_EQ(spectrum.values[269], 800.0) << "26.98 Da is in [26.9, 27.0)";
  EXPECT_EQ(spectrum.values[629], 155.0);
  EXPECT_EQ(spectrum.values[500], 20.0);
  EXPECT_FALSE(has(run, "background_level")) << "no window configured";

  // Finish gives the same run-level products; the point cloud has every ion (under
  // max_points), its label the range index.
  std::vector<Product> finished;
  stage.finish(finished);
  const Product& cloud = product(finished, "reconstruction");
  ASSERT_EQ(cloud.shape, (std::vector<std::uint32_t>{1105, 4}));
  EXPECT_EQ(cloud.units, "nm");
  std::vector<double> labels(7, 0.0);
  for (std::size_t i = 0; i < 1105; ++i)
    labels[static_cast<std::size_t>(cloud.values[4 * i + 3] + 1)] += 1;
  EXPECT_EQ(labels, (std::vector<double>{25, 50, 800, 30, 155, 45, 0}));
  EXPECT_EQ(stage.metrics().processed, 2U);
}

TEST_F(AptRangingStageTest, BackgroundFromAFlatWindowIsReportedAndSubtracted) {
  AptRangingStage stage;
  stage.configure(
      {{"ranges", ranges()}, {"background_window", {45.0, 55.0}}, {"background_subtract", true}});
  const double v = 6000.0;
  std::uint64_t pulse = 0;
  std::vector<wire::Event> events;
  // 200 background counts in the 10 Da window: 20 per Da, so 12 expected in each 0.6 Da
  // range, 14 in the 0.7 Da Cu range and 8 in the 0.4 Da Al2+ range.
  for (int i = 0; i < 200; ++i) add(events, 45.025 + 0.05 * i, 1, v, pulse);
  add(events, 26.98, 512, v, pulse);
  add(events, 62.93, 114, v, pulse);
  add(events, 13.49, 8, v, pulse);
  std::vector<Product> out;
  stage.process(events_frame(events, v), out);
  std::vector<Product> run;
  stage.snapshot(run);
  const Product& level = product(run, "background_level");
  EXPECT_NEAR(level.values.at(0), 20.0, 1e-12);
  EXPECT_NEAR(level.errors.at(0), 20.0 / std::sqrt(200.0), 1e-12);
  EXPECT_EQ(level.units, "counts/Da");
  const Product& per_range = product(run, "range_background");
  const std::vector<double> widths{0.4, 0.6, 0.6, 0.7, 0.7};
  for (std::size_t r = 0; r < 5; ++r) {
    EXPECT_NEAR(per_range.values[r], 20.0 * widths[r], 1e-9) << r;
    EXPECT_NEAR(per_range.errors[r], std::sqrt(200.0) * widths[r] / 10.0, 1e-9) << r;
  }
  // Corrected: Al 8 - 8 + 512 - 12 = 500, Cu 114 - 14 + 0 - 14 (over-subtracted range counts
  // as 0) = 100, AlO 0 - 12 -> 0. Raw counts are untouched.
  EXPECT_EQ(product(run, "ranged_counts").values, (std::vector<double>{8, 512, 0, 114, 0, 200}));
  const Product& composition = product(run, "composition");
  EXPECT_NEAR(composition.values[0], 500.0 / 600.0, 1e-12);
  EXPECT_NEAR(composition.values[1], 100.0 / 600.0, 1e-12);
  EXPECT_EQ(composition.values[2], 0.0);
  EXPECT_NEAR(composition.errors[1], std::sqrt(100.0 / 600.0 * 500.0 / 600.0 / 600.0), 1e-12);
}

TEST_F(AptRangingStageTest, OverlappingRangesAreRefused) {
  test::write_text(dir_ / "overlap.rrng",
                   "[Ions]\nNumber=2\nIon1=Al\nIon2=Mg\n[Ranges]\nNumber=2\n"
                   "Range1=26.8 27.4 Vol:0.0166 Al:1 Color:33FFFF\n"
                   "Range2=27.2 27.6 Vol:0.0166 Mg:1 Color:00FF00\n");
  AptRangingStage stage;
  try {
    stage.configure({{"ranges", (dir_ / "overlap.rrng").string()}});
    FAIL() << "overlapping ranges accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("apt_ranging: 'ranges'"), std::string::npos) << what;
    EXPECT_NE(what.find("overlap"), std::string::npos) << what;
    EXPECT_NE(what.find("overlap.rrng"), std::string::npos) << what;
  }
}

TEST_F(AptRangingStageTest, RefusesWhatCannotBeRanged) {
  const auto refusal = [](AptRangingStage& stage, const nlohmann::json& p) -> std::string {
    try {
      stage.configure(p);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  AptRangingStage stage;
  EXPECT_NE(refusal(stage, {{"ranges", (dir_ / "missing.rrng").string()}}).find("cannot read"),
            std::string::npos);
  test::write_text(dir_ / "bad.rrng", "[Ions]\nNumber=1\nIon1=Al\n");
  EXPECT_NE(refusal(stage, {{"ranges", (dir_ / "bad.rrng").string()}}).find("Ranges"),
            std::string::npos);
  test::write_text(dir_ / "empty.rrng", "[Ions]\nNumber=1\nIon1=Al\n[Ranges]\nNumber=0\n");
  EXPECT_NE(refusal(stage, {{"ranges", (dir_ / "empty.rrng").string()}}).find("no ranges"),
            std::string::npos);
  const std::string window =
      refusal(stage, {{"ranges", ranges()}, {"background_window", {60.0, 64.0}}});
  EXPECT_NE(window.find("background_window"), std::string::npos) << window;
  EXPECT_NE(window.find("Cu"), std::string::npos) << window;
  EXPECT_NE(refusal(stage, {{"ranges", ranges()}, {"colour", 1}}).find("'colour'"),
            std::string::npos);
}

TEST_F(AptRangingStageTest, RefusesFramesItCannotRange) {
  AptRangingStage unconfigured;
  std::vector<Product> out;
  EXPECT_THROW(unconfigured.process(events_frame({}, 5000.0), out), std::logic_error);
  AptRangingStage stage;
  stage.configure({{"ranges", ranges()}});
  Frame image;
  image.meta.kind = FrameKind::Image;
  EXPECT_THROW(stage.process(image, out), std::invalid_argument);
  EXPECT_THROW(stage.process(events_frame({event_at(27.0, 5000.0)}, 0.0), out),
               std::invalid_argument);
  EXPECT_EQ(stage.metrics().failed, 2U);
  // An empty chunk is fine: nothing counted, zero composition.
  stage.process(events_frame({}, 5000.0), out);
  EXPECT_EQ(product(out, "chunk_ions").values, (std::vector<double>{0, 0, 0, 0, 0}));
  EXPECT_EQ(product(out, "composition").values, (std::vector<double>{0, 0, 0}));
}

TEST_F(AptRangingStageTest, ThePointCloudStaysWithinMaxPoints) {
  AptRangingStage stage;
  stage.configure({{"ranges", ranges()}, {"max_points", 100}});
  std::uint64_t pulse = 0;
  std::vector<Product> out;
  for (int chunk = 0; chunk < 5; ++chunk) {
    std::vector<wire::Event> events;
    add(events, 26.98, 400, 5000.0, pulse);
    stage.process(events_frame(events, 5000.0, static_cast<std::uint64_t>(chunk)), out);
  }
  std::vector<Product> run;
  stage.snapshot(run);
  const Product& cloud = product(run, "reconstruction");
  EXPECT_EQ(cloud.shape, (std::vector<std::uint32_t>{100, 4}));
  // Depth grows through the run: 2000 Al ions of 0.0166 nm^3 at efficiency 0.6.
  const PointProjection p;
  const double depth = 2000 * 0.0166 / (0.6 * p.analysed_area_nm2(p.radius_nm(5000.0)));
  double deepest = 0.0;
  for (std::size_t i = 0; i < 100; ++i) deepest = std::max(deepest, cloud.values[4 * i + 2]);
  EXPECT_LE(deepest, depth + p.radius_nm(5000.0) * (1.0 - std::cos(p.max_launch_angle())));
  EXPECT_GT(deepest, 0.5 * depth);

  AptRangingStage off;
  off.configure({{"ranges", ranges()}, {"reconstruction", false}});
  run.clear();
  off.snapshot(run);
  EXPECT_FALSE(has(run, "reconstruction"));
}

}  // namespace
}  // namespace edgeloop
