// Writes the ground truth of a simulated atom probe (specimen, compositions, precipitates,
// isotopes, charge states, detector, ranges) to an HDF5 file; the layout is in sims/README.md.
#pragma once

#include <filesystem>
#include <span>

#include "edgeloop/formats/rrng_file.hpp"
#include "edgeloop/sims/apt_config.hpp"
#include "edgeloop/sims/apt_specimen.hpp"

namespace edgeloop::sims {

// Creates (truncates) the file; h5::H5Error naming file and object on failure.
void write_apt_truth(const std::filesystem::path& file, const AptConfig& config,
                     const AptSpecimen& specimen, std::span<const double> doubly_charged,
                     const formats::RangeTable& ranges);

}  // namespace edgeloop::sims
