// Physical units of features as exponent vectors over base units, and SISSO's unit rules: which
// operators may combine features of which units, and what unit the result has.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/sisso/operators.hpp"

namespace edgeloop::sisso {

class Unit {
 public:
  static constexpr std::size_t kMaxBaseUnits = 16;

  Unit() = default;  // dimensionless
  // The base unit with the given index (0 ≤ index < kMaxBaseUnits) to the first power.
  static Unit base(std::size_t index);

  bool dimensionless() const;
  // Same unit within SISSO's tolerance of 1e-8 on every exponent.
  bool same_as(const Unit& other) const;
  double exponent(std::size_t base) const { return exponents_.at(base); }

  Unit times(const Unit& other) const;
  Unit over(const Unit& other) const;
  Unit power(double p) const;

  // "eV^2 AA^-1" from the names of the base units; "1" when dimensionless.
  std::string to_string(const std::vector<std::string>& base_names) const;

 private:
  std::array<double, kMaxBaseUnits> exponents_{};
};

// The unit of `op` applied to operands of units `a` (and `b` for binary operators), or nullopt
// when the rules forbid the combination: +, - and |-| need equal units; with
// `dimensionless_transcendentals` exp, exp-, log, sin, cos and scd need a dimensionless operand
// (SISSO itself does not check this and simply declares their result dimensionless).
std::optional<Unit> combine_units(Op op, const Unit& a, const Unit& b,
                                  bool dimensionless_transcendentals);

}  // namespace edgeloop::sisso
