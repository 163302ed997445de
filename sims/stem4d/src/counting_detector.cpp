#include "edgeloop/sims/counting_detector.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "edgeloop/sims/random.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Stream tags of this detector's draws, apart from the pattern models' (seeding.hpp).
constexpr std::uint64_t kExposureStream = 0x636f756e74696e67ULL;  // "counting"
constexpr std::uint64_t kDefectStream = 0x70697864656665ULL;      // "pixdefe"

// The cloud reaches this many sigma; beyond it lies 6e-5 of the charge, below any read noise.
constexpr double kCloudReach = 4.0;
// Pixels a cloud of the widest sigma (2 px) can touch along one axis: floor(x + 8) - floor(x - 8)
// + 1.
constexpr std::size_t kWindow = 17;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("CountingDetector: " + what);
}

bool in_range(double v, double lo, double hi) {
  return std::isfinite(v) && v >= lo && v <= hi;
}

// Distinct pixels, a `fraction` of them, drawn without replacement (sorted).
std::vector<std::uint32_t> pick_pixels(Xoshiro256& rng, std::uint32_t pixels, double fraction,
                                       std::vector<std::uint8_t>& taken) {
  const auto n = static_cast<std::uint32_t>(std::llround(fraction * pixels));
  std::vector<std::uint32_t> out;
  while (out.size() < n) {
    const std::uint32_t p = uniform_below(rng, pixels);
    if (taken[p] != 0U) continue;
    taken[p] = 1;
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

CountingDetector::CountingDetector(CountingDetectorSettings settings, std::uint64_t seed)
    : settings_(settings), seed_(seed) {
  const CountingDetectorSettings& s = settings_;
  require(s.size >= 16 && s.size <= 4096, "size must be within 16..4096 pixels");
  require(in_range(s.cloud_sigma_px, 0.0, 2.0), "cloud_sigma_px must be within 0..2");
  require(in_range(s.gain_adu, 1e-6, 1e9), "gain_adu must be > 0");
  require(in_range(s.gain_spread, 0.0, 1.0), "gain_spread must be within 0..1");
  require(in_range(s.read_noise_adu, 0.0, 1e9), "read_noise_adu must be >= 0");
  require(in_range(s.hot_pixel_fraction, 0.0, 0.1), "hot_pixel_fraction must be within 0..0.1");
  require(in_range(s.dead_pixel_fraction, 0.0, 0.1), "dead_pixel_fraction must be within 0..0.1");
  require(in_range(s.hot_pixel_adu, 0.0, 1e9), "hot_pixel_adu must be >= 0");
  Xoshiro256 rng(detail::derive_seed({seed_, kDefectStream}));
  std::vector<std::uint8_t> taken(pixel_count(), 0);
  const auto pixels = static_cast<std::uint32_t>(pixel_count());
  hot_ = pick_pixels(rng, pixels, s.hot_pixel_fraction, taken);
  dead_ = pick_pixels(rng, pixels, s.dead_pixel_fraction, taken);
}

void CountingDetector::deposit(double x, double y, double charge, std::span<float> adu) const {
  const double sigma = settings_.cloud_sigma_px;
  const auto n = static_cast<std::int64_t>(settings_.size);
  if (sigma <= 0.0) {
    const auto j = static_cast<std::int64_t>(x);
    const auto i = static_cast<std::int64_t>(y);
    adu[static_cast<std::size_t>(i * n + j)] += static_cast<float>(charge);
    return;
  }
  // Separable: the share of pixel (i, j) is the cloud's integral over [j, j+1) times the one
  // over [i, i+1), each a difference of the normal CDF at the pixel's edges.
  const double reach = kCloudReach * sigma;
  const std::int64_t j0 =
      std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(x - reach)));
  const std::int64_t j1 =
      std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(std::floor(x + reach)));
  const std::int64_t i0 =
      std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(y - reach)));
  const std::int64_t i1 =
      std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(std::floor(y + reach)));
  const double scale = 1.0 / (sigma * std::numbers::sqrt2);
  const auto cdf = [&](double u) { return 0.5 * std::erfc(-u * scale); };
  std::array<double, kWindow> share_x{};
  std::array<double, kWindow> share_y{};
  for (std::int64_t j = j0; j <= j1; ++j) {
    share_x[static_cast<std::size_t>(j - j0)] =
        cdf(static_cast<double>(j + 1) - x) - cdf(static_cast<double>(j) - x);
  }
  for (std::int64_t i = i0; i <= i1; ++i) {
    share_y[static_cast<std::size_t>(i - i0)] =
        cdf(static_cast<double>(i + 1) - y) - cdf(static_cast<double>(i) - y);
  }
  for (std::int64_t i = i0; i <= i1; ++i) {
    const double row = charge * share_y[static_cast<std::size_t>(i - i0)];
    float* line = adu.data() + i * n;
    for (std::int64_t j = j0; j <= j1; ++j) {
      line[j] += static_cast<float>(row * share_x[static_cast<std::size_t>(j - j0)]);
    }
  }
}

