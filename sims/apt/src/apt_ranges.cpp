#include "edgeloop/sims/apt_ranges.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edgeloop::sims {
namespace {

constexpr double kBelowDa = 0.2;
constexpr double kAboveDa = 0.4;
constexpr double kGapShare = 0.45;
constexpr double kMinSeparationDa = 0.1;
constexpr double kMinAbundance = 1e-3;
// Distinct colours for the first elements, as range files are read by eye in spectra.
constexpr std::array<std::uint32_t, 8> kPalette{0x33FFFF, 0xFF8000, 0x00CC00, 0xCC00CC,
                                                0xFFFF00, 0x0000FF, 0xFF0000, 0x808080};

struct Peak {
  double mass_to_charge;
  double strength;
  std::size_t element;
};

}  // namespace

formats::RangeTable make_apt_ranges(const AptSpecimen& specimen,
                                    std::span<const double> doubly_charged) {
  const auto elements = specimen.elements();
  if (doubly_charged.size() != elements.size()) {
    throw std::invalid_argument("make_apt_ranges: one doubly-charged share per element needed");
  }
  const std::vector<double> composition = specimen.overall_composition();
  std::vector<Peak> peaks;
  for (std::size_t e = 0; e < elements.size(); ++e) {
    for (std::uint32_t charge = 1; charge <= 2; ++charge) {
      const double share = charge == 1 ? 1.0 - doubly_charged[e] : doubly_charged[e];
      if (!(share > 0.0)) continue;
      for (const formats::Isotope& iso : elements[e]->isotopes) {
        if (iso.abundance < kMinAbundance) continue;
        peaks.push_back({iso.mass_u / charge, composition[e] * iso.abundance * share, e});
      }
    }
  }
  std::sort(peaks.begin(), peaks.end(),
            [](const Peak& a, const Peak& b) { return a.mass_to_charge < b.mass_to_charge; });
  std::vector<Peak> resolved;
  for (const Peak& p : peaks) {
    if (!resolved.empty() && p.mass_to_charge - resolved.back().mass_to_charge < kMinSeparationDa) {
      if (p.strength > resolved.back().strength) resolved.back() = p;
      continue;
    }
    resolved.push_back(p);
  }

  const double volume = 1.0 / specimen.atomic_density_per_nm3();
  std::vector<std::string> ions;
  for (const formats::Element* e : elements) ions.emplace_back(e->symbol);
  std::vector<formats::Range> ranges;
  for (std::size_t i = 0; i < resolved.size(); ++i) {
    const double m = resolved[i].mass_to_charge;
    double below = kBelowDa;
    double above = kAboveDa;
    if (i > 0) below = std::min(below, kGapShare * (m - resolved[i - 1].mass_to_charge));
    if (i + 1 < resolved.size()) {
      above = std::min(above, kGapShare * (resolved[i + 1].mass_to_charge - m));
    }
    formats::Range r;
    // Bounds to 1e-4 Da, rounded inwards so neighbours still cannot touch, as range files
    // are written by hand and read by eye.
    r.low = std::ceil((m - below) * 1e4) / 1e4;
    r.high = std::floor((m + above) * 1e4) / 1e4;
    r.volume_nm3 = std::round(volume * 1e6) / 1e6;
    r.composition.push_back({std::string(elements[resolved[i].element]->symbol), 1});
    r.color = kPalette[resolved[i].element % kPalette.size()];
    ranges.push_back(std::move(r));
  }
  return formats::RangeTable(std::move(ions), std::move(ranges));
}

}  // namespace edgeloop::sims
