#include "edgeloop/controllers/bayes/test_functions.hpp"

#include <array>
#include <cmath>
#include <numbers>

namespace edgeloop::bayes {

double branin(std::span<const double> x) {
  constexpr double pi = std::numbers::pi;
  const double b = 5.1 / (4.0 * pi * pi);
  const double c = 5.0 / pi;
  const double t = 1.0 / (8.0 * pi);
  const double u = x[1] - b * x[0] * x[0] + c * x[0] - 6.0;
  return u * u + 10.0 * (1.0 - t) * std::cos(x[0]) + 10.0;
}

double hartmann6(std::span<const double> x) {
  constexpr std::array<double, 4> alpha{1.0, 1.2, 3.0, 3.2};
  constexpr std::array<std::array<double, 6>, 4> a{{{10, 3, 17, 3.5, 1.7, 8},
                                                    {0.05, 10, 17, 0.1, 8, 14},
                                                    {3, 3.5, 1.7, 10, 17, 8},
                                                    {17, 8, 0.05, 10, 0.1, 14}}};
  constexpr std::array<std::array<double, 6>, 4> p{
      {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
       {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
       {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
       {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}}};
  double sum = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    double inner = 0;
    for (std::size_t j = 0; j < 6; ++j) inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

}  // namespace edgeloop::bayes