void CountingDetector::expose(std::span<const double> expected, std::uint64_t frame_index,
                              CountingFrame& out) {
  require(expected.size() == pixel_count(), "expected holds " + std::to_string(expected.size()) +
                                                " pixels, not " + std::to_string(pixel_count()));
  Xoshiro256 rng(detail::derive_seed({seed_, kExposureStream, frame_index}));
  // PoissonCounter checks the expectations and draws every pixel's count exactly.
  counts_.resize(pixel_count());
  counter_.count(expected, 0.0, rng, std::span<std::uint32_t>(counts_));

  const CountingDetectorSettings& s = settings_;
  out.adu.assign(pixel_count(), 0.0F);
  out.electrons.clear();
  // A log-normal factor of mean 1 and rms gain_spread: always positive, skewed towards the
  // large deposits of long tracks as the (Landau) energy loss is.
  const double log_sigma = std::sqrt(std::log1p(s.gain_spread * s.gain_spread));
  const std::uint32_t n = s.size;
  for (std::uint32_t p = 0; p < counts_.size(); ++p) {
    for (std::uint32_t k = 0; k < counts_[p]; ++k) {
      ElectronHit hit;
      hit.x = static_cast<double>(p % n) + uniform01(rng);
      hit.y = static_cast<double>(p / n) + uniform01(rng);
      hit.charge_adu =
          s.gain_adu * std::exp(log_sigma * standard_normal(rng) - 0.5 * log_sigma * log_sigma);
      deposit(hit.x, hit.y, hit.charge_adu, out.adu);
      out.electrons.push_back(hit);
    }
  }
  if (s.read_noise_adu > 0.0) {
    for (std::size_t p = 0; p < out.adu.size(); p += 2) {
      const auto pair = standard_normal_pair(rng);
      out.adu[p] += static_cast<float>(s.read_noise_adu * pair[0]);
      if (p + 1 < out.adu.size()) out.adu[p + 1] += static_cast<float>(s.read_noise_adu * pair[1]);
    }
  }
  for (const std::uint32_t p : hot_) out.adu[p] += static_cast<float>(s.hot_pixel_adu);
  for (const std::uint32_t p : dead_) out.adu[p] = 0.0F;
}

void CountingDetector::digitize(std::span<const float> adu, double pedestal_adu,
                                std::span<std::uint16_t> out) {
  require(adu.size() == out.size(), "digitize: adu and out differ in size");
  for (std::size_t p = 0; p < adu.size(); ++p) {
    const double v = std::round(static_cast<double>(adu[p]) + pedestal_adu);
    out[p] = static_cast<std::uint16_t>(std::clamp(v, 0.0, 65535.0));
  }
}

}  // namespace edgeloop::sims
