// The background under the peaks of a mass spectrum, estimated from the counts in a peak-free
// window: its level and how many of each range's counts it accounts for, to report or subtract.
#pragma once

#include <string>
#include <string_view>

namespace edgeloop {

// The shape of the background density in mass-to-charge m:
//  Flat        constant per Da, the usual local assumption near a peak;
//  InverseSqrt proportional to 1/sqrt(m): hits uniform in time of flight (dark counts,
//              uncorrelated evaporation between pulses) land at m ∝ t², so dN/dm ∝ 1/sqrt(m)
//              at any voltage. Better when the window is far from the ranges it serves.
enum class BackgroundModel { Flat, InverseSqrt };

// "flat" / "inverse_sqrt"; std::invalid_argument naming the accepted values otherwise.
BackgroundModel background_model_from(std::string_view name);
std::string_view background_model_name(BackgroundModel model);

// The estimator. The window [low, high) holds n counts, a Poisson draw of background only. With
// density c·f(m) (f = 1 or m^-1/2) the maximum-likelihood scale is c = n / ∫_window f, so a
// range [a, b) expects B = n · share(a, b) background counts with share = ∫_a^b f / ∫_window f,
// standard error sqrt(n) · share. Subtracting it leaves c_r - B with variance c_r + share² · n.
class BackgroundEstimate {
 public:
  // std::invalid_argument unless 0 <= low < high, both finite (InverseSqrt needs low >= 0 too).
  BackgroundEstimate(double low, double high, BackgroundModel model);

  double low() const { return low_; }
  double high() const { return high_; }
  BackgroundModel model() const { return model_; }
  // Expected share of the window's count that falls in [a, b) (any interval with 0 <= a <= b).
  double share(double a, double b) const;
  // Background density (counts per Da) at mz when the window holds window_count counts.
  double level(double window_count, double mz) const;

 private:
  double integral(double a, double b) const;  // ∫_a^b f

  double low_;
  double high_;
  BackgroundModel model_;
};

}  // namespace edgeloop
