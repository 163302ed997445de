// SISSO's operators: the unary and binary operations that build new features, their SISSO.in
// spelling ("(+)(-)(exp)..."), and the set of them a run is allowed to use.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace edgeloop::sisso {

enum class Op : std::uint8_t {
  Primary,  // no operator: a primary feature itself
  Add,      // (+)
  Sub,      // (-)
  AbsDiff,  // (|-|)
  Mul,      // (*)
  Div,      // (/)
  Exp,      // (exp)
  ExpNeg,   // (exp-)   exp(-x)
  Inv,      // (^-1)
  Square,   // (^2)
  Cube,     // (^3)
  Sixth,    // (^6)
  Sqrt,     // (sqrt)
  Cbrt,     // (cbrt)
  Log,      // (log)    natural logarithm
  Sin,      // (sin)
  Cos,      // (cos)
  Scd,      // (scd)    standard Cauchy distribution 1/(pi (1 + x^2))
};

inline constexpr std::size_t kOpCount = 18;

constexpr bool is_binary(Op op) {
  return op == Op::Add || op == Op::Sub || op == Op::AbsDiff || op == Op::Mul || op == Op::Div;
}
constexpr bool is_unary(Op op) {
  return op != Op::Primary && !is_binary(op);
}
// Operators whose result has no unit (and, in strict unit mode, whose input must have none).
constexpr bool is_transcendental(Op op) {
  return op == Op::Exp || op == Op::ExpNeg || op == Op::Log || op == Op::Sin || op == Op::Cos ||
         op == Op::Scd;
}

// The order in which SISSO applies unary operators to one feature; candidates are generated in
// this order so that the run visits features exactly as SISSO does.
inline constexpr std::array<Op, 12> kUnaryOrder{Op::Exp,    Op::ExpNeg, Op::Inv,   Op::Scd,
                                                Op::Square, Op::Cube,   Op::Sixth, Op::Sqrt,
                                                Op::Cbrt,   Op::Log,    Op::Sin,   Op::Cos};

// "(+)", "(exp-)", ...; empty for Op::Primary.
std::string_view sisso_token(Op op);

// Value of one operator; the same arithmetic the feature kernels use (b is ignored by unary
// operators). Invalid inputs give NaN or infinity, which the feature filters reject.
double apply_operator(Op op, double a, double b = 0.0);

class OperatorSet {
 public:
  OperatorSet() = default;
  // Parses SISSO's notation, e.g. "(+)(-)(|-|)(*)(/)(exp)(^2)", optionally quoted; blanks
  // between tokens are allowed. Throws InputError for unknown or repeated operators.
  static OperatorSet parse(std::string_view text);

  bool contains(Op op) const { return (bits_ >> static_cast<unsigned>(op)) & 1u; }
  void insert(Op op) { bits_ |= 1u << static_cast<unsigned>(op); }
  bool empty() const { return bits_ == 0; }
  bool operator==(const OperatorSet&) const = default;
  // SISSO's spelling in SISSO's canonical order, e.g. "(+)(-)(*)(/)".
  std::string to_string() const;

 private:
  std::uint32_t bits_ = 0;
};

}  // namespace edgeloop::sisso
