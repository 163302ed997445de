#include "edgeloop/sims/apt_ranges.hpp"

#include <gtest/gtest.h>

#include <numbers>
#include <vector>

namespace edgeloop::sims {
namespace {

constexpr double kFov = 0.55;

TEST(AptRanges, OneRangePerPeakOfEveryIonAndChargeState) {
  const AptSpecimen specimen(AptSpecimenSettings{}, kFov, 1);
  // Al, Mg, Cu: 2+ shares 0.1, 0.6, 0.4.
  const std::vector<double> doubly{0.1, 0.6, 0.4};
  const formats::RangeTable table = make_apt_ranges(specimen, doubly);
  EXPECT_EQ(table.ions(), (std::vector<std::string>{"Al", "Mg", "Cu"}));
  // Al: 27+, 13.5++; Mg: 24, 25, 26 and halves; Cu: 63, 65 and halves.
  EXPECT_EQ(table.ranges().size(), 2U + 6U + 4U);
  for (const double m : {26.9815, 13.4908, 23.985, 24.9858, 25.9826, 11.9925, 12.4929, 12.9913,
                         62.9296, 64.9278, 31.4648, 32.4639}) {
    ASSERT_NE(table.find(m), nullptr) << m;
  }
  EXPECT_EQ(table.find(12.4929)->ion_name(), "Mg");
  EXPECT_EQ(table.find(13.4908)->ion_name(), "Al");
  // Neighbours half a dalton apart share the gap without touching.
  const formats::Range* mg26 = table.find(12.9913);
  const formats::Range* al = table.find(13.4908);
  EXPECT_LT(mg26->high, al->low);
  // Room on the heavy side for the thermal tail where there is space.
  EXPECT_NEAR(table.find(62.9296)->high - 62.9296, 0.4, 1e-4);
  EXPECT_NEAR(62.9296 - table.find(62.9296)->low, 0.2, 1e-4);
  EXPECT_NEAR(table.ranges()[0].volume_nm3, 0.0166, 1e-4);
}

TEST(AptRanges, SinglyChargedOnlyWhenNoDoubles) {
  AptSpecimenSettings s;
  s.clusters.number_density_per_nm3 = 0.0;
  const AptSpecimen specimen(s, kFov, 1);
  const std::vector<double> none{0.0, 0.0, 0.0};
  const formats::RangeTable table = make_apt_ranges(specimen, none);
  EXPECT_EQ(table.ranges().size(), 1U + 3U + 2U);
  EXPECT_EQ(table.find(13.4908), nullptr);
  EXPECT_THROW(make_apt_ranges(specimen, std::vector<double>{0.0}), std::invalid_argument);
}

TEST(AptRanges, UnresolvablePeaksGoToTheStrongerIon) {
  // 28Si+ (27.977) and 56Fe2+ (27.967) coincide: one range, given to Fe (far more abundant).
  AptSpecimenSettings s;
  s.base = "Fe";
  s.lattice_constant_nm = 0.36;
  s.matrix = {{"Si", 0.01}};
  s.clusters.number_density_per_nm3 = 0.0;
  s.clusters.composition = {};
  const AptSpecimen specimen(s, kFov, 1);
  const formats::RangeTable table = make_apt_ranges(specimen, std::vector<double>{0.5, 0.0});
  ASSERT_NE(table.find(27.97), nullptr);
  EXPECT_EQ(table.find(27.97)->ion_name(), "Fe");
  // 29Si+ meets 58Fe2+ (28.967), stronger by far too; 30Si+ stands alone.
  EXPECT_EQ(table.find(28.976)->ion_name(), "Fe");
  EXPECT_EQ(table.find(29.974)->ion_name(), "Si");
}

}  // namespace
}  // namespace edgeloop::sims
