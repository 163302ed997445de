// The parameters of one SISSO run, read from a SISSO.in-style file ("key = value ! comment") and
// overridable from the command line; keyword names and meanings follow SISSO 3.x.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgeloop/sisso/operators.hpp"
#include "edgeloop/sisso/training_data.hpp"
#include "edgeloop/sisso/unit.hpp"

namespace edgeloop::sisso {

struct Settings {
  std::vector<OperatorSet> ops{OperatorSet::parse("(+)(-)(*)(/)")};  // one set or one per rung
  int fcomplexity = 3;                  // max operators in a feature (SISSO: 0..7)
  int desc_dim = 2;                     // models are identified for D = 1 .. desc_dim
  std::vector<std::size_t> nf_sis{20};  // SIS subspace size, one value or one per dimension
  double fmax_min = 1e-3;               // a feature is not selected if max|x| < fmax_min ...
  double fmax_max = 1e5;                // ... or max|x| > fmax_max (it is still combined further)
  std::string funit;  // SISSO's "(n1:n2)(n3:n4)": 1-based feature ranges sharing a unit
  // feature name -> unit symbol ("1" for dimensionless); features sharing a symbol share a unit
  std::vector<std::pair<std::string, std::string>> units;
  bool fit_intercept = true;
  // exp, exp-, log, sin, cos and scd only on dimensionless features when units are given.
  bool dimensionless_transcendentals = true;
  std::optional<std::size_t> nsf;      // checked against train.dat when given
  std::optional<std::size_t> nsample;  // likewise

  // Recursion depth of the feature construction as SISSO 3.x derives it from fcomplexity:
  // 0 → 0, 1 → 1, 2..3 → 2, 4..7 → 3.
  int rung() const;
  const OperatorSet& ops_for_rung(int r) const;  // r ≥ 1
  std::size_t nf_sis_for(int dimension) const;   // dimension ≥ 1
  bool has_units() const { return !funit.empty() || !units.empty(); }
};

// Sets one keyword from its text value. Throws InputError for unknown keywords, malformed
// values and SISSO options this program does not implement (classification, multi-task,
// L1L0, MaxAE) when they are set to anything but SISSO's default.
void apply_setting(Settings& settings, std::string_view key, std::string_view value);

Settings parse_settings(std::istream& in, std::string_view source);
Settings read_settings(const std::filesystem::path& path);

// Ranges and consistency of the values alone. Throws InputError.
void validate(const Settings& settings);

struct PrimaryUnits {
  std::vector<Unit> units;              // one per primary feature
  std::vector<std::string> base_names;  // names of the base units used
};
// Units of the primary features from `funit` and `units` (all dimensionless when neither is
// set); also checks nsf and nsample against the data. Throws InputError.
PrimaryUnits resolve_primary_units(const Settings& settings, const TrainingData& data);

}  // namespace edgeloop::sisso
