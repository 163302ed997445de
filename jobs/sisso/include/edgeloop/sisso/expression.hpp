// How features are printed for people: SISSO's notation with the brackets that carry meaning
// only, e.g. "(IP_B/rp_A)/rs_A^2", "|IP_B-EA_B|/rp_A^2", "rp_A^-1/(rp_A+rp_B)".
#pragma once

#include <cstddef>
#include <string>

#include "edgeloop/sisso/candidate.hpp"
#include "edgeloop/sisso/feature_store.hpp"

namespace edgeloop::sisso {

std::string expression(const FeatureStore& store, std::size_t stored);
std::string expression(const FeatureStore& store, const Candidate& c);

}  // namespace edgeloop::sisso
