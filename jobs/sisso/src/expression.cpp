#include "edgeloop/sisso/expression.hpp"

namespace edgeloop::sisso {
namespace {

struct Printed {
  std::string text;
  bool infix = false;  // a+b, a-b, a*b, a/b: bracketed when used as an operand
  bool power = false;  // x^2: bracketed when raised again
};

std::string operand(const Printed& p) {
  return p.infix ? "(" + p.text + ")" : p.text;
}

Printed print(const FeatureStore& store, Op op, std::int32_t first, std::int32_t second);

Printed print_stored(const FeatureStore& store, std::int32_t i) {
  const FeatureNode& n = store.node(static_cast<std::size_t>(i));
  if (n.op == Op::Primary) return {n.name, false, false};
  return print(store, n.op, n.first, n.second);
}

Printed print(const FeatureStore& store, Op op, std::int32_t first, std::int32_t second) {
  if (op == Op::Primary) return print_stored(store, first);
  const Printed a = print_stored(store, first);
  const auto infix = [&](const char* symbol) {
    const Printed b = print_stored(store, second);
    return Printed{operand(a) + symbol + operand(b), true, false};
  };
  const auto power = [&](const char* exponent) {
    return Printed{(a.infix || a.power ? "(" + a.text + ")" : a.text) + exponent, false, true};
  };
  const auto function = [&](const char* name) {
    return Printed{std::string(name) + "(" + a.text + ")", false, false};
  };
  switch (op) {
    case Op::Primary:
      return a;
    case Op::Add:
      return infix("+");
    case Op::Sub:
      return infix("-");
    case Op::Mul:
      return infix("*");
    case Op::Div:
      return infix("/");
    case Op::AbsDiff: {
      const Printed b = print_stored(store, second);
      return {"|" + operand(a) + "-" + operand(b) + "|", false, false};
    }
    case Op::Exp:
      return function("exp");
    case Op::ExpNeg:
      return {"exp(-" + operand(a) + ")", false, false};
    case Op::Inv:
      return power("^-1");
    case Op::Square:
      return power("^2");
    case Op::Cube:
      return power("^3");
    case Op::Sixth:
      return power("^6");
    case Op::Sqrt:
      return function("sqrt");
    case Op::Cbrt:
      return function("cbrt");
    case Op::Log:
      return function("log");
    case Op::Sin:
      return function("sin");
    case Op::Cos:
      return function("cos");
    case Op::Scd:
      return function("scd");
  }
  return a;
}

}  // namespace

std::string expression(const FeatureStore& store, std::size_t stored) {
  return print_stored(store, static_cast<std::int32_t>(stored)).text;
}

std::string expression(const FeatureStore& store, const Candidate& c) {
  return print(store, c.op, c.first, c.second).text;
}

}  // namespace edgeloop::sisso
