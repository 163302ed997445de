#include "edgeloop/pipeline/apt/ion_decomposition.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop {
namespace {

formats::RangeTable table() {
  return formats::parse_rrng(
      "[Ions]\nNumber=3\nIon1=Al\nIon2=Cu\nIon3=AlH2\n"
      "[Ranges]\nNumber=4\n"
      "Range1=26.8 27.4 Vol:0.0166 Al:1 Color:33FFFF\n"
      "Range2=28.8 29.4 Vol:0 Al:1 H:2 Color:FF0000\n"
      "Range3=62.7 63.4 Vol:0.0118 Cu:1 Color:FF8000\n"
      "Range4=13.3 13.7 Vol:0.0166 Al:1 Color:33FFFF\n",
      "test.rrng");
}

TEST(IonDecomposition, ElementsInTheFilesOrderAndAtomsPerIon) {
  const formats::RangeTable t = table();
  const IonDecomposition d(t);
  EXPECT_EQ(d.elements(), (std::vector<std::string>{"Al", "Cu", "H"}));
  ASSERT_EQ(d.range_count(), 4U);
  // RangeTable sorts by low: Al2+ 13.3, Al+ 26.8, AlH2+ 28.8, Cu+ 62.7.
  EXPECT_EQ(t.ranges()[2].ion_name(), "AlH2");
  const auto alh2 = d.atoms_per_ion(2);
  EXPECT_EQ(std::vector<std::uint32_t>(alh2.begin(), alh2.end()),
            (std::vector<std::uint32_t>{1, 0, 2}));
  const auto cu = d.atoms_per_ion(3);
  EXPECT_EQ(std::vector<std::uint32_t>(cu.begin(), cu.end()),
            (std::vector<std::uint32_t>{0, 1, 0}));
  EXPECT_THROW(static_cast<void>(d.atoms_per_ion(4)), std::out_of_range);
}

TEST(IonDecomposition, MolecularIonsSplitIntoAtomsWithBinomialErrors) {
  const IonDecomposition d(table());
  // Al2+ 50, Al+ 700, AlH2+ 30, Cu+ 120, unranged 999 (ignored).
  const std::vector<double> counts{50, 700, 30, 120, 999};
  const ElementComposition c = d.composition(counts);
  EXPECT_EQ(c.atoms, (std::vector<double>{780, 120, 60}));
  EXPECT_DOUBLE_EQ(c.total_atoms, 960.0);
  for (std::size_t e = 0; e < 3; ++e) {
    const double p = c.atoms[e] / 960.0;
    EXPECT_DOUBLE_EQ(c.fraction[e], p);
    EXPECT_DOUBLE_EQ(c.error[e], std::sqrt(p * (1.0 - p) / 960.0));
  }
}

TEST(IonDecomposition, OverSubtractedCountsCountAsZero) {
  const IonDecomposition d(table());
  const ElementComposition c = d.composition(std::vector<double>{0, 10, -3.5, 0});
  EXPECT_EQ(c.atoms, (std::vector<double>{10, 0, 0}));
  EXPECT_DOUBLE_EQ(c.fraction[0], 1.0);
  EXPECT_DOUBLE_EQ(c.error[0], 0.0);
}

TEST(IonDecomposition, NoAtomsGiveZerosAndTooFewCountsAreRefused) {
  const IonDecomposition d(table());
  const ElementComposition c = d.composition(std::vector<double>{0, 0, 0, 0});
  EXPECT_EQ(c.fraction, (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(c.error, (std::vector<double>{0, 0, 0}));
  EXPECT_THROW(static_cast<void>(d.composition(std::vector<double>{1, 2})), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop
