#include "edgeloop/pipeline/stem/stem_virtual_detector_stage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "stem_test_frames.hpp"

namespace edgeloop {
namespace {

using testing::Doubled;
using testing::image_frame;
using testing::pattern;
using testing::random_pixels;

// One suite for every test that runs kernels: Kokkos cannot be initialised again once
// finalised.
class StemStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

constexpr std::uint32_t kSide = 32;
constexpr std::uint32_t kNx = 5;
constexpr std::uint32_t kNy = 4;

nlohmann::json cpu_parameters() {
  return {{"scan_nx", kNx}, {"scan_ny", kNy}, {"backend", "cpu"}};
}

// A frame whose signals depend on its scan position: a disc shifted by (x % 3 - 1, y % 3 - 1)
// pixels, brighter with the index, so every position's BF, ADF and COM differ.
Frame position_frame(std::int64_t index) {
  const auto x = static_cast<std::int64_t>(index % kNx);
  const auto y = static_cast<std::int64_t>(index / kNx);
  const Doubled at{31 + 2 * (x % 3 - 1), 31 + 2 * (y % 3 - 1)};
  auto pixels = pattern<std::uint16_t>(kSide, kSide, at, static_cast<std::uint16_t>(10 + index),
                                       [](std::int64_t r4) { return r4 <= 4 * 7 * 7; });
  pixels[static_cast<std::size_t>(index)] = 1000;  // a speck in a corner: some ADF and COM
  return image_frame(pixels, kSide, kSide, wire::DType::U16, index);
}

std::map<std::string, Product> by_name(const std::vector<Product>& products) {
  std::map<std::string, Product> m;
  for (const Product& p : products) m.emplace(p.name, p);
  return m;
}

// Maps compared bit for bit, so NaN equals NaN.
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

const std::vector<std::string> kMapNames = {"virtual_bf_map", "virtual_adf_map",   "com_x_map",
                                            "com_y_map",      "dpc_magnitude_map", "visited_map"};

TEST_F(StemStageTest, PerFrameProductsAndDescription) {
  StemVirtualDetectorStage stage;
  stage.configure({{"scan_nx", 4},
                   {"scan_ny", 4},
                   {"backend", "cpu"},
                   {"bf_radius", 5},
                   {"adf_inner", 6},
                   {"adf_outer", 15.5}});
  EXPECT_EQ(stage.backend(), StemVirtualDetectorStage::Backend::Kokkos);
  EXPECT_EQ(stage.preferred_batch(), 1U);
  // A disc of radius 4 inside BF, shifted by (2, -1), and a ring in the annulus.
  const Doubled shifted{31 + 4, 31 - 2};
  auto pixels = pattern<std::uint16_t>(kSide, kSide, shifted, 3,
                                       [](std::int64_t r4) { return r4 <= 4 * 2 * 2; });
  std::vector<Product> out;
  stage.process(image_frame(pixels, kSide, kSide, wire::DType::U16, 5), out);
  const auto p = by_name(out);
  ASSERT_EQ(out.size(), 4U);
  EXPECT_EQ(p.at("virtual_bf").values, p.at("total_intensity").values);
  EXPECT_EQ(p.at("virtual_bf").shape, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(p.at("virtual_adf").values, (std::vector<double>{0}));
  EXPECT_EQ(p.at("com").values, (std::vector<double>{2, -1}));
  EXPECT_EQ(p.at("com").shape, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(p.at("com").units, "px");
  EXPECT_EQ(stage.metrics().processed, 1U);

  const StageDescription d = stage.describe();
  EXPECT_EQ(d.name, "stem_virtual_detectors");
  EXPECT_EQ(d.version, "1.0.0");
  EXPECT_EQ(d.parameters["scan_nx"], 4);
  EXPECT_EQ(d.parameters["bf_radius"], 5.0);
  EXPECT_TRUE(d.parameters["centre_x"].is_null());  // from the detector
  EXPECT_EQ(d.parameters["com_radius"], 0.0);
  EXPECT_EQ(d.parameters["resolved_backend"], "kokkos");
}

TEST_F(StemStageTest, DefaultGeometryComesFromTheFirstFrame) {
  StemVirtualDetectorStage stage;
  stage.configure(cpu_parameters());
  std::vector<Product> run_level;
  stage.snapshot(run_level);
  EXPECT_EQ(by_name(run_level).count("detector_geometry"), 0U);  // no frame yet

  std::vector<Product> out;
  const std::vector<std::uint8_t> pixels(96 * 64, 1);
  stage.process(image_frame(pixels, 64, 96, wire::DType::U8, 0), out);
  run_level.clear();
  stage.snapshot(run_level);
  EXPECT_EQ(by_name(run_level).at("detector_geometry").values,
            (std::vector<double>{47.5, 31.5, 8, 8, 32, 0}));
}

TEST_F(StemStageTest, MapsDoNotDependOnArrivalOrder) {
  std::vector<std::int64_t> order(kNx * kNy - 3);  // the last three positions stay unvisited
  std::iota(order.begin(), order.end(), 0);
  StemVirtualDetectorStage raster;
  raster.configure(cpu_parameters());
  std::vector<Product> ignored;
  for (const auto i : order) raster.process(position_frame(i), ignored);

  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  StemVirtualDetectorStage shuffled;
  shuffled.configure(cpu_parameters());
  for (const auto i : order) shuffled.process(position_frame(i), ignored);

  std::vector<Product> a;
  std::vector<Product> b;
  raster.finish(a);
  shuffled.snapshot(b);
  const auto ma = by_name(a);
  const auto mb = by_name(b);
  for (const auto& name : kMapNames) {
    SCOPED_TRACE(name);
    const Product& p = ma.at(name);
    EXPECT_TRUE(same_bits(p.values, mb.at(name).values));
    EXPECT_EQ(p.shape, (std::vector<std::uint32_t>{kNy, kNx}));
    ASSERT_EQ(p.axes.size(), 2U);
    EXPECT_EQ(p.axes[0].name, "y");
    EXPECT_EQ(p.axes[1].name, "x");
    EXPECT_EQ(p.axes[1].values.size(), kNx);
    for (std::size_t i = 0; i < p.values.size(); ++i) {
      if (name == "visited_map") {
        EXPECT_EQ(p.values[i], i < order.size() ? 1.0 : 0.0);
      } else {
        EXPECT_EQ(std::isnan(p.values[i]), i >= order.size()) << i;
      }
    }
  }
  // Each visited position holds its own frame's signals.
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(order.size()); ++i) {
    std::vector<Product> one;
    StemVirtualDetectorStage single;
    single.configure(cpu_parameters());
    single.process(position_frame(i), one);
    const auto p = by_name(one);
    const auto at = static_cast<std::size_t>(i);
    EXPECT_EQ(ma.at("virtual_bf_map").values[at], p.at("virtual_bf").values[0]);
    EXPECT_EQ(ma.at("virtual_adf_map").values[at], p.at("virtual_adf").values[0]);
    EXPECT_EQ(ma.at("com_x_map").values[at], p.at("com").values[0]);
    EXPECT_EQ(ma.at("com_y_map").values[at], p.at("com").values[1]);
    EXPECT_EQ(ma.at("dpc_magnitude_map").values[at],
              std::hypot(p.at("com").values[0], p.at("com").values[1]));
  }
}

TEST_F(StemStageTest, RevisitsAreAveraged) {
  StemVirtualDetectorStage stage;
  stage.configure(cpu_parameters());
  std::vector<Product> out;
  // Uniform frames: BF = value x BF pixels, so the mean of the visits is known.
  const auto uniform = [](std::uint16_t v, std::int64_t index) {
    return image_frame(std::vector<std::uint16_t>(kSide * kSide, v), kSide, kSide, wire::DType::U16,
                       index);
  };
  stage.process(uniform(1, 7), out);
  const double bf_one = out[0].values[0];
  stage.process(uniform(2, 7), out);
  stage.process(uniform(6, 7), out);
  stage.process(uniform(5, 8), out);
  std::vector<Product> maps;
  stage.snapshot(maps);
  const auto m = by_name(maps);
  EXPECT_EQ(m.at("visited_map").values[7], 3.0);
  EXPECT_EQ(m.at("visited_map").values[8], 1.0);
  EXPECT_EQ(m.at("virtual_bf_map").values[7], 3.0 * bf_one);
  EXPECT_EQ(m.at("virtual_bf_map").values[8], 5.0 * bf_one);
  EXPECT_EQ(m.at("com_x_map").values[7], 0.0);
  EXPECT_TRUE(std::isnan(m.at("com_x_map").values[6]));
}

TEST_F(StemStageTest, BatchEqualsFrameByFrame) {
  std::vector<Frame> frames;
  for (std::int64_t i = 0; i < 13; ++i) frames.push_back(position_frame((i * 7) % 20));
  frames.push_back(position_frame(3));  // a revisit inside the batch
  std::vector<const Frame*> pointers;
  for (const auto& f : frames) pointers.push_back(&f);

  StemVirtualDetectorStage batched;
  batched.configure(cpu_parameters());
  std::vector<std::vector<Product>> batch_out;
  batched.process_batch(pointers, batch_out);
  StemVirtualDetectorStage single;
  single.configure(cpu_parameters());
  ASSERT_EQ(batch_out.size(), frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    std::vector<Product> out;
    single.process(frames[i], out);
    ASSERT_EQ(out.size(), batch_out[i].size());
    for (std::size_t j = 0; j < out.size(); ++j) {
      EXPECT_EQ(out[j].name, batch_out[i][j].name);
      EXPECT_EQ(out[j].values, batch_out[i][j].values);
    }
  }
  std::vector<Product> a;
  std::vector<Product> b;
  batched.snapshot(a);
  single.snapshot(b);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t j = 0; j < a.size(); ++j) EXPECT_TRUE(same_bits(a[j].values, b[j].values));
  EXPECT_EQ(batched.metrics().processed, frames.size());
}

TEST_F(StemStageTest, DtypeMayChangeBetweenFrames) {
  StemVirtualDetectorStage stage;
  stage.configure(cpu_parameters());
  std::vector<Frame> frames;
  frames.push_back(
      image_frame(std::vector<std::uint8_t>(kSide * kSide, 2), kSide, kSide, wire::DType::U8, 0));
  frames.push_back(
      image_frame(std::vector<std::uint32_t>(kSide * kSide, 2), kSide, kSide, wire::DType::U32, 1));
  frames.push_back(
      image_frame(std::vector<float>(kSide * kSide, 2.0f), kSide, kSide, wire::DType::F32, 2));
  const std::vector<const Frame*> pointers{&frames[0], &frames[1], &frames[2]};
  std::vector<std::vector<Product>> out;
  stage.process_batch(pointers, out);
  EXPECT_EQ(out[0][3].values, (std::vector<double>{2.0 * kSide * kSide}));
  EXPECT_EQ(out[1][3].values, out[0][3].values);
  EXPECT_EQ(out[2][3].values, out[0][3].values);
}

TEST_F(StemStageTest, RefusesBadFramesAndCountsThem) {
  StemVirtualDetectorStage stage;
  stage.configure(cpu_parameters());
  std::vector<Product> out;
  const std::vector<std::uint16_t> good(kSide * kSide, 1);
  stage.process(image_frame(good, kSide, kSide, wire::DType::U16, 0), out);  // fixes 32 x 32
  out.clear();

  std::vector<Frame> bad;
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::U16, -1));  // not assigned
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::U16, kNx * kNy));
  bad.push_back(image_frame(std::vector<std::uint16_t>(16 * 64, 1), 16, 64, wire::DType::U16, 1));
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::U8, 1));  // 2x the bytes
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::Unknown, 1));
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::U16, 1));
  bad.back().meta.shape = {kSide * kSide};  // 1-D
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::U16, 1));
  bad.back().meta.kind = FrameKind::Events;
  bad.push_back(image_frame(good, kSide, kSide, wire::DType::U16, 1));
  bad.back().meta.codec = wire::Codec::BitshuffleLz4;  // compressed, never decoded: no pixels
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_ANY_THROW(stage.process(bad[i], out));
  }
  EXPECT_THROW(stage.process(bad[0], out), std::out_of_range);
  EXPECT_THROW(stage.process(bad[2], out), std::invalid_argument);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stage.metrics().failed, bad.size() + 2);
  EXPECT_EQ(stage.metrics().processed, 1U);

  // A batch with one bad frame is refused whole and leaves the maps as they were.
  const Frame ok = position_frame(4);
  const std::vector<const Frame*> batch{&ok, &bad[1]};
  std::vector<std::vector<Product>> batch_out;
  EXPECT_THROW(stage.process_batch(batch, batch_out), std::out_of_range);
  std::vector<Product> maps;
  stage.snapshot(maps);
  const auto visited = by_name(maps).at("visited_map").values;
  EXPECT_EQ(std::accumulate(visited.begin(), visited.end(), 0.0), 1.0);
}

