// Kokkos backend of the candidate evaluation: one work item per candidate, computing its values
// over all samples in one sweep rather than storing them, so a batch of the last rung costs no
// memory traffic beyond its operands.
#include <Kokkos_Core.hpp>

#include <cmath>
#include <stdexcept>

#include "edgeloop/sisso/feature_evaluator.hpp"
#include "operator_math.hpp"

namespace edgeloop::sisso {
namespace {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
using Matrix = Kokkos::View<double**, Kokkos::LayoutRight, MemSpace>;
using Vector = Kokkos::View<double*, MemSpace>;
template <typename T>
using HostUnmanaged = Kokkos::View<T*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
using HostMatrixUnmanaged =
    Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;

// SISSO's feature filters (FC.f90 goodf): constant within 1e-8, or max|x| beyond these bounds.
constexpr double kConstantTolerance = 1e-8;
constexpr double kMaxAbsLimit = 1e50;
constexpr double kMinAbsLimit = 1e-50;

struct Operands {
  const double* a;
  const double* b;
  const double* tag;
  const double* target;  // centred
  int samples;
};

// Everything SISSO's filters and the SIS score need, gathered in one sweep over the samples.
// Sums are taken of v - v0 (v0 the first value) so that the variance does not cancel for
// features far from zero.
struct SampleStats {
  bool any_nan;
  double max_dev;  // max |v - v0| over non-NaN differences; -1 when there are none
  double max_abs;  // max |v| over non-NaN values; -1 when there are none
  double sum;      // sum (v - v0)
  double sum_sq;   // sum (v - v0)^2
  double sum_y;    // sum (v - v0) y, y centred
  double fingerprint;
};

template <Op kOp>
KOKKOS_INLINE_FUNCTION SampleStats sample_stats(const Operands& in, double* values,
                                                bool with_fingerprint) {
  SampleStats st{false, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0};
  const double v0 = detail::operator_value(kOp, in.a[0], in.b[0]);
  for (int s = 0; s < in.samples; ++s) {
    const double v = detail::operator_value(kOp, in.a[s], in.b[s]);
    if (values != nullptr) values[s] = v;
    st.any_nan = st.any_nan || v != v;
    // A comparison with NaN is false, so NaN never becomes the maximum, as in SISSO's maxval.
    const double dev = Kokkos::Experimental::fabs(v - v0);
    st.max_dev = dev > st.max_dev ? dev : st.max_dev;
    const double mag = Kokkos::Experimental::fabs(v);
    st.max_abs = mag > st.max_abs ? mag : st.max_abs;
    const double d = v - v0;
    st.sum += d;
    st.sum_sq += d * d;
    st.sum_y += d * in.target[s];
  }
  if (with_fingerprint) {
    for (int s = 0; s < in.samples; ++s) {
      const double t = in.tag[s] + detail::operator_value(kOp, in.a[s], in.b[s]);
      st.fingerprint += t * t;
    }
    st.fingerprint = Kokkos::Experimental::sqrt(st.fingerprint);
  }
  return st;
}

// One switch per candidate, so that each operator gets its own tight loop over the samples.
KOKKOS_INLINE_FUNCTION SampleStats dispatch_stats(Op op, const Operands& in, double* values,
                                                  bool with_fingerprint) {
  switch (op) {
    case Op::Primary:
      return sample_stats<Op::Primary>(in, values, with_fingerprint);
    case Op::Add:
      return sample_stats<Op::Add>(in, values, with_fingerprint);
    case Op::Sub:
      return sample_stats<Op::Sub>(in, values, with_fingerprint);
    case Op::AbsDiff:
      return sample_stats<Op::AbsDiff>(in, values, with_fingerprint);
    case Op::Mul:
      return sample_stats<Op::Mul>(in, values, with_fingerprint);
    case Op::Div:
      return sample_stats<Op::Div>(in, values, with_fingerprint);
    case Op::Exp:
      return sample_stats<Op::Exp>(in, values, with_fingerprint);
    case Op::ExpNeg:
      return sample_stats<Op::ExpNeg>(in, values, with_fingerprint);
    case Op::Inv:
      return sample_stats<Op::Inv>(in, values, with_fingerprint);
    case Op::Square:
      return sample_stats<Op::Square>(in, values, with_fingerprint);
    case Op::Cube:
      return sample_stats<Op::Cube>(in, values, with_fingerprint);
    case Op::Sixth:
      return sample_stats<Op::Sixth>(in, values, with_fingerprint);
    case Op::Sqrt:
      return sample_stats<Op::Sqrt>(in, values, with_fingerprint);
    case Op::Cbrt:
      return sample_stats<Op::Cbrt>(in, values, with_fingerprint);
    case Op::Log:
      return sample_stats<Op::Log>(in, values, with_fingerprint);
    case Op::Sin:
      return sample_stats<Op::Sin>(in, values, with_fingerprint);
    case Op::Cos:
      return sample_stats<Op::Cos>(in, values, with_fingerprint);
    case Op::Scd:
      return sample_stats<Op::Scd>(in, values, with_fingerprint);
  }
  return sample_stats<Op::Primary>(in, values, with_fingerprint);
}

// SISSO's verdict on a feature (FC.f90 goodf) as its Fortran evaluates it: NaN values are
// skipped by maxval, which is NaN only when every value is, and every comparison with NaN is
// false. A feature that is NaN somewhere therefore counts as a feature (as do its
// descendants) but can never be selected, its score being NaN.
KOKKOS_INLINE_FUNCTION CandidateOutcome classify(const SampleStats& st, int samples, bool scored,
                                                 double target_norm, double fmax_min,
                                                 double fmax_max) {
  const double nan = Kokkos::Experimental::nan("");
  const double max_dev = st.max_dev < 0.0 ? nan : st.max_dev;
  const double max_abs = st.max_abs < 0.0 ? nan : st.max_abs;
  CandidateOutcome o;
  if (max_dev <= kConstantTolerance || max_abs > kMaxAbsLimit || max_abs <= kMinAbsLimit) {
    return o;
  }
  o.fingerprint = st.fingerprint;
  if (st.any_nan || max_abs > fmax_max || max_abs < fmax_min) {
    o.status = CandidateStatus::Kept;
    return o;
  }
  o.status = CandidateStatus::Selectable;
  if (scored) {
    const double xx = st.sum_sq - st.sum * st.sum / static_cast<double>(samples);
    const double xnorm = xx > 0.0 ? Kokkos::Experimental::sqrt(xx) : 0.0;
    o.score = xnorm > kMinAbsLimit && target_norm > 0.0
                  ? Kokkos::Experimental::fabs(st.sum_y) / xnorm / target_norm
                  : 0.0;
  }
  return o;
}

}  // namespace

struct FeatureEvaluator::Impl {
  std::size_t samples;
  double fmax_min;
  double fmax_max;
  Matrix store;
  Vector tag;     // SISSO's fingerprint offsets 1 + 0.001 (s+1)
  Vector target;  // centred
  double target_norm = 0.0;
  bool has_target = false;
  Kokkos::View<Candidate*, MemSpace> candidates;
  Kokkos::View<CandidateOutcome*, MemSpace> outcomes;
  Matrix values;
};

FeatureEvaluator::FeatureEvaluator(std::size_t samples, double fmax_min, double fmax_max)
    : impl_(std::make_unique<Impl>()) {
  // Kokkos 3.4's Serial backend runs kernels even before initialize(), which would hide a
  // missing KokkosScope until a build with a threaded or device backend failed on it.
  if (!Kokkos::is_initialized()) {
    throw std::logic_error("FeatureEvaluator: Kokkos is not initialised (no KokkosScope)");
  }
  if (samples == 0) throw std::invalid_argument("FeatureEvaluator: no samples");
  impl_->samples = samples;
  impl_->fmax_min = fmax_min;
  impl_->fmax_max = fmax_max;
  impl_->tag = Vector("edgeloop::sisso::tag", samples);
  impl_->target = Vector("edgeloop::sisso::target", samples);
  auto tag = Kokkos::create_mirror_view(impl_->tag);
  for (std::size_t s = 0; s < samples; ++s) tag(s) = 1.0 + 0.001 * static_cast<double>(s + 1);
  Kokkos::deep_copy(impl_->tag, tag);
}

FeatureEvaluator::~FeatureEvaluator() = default;

void FeatureEvaluator::upload(const FeatureStore& store) {
  if (store.samples() != impl_->samples) {
    throw std::invalid_argument("FeatureEvaluator::upload: sample count differs");
  }
  impl_->store = Matrix(Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::store"),
                        store.size(), store.samples());
  const HostMatrixUnmanaged host(const_cast<double*>(store.all_values().data()), store.size(),
                                 store.samples());
  Kokkos::deep_copy(impl_->store, host);
}

void FeatureEvaluator::set_target(std::span<const double> target) {
  if (target.size() != impl_->samples) {
    throw std::invalid_argument("FeatureEvaluator::set_target: sample count differs");
  }
  double mean = 0.0;
  for (const double v : target) mean += v;
  mean /= static_cast<double>(target.size());
  auto host = Kokkos::create_mirror_view(impl_->target);
  double norm2 = 0.0;
  for (std::size_t s = 0; s < target.size(); ++s) {
    host(s) = target[s] - mean;
    norm2 += host(s) * host(s);
  }
  Kokkos::deep_copy(impl_->target, host);
  impl_->target_norm = std::sqrt(norm2);
  impl_->has_target = true;
}

void FeatureEvaluator::clear_target() {
  impl_->has_target = false;
}

void FeatureEvaluator::evaluate(std::span<const Candidate> batch,
                                std::span<CandidateOutcome> outcomes, std::span<double> values) {
  const std::size_t count = batch.size();
  const std::size_t n = impl_->samples;
  if (outcomes.size() != count) throw std::invalid_argument("evaluate: outcome count differs");
  const bool want_values = !values.empty();
  if (want_values && values.size() != count * n) {
    throw std::invalid_argument("evaluate: values must hold batch.size() * samples doubles");
  }
  if (count == 0) return;
  if (impl_->candidates.extent(0) < count) {
    impl_->candidates = Kokkos::View<Candidate*, MemSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::candidates"), count);
    impl_->outcomes = Kokkos::View<CandidateOutcome*, MemSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::outcomes"), count);
  }
  if (want_values && impl_->values.extent(0) < count) {
    impl_->values = Matrix(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "edgeloop::sisso::values"), count, n);
  }
  const auto range = std::make_pair(std::size_t{0}, count);
  const auto candidates = Kokkos::subview(impl_->candidates, range);
  Kokkos::deep_copy(candidates, HostUnmanaged<const Candidate>(batch.data(), count));

