#include "edgeloop/pipeline/apt/apt_ranging_parameters.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace edgeloop {
namespace {

std::string refusal(const nlohmann::json& parameters) {
  try {
    parse_apt_ranging_parameters(parameters);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(AptRangingParameters, DefaultsMatchTheSimulatedInstrument) {
  const AptRangingParameters p = parse_apt_ranging_parameters({{"ranges", "a.rrng"}});
  EXPECT_EQ(p.ranges, "a.rrng");
  EXPECT_EQ(p.geometry.flight_length_mm, 100.0);
  EXPECT_EQ(p.geometry.t0_ns, 0.0);
  EXPECT_EQ(p.projection.flight_length_mm, 100.0);
  EXPECT_EQ(p.projection.detector_radius_mm, 38.0);
  EXPECT_EQ(p.projection.image_compression, 1.5);
  EXPECT_EQ(p.projection.field_factor, 3.3);
  EXPECT_EQ(p.projection.evaporation_field_v_per_nm, 19.0);
  EXPECT_EQ(p.projection.detection_efficiency, 0.6);
  EXPECT_NEAR(p.atomic_volume_nm3, 0.405 * 0.405 * 0.405 / 4.0, 1e-15);
  EXPECT_EQ(p.max_points, 200000U);
  EXPECT_FALSE(p.background_window.has_value());
  EXPECT_TRUE(p.reconstruction);
}

TEST(AptRangingParameters, EveryKeyIsReadAndWrittenBack) {
  const nlohmann::json in{{"ranges", "b.rrng"},
                          {"flight_length_mm", 90.0},
                          {"t0_ns", 3.5},
                          {"mz_min", 1.0},
                          {"mz_max", 80.0},
                          {"bin_width", 0.02},
                          {"background_window", {40.0, 60.0}},
                          {"background_model", "inverse_sqrt"},
                          {"background_subtract", true},
                          {"reconstruction", false},
                          {"detector_radius_mm", 40.0},
                          {"image_compression", 1.65},
                          {"field_factor", 3.0},
                          {"evaporation_field_v_per_nm", 30.0},
                          {"detection_efficiency", 0.8},
                          {"atomic_volume_nm3", 0.0118},
                          {"count_unranged_volume", true},
                          {"max_points", 5000},
                          {"seed", 9}};
  const AptRangingParameters p = parse_apt_ranging_parameters(in);
  EXPECT_EQ(p.projection.flight_length_mm, 90.0) << "one flight length for both uses";
  EXPECT_EQ(p.background_model, BackgroundModel::InverseSqrt);
  EXPECT_EQ(to_json(p), in);
}

TEST(AptRangingParameters, UnknownKeysAreRefusedByName) {
  EXPECT_EQ(refusal({{"ranges", "a.rrng"}, {"bin_widht", 0.1}}),
            "apt_ranging: unknown parameter 'bin_widht'; did you mean 'bin_width'?");
  EXPECT_EQ(refusal({{"ranges", "a.rrng"}, {"frobnicate", 1}}),
            "apt_ranging: unknown parameter 'frobnicate'");
}

TEST(AptRangingParameters, BadValuesAreRefusedNamingTheKey) {
  const auto names = [](const nlohmann::json& extra, const std::string& key) {
    nlohmann::json p{{"ranges", "a.rrng"}};
    p.update(extra);
    const std::string why = refusal(p);
    EXPECT_NE(why.find(key), std::string::npos) << extra.dump() << " -> " << why;
  };
  EXPECT_NE(refusal(nlohmann::json::object()).find("'ranges' is required"), std::string::npos);
  EXPECT_NE(refusal(nlohmann::json::array()).find("table"), std::string::npos);
  names({{"ranges", 3}}, "ranges");
  names({{"ranges", ""}}, "ranges");
  names({{"flight_length_mm", -1.0}}, "flight_length_mm");
  names({{"flight_length_mm", "100"}}, "flight_length_mm");
  names({{"t0_ns", nullptr}}, "t0_ns");
  names({{"mz_min", -1.0}}, "mz_min");
  names({{"mz_max", 0.0}}, "mz_max");
  names({{"bin_width", 0.0}}, "bin_width");
  names({{"background_window", {60.0, 40.0}}}, "background_window");
  names({{"background_window", {40.0}}}, "background_window");
  names({{"background_window", 40.0}}, "background_window");
  names({{"background_model", "linear"}}, "background_model");
  names({{"background_subtract", true}}, "background_subtract");  // no window
  names({{"background_subtract", 1}}, "background_subtract");
  names({{"reconstruction", "yes"}}, "reconstruction");
  names({{"detector_radius_mm", 0.0}}, "detector_radius_mm");
  names({{"image_compression", 4.0}}, "image_compression");
  names({{"field_factor", 0.5}}, "field_factor");
  names({{"evaporation_field_v_per_nm", -19.0}}, "evaporation_field_v_per_nm");
  names({{"detection_efficiency", 0.0}}, "detection_efficiency");
  names({{"atomic_volume_nm3", 0.0}}, "atomic_volume_nm3");
  names({{"count_unranged_volume", 0}}, "count_unranged_volume");
  names({{"max_points", 0}}, "max_points");
  names({{"max_points", 1.5}}, "max_points");
  names({{"max_points", 10000000}}, "max_points");
  names({{"seed", -1}}, "seed");
}

}  // namespace
}  // namespace edgeloop
