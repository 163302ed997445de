#include "edgeloop/sims/apt_evaporation_sequence.hpp"

#include <algorithm>
#include <limits>

namespace edgeloop::sims {
namespace {

// Planes built per refill: enough that sorting, not partitioning, dominates the cost.
constexpr std::uint64_t kPlanesPerBatch = 4;

}  // namespace

AptEvaporationSequence::AptEvaporationSequence(const AptSpecimen& specimen)
    : specimen_(&specimen) {}

bool AptEvaporationSequence::exhausted() const {
  return ready_pos_ == ready_.size() && pool_.empty() && next_plane_ >= specimen_->plane_count();
}

std::optional<AptAtom> AptEvaporationSequence::next() {
  while (ready_pos_ == ready_.size()) {
    if (exhausted()) return std::nullopt;
    refill();
  }
  const AptAtom atom = ready_[ready_pos_++];
  apex_depth_ = atom.key;
  ++evaporated_;
  return atom;
}

void AptEvaporationSequence::refill() {
  ready_.clear();
  ready_pos_ = 0;
  const std::uint64_t planes = specimen_->plane_count();
  for (std::uint64_t n = 0; n < kPlanesPerBatch && next_plane_ < planes; ++n) {
    specimen_->plane_atoms(next_plane_++, pool_);
  }
  const double threshold = next_plane_ < planes ? specimen_->min_key(next_plane_)
                                                : std::numeric_limits<double>::infinity();
  const auto certain = std::partition(pool_.begin(), pool_.end(),
                                      [threshold](const AptAtom& a) { return a.key < threshold; });
  ready_.assign(pool_.begin(), certain);
  pool_.erase(pool_.begin(), certain);
  // Keys tie only by chance (they carry 32 random bits); the position breaks such ties so the
  // order never depends on the sort's implementation.
  std::sort(ready_.begin(), ready_.end(), [](const AptAtom& a, const AptAtom& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.depth != b.depth) return a.depth < b.depth;
    if (a.y != b.y) return a.y < b.y;
    return a.x < b.x;
  });
}

}  // namespace edgeloop::sims
