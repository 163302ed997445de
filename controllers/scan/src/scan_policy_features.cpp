#include "edgeloop/controllers/scan/scan_policy_features.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edgeloop::scan {

void scan_policy_features(const SparseScanImage& scan, std::span<float> out) {
  const std::size_t n = scan.size();
  if (out.size() != kScanFeatureChannels * n) {
    throw std::invalid_argument("scan features need channels x positions floats");
  }
  const double mean = scan.value_mean();
  const double inv_sd = 1.0 / scan.value_std();
  const bool any = scan.measured_count() > 0;
  const auto& recon = scan.reconstruction();
  const auto& d2 = scan.nearest_distance2();
  const auto fraction =
      static_cast<float>(static_cast<double>(scan.visited_count()) / static_cast<double>(n));
  float* value = out.data();
  float* mask = value + n;
  float* rec = mask + n;
  float* dist = rec + n;
  float* range = dist + n;
  float* frac = range + n;
  for (std::size_t i = 0; i < n; ++i) {
    const auto index = static_cast<std::int64_t>(i);
    const bool m = scan.measured(index);
    value[i] = m ? static_cast<float>((scan.value(index) - mean) * inv_sd) : 0.0F;
    mask[i] = m ? 1.0F : 0.0F;
    rec[i] = any ? static_cast<float>((recon[i] - mean) * inv_sd) : 0.0F;
    dist[i] = any ? static_cast<float>(std::min(4.0, std::sqrt(d2[i]) / 8.0)) : 4.0F;
    frac[i] = fraction;
  }
  const auto nx = static_cast<std::int64_t>(scan.nx());
  const auto ny = static_cast<std::int64_t>(scan.ny());
  constexpr std::int64_t kReach = 2;
  for (std::int64_t y = 0; y < ny; ++y) {
    for (std::int64_t x = 0; x < nx; ++x) {
      double lo = recon[static_cast<std::size_t>(y * nx + x)];
      double hi = lo;
      for (std::int64_t v = std::max<std::int64_t>(0, y - kReach);
           v <= std::min(ny - 1, y + kReach); ++v) {
        for (std::int64_t u = std::max<std::int64_t>(0, x - kReach);
             u <= std::min(nx - 1, x + kReach); ++u) {
          const double r = recon[static_cast<std::size_t>(v * nx + u)];
          lo = std::min(lo, r);
          hi = std::max(hi, r);
        }
      }
      range[static_cast<std::size_t>(y * nx + x)] =
          any ? static_cast<float>(std::min(4.0, (hi - lo) * inv_sd)) : 0.0F;
    }
  }
}

}  // namespace edgeloop::scan
