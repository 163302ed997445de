#include "edgeloop/sims/saxs_truth.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/sims/saxs_device.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

SaxsConfig small_config() {
  SaxsConfig c;
  c.common.seed = 5;
  c.common.name = "saxs-truth";
  c.detector.rows = 256;
  c.detector.cols = 192;
  c.detector.module_rows = 100;
  c.detector.module_cols = 90;
  c.geometry = default_saxs_geometry(c.detector);
  c.geometry.rot1 = 0.01;
  return c;
}

TEST(SaxsTruth, WritesTheDocumentedLayout) {
  const testing::TempDir dir;
  const SaxsDevice device(small_config());
  device.write_truth(dir / "truth.h5");
  const h5::File f = h5::File::open_read_only(dir / "truth.h5");

  EXPECT_EQ(f.string_attribute("/", "instrument"), "saxs-truth");
  EXPECT_EQ(f.string_attribute("/", "modality"), "saxs");
  EXPECT_EQ(f.int_attribute("/", "seed"), 5);

  // Geometry: the attributes and the .poni text describe the device's geometry exactly.
  const formats::PoniParameters& p = device.detector().geometry().parameters();
  EXPECT_EQ(f.double_attribute("/geometry", "dist_m"), p.dist);
  EXPECT_EQ(f.double_attribute("/geometry", "rot1_rad"), 0.01);
  EXPECT_EQ(f.int_attribute("/geometry", "rows"), 256);
  EXPECT_EQ(f.int_attribute("/geometry", "cols"), 192);
  const auto poni = formats::PoniGeometry::from_poni_text(f.string_attribute("/geometry", "poni"),
                                                          "truth.h5:/geometry@poni");
  EXPECT_EQ(poni.parameters().poni1, p.poni1);
  EXPECT_EQ(poni.parameters().rot1, p.rot1);
  EXPECT_EQ(poni.parameters().wavelength, p.wavelength);
  EXPECT_EQ(f.double_attribute("/geometry", "beam_centre_row"),
            device.detector().geometry().beam_centre()[0]);
  EXPECT_EQ(f.shape("/geometry/q_nm"), (std::vector<std::size_t>{256, 192}));
  const auto q = f.read<float>("/geometry/q_nm");
  EXPECT_EQ(q[1000], device.detector().q()[1000]);
  // Solid angle and polarisation apart, so a reduction (pyFAI) applies each correction once;
  // their product is what the counts scale with.
  EXPECT_EQ(f.shape("/geometry/solid_angle_sr"), (std::vector<std::size_t>{256, 192}));
  EXPECT_EQ(f.shape("/geometry/polarization"), (std::vector<std::size_t>{256, 192}));
  EXPECT_EQ(f.double_attribute("/geometry/polarization", "polarization_factor"), 0.99);
  EXPECT_EQ(f.double_attribute("/geometry", "polarization_factor"), 0.99);
  const auto solid_angle = f.read<float>("/geometry/solid_angle_sr");
  const auto polarization = f.read<float>("/geometry/polarization");
  const auto efficiency = device.detector().efficiency();
  ASSERT_EQ(solid_angle.size(), efficiency.size());
  ASSERT_EQ(polarization.size(), efficiency.size());
  const formats::PoniGeometry& g = device.detector().geometry();
  for (const auto& [i, j] : {std::pair{0U, 0U}, std::pair{140U, 92U}, std::pair{255U, 191U}}) {
    const std::size_t k = std::size_t{i} * 192 + j;
    EXPECT_EQ(solid_angle[k], static_cast<float>(g.solid_angle_sr(i, j)));
    EXPECT_EQ(polarization[k], static_cast<float>(g.polarization(i, j, 0.99)));
  }
  for (std::size_t k = 0; k < efficiency.size(); ++k) {
    const double product = double{solid_angle[k]} * double{polarization[k]};
    const double expected = efficiency[k];
    ASSERT_NEAR(product, expected, 1e-6 * expected) << "pixel " << k;
  }
  // Off the beam P < 1 by far more than float rounding, so ΔΩ alone is not ΔΩ · P.
  const auto least = static_cast<std::size_t>(
      std::min_element(polarization.begin(), polarization.end()) - polarization.begin());
  EXPECT_LT(polarization[least], 1.0F - 1e-5F);
  EXPECT_GT(solid_angle[least], efficiency[least] * (1.0F + 1e-5F));

  // The mask, bit for bit, and its census.
  const auto mask = f.read<std::uint32_t>("/detector/pixel_mask");
  ASSERT_EQ(mask.size(), device.detector().pixel_count());
  EXPECT_TRUE(std::equal(mask.begin(), mask.end(), device.detector().mask().begin()));
  EXPECT_EQ(f.int_attribute("/detector", "masked_value"), 0xFFFFFFFF);
  EXPECT_EQ(f.int_attribute("/detector", "dead_pixels"), 6);
  EXPECT_EQ(f.int_attribute("/detector", "beamstop_pixels"),
            static_cast<std::int64_t>(device.detector().count_masked(kMaskBeamstop)));

  // The true structure on the grid, temperature slowest.
  const auto xs = f.read<double>("/sample/x_mm");
  const auto ys = f.read<double>("/sample/y_mm");
  const auto ts = f.read<double>("/sample/temperature_c");
  ASSERT_EQ(xs.size(), kTruthGridX);
  ASSERT_EQ(ys.size(), kTruthGridY);
  ASSERT_EQ(ts.size(), kTruthTemperatures);
  EXPECT_EQ(xs.front(), -20.0);
  EXPECT_EQ(xs.back(), 20.0);
  EXPECT_EQ(ts.back(), 95.0);
  EXPECT_EQ(f.shape("/sample/sphere_radius_nm"),
            (std::vector<std::size_t>{kTruthTemperatures, kTruthGridY, kTruthGridX}));
  const auto radius = f.read<double>("/sample/sphere_radius_nm");
  const auto length = f.read<double>("/sample/cylinder_length_nm");
  const auto rg = f.read<double>("/sample/guinier_radius_nm");
  const auto target = f.read<double>("/sample/intensity_at_target_per_cm");
  const std::size_t t = 2;
  const std::size_t y = 7;
  const std::size_t x = 33;
  const std::size_t cell = (t * kTruthGridY + y) * kTruthGridX + x;
  const SampleStructure s = device.sample().structure_at(xs[x], ys[y], ts[t]);
  EXPECT_EQ(radius[cell], s.spheres.radius_nm);
  EXPECT_EQ(length[cell], s.cylinders.length_nm);
  EXPECT_EQ(rg[cell], s.guinier_radius_nm);
  EXPECT_EQ(target[cell], device.scattering().intensity_at(s, 0.22));
  EXPECT_EQ(f.double_attribute("/sample/intensity_at_target_per_cm", "target_q_nm"), 0.22);
  EXPECT_EQ(f.double_attribute("/sample", "dome_x_mm"), device.sample().dome_x_mm());
  EXPECT_FALSE(f.string_attribute("/sample", "model").empty());

  // Ideal curves on the device's own q grid.
  const auto curve_q = f.read<double>("/curves/q_nm");
  ASSERT_EQ(curve_q.size(), device.scattering().points());
  const auto cx = f.read<double>("/curves/x_mm");
  const auto cy = f.read<double>("/curves/y_mm");
  ASSERT_EQ(cx.size(), kTruthCurvesX);
  ASSERT_EQ(cy.size(), kTruthCurvesY);
  EXPECT_EQ(
      f.shape("/curves/intensity_per_cm"),
      (std::vector<std::size_t>{kTruthTemperatures, kTruthCurvesY, kTruthCurvesX, curve_q.size()}));
  const auto curves = f.read<double>("/curves/intensity_per_cm");
  const std::size_t ct = 4;
  const std::size_t cyi = 1;
  const std::size_t cxi = 6;
  const IntensityCurve c =
      device.scattering().curve(device.sample().structure_at(cx[cxi], cy[cyi], ts[ct]));
  const std::size_t offset = ((ct * kTruthCurvesY + cyi) * kTruthCurvesX + cxi) * curve_q.size();
  for (const std::size_t k : {0UL, 17UL, curve_q.size() - 1}) {
    EXPECT_EQ(curves[offset + k], c.intensity()[k]);
  }
}

TEST(SaxsTruth, UnwritablePathThrows) {
  const SaxsDevice device(small_config());
  EXPECT_THROW(device.write_truth("/nonexistent-dir/truth.h5"), h5::H5Error);
}

}  // namespace
}  // namespace edgeloop::sims
