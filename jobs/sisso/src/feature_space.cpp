#include "edgeloop/sisso/feature_space.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

#include "edgeloop/sisso/candidate_rules.hpp"
#include "edgeloop/sisso/duplicates.hpp"
#include "edgeloop/sisso/expression.hpp"

namespace edgeloop::sisso {
namespace {

// Candidates per kernel launch: large enough to amortise the launch, small enough that the
// values of a build batch (batch × samples doubles) stay modest.
constexpr std::size_t kBatch = 1u << 15;

std::vector<double> candidate_values(const FeatureStore& store, const Candidate& c) {
  std::vector<double> v(store.samples());
  const auto a = store.values(static_cast<std::size_t>(c.first));
  if (c.second < 0) {
    for (std::size_t s = 0; s < v.size(); ++s) v[s] = apply_operator(c.op, a[s]);
  } else {
    const auto b = store.values(static_cast<std::size_t>(c.second));
    for (std::size_t s = 0; s < v.size(); ++s) v[s] = apply_operator(c.op, a[s], b[s]);
  }
  return v;
}

// SISSO's SIS score, two-pass as SISSO computes it: |sum((x - mean) / |x - mean| * y)| / |y|
// for a centred target y. The kernel's one-pass score only decides what is worth this.
double sis_score(std::span<const double> x, std::span<const double> y_centred) {
  const auto n = static_cast<double>(x.size());
  double mean = 0.0;
  for (const double v : x) mean += v;
  mean /= n;
  double xx = 0.0;
  for (const double v : x) xx += (v - mean) * (v - mean);
  const double xnorm = std::sqrt(xx);
  double yy = 0.0;
  for (const double v : y_centred) yy += v * v;
  if (!(xnorm > 1e-50) || !(yy > 0.0)) return 0.0;
  double xy = 0.0;
  for (std::size_t s = 0; s < x.size(); ++s) xy += (x[s] - mean) / xnorm * y_centred[s];
  return std::fabs(xy) / std::sqrt(yy);
}

}  // namespace

FeatureSpace::FeatureSpace(const TrainingData& data, const Settings& settings,
                           const PrimaryUnits& units)
    : data_(data),
      settings_(settings),
      rung_(settings.rung()),
      store_(data.samples()),
      evaluator_(data.samples(), settings.fmax_min, settings.fmax_max) {
  if (units.units.size() != data.primary_features()) {
    throw std::invalid_argument("FeatureSpace: one unit per primary feature needed");
  }
  for (std::size_t f = 0; f < data.primary_features(); ++f) {
    FeatureNode node;
    node.unit = units.units[f];
    node.name = data.feature_names[f];
    store_.add(std::move(node), data.feature(f));
  }
  store_.close_rung();
  rung_sizes_.push_back(data.primary_features());
  evaluator_.upload(store_);
  for (int r = 1; r < rung_; ++r) build_rung(r);
}

FeatureSpace::~FeatureSpace() = default;

RungRules FeatureSpace::rules_for(int r) const {
  RungRules rules;
  rules.ops = settings_.ops_for_rung(r);
  rules.fcomplexity = settings_.fcomplexity;
  rules.last_rung = r == rung_;
  rules.dimensionless_transcendentals = settings_.dimensionless_transcendentals;
  return rules;
}

void FeatureSpace::build_rung(int r) {
  const RungRules rules = rules_for(r);
  const std::size_t new_begin = store_.rung_begin(r - 1);
  const std::size_t new_end = store_.rung_end(r - 1);
  const std::size_t n = store_.samples();

  // Every feature of the rung, in SISSO's generation order, before duplicates are removed.
  std::vector<Candidate> features;
  std::vector<double> fingerprints;
  std::vector<double> values;

  std::vector<Candidate> batch;
  std::vector<CandidateOutcome> outcomes;
  std::vector<double> batch_values;
  evaluator_.clear_target();
  const auto flush = [&] {
    outcomes.resize(batch.size());
    batch_values.resize(batch.size() * n);
    evaluator_.evaluate(batch, outcomes, batch_values);
    for (std::size_t c = 0; c < batch.size(); ++c) {
      if (outcomes[c].status == CandidateStatus::Rejected) continue;
      features.push_back(batch[c]);
      fingerprints.push_back(outcomes[c].fingerprint);
      values.insert(values.end(), batch_values.begin() + static_cast<std::ptrdiff_t>(c * n),
                    batch_values.begin() + static_cast<std::ptrdiff_t>((c + 1) * n));
    }
    batch.clear();
  };
  const PartnerLists partners(store_, new_end, rules.fcomplexity);
  for (std::size_t i = new_begin; i < new_end; ++i) {
    append_candidates(store_, rules, new_begin, partners, i, batch);
    if (batch.size() >= kBatch) flush();
  }
  flush();

  // SISSO's redundancy check on the new rung: equal fingerprint and |r| > 0.99, replayed in
  // SISSO's order so that the rung keeps exactly the features SISSO keeps.
  std::vector<std::string> names(features.size());
  std::vector<int> complexities(features.size());
  std::vector<DedupEntry> entries(features.size());
  for (std::size_t k = 0; k < features.size(); ++k) {
    names[k] = sisso_name(store_, features[k]);
    complexities[k] = complexity(store_, features[k]);
    entries[k] = {fingerprints[k], complexities[k], names[k],
                  std::span<const double>(values.data() + k * n, n)};
  }
  const auto keep = keep_distinct_in_order(entries);
  std::uint64_t kept = 0;
  for (std::size_t k = 0; k < features.size(); ++k) {
    if (!keep[k]) continue;
    const Candidate& c = features[k];
    FeatureNode node;
    node.op = c.op;
    node.first = c.first;
    node.second = c.second;
    node.complexity = complexities[k];
    const Unit& ua = store_.node(static_cast<std::size_t>(c.first)).unit;
    const Unit& ub = c.second >= 0 ? store_.node(static_cast<std::size_t>(c.second)).unit : ua;
    const auto unit = combine_units(c.op, ua, ub, settings_.dimensionless_transcendentals);
    if (!unit) throw std::logic_error("FeatureSpace: a generated feature breaks the unit rules");
    node.unit = *unit;
    node.name = std::move(names[k]);
    store_.add(std::move(node), entries[k].values);
    ++kept;
  }
  store_.close_rung();
  rung_sizes_.push_back(kept);
  evaluator_.upload(store_);
}

FeatureSpace::PassCounts FeatureSpace::pass(SisSelector* selector,
                                            const std::set<std::string>& rejected) {
  PassCounts counts;
  std::vector<Candidate> batch;
  std::vector<CandidateOutcome> outcomes;
  int batch_rung = 0;
  const auto flush = [&] {
    outcomes.resize(batch.size());
    evaluator_.evaluate(batch, outcomes);
    for (std::size_t c = 0; c < batch.size(); ++c) {
      const CandidateOutcome& o = outcomes[c];
      if (o.status == CandidateStatus::Rejected) continue;
      if (batch_rung == rung_ && rung_ > 0) ++counts.last_rung_features;
      if (selector == nullptr || o.status != CandidateStatus::Selectable ||
          !selector->worth_offering(o.score)) {
        continue;
      }
      ScoredFeature f;
      f.candidate = batch[c];
      f.name = sisso_name(store_, f.candidate);
      if (rejected.contains(f.name)) continue;
      f.complexity = complexity(store_, f.candidate);
      f.values = candidate_values(store_, f.candidate);
      f.score = sis_score(f.values, target_centred_);
      selector->offer(std::move(f));
    }
    batch.clear();
  };

  // Rung 0: the primary features themselves (SISSO screens them as "(name)").
  for (std::size_t f = 0; f < data_.primary_features(); ++f) {
    batch.push_back({Op::Primary, static_cast<std::int32_t>(f), -1});
  }
  flush();
  for (int r = 1; r <= rung_; ++r) {
    batch_rung = r;
    const RungRules rules = rules_for(r);
    const std::size_t new_begin = store_.rung_begin(r - 1);
    const std::size_t new_end = store_.rung_end(r - 1);
    const PartnerLists partners(store_, new_end, rules.fcomplexity);
    for (std::size_t i = new_begin; i < new_end; ++i) {
      append_candidates(store_, rules, new_begin, partners, i, batch);
      if (batch.size() >= kBatch) flush();
    }
    flush();
  }
  return counts;
}

std::vector<SelectedFeature> FeatureSpace::screen(std::span<const double> target,
                                                  std::size_t nf_sis,
                                                  const std::set<std::string>& rejected) {
  if (target.size() != store_.samples()) {
    throw std::invalid_argument("FeatureSpace::screen: target length differs from samples");
  }
  evaluator_.set_target(target);
  double mean = 0.0;
  for (const double v : target) mean += v;
  mean /= static_cast<double>(target.size());
  target_centred_.resize(target.size());
  for (std::size_t s = 0; s < target.size(); ++s) target_centred_[s] = target[s] - mean;
  // Room for the duplicates SISSO removes at the end (f, -f, |f| and the like); doubled in
  // the rare case that was not enough.
  std::size_t keep = 8 * nf_sis + 64;
  for (;;) {
    SisSelector selector(nf_sis, keep);
    const PassCounts counts = pass(&selector, rejected);
    if (!last_rung_counted_ && rung_ > 0) {
      rung_sizes_.push_back(counts.last_rung_features);
      last_rung_counted_ = true;
    }
    auto result = std::move(selector).finish();
    if (result.needs_more_room) {
      keep *= 4;
      continue;
    }
    std::vector<SelectedFeature> selected;
    selected.reserve(result.selected.size());
    for (auto& f : result.selected) {
      SelectedFeature s;
      s.candidate = f.candidate;
      s.name = std::move(f.name);
      s.expression = expression(store_, f.candidate);
      s.complexity = f.complexity;
      s.score = f.score;
      s.values = std::move(f.values);
      selected.push_back(std::move(s));
    }
    evaluator_.clear_target();
    return selected;
  }
}

const std::vector<std::uint64_t>& FeatureSpace::rung_sizes() {
  if (!last_rung_counted_ && rung_ > 0) {
    evaluator_.clear_target();
    const PassCounts counts = pass(nullptr, {});
    rung_sizes_.push_back(counts.last_rung_features);
    last_rung_counted_ = true;
  }
  return rung_sizes_;
}

std::uint64_t FeatureSpace::size() {
  const auto& sizes = rung_sizes();
  return std::accumulate(sizes.begin(), sizes.end(), std::uint64_t{0});
}

}  // namespace edgeloop::sisso
