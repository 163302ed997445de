#include "edgeloop/sims/apt_evaporation.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/formats/apt_time_of_flight.hpp"
#include "edgeloop/sims/random.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Ions per pulse beyond which the model stops being evaporation (and the loop would crawl).
constexpr double kMaxIonsPerPulse = 10.0;
// Bursts longer than this are cut off; with correlated_probability <= 0.9 they are rarer than
// one in 1e4.
constexpr int kMaxBurst = 100;

void check(double value, double min, double max, const std::string& name) {
  if (!(value >= min && value <= max)) {
    throw std::invalid_argument("AptEvaporation: " + name + " must be in [" + std::to_string(min) +
                                ", " + std::to_string(max) + "], got " + std::to_string(value));
  }
}

}  // namespace

AptEvaporation::AptEvaporation(const AptSpecimen& specimen, const AptDetector& detector,
                               AptEvaporationSettings settings, std::uint64_t seed)
    : specimen_(&specimen),
      detector_(&detector),
      settings_(std::move(settings)),
      sequence_(specimen),
      rng_(detail::derive_seed({detail::kNoiseStream, seed})),
      doubly_charged_(specimen.elements().size(), 0.0),
      evaporated_(specimen.elements().size(), 0),
      in_view_(specimen.elements().size(), 0),
      recorded_(specimen.elements().size(), 0) {
  const AptEvaporationSettings& s = settings_;
  check(s.evaporation_field_v_per_nm, 1.0, 100.0, "evaporation_field_v_per_nm");
  check(s.field_factor, 1.0, 10.0, "field_factor");
  check(s.voltage_sensitivity, 1e-4, 0.5, "voltage_sensitivity");
  check(s.correlated_probability, 0.0, 0.9, "correlated_probability");
  check(s.thermal_tail_fraction, 0.0, 1.0, "thermal_tail_fraction");
  check(s.thermal_tail_ns, 0.0, 1000.0, "thermal_tail_ns");
  check(s.background_per_pulse, 0.0, 10.0, "background_per_pulse");
  for (const AptElementFraction& f : s.doubly_charged) {
    const formats::Element* e = formats::find_element(f.symbol);
    if (e == nullptr) {
      throw std::invalid_argument("AptEvaporation: doubly_charged: element '" + f.symbol +
                                  "' is not in the isotope table");
    }
    check(f.fraction, 0.0, 1.0, "doubly_charged." + f.symbol);
    const auto elements = specimen.elements();
    const auto it = std::find(elements.begin(), elements.end(), e);
    // An element the specimen does not hold is allowed: one config serves several alloys.
    if (it != elements.end()) {
      doubly_charged_[static_cast<std::size_t>(it - elements.begin())] = f.fraction;
    }
  }
}

double AptEvaporation::evaporation_voltage() const {
  return settings_.evaporation_field_v_per_nm * settings_.field_factor *
         specimen_->cap_radius(sequence_.apex_depth());
}

double AptEvaporation::ions_per_pulse(double voltage_v) const {
  const double exponent = (voltage_v / evaporation_voltage() - 1.0) / settings_.voltage_sensitivity;
  return std::min(std::exp(std::min(exponent, 50.0)), kMaxIonsPerPulse);
}

AptPulseStats AptEvaporation::run(std::uint64_t first_pulse, std::uint64_t pulses, double voltage_v,
                                  std::vector<AptHit>& out) {
  AptPulseStats stats;
  const std::size_t start = out.size();
  const std::uint64_t end = first_pulse + pulses;
  // Bursts (evaporation events) per pulse are Poisson; each burst holds 1 + Geometric(p) ions,
  // 1 / (1 - p) on average, so bursts come at the ion rate divided by that.
  const double bursts_per_pulse =
      ions_per_pulse(voltage_v) * (1.0 - settings_.correlated_probability);
  if (bursts_per_pulse > 0.0 && !sequence_.exhausted()) {
    std::uint64_t pulse = first_pulse;
    while (pulse < end && !sequence_.exhausted()) {
      // Pulses until the next one with a burst: the floor of an exponential is geometric.
      const double gap = std::floor(exponential(rng_, 1.0 / bursts_per_pulse));
      if (gap >= static_cast<double>(end - pulse)) break;
      pulse += static_cast<std::uint64_t>(gap);
      const std::uint64_t bursts = positive_poisson(rng_, bursts_per_pulse);
      for (std::uint64_t b = 0; b < bursts; ++b) {
        int ions = 1;
        while (ions < kMaxBurst && uniform01(rng_) < settings_.correlated_probability) ++ions;
        for (int i = 0; i < ions; ++i) evaporate_ion(pulse, voltage_v, stats, out);
      }
      ++pulse;
    }
  }
  add_background(first_pulse, pulses, stats, out);

  const auto first = out.begin() + static_cast<std::ptrdiff_t>(start);
  std::stable_sort(first, out.end(), [](const AptHit& a, const AptHit& b) {
    return a.pulse != b.pulse ? a.pulse < b.pulse : a.tof_ns < b.tof_ns;
  });
  for (auto it = first; it != out.end(); ++it) {
    it->rank = (it != first && (it - 1)->pulse == it->pulse) ? (it - 1)->rank + 1 : 1;
  }
  return stats;
}

