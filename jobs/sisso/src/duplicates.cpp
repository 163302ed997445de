#include "edgeloop/sisso/duplicates.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "edgeloop/sisso/candidate.hpp"
#include "position_list.hpp"

namespace edgeloop::sisso {

double correlation(std::span<const double> a, std::span<const double> b) {
  const auto n = static_cast<double>(a.size());
  double mean_a = 0.0;
  double mean_b = 0.0;
  for (std::size_t s = 0; s < a.size(); ++s) {
    mean_a += a[s];
    mean_b += b[s];
  }
  mean_a /= n;
  mean_b /= n;
  double ab = 0.0;
  double aa = 0.0;
  double bb = 0.0;
  for (std::size_t s = 0; s < a.size(); ++s) {
    const double da = a[s] - mean_a;
    const double db = b[s] - mean_b;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  if (aa <= 0.0 || bb <= 0.0) return 0.0;
  return std::clamp(ab / std::sqrt(aa * bb), -1.0, 1.0);
}

double fingerprint(std::span<const double> values) {
  double sum = 0.0;
  for (std::size_t s = 0; s < values.size(); ++s) {
    const double v = 1.0 + 0.001 * static_cast<double>(s + 1) + values[s];
    sum += v * v;
  }
  return std::sqrt(sum);
}

std::vector<bool> keep_distinct(std::span<const DedupEntry> entries) {
  std::vector<bool> keep(entries.size(), false);
  // A NaN key equals nothing (as in SISSO's Fortran), so such entries are always kept.
  std::vector<std::size_t> order;
  order.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (std::isnan(entries[i].key)) {
      keep[i] = true;
    } else {
      order.push_back(i);
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return entries[x].key > entries[y].key; });
  // Survivors in descending key order; a survivor's slot is taken over by a simpler equivalent.
  std::vector<std::size_t> kept;
  std::vector<double> kept_key;
  kept.reserve(entries.size());
  for (const std::size_t cur : order) {
    const DedupEntry& e = entries[cur];
    bool duplicate = false;
    for (std::size_t k = kept.size(); k-- > 0;) {
      if (kept_key[k] - e.key > kDuplicateKeyTolerance) break;
      const DedupEntry& other = entries[kept[k]];
      if (std::fabs(correlation(e.values, other.values)) <= kDuplicateCorrelation) continue;
      duplicate = true;
      if (simpler_or_same(e.complexity, e.name, other.complexity, other.name)) {
        keep[kept[k]] = false;
        keep[cur] = true;
        kept[k] = cur;
      }
      break;
    }
    if (!duplicate) {
      kept.push_back(cur);
      kept_key.push_back(e.key);
      keep[cur] = true;
    }
  }
  return keep;
}

std::vector<bool> keep_distinct_in_order(std::span<const DedupEntry> entries) {
  std::vector<bool> keep(entries.size(), true);
  if (entries.empty()) return keep;
  // SISSO's ceiling((ll - l) / 2.0) with 1-based positions l < j <= ll.
  const auto middle = [](std::size_t l, std::size_t ll) { return l + (ll - l + 1) / 2; };
  // Same test as SISSO's `equivalent`: keys apart by more than the tolerance end it (a NaN
  // difference does not), then the correlation decides (a NaN correlation says no).
  const auto equivalent = [](const DedupEntry& a, const DedupEntry& b) {
    if (std::fabs(a.key - b.key) > kDuplicateKeyTolerance) return false;
    return std::fabs(correlation(a.values, b.values)) > kDuplicateCorrelation;
  };
  detail::PositionList order;  // entry indices, by descending key
  order.insert(0, 0);
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const DedupEntry& e = entries[i];
    std::size_t l = 0;
    std::size_t ll = order.size();
    std::size_t j = middle(l, ll);
    for (;;) {
      const auto at = static_cast<std::size_t>(order.at(j - 1));
      const DedupEntry& other = entries[at];
      const bool simpler = simpler_or_same(e.complexity, e.name, other.complexity, other.name);
      if (equivalent(e, other)) {
        if (simpler) {
          keep[at] = false;
          order.set(j - 1, static_cast<int>(i));
        } else {
          keep[i] = false;
        }
        break;
      }
      if (e.key > other.key || (e.key == other.key && simpler)) {
        ll = j;
        if (j == middle(l, ll)) {
          order.insert(j - 1, static_cast<int>(i));
          break;
        }
      } else {
        l = j;
        if (j == middle(l, ll)) {
          order.insert(j, static_cast<int>(i));
          break;
        }
      }
      j = middle(l, ll);
    }
  }
  return keep;
}

}  // namespace edgeloop::sisso
