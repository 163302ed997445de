#include "edgeloop/sisso/unit.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace edgeloop::sisso {

Unit Unit::base(std::size_t index) {
  if (index >= kMaxBaseUnits) {
    throw std::out_of_range(fmt::format("unit: at most {} base units", kMaxBaseUnits));
  }
  Unit u;
  u.exponents_[index] = 1.0;
  return u;
}

bool Unit::dimensionless() const {
  return same_as(Unit{});
}

bool Unit::same_as(const Unit& other) const {
  for (std::size_t i = 0; i < kMaxBaseUnits; ++i) {
    if (std::fabs(exponents_[i] - other.exponents_[i]) > 1e-8) return false;
  }
  return true;
}

Unit Unit::times(const Unit& other) const {
  Unit u;
  for (std::size_t i = 0; i < kMaxBaseUnits; ++i)
    u.exponents_[i] = exponents_[i] + other.exponents_[i];
  return u;
}

Unit Unit::over(const Unit& other) const {
  Unit u;
  for (std::size_t i = 0; i < kMaxBaseUnits; ++i)
    u.exponents_[i] = exponents_[i] - other.exponents_[i];
  return u;
}

Unit Unit::power(double p) const {
  Unit u;
  for (std::size_t i = 0; i < kMaxBaseUnits; ++i) u.exponents_[i] = exponents_[i] * p;
  return u;
}

std::string Unit::to_string(const std::vector<std::string>& base_names) const {
  std::string out;
  for (std::size_t i = 0; i < kMaxBaseUnits; ++i) {
    if (std::fabs(exponents_[i]) <= 1e-8) continue;
    if (!out.empty()) out += ' ';
    out += i < base_names.size() ? base_names[i] : fmt::format("u{}", i);
    if (std::fabs(exponents_[i] - 1.0) > 1e-8) out += fmt::format("^{:g}", exponents_[i]);
  }
  return out.empty() ? "1" : out;
}

std::optional<Unit> combine_units(Op op, const Unit& a, const Unit& b,
                                  bool dimensionless_transcendentals) {
  switch (op) {
    case Op::Primary:
      return a;
    case Op::Add:
    case Op::Sub:
    case Op::AbsDiff:
      if (!a.same_as(b)) return std::nullopt;
      return a;
    case Op::Mul:
      return a.times(b);
    case Op::Div:
      return a.over(b);
    case Op::Inv:
      return a.power(-1.0);
    case Op::Square:
      return a.power(2.0);
    case Op::Cube:
      return a.power(3.0);
    case Op::Sixth:
      return a.power(6.0);
    case Op::Sqrt:
      return a.power(0.5);
    case Op::Cbrt:
      return a.power(1.0 / 3.0);
    case Op::Exp:
    case Op::ExpNeg:
    case Op::Log:
    case Op::Sin:
    case Op::Cos:
    case Op::Scd:
      if (dimensionless_transcendentals && !a.dimensionless()) return std::nullopt;
      return Unit{};
  }
  return std::nullopt;
}

}  // namespace edgeloop::sisso
