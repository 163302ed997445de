#include "edgeloop/formats/isotopes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop::formats {
namespace {

// Atomic masses: AME2020. Abundances: IUPAC representative isotopic compositions (CIAAW);
// they are what a sample of unknown provenance is expected to show, which is what a simulated
// specimen draws from and a ranging check compares against.
constexpr std::array<Isotope, 2> kH{{{1, 1.00782503223, 0.999885}, {2, 2.01410177812, 0.000115}}};
constexpr std::array<Isotope, 2> kLi{{{6, 6.0151228874, 0.0759}, {7, 7.0160034366, 0.9241}}};
constexpr std::array<Isotope, 2> kC{{{12, 12.0, 0.9893}, {13, 13.00335483507, 0.0107}}};
constexpr std::array<Isotope, 2> kN{{{14, 14.00307400443, 0.99636}, {15, 15.00010889888, 0.00364}}};
constexpr std::array<Isotope, 3> kO{
    {{16, 15.99491461957, 0.99757}, {17, 16.99913175650, 0.00038}, {18, 17.99915961286, 0.00205}}};
constexpr std::array<Isotope, 3> kMg{
    {{24, 23.985041697, 0.7899}, {25, 24.985836976, 0.1000}, {26, 25.982592968, 0.1101}}};
constexpr std::array<Isotope, 1> kAl{{{27, 26.98153853, 1.0}}};
constexpr std::array<Isotope, 3> kSi{
    {{28, 27.97692653465, 0.92223}, {29, 28.97649466490, 0.04685}, {30, 29.973770136, 0.03092}}};
constexpr std::array<Isotope, 1> kP{{{31, 30.97376199842, 1.0}}};
constexpr std::array<Isotope, 1> kSc{{{45, 44.95590828, 1.0}}};
constexpr std::array<Isotope, 5> kTi{{{46, 45.95262772, 0.0825},
                                      {47, 46.95175879, 0.0744},
                                      {48, 47.94794198, 0.7372},
                                      {49, 48.94786568, 0.0541},
                                      {50, 49.94478689, 0.0518}}};
constexpr std::array<Isotope, 2> kV{{{50, 49.94715601, 0.00250}, {51, 50.94395704, 0.99750}}};
constexpr std::array<Isotope, 4> kCr{{{50, 49.94604183, 0.04345},
                                      {52, 51.94050623, 0.83789},
                                      {53, 52.94064815, 0.09501},
                                      {54, 53.93887916, 0.02365}}};
constexpr std::array<Isotope, 1> kMn{{{55, 54.93804391, 1.0}}};
constexpr std::array<Isotope, 4> kFe{{{54, 53.93960899, 0.05845},
                                      {56, 55.93493633, 0.91754},
                                      {57, 56.93539284, 0.02119},
                                      {58, 57.93327443, 0.00282}}};
constexpr std::array<Isotope, 1> kCo{{{59, 58.93319429, 1.0}}};
constexpr std::array<Isotope, 5> kNi{{{58, 57.93534241, 0.68077},
                                      {60, 59.93078588, 0.26223},
                                      {61, 60.93105557, 0.011399},
                                      {62, 61.92834537, 0.036346},
                                      {64, 63.92796682, 0.009255}}};
constexpr std::array<Isotope, 2> kCu{{{63, 62.92959772, 0.6915}, {65, 64.92778970, 0.3085}}};
constexpr std::array<Isotope, 5> kZn{{{64, 63.92914201, 0.4917},
                                      {66, 65.92603381, 0.2773},
                                      {67, 66.92712775, 0.0404},
                                      {68, 67.92484455, 0.1845},
                                      {70, 69.9253192, 0.0061}}};
constexpr std::array<Isotope, 2> kGa{{{69, 68.9255735, 0.60108}, {71, 70.92470258, 0.39892}}};
constexpr std::array<Isotope, 5> kZr{{{90, 89.9046977, 0.5145},
                                      {91, 90.9056396, 0.1122},
                                      {92, 91.9050347, 0.1715},
                                      {94, 93.9063108, 0.1738},
                                      {96, 95.9082714, 0.0280}}};

constexpr std::array<Element, 21> kElements{{
    {"H", 1, kH},    {"Li", 3, kLi},  {"C", 6, kC},    {"N", 7, kN},    {"O", 8, kO},
    {"Mg", 12, kMg}, {"Al", 13, kAl}, {"Si", 14, kSi}, {"P", 15, kP},   {"Sc", 21, kSc},
    {"Ti", 22, kTi}, {"V", 23, kV},   {"Cr", 24, kCr}, {"Mn", 25, kMn}, {"Fe", 26, kFe},
    {"Co", 27, kCo}, {"Ni", 28, kNi}, {"Cu", 29, kCu}, {"Zn", 30, kZn}, {"Ga", 31, kGa},
    {"Zr", 40, kZr},
}};

// Peaks nearer than this are one peak to any atom probe (mass resolving power ~1000-5000).
constexpr double kMergeWithin = 1e-3;

struct Peak {
  double mass;
  double abundance;
};

// Adds one atom's isotopes to every peak so far, merging coincident masses; peaks far below
// the final cut are dropped as they go, so a large molecule stays cheap.
std::vector<Peak> add_atom(const std::vector<Peak>& peaks, const Element& element, double prune) {
  std::vector<Peak> next;
  next.reserve(peaks.size() * element.isotopes.size());
  for (const Peak& p : peaks) {
    for (const Isotope& iso : element.isotopes) {
      const double a = p.abundance * iso.abundance;
      if (a >= prune) next.push_back({p.mass + iso.mass_u, a});
    }
  }
  std::sort(next.begin(), next.end(), [](const Peak& a, const Peak& b) { return a.mass < b.mass; });
  std::vector<Peak> merged;
  for (const Peak& p : next) {
    if (!merged.empty() && p.mass - merged.back().mass < kMergeWithin) {
      Peak& m = merged.back();
      const double total = m.abundance + p.abundance;
      m.mass = (m.mass * m.abundance + p.mass * p.abundance) / total;
      m.abundance = total;
    } else {
      merged.push_back(p);
    }
  }
  return merged;
}

}  // namespace

