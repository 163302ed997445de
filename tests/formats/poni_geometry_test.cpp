#include "edgeloop/formats/poni_geometry.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <numbers>
#include <string>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::formats {
namespace {

using Vec = std::array<double, 3>;
using Mat = std::array<Vec, 3>;

Mat multiply(const Mat& a, const Mat& b) {
  Mat out{};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      for (std::size_t k = 0; k < 3; ++k) out[i][j] += a[i][k] * b[k][j];
    }
  }
  return out;
}

Vec apply(const Mat& m, const Vec& v) {
  Vec out{};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t k = 0; k < 3; ++k) out[i] += m[i][k] * v[k];
  }
  return out;
}

// pyFAI's three rotations, written out one by one as in its geometry documentation: about
// axis 1 (vertical), about axis 2 (horizontal), both left-handed, then about the beam.
Mat pyfai_rotation(double rot1, double rot2, double rot3) {
  const double c1 = std::cos(rot1);
  const double s1 = std::sin(rot1);
  const double c2 = std::cos(rot2);
  const double s2 = std::sin(rot2);
  const double c3 = std::cos(rot3);
  const double s3 = std::sin(rot3);
  const Mat r1{{{1, 0, 0}, {0, c1, s1}, {0, -s1, c1}}};
  const Mat r2{{{c2, 0, -s2}, {0, 1, 0}, {s2, 0, c2}}};
  const Mat r3{{{c3, -s3, 0}, {s3, c3, 0}, {0, 0, 1}}};
  return multiply(r3, multiply(r2, r1));
}

