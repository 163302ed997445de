// The range file (.rrng) that matches a simulated specimen: one range around every isotope
// peak of every element in each charge state it evaporates in, for ranging the simulated data.
#pragma once

#include <span>

#include "edgeloop/formats/rrng_file.hpp"
#include "edgeloop/sims/apt_specimen.hpp"

namespace edgeloop::sims {

// A peak gets [m - 0.2, m + 0.4) Da: wider on the heavy side, where the thermal tail is. Where
// neighbours are closer, each side stops at 45% of the gap, so ranges never overlap; peaks
// closer than 0.1 Da (an unresolvable overlap such as 28Si+ and 56Fe2+) become one range,
// given to the stronger. Peaks weaker than 1e-3 of their ion's pattern are left unranged.
// doubly_charged holds each specimen element's share of 2+ ions. Ions are the specimen's
// elements; the volume of every range is the specimen's volume per atom.
formats::RangeTable make_apt_ranges(const AptSpecimen& specimen,
                                    std::span<const double> doubly_charged);

}  // namespace edgeloop::sims
