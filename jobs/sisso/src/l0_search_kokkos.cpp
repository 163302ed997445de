// Kokkos backend of the ℓ0 search. The fit of a combination only needs the Gram matrix G of the
// standardised features and their products r with the target: with L the Cholesky factor of the
// combination's block of G, RSS = y'y - |L⁻¹ r|². Work items are the combinations' first D-1
// features (a "prefix"); each factors its prefix once and then adds every possible last feature
// with a rank-one step, so a D = 3 fit costs some twenty flops.
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "edgeloop/sisso/l0_search.hpp"
#include "edgeloop/sisso/least_squares.hpp"

namespace edgeloop::sisso {
namespace {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
using Matrix = Kokkos::View<double**, Kokkos::LayoutRight, MemSpace>;
using Vector = Kokkos::View<double*, MemSpace>;
using Prefixes = Kokkos::View<int**, Kokkos::LayoutRight, MemSpace>;

constexpr int kMaxDimension = 8;
// A pivot of the standardised Gram matrix below this means the feature is a linear
// combination of the others to 12 digits: the combination adds nothing to a smaller one.
constexpr double kDegeneratePivot = 1e-12;

struct Problem {
  Matrix gram;  // features × features, standardised
  Vector xty;   // standardised features · centred target
  double yy = 0.0;
  int features = 0;
  int prefix_size = 0;  // dimension - 1
};

// Visits every combination "prefix + k" (k after the prefix's last feature) with its residual
// sum of squares; returns how many were skipped as degenerate.
template <typename Visit>
KOKKOS_INLINE_FUNCTION std::int64_t visit_prefix(const Problem& pb, const int* idx,
                                                 const Visit& visit) {
  const int m = pb.prefix_size;
  const int first_k = m == 0 ? 0 : idx[m - 1] + 1;
  double chol[kMaxDimension][kMaxDimension] = {};
  double inv_diag[kMaxDimension] = {};  // 1 / chol[t][t]: multiplications in the inner loop
  double q[kMaxDimension] = {};
  for (int t = 0; t < m; ++t) {
    for (int u = 0; u <= t; ++u) {
      double s = pb.gram(static_cast<std::size_t>(idx[t]), static_cast<std::size_t>(idx[u]));
      for (int v = 0; v < u; ++v) s -= chol[t][v] * chol[u][v];
      if (u == t) {
        if (!(s > kDegeneratePivot)) return pb.features - first_k;
        chol[t][t] = Kokkos::Experimental::sqrt(s);
        inv_diag[t] = 1.0 / chol[t][t];
      } else {
        chol[t][u] = s * inv_diag[u];
      }
    }
    double s = pb.xty(static_cast<std::size_t>(idx[t]));
    for (int u = 0; u < t; ++u) s -= chol[t][u] * q[u];
    q[t] = s * inv_diag[t];
  }
  double rss_prefix = pb.yy;
  for (int t = 0; t < m; ++t) rss_prefix -= q[t] * q[t];

  std::int64_t degenerate = 0;
  double l[kMaxDimension] = {};
  for (int k = first_k; k < pb.features; ++k) {
    const auto kk = static_cast<std::size_t>(k);
    double d = pb.gram(kk, kk);
    double lq = 0.0;
    for (int t = 0; t < m; ++t) {
      double s = pb.gram(static_cast<std::size_t>(idx[t]), kk);
      for (int u = 0; u < t; ++u) s -= chol[t][u] * l[u];
      l[t] = s * inv_diag[t];
      d -= l[t] * l[t];
      lq += l[t] * q[t];
    }
    if (!(d > kDegeneratePivot)) {
      ++degenerate;
      continue;
    }
    // The last feature's step is (r_k - l.q) / sqrt(d); only its square is needed.
    const double num = pb.xty(kk) - lq;
    const double rss = rss_prefix - num * num / d;
    visit(k, rss > 0.0 ? rss : 0.0);
  }
  return degenerate;
}

struct Best {
  double rss;
  std::int64_t loc;  // prefix index * features + k: increasing in lexicographic order
  std::int64_t degenerate;
};

struct SearchKernel {
  using value_type = Best;
  Problem pb;
  Prefixes prefixes;

