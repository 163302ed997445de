#include "edgeloop/sims/apt_specimen.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <unordered_map>

#include "edgeloop/sims/random.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Sub-streams of the specimen's seed: the cluster layout, and one per lattice plane.
constexpr std::uint64_t kClusterTag = 1;
constexpr std::uint64_t kPlaneTag = 2;
// The simulated core reaches a little past the detector's field of view, so atoms at its edge
// are not cut off by the rounding of the projection.
constexpr double kFieldOfViewMargin = 1.05;
// A specimen of more clusters than this is a configuration mistake, not a material.
constexpr double kMaxClusters = 1e6;
// Tries to find a free place for one cluster before it is left out.
constexpr int kPlacementAttempts = 50;

[[noreturn]] void invalid(const std::string& what) {
  throw std::invalid_argument("AptSpecimen: " + what);
}

void check_range(double value, double min, double max, const std::string& name) {
  if (!(value >= min && value <= max)) {
    invalid(name + " must be in [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
            std::to_string(value));
  }
}

std::size_t index_of(const std::vector<const formats::Element*>& elements,
                     const std::string& symbol) {
  const formats::Element* e = formats::find_element(symbol);
  return static_cast<std::size_t>(std::find(elements.begin(), elements.end(), e) -
                                  elements.begin());
}

// The base first, then every other element of either phase by atomic number: the order does
// not depend on how the settings list them, so equal settings give equal atoms.
std::vector<const formats::Element*> collect_elements(const AptSpecimenSettings& s) {
  const formats::Element* base = formats::find_element(s.base);
  if (base == nullptr) invalid("base element '" + s.base + "' is not in the isotope table");
  std::vector<const formats::Element*> others;
  const auto add = [&](const std::vector<AptElementFraction>& solutes, const std::string& where) {
    for (const AptElementFraction& f : solutes) {
      const formats::Element* e = formats::find_element(f.symbol);
      if (e == nullptr) {
        invalid(where + ": element '" + f.symbol + "' is not in the isotope table");
      }
      if (e == base) {
        invalid(where + ": " + f.symbol + " is the base element, whose amount is the balance");
      }
      if (std::find(others.begin(), others.end(), e) == others.end()) others.push_back(e);
    }
  };
  add(s.matrix, "matrix");
  add(s.clusters.composition, "clusters.composition");
  std::sort(others.begin(), others.end(), [](const formats::Element* a, const formats::Element* b) {
    return a->atomic_number < b->atomic_number;
  });
  others.insert(others.begin(), base);
  if (others.size() > 255) invalid("more than 255 elements");
  return others;
}

// Fractions per element (the base takes the balance) from a list of solutes.
std::vector<double> phase_fractions(const std::vector<const formats::Element*>& elements,
                                    const std::vector<AptElementFraction>& solutes,
                                    const std::string& where) {
  std::vector<double> fractions(elements.size(), 0.0);
  double sum = 0.0;
  for (const AptElementFraction& s : solutes) {
    check_range(s.fraction, 0.0, 1.0, where + "." + s.symbol);
    const std::size_t i = index_of(elements, s.symbol);
    if (fractions[i] != 0.0) invalid(where + ": " + s.symbol + " is given twice");
    fractions[i] = s.fraction;
    sum += s.fraction;
  }
  if (!(sum < 1.0)) {
    invalid(where + ": solute fractions add up to " + std::to_string(sum) +
            ", leaving no base element");
  }
  fractions[0] = 1.0 - sum;
  return fractions;
}

std::vector<double> cumulative_of(std::vector<double> fractions) {
  double sum = 0.0;
  for (double& f : fractions) {
    sum += f;
    f = sum;
  }
  for (double& f : fractions) f /= sum;
  fractions.back() = 1.0;  // no rounding gap at the top
  return fractions;
}

std::size_t draw(const std::vector<double>& cumulative, double u) {
  std::size_t i = 0;
  while (i + 1 < cumulative.size() && u >= cumulative[i]) ++i;
  return i;
}

}  // namespace

