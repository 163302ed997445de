// The stage on frames rendered by the simulated instrument's kinematic model: the physics the
// virtual detectors exist to see.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/pipeline/stem/stem_virtual_detector_stage.hpp"
#include "edgeloop/sims/diffraction_model.hpp"
#include "stem_test_frames.hpp"

namespace edgeloop {
namespace {

using testing::image_frame;

class StemSimulatedFrames : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

TEST_F(StemSimulatedFrames, BrightFieldDropsAndDarkFieldRisesOnThickSpecimen) {
  constexpr std::uint32_t kScan = 64;
  constexpr std::uint64_t kSeed = 17;
  const sims::Stem4DSpecimen specimen(kSeed, 1024, 1024);
  sims::DetectorSettings detector;
  detector.size = 96;
  sims::DiffractionModel model(specimen, detector, kSeed);

  // The hole sits around the scan origin; the thickest point on a coarse grid is the film.
  struct Point {
    double x;
    double y;
  };
  Point vacuum{0, 0};
  Point thick{0, 0};
  double thickest = 0.0;
  for (double y = 0; y < 1024; y += 16) {
    for (double x = 0; x < 1024; x += 16) {
      const double t = specimen.thickness_at(x, y);
      if (t > thickest) {
        thickest = t;
        thick = {x, y};
      }
    }
  }
  ASSERT_TRUE(specimen.at(vacuum.x, vacuum.y).vacuum);
  ASSERT_GT(thickest, 0.8);

  StemVirtualDetectorStage stage;
  stage.configure({{"scan_nx", kScan}, {"scan_ny", kScan}, {"backend", "cpu"}});
  sims::ProbeState probe;
  probe.electrons = 2e5;
  std::vector<std::uint16_t> pixels(model.pixel_count());
  std::map<std::string, double> in_vacuum;
  std::map<std::string, double> in_film;
  for (const auto& [point, into, index] :
       {std::tuple{vacuum, &in_vacuum, 0}, std::tuple{thick, &in_film, 1}}) {
    model.render(point.x, point.y, probe, pixels);
    std::vector<Product> out;
    stage.process(image_frame(pixels, 96, 96, wire::DType::U16, index), out);
    for (const Product& p : out) (*into)[p.name] = p.values[0];
  }
  // A frame holds the whole dose either way; the film moves it out of the BF disc.
  EXPECT_NEAR(in_vacuum["total_intensity"], probe.electrons, 5 * std::sqrt(probe.electrons));
  EXPECT_NEAR(in_film["total_intensity"], probe.electrons, 5 * std::sqrt(probe.electrons));
  EXPECT_GT(in_vacuum["virtual_bf"], 0.95 * probe.electrons);
  EXPECT_LT(in_film["virtual_bf"], 0.6 * in_vacuum["virtual_bf"]);
  EXPECT_GT(in_film["virtual_adf"], 10 * std::max(1.0, in_vacuum["virtual_adf"]));
  // The vacuum pattern is centred on the detector.
  EXPECT_NEAR(in_vacuum["com"], 0.0, 0.05);
}

}  // namespace
}  // namespace edgeloop
