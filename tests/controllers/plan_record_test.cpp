#include "edgeloop/controllers/plan_record.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop {
namespace {

PlanObservation sample() {
  return {.scan_index = 4,
          .command_seq = 17,
          .position = {1.5, -2.25},
          .payload_sha256 = std::string(64, 'c'),
          .products = {{"iq", {0.1, std::nan(""), 1e-300, 3.0000000000000004}}},
          .axes = {{"iq", {0.01, 0.02, 0.03, 0.04}}}};
}

TEST(PlanRecord, AnObservationSurvivesTheLogBitForBit) {
  const PlanObservation o = sample();
  const auto text = observation_to_json(o).dump();
  const PlanObservation back = observation_from_json(nlohmann::json::parse(text));
  EXPECT_EQ(observation_hash(back), observation_hash(o));
  EXPECT_TRUE(std::isnan(back.products.at("iq")[1]));
  EXPECT_EQ(back.products.at("iq")[3], 3.0000000000000004);
}

TEST(PlanRecord, TheHashChangesWithAnyPartOfTheObservation) {
  const std::string h = observation_hash(sample());
  PlanObservation o = sample();
  o.products["iq"][0] = 0.2;
  EXPECT_NE(observation_hash(o), h);
  o = sample();
  o.scan_index = 5;
  EXPECT_NE(observation_hash(o), h);
  o = sample();
  o.axes.clear();
  EXPECT_NE(observation_hash(o), h);
}

TEST(PlanRecord, RefusalsRoundTripAndBadRecordsAreRefused) {
  const PlanRefusal r{.source = "envelope",
                      .actuator = "stage_x",
                      .target = {25.0},
                      .scan_index = 3,
                      .reason = "range",
                      .detail = "outside"};
  const PlanRefusal back = refusal_from_json(nlohmann::json::parse(refusal_to_json(r).dump()));
  EXPECT_EQ(back.actuator, "stage_x");
  EXPECT_EQ(back.target, r.target);
  EXPECT_EQ(back.scan_index, 3);
  EXPECT_THROW(observation_from_json({{"scan_index", "x"}}), std::invalid_argument);
  EXPECT_THROW(refusal_from_json(nlohmann::json::array()), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
