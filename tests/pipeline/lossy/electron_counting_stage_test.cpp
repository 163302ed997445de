// The electron-counting stage: parameters, products, the event table and its bound, refusals.
#include "edgeloop/pipeline/lossy/electron_counting_stage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "lossy_test_frames.hpp"

namespace edgeloop::lossy {
namespace {

using testing::image_frame;

// The stage's kokkos backend runs Kokkos kernels.
class ElectronCountingStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

// A 16 x 16 frame with one electron of `gain` ADU at each (row, col).
template <typename T>
std::vector<T> electrons_at(std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> at,
                            T gain, T pedestal = T{0}) {
  std::vector<T> pixels(256, pedestal);
  for (const auto& [row, col] : at) pixels[row * 16U + col] = static_cast<T>(pedestal + gain);
  return pixels;
}

const Product& find(const std::vector<Product>& products, const std::string& name) {
  const auto it = std::find_if(products.begin(), products.end(),
                               [&](const Product& p) { return p.name == name; });
  if (it == products.end()) throw std::runtime_error("no product " + name);
  return *it;
}

TEST_F(ElectronCountingStageTest, DefaultsFollowTheGain) {
  ElectronCountingStage stage;
  stage.configure({{"gain_adu", 80.0}});
  const StageDescription d = stage.describe();
  EXPECT_EQ(d.name, "electron_counting");
  EXPECT_DOUBLE_EQ(d.parameters["threshold_adu"].get<double>(), 12.0);
  EXPECT_DOUBLE_EQ(d.parameters["min_cluster_adu"].get<double>(), 40.0);
  EXPECT_EQ(d.parameters["weight_by_charge"], false);
  EXPECT_EQ(d.parameters["max_stored_events"], ElectronCountingStage::kDefaultMaxStoredEvents);
  EXPECT_EQ(d.parameters["backend"], "loop");
}

TEST_F(ElectronCountingStageTest, BackendsGiveTheSameProducts) {
  ElectronCountingStage kokkos;
  ElectronCountingStage loop;
  kokkos.configure({{"gain_adu", 50.0}, {"weight_by_charge", true}, {"backend", "kokkos"}});
  loop.configure({{"gain_adu", 50.0}, {"weight_by_charge", true}});
  std::vector<std::uint16_t> pixels = electrons_at<std::uint16_t>({{0, 0}, {3, 4}, {3, 5}}, 50);
  pixels[9 * 16 + 9] = 130;  // a pile-up of three
  pixels[9 * 16 + 10] = 20;
  std::vector<Product> a;
  std::vector<Product> b;
  kokkos.process(image_frame(pixels, 16, 16, wire::DType::U16, 0), a);
  loop.process(image_frame(pixels, 16, 16, wire::DType::U16, 0), b);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].values, b[i].values) << a[i].name;
  }
  // 1, then 2 (two neighbours make one flat top, weighted by its charge), then 3.
  EXPECT_EQ(find(a, "counted_electrons").values[0], 6.0);
  EXPECT_EQ(find(a, "counting_events").values[0], 3.0);
  std::vector<Product> ea;
  std::vector<Product> eb;
  kokkos.finish(ea);
  loop.finish(eb);
  EXPECT_EQ(find(ea, "electron_events").values, find(eb, "electron_events").values);
}

TEST_F(ElectronCountingStageTest, BadParametersNameTheKey) {
  const auto refused = [](const nlohmann::json& p, const std::string& key) {
    ElectronCountingStage stage;
    try {
      stage.configure(p);
      ADD_FAILURE() << "accepted " << p.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + key + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("electron_counting"), std::string::npos) << e.what();
    }
  };
  refused({{"gain_adu", 0}}, "gain_adu");
  refused({{"gain_adu", "100"}}, "gain_adu");
  refused({{"threshold_adu", -1}}, "threshold_adu");
  refused({{"min_cluster_adu", -0.5}}, "min_cluster_adu");
  refused({{"weight_by_charge", 1}}, "weight_by_charge");
  refused({{"max_stored_events", -1}}, "max_stored_events");
  refused({{"max_stored_events", 1.5}}, "max_stored_events");
  refused({{"threshold", 3}}, "threshold");
  refused({{"backend", "cuda"}}, "backend");
  EXPECT_THROW(ElectronCountingStage().configure(nlohmann::json::array()), std::invalid_argument);
}