double norm(const Vec& v) {
  return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

PoniParameters flat_detector() {
  PoniParameters p;
  p.dist = 0.5;
  p.poni1 = 0.01;
  p.poni2 = 0.02;
  p.wavelength = 1e-10;
  p.pixel1 = 100e-6;
  p.pixel2 = 100e-6;
  p.rows = 200;
  p.cols = 300;
  return p;
}

TEST(PoniGeometry, UnrotatedDetectorMatchesHandGeometry) {
  const PoniGeometry g(flat_detector());
  for (const auto& [row, col] : {std::pair{0.0, 0.0}, std::pair{99.5, 250.0},
                                 std::pair{150.0, 199.5}, std::pair{199.0, 299.0}}) {
    // Straight lines from the sample to a flat detector facing the beam.
    const double d1 = (row + 0.5) * 100e-6 - 0.01;
    const double d2 = (col + 0.5) * 100e-6 - 0.02;
    const double r = std::hypot(d1, d2);
    const double tth = std::atan(r / 0.5);
    EXPECT_NEAR(g.two_theta(row, col), tth, 1e-14);
    EXPECT_NEAR(g.q_nm(row, col), 4.0 * std::numbers::pi / 0.1 * std::sin(tth / 2), 1e-11);
    if (r > 0) {
      EXPECT_NEAR(g.chi(row, col), std::atan2(d1, d2), 1e-14);
    }
    const double cos_alpha = 0.5 / std::sqrt(0.25 + r * r);
    EXPECT_NEAR(g.solid_angle(row, col), std::pow(cos_alpha, 3), 1e-14);
    EXPECT_NEAR(g.solid_angle_sr(row, col), 1e-8 / 0.25 * std::pow(cos_alpha, 3), 1e-20);
    const auto t = g.lab_vector(row, col);
    EXPECT_NEAR(t[0], d1, 1e-15);
    EXPECT_NEAR(t[1], d2, 1e-15);
    EXPECT_NEAR(t[2], 0.5, 1e-15);
  }
  // Pixel (99.5, 199.5) has its centre exactly on the PONI, which is the beam centre here.
  EXPECT_NEAR(g.two_theta(99.5, 199.5), 0.0, 1e-15);
  EXPECT_NEAR(g.solid_angle(99.5, 199.5), 1.0, 1e-15);
  const auto centre = g.beam_centre();
  EXPECT_NEAR(centre[0], 100.0, 1e-9);
  EXPECT_NEAR(centre[1], 200.0, 1e-9);
  // χ = 0 along +axis 2 (to larger columns), χ = +π/2 along +axis 1 (to larger rows).
  EXPECT_NEAR(g.chi(99.5, 250.0), 0.0, 1e-14);
  EXPECT_NEAR(g.chi(150.0, 199.5), std::numbers::pi / 2, 1e-14);
}

TEST(PoniGeometry, RotatedDetectorMatchesExplicitRotationMatrices) {
  PoniParameters p = flat_detector();
  p.rot1 = 0.05;
  p.rot2 = -0.03;
  p.rot3 = 0.4;
  const PoniGeometry g(p);
  const Mat r = pyfai_rotation(p.rot1, p.rot2, p.rot3);
  const Vec normal = apply(r, {0, 0, 1});
  for (const auto& [row, col] : {std::pair{0.0, 0.0}, std::pair{10.0, 280.0},
                                 std::pair{120.0, 40.0}, std::pair{199.0, 299.0}}) {
    const Vec local{(row + 0.5) * p.pixel1 - p.poni1, (col + 0.5) * p.pixel2 - p.poni2, p.dist};
    const Vec t = apply(r, local);
    const auto got = g.lab_vector(row, col);
    for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(got[k], t[k], 1e-15);
    EXPECT_NEAR(g.two_theta(row, col), std::acos(t[2] / norm(t)), 1e-12);
    EXPECT_NEAR(g.chi(row, col), std::atan2(t[0], t[1]), 1e-13);
    // Solid angle: cos³ of the angle between the ray and the rotated detector normal.
    const double cos_alpha = (t[0] * normal[0] + t[1] * normal[1] + t[2] * normal[2]) / norm(t);
    EXPECT_NEAR(g.solid_angle(row, col), std::pow(cos_alpha, 3), 1e-13);
  }
  // The beam centre is where the lab vector is parallel to the beam.
  const auto centre = g.beam_centre();
  EXPECT_NEAR(g.two_theta(centre[0] - 0.5, centre[1] - 0.5), 0.0, 1e-12);
}

TEST(PoniGeometry, Rot1AloneTiltsAboutTheVerticalAxis) {
  PoniParameters p = flat_detector();
  p.rot1 = 0.1;
  const PoniGeometry g(p);
  // The PONI pixel sees the sample along the detector normal, which is rot1 off the beam.
  EXPECT_NEAR(g.two_theta(99.5, 199.5), 0.1, 1e-14);
  EXPECT_NEAR(g.chi(99.5, 199.5), 0.0, 1e-14);  // on the positive axis-2 side
  // ...and the beam meets the detector dist * tan(rot1) towards smaller columns.
  const auto centre = g.beam_centre();
  EXPECT_NEAR(centre[0], 100.0, 1e-9);
  EXPECT_NEAR(centre[1] * p.pixel2, p.poni2 - p.dist * std::tan(0.1), 1e-12);
}

TEST(PoniGeometry, PolarizationFollowsPyFaiLimits) {
  PoniParameters p = flat_detector();
  p.dist = 0.05;  // wide angles, so the corrections are far from 1
  const PoniGeometry g(p);
  const double row = 99.5;  // χ = 0: horizontal plane
  const double col = 299.0;
  const double c = std::cos(g.two_theta(row, col));
  EXPECT_NEAR(g.polarization(row, col, 0.0), (1 + c * c) / 2, 1e-14);
  EXPECT_NEAR(g.polarization(row, col, 1.0), c * c, 1e-14);
  // Horizontally polarised light loses nothing in the vertical plane (χ = π/2).
  EXPECT_NEAR(g.polarization(199.0, 199.5, 1.0), 1.0, 1e-14);
  // An axis offset of π/2 swaps the planes.
  EXPECT_NEAR(g.polarization(row, col, 1.0, std::numbers::pi / 2), 1.0, 1e-14);
  EXPECT_THROW((void)g.polarization(row, col, 1.5), std::invalid_argument);
}

TEST(PoniGeometry, ArraysAgreeWithPointQueries) {
  PoniParameters p = flat_detector();
  p.rows = 7;
  p.cols = 5;
  p.rot2 = 0.02;
  const PoniGeometry g(p);
  const auto q = g.q_array();
  const auto tth = g.two_theta_array();
  const auto chi = g.chi_array();
  const auto sa = g.solid_angle_array();
  const auto pol = g.polarization_array(0.9);
  ASSERT_EQ(q.size(), 35U);
  const std::size_t k = 3 * 5 + 2;
  EXPECT_EQ(q[k], g.q_nm(3, 2));
  EXPECT_EQ(tth[k], g.two_theta(3, 2));
  EXPECT_EQ(chi[k], g.chi(3, 2));
  EXPECT_EQ(sa[k], g.solid_angle(3, 2));
  EXPECT_EQ(pol[k], g.polarization(3, 2, 0.9));
}

TEST(PoniGeometry, RejectsImpossibleParameters) {
  PoniParameters p = flat_detector();
  p.dist = 0.0;
  try {
    PoniGeometry{p};
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("dist"), std::string::npos);
  }
  p = flat_detector();
  p.wavelength = std::nan("");
  EXPECT_THROW(PoniGeometry{p}, std::invalid_argument);
  p = flat_detector();
  p.cols = 0;
  EXPECT_THROW(PoniGeometry{p}, std::invalid_argument);
}