  const Matrix store = impl_->store;
  const Vector tag = impl_->tag;
  const Vector target = impl_->target;
  const Matrix out_values = impl_->values;
  const auto out = Kokkos::subview(impl_->outcomes, range);
  const bool scored = impl_->has_target;
  const double target_norm = impl_->target_norm;
  const double fmax_min = impl_->fmax_min;
  const double fmax_max = impl_->fmax_max;
  const auto samples = static_cast<int>(n);

  const bool with_fingerprint = want_values;  // only the build (which keeps values) dedups
  Kokkos::parallel_for(
      "edgeloop::sisso::evaluate_candidates", Kokkos::RangePolicy<ExecSpace>(0, count),
      KOKKOS_LAMBDA(const std::size_t c) {
        const Candidate cand = candidates(c);
        const auto a = static_cast<std::size_t>(cand.first);
        const auto b = static_cast<std::size_t>(cand.second >= 0 ? cand.second : cand.first);
        const Operands in{&store(a, 0), &store(b, 0), &tag(0), &target(0), samples};
        double* values_row = want_values ? &out_values(c, 0) : nullptr;
        const SampleStats st = dispatch_stats(cand.op, in, values_row, with_fingerprint);
        out(c) = classify(st, samples, scored, target_norm, fmax_min, fmax_max);
      });
  Kokkos::fence();
  Kokkos::deep_copy(HostUnmanaged<CandidateOutcome>(outcomes.data(), count), out);
  if (want_values) {
    Kokkos::deep_copy(HostMatrixUnmanaged(values.data(), count, n),
                      Kokkos::subview(out_values, range, Kokkos::ALL()));
  }
}

}  // namespace edgeloop::sisso