TEST_F(ElectronCountingStageTest, CountsEveryDtype) {
  ElectronCountingStage stage;
  stage.configure({{"gain_adu", 50.0}});
  std::vector<Product> out;
  stage.process(
      image_frame(electrons_at<std::uint8_t>({{2, 2}, {9, 9}}, 50), 16, 16, wire::DType::U8, 0),
      out);
  EXPECT_EQ(find(out, "counting_events").values[0], 2.0);
  EXPECT_EQ(find(out, "counting_loss").values[0], 0.0);
  EXPECT_DOUBLE_EQ(find(out, "counting_compression_ratio").values[0], 256.0 / 48.0);
  out.clear();
  stage.process(image_frame(electrons_at<float>({{5, 5}}, 50.0F), 16, 16, wire::DType::F32, 1),
                out);
  EXPECT_EQ(find(out, "counted_electrons").values[0], 1.0);
  EXPECT_EQ(find(out, "counting_event_offset").values[0], 2.0);
  out.clear();
  stage.process(
      image_frame(electrons_at<std::int32_t>({{0, 15}}, 50, 1000), 16, 16, wire::DType::I32, 2),
      out);
  // Without the pedestal configured, the whole frame sits above the threshold: the plateau
  // counts once (at its first pixel) beside the electron, and the integrated charge shows the
  // mistake.
  EXPECT_EQ(find(out, "counting_events").values[0], 2.0);
  EXPECT_GT(find(out, "integrated_electrons").values[0], 5000.0);
  EXPECT_GT(find(out, "counting_loss").values[0], 0.99);
}

TEST_F(ElectronCountingStageTest, EventTableIsBoundedFrameByFrame) {
  ElectronCountingStage stage;
  stage.configure({{"gain_adu", 10.0}, {"max_stored_events", 3}});
  std::vector<Product> out;
  for (std::uint64_t f = 0; f < 3; ++f) {
    out.clear();
    stage.process(
        image_frame(electrons_at<std::uint16_t>({{1, 1}, {8, 8}}, 10), 16, 16, wire::DType::U16, f),
        out);
    // The first frame's two events fit; the second's would pass the bound and are not kept.
    EXPECT_EQ(find(out, "counting_event_offset").values[0], f == 0 ? 0.0 : -1.0) << f;
  }
  std::vector<Product> end;
  stage.finish(end);
  const Product& events = find(end, "electron_events");
  ASSERT_EQ(events.shape, (std::vector<std::uint32_t>{2, 5}));
  EXPECT_EQ(events.values[0], 0.0);  // frame
  EXPECT_EQ(events.values[1], 1.0);  // x
  EXPECT_EQ(events.values[2], 1.0);  // y
  EXPECT_EQ(events.values[3], 10.0);
  EXPECT_EQ(events.values[4], 1.0);
  const Product& summary = find(end, "counting_summary");
  EXPECT_EQ(summary.values[0], 3.0);  // frames
  EXPECT_EQ(summary.values[1], 6.0);  // events
  EXPECT_EQ(summary.values[6], 2.0);  // kept
  EXPECT_EQ(summary.values[7], 4.0);  // not kept
  EXPECT_EQ(find(end, "counting_by_frame").shape, (std::vector<std::uint32_t>{3, 6}));
  // A snapshot is light: no event table.
  std::vector<Product> live;
  stage.snapshot(live);
  EXPECT_TRUE(std::none_of(live.begin(), live.end(),
                           [](const Product& p) { return p.name == "electron_events"; }));
}

TEST_F(ElectronCountingStageTest, RefusesWhatIsNotAnImage) {
  ElectronCountingStage stage;
  stage.configure({});
  std::vector<Product> out;
  Frame events_frame = image_frame(std::vector<std::uint8_t>(24), 24, 1, wire::DType::U8, 0);
  events_frame.meta.kind = FrameKind::Events;
  EXPECT_THROW(stage.process(events_frame, out), std::invalid_argument);
  Frame short_frame = image_frame(std::vector<std::uint16_t>(10), 16, 16, wire::DType::U16, 1);
  EXPECT_THROW(stage.process(short_frame, out), std::invalid_argument);
  Frame unknown = image_frame(std::vector<std::uint8_t>(256), 16, 16, wire::DType::Unknown, 2);
  EXPECT_THROW(stage.process(unknown, out), std::invalid_argument);
  EXPECT_EQ(stage.metrics().failed, 3U);
}

}  // namespace
}  // namespace edgeloop::lossy