TEST(PoniFile, WriteThenReadGivesTheSameNumbers) {
  PoniParameters p = flat_detector();
  p.rot1 = 0.0123456789012345;
  p.rot2 = -1e-7;
  p.rot3 = 3.0;
  p.wavelength = 1.0332e-10;
  p.pixel1 = 172e-6;
  p.pixel2 = 75e-6;
  p.detector = "Eiger2_1M";
  const PoniGeometry g(p);
  const std::string text = g.to_poni_text();
  EXPECT_NE(text.find("poni_version: 2\n"), std::string::npos);
  EXPECT_NE(text.find("Detector_config: {\"pixel1\": 0.000172, \"pixel2\": 7.5e-05, "
                      "\"max_shape\": [200, 300]}"),
            std::string::npos);
  const PoniGeometry back = PoniGeometry::from_poni_text(text, "mem.poni");
  const PoniParameters& b = back.parameters();
  EXPECT_EQ(b.dist, p.dist);
  EXPECT_EQ(b.poni1, p.poni1);
  EXPECT_EQ(b.poni2, p.poni2);
  EXPECT_EQ(b.rot1, p.rot1);
  EXPECT_EQ(b.rot2, p.rot2);
  EXPECT_EQ(b.rot3, p.rot3);
  EXPECT_EQ(b.wavelength, p.wavelength);
  EXPECT_EQ(b.pixel1, p.pixel1);
  EXPECT_EQ(b.pixel2, p.pixel2);
  EXPECT_EQ(b.rows, 200U);
  EXPECT_EQ(b.cols, 300U);
  EXPECT_EQ(b.detector, "Eiger2_1M");

  const testing::TempDir dir;
  g.write(dir / "g.poni");
  EXPECT_EQ(PoniGeometry::read(dir / "g.poni").to_poni_text(), text);
}

TEST(PoniFile, ReadsWhatPyFaiWrites) {
  // Layout of a file saved by pyFAI 2024 (version 2.1 with the default orientation).
  const std::string text =
      "# Nota: C-Order, 1 refers to the Y axis, 2 to the X axis\n"
      "# Calibration done at Tue Oct 15 22:20:08 2024\n"
      "poni_version: 2.1\n"
      "Detector: Detector\n"
      "Detector_config: {\"pixel1\": 7.5e-05, \"pixel2\": 7.5e-05, \"max_shape\": [1065, 1030], "
      "\"orientation\": 3}\n"
      "Distance: 2.345\n"
      "Poni1: 0.0412\n"
      "Poni2: 0.0387\n"
      "Rot1: 0.001\n"
      "Rot2: -0.002\n"
      "Rot3: 0.0\n"
      "Wavelength: 1.0332e-10\n";
  const PoniGeometry g = PoniGeometry::from_poni_text(text, "calib.poni");
  EXPECT_EQ(g.rows(), 1065U);
  EXPECT_EQ(g.cols(), 1030U);
  EXPECT_EQ(g.parameters().dist, 2.345);
  EXPECT_EQ(g.parameters().rot2, -0.002);
  EXPECT_EQ(g.parameters().wavelength, 1.0332e-10);
}

