#include "edgeloop/sisso/sis_selector.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "edgeloop/sisso/duplicates.hpp"

namespace edgeloop::sisso {

SisSelector::SisSelector(std::size_t nf_sis, std::size_t keep)
    : nf_sis_(nf_sis), keep_(std::max(keep, nf_sis)) {
  if (nf_sis == 0) throw std::invalid_argument("SisSelector: nf_sis must be ≥ 1");
  features_.reserve(2 * keep_);
}

void SisSelector::offer(ScoredFeature feature) {
  if (!worth_offering(feature.score)) return;
  features_.push_back(std::move(feature));
  if (features_.size() >= 2 * keep_) prune();
}

void SisSelector::prune() {
  std::sort(features_.begin(), features_.end(),
            [](const ScoredFeature& a, const ScoredFeature& b) { return a.score > b.score; });
  // Features within SISSO's score tolerance of the last kept one are kept as well: one of them
  // may be a simpler equivalent that the final step must see.
  const double cut = features_[keep_ - 1].score - 2.0 * kDuplicateKeyTolerance;
  std::size_t n = keep_;
  while (n < features_.size() && features_[n].score >= cut) ++n;
  features_.resize(n);
  // From now on features below the cut are turned away, so the final step may miss some.
  threshold_ = cut;
  pruned_ = true;
}

SisSelector::Result SisSelector::finish() && {
  std::vector<DedupEntry> entries;
  entries.reserve(features_.size());
  for (const auto& f : features_) entries.push_back({f.score, f.complexity, f.name, f.values});
  const auto keep = keep_distinct(entries);
  std::vector<ScoredFeature> pool;
  for (std::size_t i = 0; i < features_.size(); ++i) {
    if (keep[i]) pool.push_back(std::move(features_[i]));
  }
  Result result;
  result.needs_more_room = pruned_ && pool.size() < nf_sis_;
  // SISSO's pick: the best score; among scores within 1e-8 of it, the simplest feature.
  std::vector<bool> taken(pool.size(), false);
  while (result.selected.size() < nf_sis_ && result.selected.size() < pool.size()) {
    std::size_t best = pool.size();
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (!taken[i] && (best == pool.size() || pool[i].score > pool[best].score)) best = i;
    }
    const double top = pool[best].score;
    for (std::size_t i = 0; i < pool.size(); ++i) {
      if (taken[i] || std::fabs(top - pool[i].score) > kDuplicateKeyTolerance) continue;
      if (simpler_or_same(pool[i].complexity, pool[i].name, pool[best].complexity,
                          pool[best].name)) {
        best = i;
      }
    }
    taken[best] = true;
    result.selected.push_back(std::move(pool[best]));
  }
  return result;
}

}  // namespace edgeloop::sisso
