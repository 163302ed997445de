#include "edgeloop/sisso/l0_search.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "edgeloop/sisso/kokkos_scope.hpp"
#include "edgeloop/sisso/least_squares.hpp"

namespace edgeloop::sisso {
namespace {

struct Brute {
  std::vector<std::size_t> features;
  double rss = std::numeric_limits<double>::infinity();
};

// Every combination in lexicographic order, each solved by Eigen's QR; the first smallest wins.
Brute brute_force(const std::vector<double>& x, std::size_t count, const std::vector<double>& y,
                  std::size_t dim, bool intercept) {
  const auto n = static_cast<Eigen::Index>(y.size());
  const Eigen::Map<const Eigen::VectorXd> yv(y.data(), n);
  Brute best;
  std::vector<std::size_t> combo(dim);
  for (std::size_t t = 0; t < dim; ++t) combo[t] = t;
  for (;;) {
    Eigen::MatrixXd a(n, static_cast<Eigen::Index>(dim + (intercept ? 1 : 0)));
    for (std::size_t t = 0; t < dim; ++t) {
      a.col(static_cast<Eigen::Index>(t)) =
          Eigen::Map<const Eigen::VectorXd>(x.data() + combo[t] * y.size(), n);
    }
    if (intercept) a.col(static_cast<Eigen::Index>(dim)).setOnes();
    const Eigen::VectorXd beta = a.colPivHouseholderQr().solve(yv);
    const double rss = (yv - a * beta).squaredNorm();
    if (rss < best.rss * (1 - 1e-12)) best = {combo, rss};
    std::size_t t = dim;
    while (t > 0 && combo[t - 1] == count - dim + t - 1) --t;
    if (t == 0) break;
    ++combo[t - 1];
    for (std::size_t u = t; u < dim; ++u) combo[u] = combo[u - 1] + 1;
  }
  return best;
}

class L0SearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kokkos_ = std::make_unique<KokkosScope>(); }
  static void TearDownTestSuite() { kokkos_.reset(); }
  static inline std::unique_ptr<KokkosScope> kokkos_;
};

TEST_F(L0SearchTest, MatchesABruteForceEigenSolveOnRandomData) {
  std::mt19937 rng(20261125);
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 4; ++trial) {
    const std::size_t n = 25 + static_cast<std::size_t>(trial) * 7;
    const std::size_t count = 14;
    std::vector<double> x(n * count);
    for (auto& v : x) v = normal(rng) * (1 + trial) + trial;  // offsets test the centring
    std::vector<double> y(n);
    for (std::size_t s = 0; s < n; ++s) {
      y[s] =
          0.7 * x[3 * n + s] - 1.3 * x[9 * n + s] + 0.4 * x[11 * n + s] + 2.0 + 0.5 * normal(rng);
    }
    for (const bool intercept : {true, false}) {
      for (std::size_t dim = 1; dim <= 4; ++dim) {
        const Brute expected = brute_force(x, count, y, dim, intercept);
        L0Options options;
        options.intercept = intercept;
        options.prefixes_per_batch = 7;  // several batches, as a large search would have
        const L0Result got = l0_search(x, count, y, dim, options);
        EXPECT_EQ(got.features, expected.features)
            << "trial " << trial << " D=" << dim << " intercept " << intercept;
        EXPECT_NEAR(got.rss, expected.rss, 1e-9 * expected.rss);
        std::uint64_t combos = 1;
        for (std::size_t t = 0; t < dim; ++t) combos = combos * (count - t) / (t + 1);
        EXPECT_EQ(got.combinations, combos);
      }
    }
  }
}

TEST_F(L0SearchTest, CollinearAndConstantFeaturesCannotWin) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  const std::size_t n = 30;
  std::vector<double> x(n * 6);
  for (auto& v : x) v = normal(rng);
  for (std::size_t s = 0; s < n; ++s) {
    x[1 * n + s] = 2 * x[0 * n + s] + 1;  // feature 1 is feature 0, rescaled
    x[4 * n + s] = 3.5;                   // constant
  }
  std::vector<double> y(n);
  for (std::size_t s = 0; s < n; ++s) y[s] = x[0 * n + s] + x[2 * n + s] + 0.1 * normal(rng);
  const L0Result got = l0_search(x, 6, y, 2);
  EXPECT_EQ(got.features, (std::vector<std::size_t>{0, 2}));  // not {1, 2}: ties go first
  EXPECT_GT(got.degenerate, 0u);
  const Brute expected = brute_force(x, 6, y, 2, true);
  EXPECT_NEAR(got.rss, expected.rss, 1e-9 * expected.rss);
}

TEST_F(L0SearchTest, RejectsImpossibleDimensions) {
  const std::vector<double> x{1, 2, 3, 4, 5, 7};
  const std::vector<double> y{1, 2, 3};
  EXPECT_THROW(l0_search(x, 2, y, 0), std::invalid_argument);
  EXPECT_THROW(l0_search(x, 2, y, 3), std::invalid_argument);
  EXPECT_THROW(l0_search(x, 3, y, 1), std::invalid_argument);
}

TEST(LinearFit, InterceptCoefficientsAndErrors) {
  const std::vector<double> a{1, 2, 3, 4};
  const std::vector<double> b{0, 1, 0, 1};
  const std::vector<double> y{3, 6.5, 7, 10.5};  // 1 + 2a + 1.5b
  const std::vector<std::span<const double>> cols{a, b};
  const LinearFit fit = fit_linear(cols, y, true);
  ASSERT_EQ(fit.coefficients.size(), 2u);
  EXPECT_NEAR(fit.coefficients[0], 2.0, 1e-12);
  EXPECT_NEAR(fit.coefficients[1], 1.5, 1e-12);
  EXPECT_NEAR(fit.intercept, 1.0, 1e-12);
  EXPECT_NEAR(fit.rmse, 0.0, 1e-12);
  const LinearFit through_zero = fit_linear(cols, y, false);
  EXPECT_EQ(through_zero.intercept, 0.0);
  EXPECT_GT(through_zero.rmse, 0.0);
  EXPECT_GE(through_zero.max_abs_error, through_zero.rmse);
}

}  // namespace
}  // namespace edgeloop::sisso