TEST_F(StemStageTest, FirstFrameThatCannotFixTheGeometryIsRefused) {
  StemVirtualDetectorStage stage;
  // adf_outer below the default adf_inner (= bf_radius = 32 / 8 = 4).
  stage.configure({{"scan_nx", 2}, {"scan_ny", 2}, {"backend", "cpu"}, {"adf_outer", 3}});
  std::vector<Product> out;
  const std::vector<std::uint16_t> good(kSide * kSide, 1);
  EXPECT_THROW(stage.process(image_frame(good, kSide, kSide, wire::DType::U16, 0), out),
               std::invalid_argument);
  EXPECT_EQ(stage.metrics().failed, 1U);
}

TEST(StemStageParameters, RefusesBadParameters) {
  const auto refuses = [](nlohmann::json p, const std::string& key) {
    StemVirtualDetectorStage stage;
    try {
      stage.configure(p);
      ADD_FAILURE() << "accepted " << p.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  };
  const nlohmann::json base = {{"scan_nx", 4}, {"scan_ny", 4}, {"backend", "cpu"}};
  const auto with = [&](const std::string& key, nlohmann::json value) {
    nlohmann::json p = base;
    p[key] = std::move(value);
    return p;
  };
  refuses({{"scan_ny", 4}}, "scan_nx");
  refuses({{"scan_nx", 4}}, "scan_ny");
  refuses(with("scan_nx", 0), "scan_nx");
  refuses(with("scan_nx", -3), "scan_nx");
  refuses(with("scan_nx", 2.5), "scan_nx");
  refuses(with("scan_ny", "4"), "scan_ny");
  refuses(with("scan_ny", 1 << 23), "scan_ny");  // too many positions
  refuses(with("bf_radius", 0), "bf_radius");
  refuses(with("bf_radius", -1.0), "bf_radius");
  refuses(with("adf_inner", "wide"), "adf_inner");
  refuses(with("adf_outer", 0), "adf_outer");
  refuses(with("com_radius", -1), "com_radius");
  refuses(with("centre_x", nullptr), "centre_x");
  refuses(with("backend", "fpga"), "backend");
  refuses(with("backend", 1), "backend");
  refuses(with("bf_raduis", 8), "bf_raduis");
  nlohmann::json ring = base;
  ring["adf_inner"] = 20;
  ring["adf_outer"] = 20;
  refuses(ring, "adf_outer");
  if (!cuda_device_available()) refuses(with("backend", "cuda"), "backend");
  StemVirtualDetectorStage stage;
  EXPECT_THROW(stage.configure(nlohmann::json::array({1, 2})), std::invalid_argument);
}

TEST(StemStageParameters, AutoPicksCudaOnlyWhenADeviceIsPresent) {
  StemVirtualDetectorStage stage;
  stage.configure({{"scan_nx", 4}, {"scan_ny", 4}});
  EXPECT_EQ(stage.backend() == StemVirtualDetectorStage::Backend::Cuda, cuda_device_available());
  EXPECT_EQ(stage.preferred_batch() > 1, cuda_device_available());
  EXPECT_EQ(stage.describe().parameters["backend"], "auto");
}

TEST(StemStageParameters, SnapshotBeforeAnyFrameIsAllUnvisited) {
  StemVirtualDetectorStage stage;
  stage.configure({{"scan_nx", 3}, {"scan_ny", 2}, {"backend", "cpu"}});
  std::vector<Product> maps;
  stage.snapshot(maps);
  const auto m = by_name(maps);
  for (const auto& name : kMapNames) {
    ASSERT_EQ(m.count(name), 1U) << name;
    EXPECT_EQ(m.at(name).values.size(), 6U);
  }
  EXPECT_TRUE(std::all_of(m.at("virtual_bf_map").values.begin(),
                          m.at("virtual_bf_map").values.end(),
                          [](double v) { return std::isnan(v); }));
  EXPECT_EQ(m.at("visited_map").values, std::vector<double>(6, 0.0));
}

// Rates of the whole stage (kernel, per-frame products, maps) on the Kokkos backend, frame by
// frame as the daemon feeds it; run with --gtest_also_run_disabled_tests. Printed, not asserted.
TEST_F(StemStageTest, DISABLED_Throughput) {
  std::mt19937_64 rng(3);
  for (const std::uint32_t side : {96U, 256U}) {
    std::vector<Frame> frames;
    for (std::int64_t i = 0; i < 64; ++i) {
      auto pixels = random_pixels<std::uint16_t>(std::size_t{side} * side, rng);
      for (auto& v : pixels) v = static_cast<std::uint16_t>(v % 64);
      frames.push_back(image_frame(pixels, side, side, wire::DType::U16, i));
    }
    StemVirtualDetectorStage stage;
    stage.configure({{"scan_nx", 256}, {"scan_ny", 256}, {"backend", "cpu"}});
    const std::size_t rounds = side == 256 ? 150 : 1000;
    std::vector<Product> out;
    const std::clock_t start = std::clock();  // CPU time: the machine may be shared
    for (std::size_t r = 0; r < rounds; ++r) {
      for (auto& f : frames) {
        f.meta.scan_index = static_cast<std::int64_t>((r * frames.size()) % 65536) +
                            static_cast<std::int64_t>(&f - frames.data());
        out.clear();
        stage.process(f, out);
      }
    }
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    std::printf("stage u16 %ux%u: %.0f frames/s per core\n", side, side,
                static_cast<double>(rounds * frames.size()) / seconds);
  }
}

}  // namespace
}  // namespace edgeloop
