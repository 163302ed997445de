#include "edgeloop/sisso/candidate.hpp"

namespace edgeloop::sisso {

std::string sisso_name(Op op, const std::string& a, const std::string& b) {
  switch (op) {
    case Op::Primary:
      return "(" + a + ")";
    case Op::Add:
      return "(" + a + "+" + b + ")";
    case Op::Sub:
      return "(" + a + "-" + b + ")";
    case Op::AbsDiff:
      return "abs(" + a + "-" + b + ")";
    case Op::Mul:
      return "(" + a + "*" + b + ")";
    case Op::Div:
      return "(" + a + "/" + b + ")";
    case Op::Exp:
      return "exp(" + a + ")";
    case Op::ExpNeg:
      return "exp(-" + a + ")";
    case Op::Inv:
      return "(" + a + ")^-1";
    case Op::Square:
      return "(" + a + ")^2";
    case Op::Cube:
      return "(" + a + ")^3";
    case Op::Sixth:
      return "(" + a + ")^6";
    case Op::Sqrt:
      return "sqrt(" + a + ")";
    case Op::Cbrt:
      return "cbrt(" + a + ")";
    case Op::Log:
      return "log(" + a + ")";
    case Op::Sin:
      return "sin(" + a + ")";
    case Op::Cos:
      return "cos(" + a + ")";
    case Op::Scd:
      return "scd(" + a + ")";
  }
  return a;
}

std::string sisso_name(const FeatureStore& store, const Candidate& c) {
  const std::string& a = store.node(static_cast<std::size_t>(c.first)).name;
  if (!is_binary(c.op)) return sisso_name(c.op, a, std::string{});
  return sisso_name(c.op, a, store.node(static_cast<std::size_t>(c.second)).name);
}

int complexity(const FeatureStore& store, const Candidate& c) {
  const int a = store.node(static_cast<std::size_t>(c.first)).complexity;
  if (c.op == Op::Primary) return a;
  if (!is_binary(c.op)) return a + 1;
  return a + store.node(static_cast<std::size_t>(c.second)).complexity + 1;
}

bool simpler_or_same(int complexity_a, std::string_view name_a, int complexity_b,
                     std::string_view name_b) {
  if (complexity_a != complexity_b) return complexity_a < complexity_b;
  if (name_a.size() != name_b.size()) return name_a.size() < name_b.size();
  return name_a <= name_b;
}

}  // namespace edgeloop::sisso
