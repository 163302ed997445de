// Hands out a specimen's atoms in the order field evaporation removes them from the apex,
// building lattice planes only as the receding surface reaches them.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "edgeloop/sims/apt_specimen.hpp"

namespace edgeloop::sims {

// The apex is a hemispherical cap that recedes into the needle: an atom leaves when the cap
// surface passes it, so atoms come out in increasing order of AptAtom::key (the apex depth at
// that moment). Planes are built in batches; whatever of them is certain to come before any atom
// of the planes not yet built is sorted and handed out, the rest waits for the next batch.
// Memory stays at a few cap heights' worth of planes. Not thread-safe; the specimen must outlive
// the sequence.
class AptEvaporationSequence {
 public:
  explicit AptEvaporationSequence(const AptSpecimen& specimen);

  // The next atom to leave, nullopt once the whole length has evaporated.
  std::optional<AptAtom> next();
  bool exhausted() const;
  // Key of the last atom handed out: how far the apex has receded (nm).
  double apex_depth() const { return apex_depth_; }
  std::uint64_t atoms_evaporated() const { return evaporated_; }

 private:
  void refill();

  const AptSpecimen* specimen_;
  std::uint64_t next_plane_ = 0;
  std::vector<AptAtom> pool_;   // built, not yet certain to be next
  std::vector<AptAtom> ready_;  // sorted by key, handed out from ready_pos_
  std::size_t ready_pos_ = 0;
  double apex_depth_ = 0.0;
  std::uint64_t evaporated_ = 0;
};

}  // namespace edgeloop::sims