AptSpecimen::AptSpecimen(AptSpecimenSettings settings, double fov_half_angle_rad,
                         std::uint64_t seed)
    : settings_(std::move(settings)), fov_half_angle_(fov_half_angle_rad), seed_(seed) {
  const AptSpecimenSettings& s = settings_;
  check_range(s.lattice_constant_nm, 0.1, 1.0, "lattice_constant_nm");
  check_range(s.tip_radius_nm, 2.0 * s.lattice_constant_nm, 1000.0, "tip_radius_nm");
  check_range(s.shank_half_angle_deg, 0.0, 45.0, "shank_half_angle_deg");
  check_range(s.length_nm, s.lattice_constant_nm, 10000.0, "length_nm");
  const double shank = s.shank_half_angle_deg * std::numbers::pi / 180.0;
  if (!(fov_half_angle_rad > 0.0 &&
        fov_half_angle_rad * kFieldOfViewMargin < std::numbers::pi / 2 - shank)) {
    invalid("the field of view (half-angle " +
            std::to_string(fov_half_angle_rad * 180.0 / std::numbers::pi) +
            " deg at the tip) must be above 0 and below 90 deg minus the shank angle, less 5%");
  }
  elements_ = collect_elements(s);
  matrix_ = phase_fractions(elements_, s.matrix, "matrix");
  cluster_ = phase_fractions(elements_, s.clusters.composition, "clusters.composition");
  matrix_table_.cumulative = cumulative_of(matrix_);
  cluster_table_.cumulative = cumulative_of(cluster_);
  for (const formats::Element* e : elements_) {
    std::vector<double> abundances;
    for (const formats::Isotope& iso : e->isotopes) abundances.push_back(iso.abundance);
    isotope_cumulative_.push_back(cumulative_of(std::move(abundances)));
  }

  const double sin_shank = std::sin(shank);
  blunting_ = sin_shank / (1.0 - sin_shank);
  sin_fov_ = std::sin(fov_half_angle_rad * kFieldOfViewMargin);
  plane_spacing_ = s.lattice_constant_nm / 2.0;
  plane_count_ = static_cast<std::uint64_t>(std::floor(s.length_nm / plane_spacing_)) + 1;
  // Atoms of one terrace leave in random order rather than strictly from its rim inwards.
  key_jitter_ = 0.5 * plane_spacing_;

  check_range(s.clusters.number_density_per_nm3, 0.0, 0.05, "clusters.number_density_per_nm3");
  check_range(s.clusters.radius_sigma_nm, 0.0, 100.0, "clusters.radius_sigma_nm");
  if (s.clusters.number_density_per_nm3 > 0.0) {
    check_range(s.clusters.radius_nm, s.lattice_constant_nm, 100.0, "clusters.radius_nm");
  }
  place_clusters(seed);
}

double AptSpecimen::atomic_density_per_nm3() const {
  const double a = settings_.lattice_constant_nm;
  return 4.0 / (a * a * a);
}

double AptSpecimen::cap_radius(double apex_depth) const {
  return settings_.tip_radius_nm + std::max(apex_depth, 0.0) * blunting_;
}

double AptSpecimen::region_radius(double depth) const {
  return cap_radius(depth) * sin_fov_;
}

double AptSpecimen::region_volume_nm3() const {
  const double r0 = settings_.tip_radius_nm;
  const double length = settings_.length_nm;
  const double integral =
      blunting_ > 0.0 ? (std::pow(r0 + blunting_ * length, 3.0) - r0 * r0 * r0) / (3.0 * blunting_)
                      : r0 * r0 * length;
  return std::numbers::pi * sin_fov_ * sin_fov_ * integral;
}

double AptSpecimen::cluster_volume_fraction() const {
  double volume = 0.0;
  for (const AptCluster& c : clusters_)
    volume += 4.0 / 3.0 * std::numbers::pi * c.radius * c.radius * c.radius;
  return std::min(1.0, volume / region_volume_nm3());
}

std::vector<double> AptSpecimen::overall_composition() const {
  const double f = cluster_volume_fraction();
  std::vector<double> overall(elements_.size());
  for (std::size_t i = 0; i < overall.size(); ++i)
    overall[i] = (1.0 - f) * matrix_[i] + f * cluster_[i];
  return overall;
}

void AptSpecimen::place_clusters(std::uint64_t seed) {
  const AptClusterSettings& c = settings_.clusters;
  if (c.number_density_per_nm3 <= 0.0) return;
  const double expected = c.number_density_per_nm3 * region_volume_nm3();
  if (expected > kMaxClusters) {
    invalid("clusters.number_density_per_nm3 gives " + std::to_string(expected) +
            " clusters in the simulated volume, more than 1e6");
  }
  Xoshiro256 rng(detail::derive_seed({detail::kSpecimenStream, seed, kClusterTag}));
  const std::uint64_t count = poisson(rng, expected);
  const double r_max = c.radius_nm + 4.0 * c.radius_sigma_nm;
  const double length = settings_.length_nm;
  const double outer = region_radius(length);

  // Cells of a uniform grid, each as wide as the largest possible pair distance, so a new
  // cluster only needs checking against the 27 cells around it.
  const double cell = 2.0 * r_max + settings_.lattice_constant_nm;
  const auto cell_of = [cell](double v) { return static_cast<std::int64_t>(std::floor(v / cell)); };
  const auto key_of = [](std::int64_t i, std::int64_t j, std::int64_t k) {
    return (static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL) ^
           (static_cast<std::uint64_t>(j) * 0xC2B2AE3D27D4EB4FULL) ^
           (static_cast<std::uint64_t>(k) * 0x165667B19E3779F9ULL);
  };
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> grid;
  clusters_.reserve(count);
  for (std::uint64_t n = 0; n < count; ++n) {
    const double radius = std::clamp(c.radius_nm + c.radius_sigma_nm * standard_normal(rng),
                                     settings_.lattice_constant_nm, r_max);
    for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
      const double depth = uniform01(rng) * length;
      const double rho = outer * std::sqrt(uniform01(rng));
      const double phi = 2.0 * std::numbers::pi * uniform01(rng);
      if (rho > region_radius(depth)) continue;
      const AptCluster candidate{rho * std::cos(phi), rho * std::sin(phi), depth, radius};
      const std::int64_t ci = cell_of(candidate.x);
      const std::int64_t cj = cell_of(candidate.y);
      const std::int64_t ck = cell_of(candidate.depth);
      bool free = true;
      for (std::int64_t di = -1; di <= 1 && free; ++di) {
        for (std::int64_t dj = -1; dj <= 1 && free; ++dj) {
          for (std::int64_t dk = -1; dk <= 1 && free; ++dk) {
            const auto it = grid.find(key_of(ci + di, cj + dj, ck + dk));
            if (it == grid.end()) continue;
            for (const std::size_t other : it->second) {
              const AptCluster& o = clusters_[other];
              const double dx = o.x - candidate.x;
              const double dy = o.y - candidate.y;
              const double dz = o.depth - candidate.depth;
              const double gap = o.radius + candidate.radius + settings_.lattice_constant_nm;
              if (dx * dx + dy * dy + dz * dz < gap * gap) {
                free = false;
                break;
              }
            }
          }
        }
      }
      if (!free) continue;
      grid[key_of(ci, cj, ck)].push_back(clusters_.size());
      clusters_.push_back(candidate);
      break;
    }
  }
  std::sort(clusters_.begin(), clusters_.end(),
            [](const AptCluster& a, const AptCluster& b) { return a.depth < b.depth; });
  for (const AptCluster& cl : clusters_)
    max_cluster_radius_ = std::max(max_cluster_radius_, cl.radius);
}

