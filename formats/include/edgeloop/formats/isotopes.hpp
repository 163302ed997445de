// Natural isotopes of the elements atom probe and related techniques meet (masses and IUPAC
// abundances), and the isotopic peaks of an ion: what a mass spectrum is ranged against.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edgeloop::formats {

struct Isotope {
  std::uint16_t mass_number;
  double mass_u;     // atomic mass in unified atomic mass units (u, Da), neutral atom
  double abundance;  // amount fraction in the natural element; an element's sum to 1
};

struct Element {
  std::string_view symbol;  // "Cu"; case-sensitive, as in chemistry and range files
  std::uint16_t atomic_number;
  std::span<const Isotope> isotopes;  // by increasing mass number

  // The standard atomic weight (abundance-weighted mean mass).
  double mean_mass_u() const;
  // nullptr when the element has no isotope of that mass number in the table.
  const Isotope* isotope(std::uint16_t mass_number) const;
};

// Every element in the table, by atomic number. Masses are the 2020 atomic mass evaluation
// rounded to 1e-6 u or better; abundances are IUPAC's representative isotopic compositions.
std::span<const Element> elements();
// nullptr for a symbol not in the table.
const Element* find_element(std::string_view symbol);
// As find_element, but std::invalid_argument naming the symbol when it is unknown.
const Element& element(std::string_view symbol);

// One element of a (molecular) ion's formula, e.g. {"Al", 1} and {"H", 2} for AlH2.
struct FormulaPart {
  std::string_view symbol;
  std::uint32_t count;
};

// One peak of an ion's isotopic pattern in a mass spectrum.
struct IonPeak {
  double mass_to_charge;  // Da per elementary charge
  double abundance;       // fraction of the ion's detections falling in this peak
};

// The isotopic pattern of an ion of the given formula and charge state: every combination of
// isotopes, peaks closer than 1e-3 Da merged (no instrument separates them), those with an
// abundance below min_abundance dropped; by increasing mass-to-charge. The electron masses
// (5.5e-4 u per charge) are neglected, as ranging does. std::invalid_argument for an unknown
// element, an empty formula, a zero count or a charge of zero.
std::vector<IonPeak> ion_peaks(std::span<const FormulaPart> formula, std::uint32_t charge,
                               double min_abundance = 1e-4);

}  // namespace edgeloop::formats