  KOKKOS_INLINE_FUNCTION void operator()(const std::size_t p, value_type& best) const {
    int idx[kMaxDimension] = {};
    for (int t = 0; t < pb.prefix_size; ++t) idx[t] = prefixes(p, static_cast<std::size_t>(t));
    const auto base = static_cast<std::int64_t>(p) * pb.features;
    best.degenerate += visit_prefix(pb, idx, [&](int k, double rss) {
      if (rss < best.rss) {
        best.rss = rss;
        best.loc = base + k;
      }
    });
  }
  // Ties go to the lower index, so the result does not depend on the order of the join.
  KOKKOS_INLINE_FUNCTION void join(volatile value_type& dst, const volatile value_type& src) const {
    if (src.rss < dst.rss || (src.rss == dst.rss && src.loc < dst.loc)) {
      dst.rss = src.rss;
      dst.loc = src.loc;
    }
    dst.degenerate = dst.degenerate + src.degenerate;
  }
  KOKKOS_INLINE_FUNCTION void init(value_type& v) const {
    v.rss = Kokkos::Experimental::infinity<double>::value;
    v.loc = -1;
    v.degenerate = 0;
  }
};

struct CollectKernel {
  Problem pb;
  Prefixes prefixes;
  double threshold;
  Kokkos::View<std::int64_t*, MemSpace> hits;
  Kokkos::View<std::int64_t*, MemSpace> count;  // one element

  KOKKOS_INLINE_FUNCTION void operator()(const std::size_t p) const {
    int idx[kMaxDimension] = {};
    for (int t = 0; t < pb.prefix_size; ++t) idx[t] = prefixes(p, static_cast<std::size_t>(t));
    const auto base = static_cast<std::int64_t>(p) * pb.features;
    visit_prefix(pb, idx, [&](int k, double rss) {
      if (rss <= threshold) {
        const std::int64_t slot = Kokkos::atomic_fetch_add(&count(0), std::int64_t{1});
        if (slot < static_cast<std::int64_t>(hits.extent(0))) {
          hits(static_cast<std::size_t>(slot)) = base + k;
        }
      }
    });
  }
};

// Prefixes of `m` ascending indices whose last one leaves room for a larger k, in
// lexicographic order, handed out in batches.
class PrefixBatches {
 public:
  PrefixBatches(int features, int m, std::size_t batch)
      : features_(features), m_(m), batch_(batch), cur_(static_cast<std::size_t>(m)) {
    for (int t = 0; t < m; ++t) cur_[static_cast<std::size_t>(t)] = t;
    done_ = m >= features;  // no room for the last index
  }
  // Next batch into `host` (count × max(m,1)); returns the count, 0 when exhausted.
  std::size_t next(std::vector<int>& host) {
    host.clear();
    std::size_t count = 0;
    while (!done_ && count < batch_) {
      if (m_ == 0) {
        host.push_back(0);
        done_ = true;
      } else {
        host.insert(host.end(), cur_.begin(), cur_.end());
        advance();
      }
      ++count;
    }
    return count;
  }

 private:
  void advance() {
    int t = m_ - 1;
    while (t >= 0 && cur_[static_cast<std::size_t>(t)] >= features_ - 1 - m_ + t) --t;
    if (t < 0) {
      done_ = true;
      return;
    }
    ++cur_[static_cast<std::size_t>(t)];
    for (int u = t + 1; u < m_; ++u) {
      cur_[static_cast<std::size_t>(u)] = cur_[static_cast<std::size_t>(u - 1)] + 1;
    }
  }