void AptEvaporation::evaporate_ion(std::uint64_t pulse, double voltage_v, AptPulseStats& stats,
                                   std::vector<AptHit>& out) {
  const auto atom = sequence_.next();
  if (!atom) return;
  ++stats.evaporated;
  ++evaporated_[atom->element];
  const AptDetectorSettings& d = detector_->settings();
  const auto landing = detector_->project(atom->x, atom->y, specimen_->cap_radius(atom->key));
  if (!landing) {
    ++stats.missed;
    return;
  }
  const double det_x = (*landing)[0] + d.spatial_resolution_mm * standard_normal(rng_);
  const double det_y = (*landing)[1] + d.spatial_resolution_mm * standard_normal(rng_);
  if (!detector_->on_detector(det_x, det_y)) {
    ++stats.missed;
    return;
  }
  ++in_view_[atom->element];
  if (uniform01(rng_) >= d.efficiency) {
    ++stats.undetected;
    return;
  }
  const std::uint8_t charge = uniform01(rng_) < doubly_charged_[atom->element] ? 2 : 1;
  const formats::Element& element = *specimen_->elements()[atom->element];
  const double mass = element.isotopes[atom->isotope].mass_u;
  double tof = formats::time_of_flight_ns(mass / charge, voltage_v,
                                          formats::flight_path_mm(d.flight_length_mm, det_x, det_y),
                                          d.t0_ns) +
               d.timing_jitter_ns * standard_normal(rng_);
  if (uniform01(rng_) < settings_.thermal_tail_fraction) {
    tof += exponential(rng_, settings_.thermal_tail_ns);
  }
  if (!(tof >= 0.0 && tof < d.tof_window_ns)) {
    ++stats.late;
    return;
  }
  AptHit hit;
  hit.pulse = pulse;
  hit.det_x = static_cast<float>(det_x);
  hit.det_y = static_cast<float>(det_y);
  hit.tof_ns = static_cast<float>(tof);
  hit.x = atom->x;
  hit.y = atom->y;
  hit.depth = atom->depth;
  hit.element = atom->element;
  hit.isotope = atom->isotope;
  hit.charge = charge;
  out.push_back(hit);
  ++stats.recorded;
  ++recorded_[atom->element];
}

void AptEvaporation::add_background(std::uint64_t first_pulse, std::uint64_t pulses,
                                    AptPulseStats& stats, std::vector<AptHit>& out) {
  const double rate = settings_.background_per_pulse;
  if (!(rate > 0.0)) return;
  const AptDetectorSettings& d = detector_->settings();
  const std::uint64_t end = first_pulse + pulses;
  std::uint64_t pulse = first_pulse;
  while (pulse < end) {
    const double gap = std::floor(exponential(rng_, 1.0 / rate));
    if (gap >= static_cast<double>(end - pulse)) break;
    pulse += static_cast<std::uint64_t>(gap);
    const std::uint64_t hits = positive_poisson(rng_, rate);
    for (std::uint64_t h = 0; h < hits; ++h) {
      // Uniform over the disc and over the time window.
      const double r = d.radius_mm * std::sqrt(uniform01(rng_));
      const double phi = 2.0 * std::numbers::pi * uniform01(rng_);
      AptHit hit;
      hit.pulse = pulse;
      hit.det_x = static_cast<float>(r * std::cos(phi));
      hit.det_y = static_cast<float>(r * std::sin(phi));
      hit.tof_ns = static_cast<float>(uniform01(rng_) * d.tof_window_ns);
      out.push_back(hit);
      ++stats.background;
    }
    ++pulse;
  }
}

}  // namespace edgeloop::sims
