// Private: the arithmetic of every operator, callable from Kokkos kernels and host code alike,
// so candidates are evaluated bit for bit the same wherever they are computed.
#pragma once

#include <Kokkos_Core.hpp>

#include "edgeloop/sisso/operators.hpp"

namespace edgeloop::sisso::detail {

KOKKOS_INLINE_FUNCTION double operator_value(Op op, double a, double b) {
  constexpr double kPi = 3.14159265358979323846;
  switch (op) {
    case Op::Primary:
      return a;
    case Op::Add:
      return a + b;
    case Op::Sub:
      return a - b;
    case Op::AbsDiff:
      return Kokkos::Experimental::fabs(a - b);
    case Op::Mul:
      return a * b;
    case Op::Div:
      return a / b;
    case Op::Exp:
      return Kokkos::Experimental::exp(a);
    case Op::ExpNeg:
      return Kokkos::Experimental::exp(-a);
    case Op::Inv:
      return 1.0 / a;
    case Op::Square:
      return a * a;
    case Op::Cube:
      return a * a * a;
    case Op::Sixth: {
      const double c = a * a * a;
      return c * c;
    }
    case Op::Sqrt:
      return Kokkos::Experimental::sqrt(a);
    // SISSO computes x**(1/3), which is NaN for negative x; such features are then dropped as
    // non-finite. Matching that keeps the feature space the same size as SISSO's.
    case Op::Cbrt:
      return Kokkos::Experimental::pow(a, 1.0 / 3.0);
    case Op::Log:
      return Kokkos::Experimental::log(a);
    case Op::Sin:
      return Kokkos::Experimental::sin(a);
    case Op::Cos:
      return Kokkos::Experimental::cos(a);
    case Op::Scd:
      return 1.0 / (kPi * (1.0 + a * a));
  }
  return a;
}

}  // namespace edgeloop::sisso::detail
