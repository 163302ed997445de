#include "edgeloop/formats/isotopes.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

namespace edgeloop::formats {
namespace {

TEST(Isotopes, AbundancesSumToOnePerElement) {
  for (const Element& e : elements()) {
    double sum = 0.0;
    for (const Isotope& iso : e.isotopes) {
      EXPECT_GT(iso.abundance, 0.0) << e.symbol;
      sum += iso.abundance;
    }
    EXPECT_NEAR(sum, 1.0, 1e-6) << e.symbol;
  }
}

TEST(Isotopes, CoversTheElementsOfLightAlloysSteelsAndTheFocusedIonBeam) {
  for (const std::string_view symbol :
       {"H", "C", "N", "O", "Mg", "Al", "Si", "Ti", "Cr", "Mn", "Fe", "Ni", "Cu", "Zn", "Ga"}) {
    EXPECT_NE(find_element(symbol), nullptr) << symbol;
  }
}

TEST(Isotopes, TableIsOrderedAndConsistent) {
  std::set<std::string_view> symbols;
  std::uint16_t last_z = 0;
  for (const Element& e : elements()) {
    EXPECT_TRUE(symbols.insert(e.symbol).second) << "duplicate " << e.symbol;
    EXPECT_GT(e.atomic_number, last_z);
    last_z = e.atomic_number;
    std::uint16_t last_a = 0;
    for (const Isotope& iso : e.isotopes) {
      EXPECT_GT(iso.mass_number, last_a) << e.symbol;
      last_a = iso.mass_number;
      // A mass is within 0.1 u of its mass number for every nuclide this light.
      EXPECT_NEAR(iso.mass_u, iso.mass_number, 0.1) << e.symbol << iso.mass_number;
      EXPECT_GE(iso.mass_number, 2 * e.atomic_number - 1) << e.symbol;
    }
  }
}

TEST(Isotopes, KnownValues) {
  const Element& cu = element("Cu");
  EXPECT_EQ(cu.atomic_number, 29);
  ASSERT_EQ(cu.isotopes.size(), 2U);
  EXPECT_EQ(cu.isotope(63)->abundance, 0.6915);
  EXPECT_EQ(cu.isotope(65)->abundance, 0.3085);
  EXPECT_NEAR(cu.isotope(63)->mass_u, 62.9296, 1e-4);
  EXPECT_EQ(cu.isotope(64), nullptr);

  const Element& mg = element("Mg");
  EXPECT_NEAR(mg.isotope(24)->abundance, 0.7899, 1e-9);
  EXPECT_NEAR(mg.isotope(25)->abundance, 0.1000, 1e-9);
  EXPECT_NEAR(mg.isotope(26)->abundance, 0.1101, 1e-9);

  EXPECT_EQ(element("C").isotope(12)->mass_u, 12.0);  // the definition of the unit
  EXPECT_NEAR(element("Al").isotope(27)->mass_u, 26.981539, 1e-6);
  EXPECT_EQ(element("Al").isotopes.size(), 1U);

  // Standard atomic weights follow from masses and abundances.
  EXPECT_NEAR(element("Cu").mean_mass_u(), 63.546, 2e-3);
  EXPECT_NEAR(element("Mg").mean_mass_u(), 24.305, 2e-3);
  EXPECT_NEAR(element("Fe").mean_mass_u(), 55.845, 2e-3);
  EXPECT_NEAR(element("Ni").mean_mass_u(), 58.693, 2e-3);
  EXPECT_NEAR(element("Zn").mean_mass_u(), 65.38, 1e-2);
  EXPECT_NEAR(element("Ga").mean_mass_u(), 69.723, 2e-3);
  EXPECT_NEAR(element("Ti").mean_mass_u(), 47.867, 2e-3);
  EXPECT_NEAR(element("Si").mean_mass_u(), 28.085, 2e-3);
}

TEST(Isotopes, UnknownSymbolsAreNamed) {
  EXPECT_EQ(find_element("Xx"), nullptr);
  EXPECT_EQ(find_element("cu"), nullptr);  // symbols are case-sensitive
  try {
    element("Xx");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("'Xx'"), std::string::npos);
  }
}

TEST(IonPeaks, SingleAtomIonsSitAtMassOverCharge) {
  const std::array<FormulaPart, 1> cu{{{"Cu", 1}}};
  const auto singly = ion_peaks(cu, 1);
  ASSERT_EQ(singly.size(), 2U);
  EXPECT_NEAR(singly[0].mass_to_charge, 62.9296, 1e-4);
  EXPECT_NEAR(singly[0].abundance, 0.6915, 1e-12);
  const auto doubly = ion_peaks(cu, 2);
  ASSERT_EQ(doubly.size(), 2U);
  EXPECT_NEAR(doubly[1].mass_to_charge, 64.9278 / 2, 1e-4);
  EXPECT_NEAR(doubly[1].abundance, 0.3085, 1e-12);
}

TEST(IonPeaks, MolecularIonsCombineIsotopes) {
  // Cu2+: 63-63, 63-65 (twice), 65-65.
  const std::array<FormulaPart, 1> cu2{{{"Cu", 2}}};
  const auto peaks = ion_peaks(cu2, 1);
  ASSERT_EQ(peaks.size(), 3U);
  EXPECT_NEAR(peaks[0].abundance, 0.6915 * 0.6915, 1e-12);
  EXPECT_NEAR(peaks[1].abundance, 2 * 0.6915 * 0.3085, 1e-12);
  EXPECT_NEAR(peaks[2].abundance, 0.3085 * 0.3085, 1e-12);
  double sum = 0.0;
  for (const IonPeak& p : peaks) sum += p.abundance;
  EXPECT_NEAR(sum, 1.0, 1e-12);

  // AlH2+: H-2 makes small peaks; the cut drops those below it.
  const std::array<FormulaPart, 2> alh2{{{"Al", 1}, {"H", 2}}};
  const auto all = ion_peaks(alh2, 1, 0.0);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_NEAR(all[0].mass_to_charge, 26.98153853 + 2 * 1.00782503223, 1e-9);
  const auto cut = ion_peaks(alh2, 1, 1e-3);
  EXPECT_EQ(cut.size(), 1U);
}

TEST(IonPeaks, RejectsBadArguments) {
  const std::array<FormulaPart, 1> cu{{{"Cu", 1}}};
  EXPECT_THROW(ion_peaks(cu, 0), std::invalid_argument);
  EXPECT_THROW(ion_peaks(std::span<const FormulaPart>{}, 1), std::invalid_argument);
  const std::array<FormulaPart, 1> zero{{{"Cu", 0}}};
  EXPECT_THROW(ion_peaks(zero, 1), std::invalid_argument);
  const std::array<FormulaPart, 1> unknown{{{"Qq", 1}}};
  EXPECT_THROW(ion_peaks(unknown, 1), std::invalid_argument);
  EXPECT_THROW(ion_peaks(cu, 1, std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace edgeloop::formats
