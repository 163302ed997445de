// Test data for the lossy stages: frames built from pixel vectors, simulated 4D-STEM patterns
// through the counting detector, and a one-to-one matching of counted events to true electrons.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/lossy/counted_event.hpp"

namespace edgeloop::testing {

class VectorPayload final : public PayloadOwner {
 public:
  explicit VectorPayload(std::span<const std::byte> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  std::span<const std::byte> bytes() const override { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

template <typename T>
Frame image_frame(const std::vector<T>& pixels, std::uint32_t rows, std::uint32_t cols,
                  wire::DType dtype, std::uint64_t sequence) {
  Frame f;
  f.meta.kind = FrameKind::Image;
  f.meta.modality = wire::Modality::Stem4D;
  f.meta.dtype = dtype;
  f.meta.shape = {rows, cols};
  f.meta.sequence = sequence;
  f.meta.scan_index = static_cast<std::int64_t>(sequence);
  f.payload = std::make_unique<VectorPayload>(std::as_bytes(std::span(pixels)));
  return f;
}

struct Position {
  double x = 0.0;
  double y = 0.0;
};

struct MatchCounts {
  std::size_t matched = 0;
  std::size_t truths = 0;
  std::size_t events = 0;
  double squared_distance = 0.0;  // summed over the matches
  double rms_distance() const {
    return matched == 0 ? 0.0 : std::sqrt(squared_distance / static_cast<double>(matched));
  }
  double recall() const {
    return truths == 0 ? 1.0 : static_cast<double>(matched) / static_cast<double>(truths);
  }
  double precision() const {
    return events == 0 ? 1.0 : static_cast<double>(matched) / static_cast<double>(events);
  }
  MatchCounts& operator+=(const MatchCounts& o) {
    matched += o.matched;
    truths += o.truths;
    events += o.events;
    squared_distance += o.squared_distance;
    return *this;
  }
};

// Greedy matching: every (event, truth) pair closer than max_distance, closest first, each
// truth used at most once and each event once (or, with by_weight, as many times as the
// electrons it stands for; `events` then counts electrons, not events).
inline MatchCounts match_events(std::span<const lossy::CountedEvent> events,
                                std::span<const Position> truths, double max_distance,
                                bool by_weight = false) {
  struct Pair {
    double d2;
    std::size_t e;
    std::size_t t;
  };
  std::vector<Pair> pairs;
  const double limit = max_distance * max_distance;
  for (std::size_t e = 0; e < events.size(); ++e) {
    for (std::size_t t = 0; t < truths.size(); ++t) {
      const double dx = events[e].x - truths[t].x;
      const double dy = events[e].y - truths[t].y;
      const double d2 = dx * dx + dy * dy;
      if (d2 < limit) pairs.push_back({d2, e, t});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.d2 < b.d2; });
  std::vector<std::size_t> event_left(events.size(), 1);
  std::vector<bool> truth_used(truths.size(), false);
  MatchCounts m;
  m.truths = truths.size();
  for (std::size_t e = 0; e < events.size(); ++e) {
    if (by_weight) event_left[e] = static_cast<std::size_t>(std::lround(events[e].electrons));
    m.events += event_left[e];
  }
  for (const Pair& p : pairs) {
    if (event_left[p.e] == 0 || truth_used[p.t]) continue;
    --event_left[p.e];
    truth_used[p.t] = true;
    ++m.matched;
    m.squared_distance += p.d2;
  }
  return m;
}

}  // namespace edgeloop::testing