double AptSpecimen::min_key(std::uint64_t plane) const {
  const double depth = static_cast<double>(plane) * plane_spacing_;
  const double r = cap_radius(depth);
  const double rho = region_radius(depth);
  return depth - (r - std::sqrt(r * r - rho * rho));
}

void AptSpecimen::plane_atoms(std::uint64_t plane, std::vector<AptAtom>& out) const {
  if (plane >= plane_count_) return;
  Xoshiro256 rng(detail::derive_seed({detail::kSpecimenStream, seed_, kPlaneTag, plane}));
  const double depth = static_cast<double>(plane) * plane_spacing_;
  const double cap = cap_radius(depth);
  const double rho_max = region_radius(depth);
  const double rho_max2 = rho_max * rho_max;
  const double step = plane_spacing_;  // in-plane grid: a/2, every other site occupied

  // The clusters this plane cuts, as discs in the plane.
  struct Disc {
    double x;
    double y;
    double r2;
  };
  std::vector<Disc> discs;
  const auto first =
      std::lower_bound(clusters_.begin(), clusters_.end(), depth - max_cluster_radius_,
                       [](const AptCluster& c, double d) { return c.depth < d; });
  for (auto it = first; it != clusters_.end() && it->depth <= depth + max_cluster_radius_; ++it) {
    const double dz = it->depth - depth;
    const double r2 = it->radius * it->radius - dz * dz;
    if (r2 > 0.0) discs.push_back({it->x, it->y, r2});
  }

  const auto rows = static_cast<std::int64_t>(std::floor(rho_max / step));
  const auto parity = static_cast<std::int64_t>(plane % 2);
  for (std::int64_t j = -rows; j <= rows; ++j) {
    const double y = static_cast<double>(j) * step;
    const double half_width = std::sqrt(std::max(0.0, rho_max2 - y * y));
    const auto columns = static_cast<std::int64_t>(std::floor(half_width / step));
    std::int64_t i = -columns;
    // fcc with [001] along z: site (i, j) of plane k is occupied when i + j + k is even.
    if (((i + j + parity) % 2 + 2) % 2 != 0) ++i;
    for (; i <= columns; i += 2) {
      const double x = static_cast<double>(i) * step;
      const double rho2 = x * x + y * y;
      std::uint8_t phase = kMatrix;
      for (const Disc& d : discs) {
        const double dx = x - d.x;
        const double dy = y - d.y;
        if (dx * dx + dy * dy < d.r2) {
          phase = kCluster;
          break;
        }
      }
      const std::vector<double>& table =
          phase == kMatrix ? matrix_table_.cumulative : cluster_table_.cumulative;
      const std::size_t element = draw(table, uniform01(rng));
      const std::uint64_t bits = rng();
      const double u_isotope = static_cast<double>(bits >> 32U) * 0x1.0p-32;
      const double u_jitter = static_cast<double>(bits & 0xFFFFFFFFULL) * 0x1.0p-32;
      const std::size_t isotope = draw(isotope_cumulative_[element], u_isotope);
      const double sag = cap - std::sqrt(cap * cap - rho2);
      // The needle starts with its hemispherical cap: what lies above it was never there.
      if (depth - sag < 0.0) continue;
      out.push_back({depth - sag + key_jitter_ * u_jitter, static_cast<float>(x),
                     static_cast<float>(y), static_cast<float>(depth),
                     static_cast<std::uint8_t>(element), static_cast<std::uint8_t>(isotope),
                     phase});
    }
  }
}

}  // namespace edgeloop::sims
