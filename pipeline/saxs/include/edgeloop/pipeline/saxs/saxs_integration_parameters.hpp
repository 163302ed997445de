// The parameters of the SAXS azimuthal-integration stage as a checked struct: parsed from the
// stage's JSON (a [stages.*] TOML table), every key validated and unknown keys refused.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "edgeloop/formats/poni_geometry.hpp"
#include "edgeloop/pipeline/saxs/azimuthal_integrator.hpp"
#include "edgeloop/pipeline/saxs/guinier_fit.hpp"

namespace edgeloop::saxs {

// Keys (all optional except the geometry, which comes from `poni` or the inline keys):
//   poni                 path of a pyFAI .poni file (version 2 or 2.1), or instead inline, in
//                        pyFAI's names and SI units: dist, poni1, poni2, wavelength (metres),
//                        pixel1, pixel2 (metres), rows, cols (required), rot1, rot2, rot3
//                        (radians, default 0)
//   mask                 "file.h5:/dataset", nonzero = masked (NeXus pixel_mask bits)
//   bins                 integer 1..1048576, default 500
//   unit                 "q_nm^-1" (default) or "q_A^-1"
//   q_min, q_max         radial range in `unit`; default the unmasked pixels' range
//   polarization_factor  -1..1, default 0.99 (a .poni file carries none); null: no correction
//   normalize_exposure   divide by the frame's exposure_s (default false)
//   flux_normalization   > 0, divides I (pyFAI's normalization_factor: monitor, flux,
//                        transmission × thickness...), default 1
//   intensity_units      units label of I; default "counts", "counts/s" with normalize_exposure
//   guinier_max_qrg      > 0, default 1.3
//   guinier_min_points   integer >= 3, default 5
struct SaxsIntegrationParameters {
  formats::PoniParameters geometry;
  std::string poni_file;    // empty when the geometry is inline
  std::string poni_sha256;  // of the .poni file's bytes; empty when inline
  std::string mask;         // the "file.h5:/dataset" spec; empty for none
  AzimuthalIntegratorOptions integrator;
  bool normalize_exposure = false;
  double flux_normalization = 1.0;
  std::string intensity_units;
  GuinierOptions guinier;
};

// std::invalid_argument "<stage name>: <what>" naming the key for a wrong type or value, an
// unknown key (with a did-you-mean hint when one is close), a missing or mixed geometry, or a
// .poni file that cannot be read or parsed.
SaxsIntegrationParameters parse_saxs_integration_parameters(const nlohmann::json& parameters);

}  // namespace edgeloop::saxs
