#include "edgeloop/pipeline/saxs/saxs_integration_stage.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "saxs_test_support.hpp"

namespace edgeloop::saxs {
namespace {

using fixtures::image_frame;
using fixtures::tilted_geometry;
using nlohmann::json;

class SaxsIntegrationStageTest : public fixtures::KokkosSuite {
 protected:
  json inline_geometry() const {
    const formats::PoniParameters g = tilted_geometry();
    return {{"dist", g.dist},
            {"poni1", g.poni1},
            {"poni2", g.poni2},
            {"rot1", g.rot1},
            {"rot2", g.rot2},
            {"rot3", g.rot3},
            {"wavelength", g.wavelength},
            {"pixel1", g.pixel1},
            {"pixel2", g.pixel2},
            {"rows", g.rows},
            {"cols", g.cols}};
  }
  // Counts c × solid angle × polarisation (rounded), plus `extra` marked pixels.
  std::vector<std::uint32_t> flat_counts(double c) const {
    const formats::PoniGeometry g(tilted_geometry());
    std::vector<double> w = g.solid_angle_array();
    const std::vector<double> p = g.polarization_array(0.99);
    std::vector<std::uint32_t> out(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
      out[i] = static_cast<std::uint32_t>(std::lround(c * w[i] * p[i]));
    }
    return out;
  }
  static const Product& find(const std::vector<Product>& products, const std::string& name) {
    for (const Product& p : products) {
      if (p.name == name) return p;
    }
    throw std::runtime_error("no product " + name);
  }
  static constexpr std::uint32_t kRows = 160;
  static constexpr std::uint32_t kCols = 200;
  testing::TempDir dir_;
};

TEST_F(SaxsIntegrationStageTest, FlatFieldFrameGivesFlatIqAndNamedProducts) {
  SaxsIntegrationStage stage;
  json p = inline_geometry();
  p["bins"] = 64;
  stage.configure(p);
  std::vector<Product> out;
  stage.process(image_frame(flat_counts(2.0e5), kRows, kCols), out);
  ASSERT_EQ(out.size(), 3u);
  const Product& iq = find(out, "iq");
  ASSERT_EQ(iq.values.size(), 64u);
  EXPECT_EQ(iq.shape, (std::vector<std::uint32_t>{64}));
  ASSERT_EQ(iq.errors.size(), 64u);
  ASSERT_EQ(iq.axes.size(), 1u);
  EXPECT_EQ(iq.axes[0].name, "q");
  EXPECT_EQ(iq.axes[0].units, "nm^-1");
  EXPECT_EQ(iq.axes[0].values.size(), 64u);
  EXPECT_EQ(iq.units, "counts");
  for (std::size_t k = 0; k < 64; ++k) {
    if (std::isnan(iq.values[k])) continue;
    EXPECT_NEAR(iq.values[k], 2.0e5, 2.0e5 * 5e-6);
    EXPECT_GT(iq.errors[k], 0.0);
  }
  const Product& guinier = find(out, "guinier");
  EXPECT_EQ(guinier.values.size(), 2u);
  EXPECT_EQ(guinier.errors.size(), 2u);
  EXPECT_EQ(guinier.units, "nm, counts");
  // A flat curve has no Guinier decay.
  EXPECT_TRUE(std::isnan(guinier.values[0]));
  const Product& porod = find(out, "porod_invariant");
  ASSERT_EQ(porod.values.size(), 1u);
  EXPECT_EQ(porod.units, "counts nm^-3");
  // ∫ c q² dq over the range, to the trapezoid's accuracy on the bin centres.
  const double lo = iq.axes[0].values.front();
  const double hi = iq.axes[0].values.back();
  EXPECT_NEAR(porod.values[0], 2.0e5 * (hi * hi * hi - lo * lo * lo) / 3.0, 1e-3 * porod.values[0]);
  EXPECT_GT(porod.errors[0], 0.0);

  const StageDescription d = stage.describe();
  EXPECT_EQ(d.name, "saxs_azimuthal_integration");
  EXPECT_EQ(d.version, "1.0.0");
  EXPECT_EQ(d.parameters["geometry"]["dist"], 0.3);
  EXPECT_EQ(d.parameters["geometry"]["rows"], kRows);
  EXPECT_EQ(d.parameters["bins"], 64);
  EXPECT_EQ(d.parameters["unit"], "q_nm^-1");
  EXPECT_EQ(d.parameters["polarization_factor"], 0.99);
  EXPECT_EQ(d.parameters["q_min_from"], "data");
  EXPECT_TRUE(d.parameters["mask"].is_null());
  EXPECT_DOUBLE_EQ(d.parameters["q_min"].get<double>(), stage.integrator()->radial_min());
}

TEST_F(SaxsIntegrationStageTest, PoniFileAndInlineKeysGiveTheSameCurve) {
  const formats::PoniGeometry g(tilted_geometry());
  g.write(dir_ / "det.poni");
  SaxsIntegrationStage from_file;
  from_file.configure({{"poni", (dir_ / "det.poni").string()}, {"unit", "q_A^-1"}});
  SaxsIntegrationStage from_keys;
  json p = inline_geometry();
  p["unit"] = "q_A^-1";
  from_keys.configure(p);
  std::vector<Product> a;
  std::vector<Product> b;
  from_file.process(image_frame(flat_counts(100.0), kRows, kCols), a);
  from_keys.process(image_frame(flat_counts(100.0), kRows, kCols), b);
  EXPECT_EQ(find(a, "iq").axes[0].units, "A^-1");
  EXPECT_EQ(find(a, "guinier").units, "A, counts");
  EXPECT_EQ(find(a, "porod_invariant").units, "counts A^-3");
  ASSERT_EQ(find(a, "iq").values.size(), 500u);
  for (std::size_t k = 0; k < 500; ++k) {
    EXPECT_NEAR(find(a, "iq").axes[0].values[k], find(b, "iq").axes[0].values[k], 1e-12);
  }
  const json d = from_file.describe().parameters;
  std::ifstream in(dir_ / "det.poni");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(d["poni"], (dir_ / "det.poni").string());
  EXPECT_EQ(d["poni_sha256"], to_hex(Sha256::of(text)));
  EXPECT_NEAR(d["geometry"]["rot3"].get<double>(), 0.2, 1e-15);
}

TEST_F(SaxsIntegrationStageTest, MaskFromHdf5LeavesItsPixelsOutAndIsHashed) {
  std::vector<std::uint32_t> mask(std::size_t{kRows} * kCols, 0);
  std::vector<std::uint32_t> counts = flat_counts(1000.0);
  for (std::size_t i = 0; i < mask.size(); i += 5) {
    mask[i] = 256;  // NeXus "user-defined", as the simulator marks its beamstop
    counts[i] = 4000000;
  }
  {
    h5::File file = h5::File::create(dir_ / "mask.h5");
    const std::size_t shape[] = {kRows, kCols};
    file.write<std::uint32_t>("/detector/pixel_mask", mask, shape);
  }
  SaxsIntegrationStage stage;
  json p = inline_geometry();
  p["mask"] = (dir_ / "mask.h5").string() + ":/detector/pixel_mask";
  p["bins"] = 40;
  stage.configure(p);
  std::vector<Product> out;
  stage.process(image_frame(counts, kRows, kCols), out);
  for (const double v : find(out, "iq").values) {
    if (!std::isnan(v)) {
      EXPECT_NEAR(v, 1000.0, 1.0);
    }
  }
  const json d = stage.describe().parameters;
  std::vector<std::uint8_t> applied(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i) applied[i] = mask[i] != 0 ? 1 : 0;
  EXPECT_EQ(d["mask_sha256"], to_hex(Sha256::of(std::as_bytes(std::span(applied)))));
  EXPECT_EQ(d["masked_pixels"], (mask.size() + 4) / 5);
}

TEST_F(SaxsIntegrationStageTest, ExposureNormalisationAndTheRunMean) {
  SaxsIntegrationStage stage;
  json p = inline_geometry();
  p["bins"] = 20;
  p["normalize_exposure"] = true;
  p["flux_normalization"] = 2.0;
  stage.configure(p);
  std::vector<Product> snapshot;
  stage.snapshot(snapshot);
  EXPECT_TRUE(snapshot.empty());  // nothing to average yet

  // 1 s at rate r and 3 s at rate 2r: per frame r / 2 and r (flux 2), pooled (r + 6r) / 4 / 2.
  constexpr double kR = 4.0e4;
  std::vector<Product> out;
  stage.process(image_frame(flat_counts(kR), kRows, kCols, 1.0), out);
  stage.process(image_frame(flat_counts(3.0 * 2.0 * kR), kRows, kCols, 3.0), out);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0].units, "counts/s");
  for (std::size_t k = 0; k < 20; ++k) {
    if (std::isnan(out[0].values[k])) continue;
    EXPECT_NEAR(out[0].values[k], kR / 2.0, 1e-4 * kR);
    EXPECT_NEAR(out[3].values[k], kR, 1e-4 * kR);
  }
  stage.snapshot(snapshot);
  ASSERT_EQ(snapshot.size(), 3u);
  const Product& mean = find(snapshot, "iq_mean");
  EXPECT_EQ(mean.axes[0].name, "q");
  EXPECT_EQ(mean.axes[0].values, out[0].axes[0].values);
  const Product& first = out[0];
  for (std::size_t k = 0; k < 20; ++k) {
    if (std::isnan(mean.values[k])) continue;
    EXPECT_NEAR(mean.values[k], 7.0 * kR / 8.0, 1e-4 * kR);
    // Pooled Poisson error: the counts of both frames over both frames' weight × time × flux.
    EXPECT_LT(mean.errors[k], first.errors[k]);
  }
  EXPECT_NE(find(snapshot, "guinier_mean").name, "");
  EXPECT_NE(find(snapshot, "porod_invariant_mean").name, "");
  std::vector<Product> finished;
  stage.finish(finished);
  EXPECT_EQ(find(finished, "iq_mean").values.size(), 20u);