  int features_;
  int m_;
  std::size_t batch_;
  std::vector<int> cur_;
  bool done_ = false;
};

struct Hit {
  std::int64_t order;  // global lexicographic rank proxy: prefix number * features + k
  std::vector<std::size_t> features;
};

}  // namespace

L0Result l0_search(std::span<const double> features, std::size_t count,
                   std::span<const double> target, std::size_t dimension,
                   const L0Options& options) {
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("l0_search: Kokkos is not initialised (no KokkosScope)");
  }
  const std::size_t n = target.size();
  if (dimension == 0 || dimension > static_cast<std::size_t>(kMaxDimension)) {
    throw std::invalid_argument("l0_search: dimension must be 1..8");
  }
  if (dimension > count) throw std::invalid_argument("l0_search: fewer features than dimension");
  if (n < 2 || features.size() != count * n) {
    throw std::invalid_argument("l0_search: features must hold count × samples values");
  }
  if (count > static_cast<std::size_t>(std::numeric_limits<int>::max() / 2)) {
    throw std::invalid_argument("l0_search: too many features");
  }

  // Standardise: centred (with intercept) and scaled to unit norm; a constant feature becomes
  // zero, so every combination holding it is degenerate.
  const auto nd = static_cast<double>(n);
  double y_mean = 0.0;
  if (options.intercept) {
    for (const double v : target) y_mean += v;
    y_mean /= nd;
  }
  auto z = Kokkos::create_mirror_view(
      Matrix(Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::z"), count, n));
  auto yc = Kokkos::create_mirror_view(Vector("edgeloop::sisso::yc", n));
  double yy = 0.0;
  for (std::size_t s = 0; s < n; ++s) {
    yc(s) = target[s] - y_mean;
    yy += yc(s) * yc(s);
  }
  for (std::size_t f = 0; f < count; ++f) {
    const double* x = features.data() + f * n;
    double mean = 0.0;
    if (options.intercept) {
      for (std::size_t s = 0; s < n; ++s) mean += x[s];
      mean /= nd;
    }
    double norm = 0.0;
    for (std::size_t s = 0; s < n; ++s) norm += (x[s] - mean) * (x[s] - mean);
    norm = std::sqrt(norm);
    const double scale = norm > 0.0 && std::isfinite(norm) ? 1.0 / norm : 0.0;
    for (std::size_t s = 0; s < n; ++s) z(f, s) = (x[s] - mean) * scale;
  }
  const Matrix z_dev = Kokkos::create_mirror_view_and_copy(MemSpace(), z);
  const Vector yc_dev = Kokkos::create_mirror_view_and_copy(MemSpace(), yc);

  Problem pb;
  pb.gram = Matrix(Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::gram"), count,
                   count);
  pb.xty = Vector(Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::xty"), count);
  pb.yy = yy;
  pb.features = static_cast<int>(count);
  pb.prefix_size = static_cast<int>(dimension) - 1;
  {
    const Matrix gram = pb.gram;
    const Vector xty = pb.xty;
    Kokkos::parallel_for(
        "edgeloop::sisso::gram", Kokkos::RangePolicy<ExecSpace>(0, count),
        KOKKOS_LAMBDA(const std::size_t f) {
          for (std::size_t g = 0; g < count; ++g) {
            double s = 0.0;
            for (std::size_t i = 0; i < n; ++i) s += z_dev(f, i) * z_dev(g, i);
            gram(f, g) = s;
          }
          double s = 0.0;
          for (std::size_t i = 0; i < n; ++i) s += z_dev(f, i) * yc_dev(i);
          xty(f) = s;
        });
  }

  L0Result result;
  const std::size_t width = std::max<std::size_t>(dimension - 1, 1);
  std::vector<int> host;
  Prefixes prefixes("edgeloop::sisso::prefixes", options.prefixes_per_batch, width);
  const auto upload = [&](std::size_t batch) {
    const auto sub =
        Kokkos::subview(prefixes, std::make_pair(std::size_t{0}, batch), Kokkos::ALL());
    Kokkos::deep_copy(
        sub,
        Kokkos::View<const int**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>(
            host.data(), batch, width));
  };
  const auto decode = [&](std::int64_t local_loc, std::int64_t prefix_base) {
    const auto p = static_cast<std::size_t>(local_loc / pb.features);
    const auto k = static_cast<std::size_t>(local_loc % pb.features);
    Hit h;
    h.order =
        (prefix_base + static_cast<std::int64_t>(p)) * pb.features + static_cast<std::int64_t>(k);
    for (std::size_t t = 0; t + 1 < dimension; ++t) {
      h.features.push_back(static_cast<std::size_t>(host[p * width + t]));
    }
    h.features.push_back(k);
    return h;
  };

  // Pass 1: the smallest RSS by the Gram matrix.
  double best_gram = std::numeric_limits<double>::infinity();
  {
    PrefixBatches batches(pb.features, pb.prefix_size, options.prefixes_per_batch);
    std::int64_t prefix_base = 0;
    while (const std::size_t batch = batches.next(host)) {
      upload(batch);
      Best best{};
      Kokkos::parallel_reduce("edgeloop::sisso::l0_search",
                              Kokkos::RangePolicy<ExecSpace>(0, batch), SearchKernel{pb, prefixes},
                              best);
      result.degenerate += static_cast<std::uint64_t>(best.degenerate);
      if (best.loc >= 0 && best.rss < best_gram) best_gram = best.rss;
      prefix_base += static_cast<std::int64_t>(batch);
    }
  }
  std::uint64_t total = 1;
  for (std::size_t t = 0; t < dimension; ++t) total = total * (count - t) / (t + 1);
  result.combinations = total;
  if (!std::isfinite(best_gram)) {
    throw std::runtime_error("l0_search: every combination is degenerate (collinear features)");
  }

  // Pass 2: refit exactly every combination the Gram estimate puts near the best, widening the
  // net until it holds everything that could beat the best exact fit.
  const auto margin = [&](double rss) { return 1e-6 * rss + 1e-10 * yy; };
  std::vector<std::span<const double>> columns(dimension);
  const auto exact_rss = [&](const std::vector<std::size_t>& combo) {
    for (std::size_t t = 0; t < dimension; ++t) {
      columns[t] = features.subspan(combo[t] * n, n);
    }
    return fit_linear(columns, target, options.intercept).rss;
  };
  double threshold = best_gram + margin(best_gram);
  std::size_t capacity = 1024;
  Kokkos::View<std::int64_t*, MemSpace> counter("edgeloop::sisso::hit_count", 1);
  for (int round = 0; round < 16; ++round) {
    std::vector<Hit> hits;
    bool overflow = false;
    Kokkos::View<std::int64_t*, MemSpace> slots("edgeloop::sisso::hits", capacity);
    PrefixBatches batches(pb.features, pb.prefix_size, options.prefixes_per_batch);
    std::int64_t prefix_base = 0;
    while (const std::size_t batch = batches.next(host)) {
      upload(batch);
      Kokkos::deep_copy(counter, 0);
      Kokkos::parallel_for("edgeloop::sisso::l0_collect", Kokkos::RangePolicy<ExecSpace>(0, batch),
                           CollectKernel{pb, prefixes, threshold, slots, counter});
      auto found = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), counter);
      const auto got = static_cast<std::size_t>(found(0));
      if (got > capacity) {
        overflow = true;
        capacity = std::max(capacity * 4, got + hits.size());
        break;
      }
      auto slots_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), slots);
      for (std::size_t h = 0; h < got; ++h) hits.push_back(decode(slots_host(h), prefix_base));
      prefix_base += static_cast<std::int64_t>(batch);
    }
    if (overflow) {
      --round;
      continue;
    }
    std::sort(hits.begin(), hits.end(),
              [](const Hit& a, const Hit& b) { return a.order < b.order; });
    double best = std::numeric_limits<double>::infinity();
    const Hit* winner = nullptr;
    for (const Hit& h : hits) {
      const double rss = exact_rss(h.features);
      // Equal fits within rounding keep the earlier combination.
      if (winner == nullptr || rss < best - 1e-12 * best) {
        best = rss;
        winner = &h;
      }
    }
    result.refitted = hits.size();
    if (winner == nullptr) throw std::runtime_error("l0_search: refinement found no combination");
    const double needed = best + margin(best);
    if (needed <= threshold) {
      result.features = winner->features;
      result.rss = best;
      return result;
    }
    threshold = needed;
  }
  throw std::runtime_error("l0_search: refinement did not converge");
}

}  // namespace edgeloop::sisso
