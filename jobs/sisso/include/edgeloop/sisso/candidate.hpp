// A candidate feature: one operator applied to stored features, not yet evaluated. It is named,
// sized and printed from the store, so a candidate costs 12 bytes until it is selected.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edgeloop/sisso/feature_store.hpp"
#include "edgeloop/sisso/operators.hpp"

namespace edgeloop::sisso {

struct Candidate {
  Op op = Op::Primary;       // Op::Primary: the stored feature `first` itself
  std::int32_t first = -1;   // operands in SISSO's written order
  std::int32_t second = -1;  // -1 for unary operators
  bool operator==(const Candidate&) const = default;
};

// SISSO's spelling of the candidate, e.g. "(IP_B/rp_A)", "abs(IP_B-EA_B)", "(rs_A)^2". A stored
// feature screened as itself is spelled "(name)" as SISSO does for primary features.
std::string sisso_name(const FeatureStore& store, const Candidate& c);
std::string sisso_name(Op op, const std::string& first, const std::string& second);
int complexity(const FeatureStore& store, const Candidate& c);

// SISSO's tie-break between two features equal in score or values: the simpler one has fewer
// operators, then a shorter name, then the alphabetically first name.
bool simpler_or_same(int complexity_a, std::string_view name_a, int complexity_b,
                     std::string_view name_b);

}  // namespace edgeloop::sisso