std::string error_of(const std::string& text) {
  try {
    (void)PoniGeometry::from_poni_text(text, "bad.poni");
  } catch (const PoniError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a PoniError for:\n" << text;
  return "";
}

std::string valid_text() {
  return PoniGeometry(flat_detector()).to_poni_text();  // 12 lines, Distance on line 6
}

std::string replace_line(const std::string& text, const std::string& prefix,
                         const std::string& line) {
  const std::size_t start = text.find(prefix);
  const std::size_t end = text.find('\n', start);
  return text.substr(0, start) + line + text.substr(end);
}

TEST(PoniFile, ErrorsNameTheFileAndLine) {
  const std::string good = valid_text();
  EXPECT_EQ(error_of(replace_line(good, "Distance:", "Distance: 0.5m")),
            "bad.poni:6: Distance must be a finite number, got '0.5m'");
  EXPECT_EQ(error_of(replace_line(good, "Rot2:", "Rot2: nan")),
            "bad.poni:10: Rot2 must be a finite number, got 'nan'");
  EXPECT_EQ(error_of(replace_line(good, "Poni1:", "Poni: 0.1")), "bad.poni:7: unknown key 'Poni'");
  EXPECT_EQ(error_of(replace_line(good, "Poni1:", "Poni1 0.1")),
            "bad.poni:7: expected 'Key: value', got 'Poni1 0.1'");
  EXPECT_EQ(error_of(replace_line(good, "Wavelength:", "# no wavelength")),
            "bad.poni: missing Wavelength line");
  EXPECT_EQ(error_of(good + "Distance: 1\n"), "bad.poni:13: key 'distance' repeats line 6");
  EXPECT_EQ(error_of(replace_line(good, "Distance:", "Distance: -1")),
            "bad.poni: PoniGeometry: dist must be > 0 m");
  EXPECT_NE(error_of(replace_line(good, "poni_version", "poni_version: 3")).find("bad.poni:3:"),
            std::string::npos);
  EXPECT_NE(error_of(replace_line(good, "poni_version", "# v1")).find("no poni_version"),
            std::string::npos);
  const std::string bad_json =
      error_of(replace_line(good, "Detector_config", "Detector_config: {"));
  EXPECT_NE(bad_json.find("bad.poni:5: Detector_config is not valid JSON"), std::string::npos);
  EXPECT_EQ(error_of(replace_line(good, "Detector_config",
                                  "Detector_config: {\"pixel1\": 1e-4, \"pixel2\": 1e-4}")),
            "bad.poni:5: Detector_config needs \"max_shape\": [rows, cols], got 'null'");
  EXPECT_NE(error_of(replace_line(good, "Detector_config",
                                  "Detector_config: {\"pixel1\": 1e-4, \"pixel2\": 1e-4, "
                                  "\"max_shape\": [2, 2], \"orientation\": 1}"))
                .find("bad.poni:5: Detector_config key 'orientation'"),
            std::string::npos);
}

TEST(PoniFile, DeeplyNestedDetectorConfigIsRefusedNotACrash) {
  const std::string good = valid_text();
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_NE(
      error_of(replace_line(good, "Detector_config", "Detector_config: {\"x\": " + deep + "}"))
          .find("bad.poni:5: Detector_config nests deeper than 8 levels"),
      std::string::npos);
  // Brackets inside strings do not count, escaped quotes do not end them.
  EXPECT_NE(error_of(replace_line(good, "Detector_config",
                                  "Detector_config: {\"pixel1\": 1e-4, \"pixel2\": 1e-4, "
                                  "\"max_shape\": [2, 2], \"x\\\"[[[[[[[[[[\": [[1]]}"))
                .find("with value a JSON array is not supported"),
            std::string::npos);
}

TEST(PoniFile, UnreadableFileIsNamed) {
  const testing::TempDir dir;
  try {
    (void)PoniGeometry::read(dir / "missing.poni");
    FAIL() << "expected a PoniError";
  } catch (const PoniError& error) {
    EXPECT_NE(std::string(error.what()).find("missing.poni: cannot read"), std::string::npos);
  }
}

}  // namespace
}  // namespace edgeloop::formats