  // Reconfiguring starts a new run.
  stage.configure(p);
  snapshot.clear();
  stage.snapshot(snapshot);
  EXPECT_TRUE(snapshot.empty());
}

TEST_F(SaxsIntegrationStageTest, RefusesBadParametersNamingTheKey) {
  const auto message = [&](json p) -> std::string {
    SaxsIntegrationStage stage;
    try {
      stage.configure(p);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  const auto with = [&](const char* key, json value) {
    json p = inline_geometry();
    p[key] = std::move(value);
    return p;
  };
  const auto contains = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  std::string m = message(with("binz", 100));
  EXPECT_TRUE(contains(m, "unknown parameter 'binz'")) << m;
  EXPECT_TRUE(contains(m, "did you mean 'bins'")) << m;
  EXPECT_TRUE(contains(message(with("bins", 0)), "'bins'"));
  EXPECT_TRUE(contains(message(with("bins", "500")), "'bins'"));
  EXPECT_TRUE(contains(message(with("bins", 2.5)), "'bins'"));
  EXPECT_TRUE(contains(message(with("unit", "2th_deg")), "'unit'"));
  EXPECT_TRUE(contains(message(with("q_min", -1.0)), "'q_min'"));
  json range = with("q_min", 2.0);
  range["q_max"] = 1.0;
  EXPECT_TRUE(contains(message(range), "'q_min' must be below 'q_max'"));
  EXPECT_TRUE(contains(message(with("polarization_factor", 1.5)), "'polarization_factor'"));
  EXPECT_TRUE(contains(message(with("polarization_factor", "high")), "'polarization_factor'"));
  EXPECT_TRUE(contains(message(with("normalize_exposure", "yes")), "'normalize_exposure'"));
  EXPECT_TRUE(contains(message(with("flux_normalization", 0.0)), "'flux_normalization'"));
  EXPECT_TRUE(contains(message(with("guinier_max_qrg", -1.0)), "'guinier_max_qrg'"));
  EXPECT_TRUE(contains(message(with("guinier_min_points", 1)), "'guinier_min_points'"));
  EXPECT_TRUE(contains(message(with("dist", "far")), "'dist'"));
  EXPECT_TRUE(contains(message(with("dist", -1.0)), "dist"));
  EXPECT_TRUE(contains(message(with("poni", "/nonexistent/x.poni")), "poni"));
  EXPECT_TRUE(contains(message(with("mask", "no-dataset.h5")), "mask"));
  EXPECT_TRUE(contains(message(with("mask", (dir_ / "missing.h5").string() + ":/m")), "mask"));
  m = message(json{{"poni", "x.poni"}, {"dist", 1.0}});
  EXPECT_TRUE(contains(m, "'dist' cannot be combined with 'poni'")) << m;
  json missing = inline_geometry();
  missing.erase("wavelength");
  EXPECT_TRUE(contains(message(missing), "'wavelength' is missing"));
  EXPECT_TRUE(contains(message(json::array()), "table"));
  EXPECT_TRUE(contains(message(json::object()), "no geometry"));

  // A mask of the wrong shape.
  {
    h5::File file = h5::File::create(dir_ / "small.h5");
    const std::vector<std::uint8_t> small(100, 0);
    const std::size_t shape[] = {10, 10};
    file.write<std::uint8_t>("/mask", small, shape);
  }
  m = message(with("mask", (dir_ / "small.h5").string() + ":/mask"));
  EXPECT_TRUE(contains(m, "10 x 10")) << m;
}

TEST_F(SaxsIntegrationStageTest, RefusesFramesThatDoNotFitTheGeometry) {
  SaxsIntegrationStage stage;
  json p = inline_geometry();
  p["normalize_exposure"] = true;
  stage.configure(p);
  std::vector<Product> out;
  const auto counts = flat_counts(10.0);
  EXPECT_THROW(stage.process(image_frame(counts, kCols, kRows), out), std::invalid_argument);
  EXPECT_THROW(
      stage.process(image_frame(std::vector<std::uint32_t>(kRows * kCols), kRows * kCols, 1), out),
      std::invalid_argument);
  Frame events = image_frame(counts, kRows, kCols);
  events.meta.kind = FrameKind::Events;
  EXPECT_THROW(stage.process(events, out), std::invalid_argument);
  Frame unknown = image_frame(counts, kRows, kCols);
  unknown.meta.dtype = wire::DType::Unknown;
  EXPECT_THROW(stage.process(unknown, out), std::invalid_argument);
  Frame short_payload = image_frame(std::vector<std::uint32_t>(100), kRows, kCols);
  EXPECT_THROW(stage.process(short_payload, out), std::invalid_argument);
  EXPECT_THROW(stage.process(image_frame(counts, kRows, kCols, 0.0), out), std::invalid_argument);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(stage.metrics().failed, 6u);
  EXPECT_EQ(stage.metrics().processed, 0u);

  SaxsIntegrationStage unconfigured;
  EXPECT_THROW(unconfigured.process(image_frame(counts, kRows, kCols), out), std::logic_error);
}

}  // namespace
}  // namespace edgeloop::saxs