double Element::mean_mass_u() const {
  double sum = 0.0;
  for (const Isotope& iso : isotopes) sum += iso.mass_u * iso.abundance;
  return sum;
}

const Isotope* Element::isotope(std::uint16_t mass_number) const {
  for (const Isotope& iso : isotopes) {
    if (iso.mass_number == mass_number) return &iso;
  }
  return nullptr;
}

std::span<const Element> elements() {
  return kElements;
}

const Element* find_element(std::string_view symbol) {
  for (const Element& e : kElements) {
    if (e.symbol == symbol) return &e;
  }
  return nullptr;
}

const Element& element(std::string_view symbol) {
  const Element* e = find_element(symbol);
  if (e == nullptr) {
    throw std::invalid_argument("unknown element '" + std::string(symbol) +
                                "' (not in the isotope table)");
  }
  return *e;
}

std::vector<IonPeak> ion_peaks(std::span<const FormulaPart> formula, std::uint32_t charge,
                               double min_abundance) {
  if (formula.empty()) throw std::invalid_argument("ion_peaks: empty formula");
  if (charge == 0) throw std::invalid_argument("ion_peaks: charge state must be at least 1");
  if (!(min_abundance >= 0.0 && min_abundance < 1.0)) {
    throw std::invalid_argument("ion_peaks: min_abundance must be in [0, 1)");
  }
  const double prune = min_abundance * 1e-3;
  std::vector<Peak> peaks{{0.0, 1.0}};
  for (const FormulaPart& part : formula) {
    if (part.count == 0) {
      throw std::invalid_argument("ion_peaks: count of '" + std::string(part.symbol) +
                                  "' must be at least 1");
    }
    const Element& e = element(part.symbol);
    for (std::uint32_t i = 0; i < part.count; ++i) peaks = add_atom(peaks, e, prune);
  }
  std::vector<IonPeak> out;
  for (const Peak& p : peaks) {
    if (p.abundance >= min_abundance) {
      out.push_back({p.mass / static_cast<double>(charge), p.abundance});
    }
  }
  return out;
}

}  // namespace edgeloop::formats
