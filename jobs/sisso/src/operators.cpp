#include "edgeloop/sisso/operators.hpp"

#include <fmt/format.h>

#include "edgeloop/sisso/input_error.hpp"
#include "operator_math.hpp"

namespace edgeloop::sisso {
namespace {

// SISSO's list order (SISSO.in template: (+)(-)(*)(/)(exp)(exp-)(^-1)(^2)(^3)(sqrt)(cbrt)(log)
// (|-|)(scd)(^6)(sin)(cos)), used for printing a set back.
constexpr std::array<Op, kOpCount - 1> kListOrder{
    Op::Add,  Op::Sub,  Op::Mul, Op::Div,     Op::Exp, Op::ExpNeg, Op::Inv, Op::Square, Op::Cube,
    Op::Sqrt, Op::Cbrt, Op::Log, Op::AbsDiff, Op::Scd, Op::Sixth,  Op::Sin, Op::Cos};

}  // namespace

std::string_view sisso_token(Op op) {
  switch (op) {
    case Op::Primary:
      return "";
    case Op::Add:
      return "(+)";
    case Op::Sub:
      return "(-)";
    case Op::AbsDiff:
      return "(|-|)";
    case Op::Mul:
      return "(*)";
    case Op::Div:
      return "(/)";
    case Op::Exp:
      return "(exp)";
    case Op::ExpNeg:
      return "(exp-)";
    case Op::Inv:
      return "(^-1)";
    case Op::Square:
      return "(^2)";
    case Op::Cube:
      return "(^3)";
    case Op::Sixth:
      return "(^6)";
    case Op::Sqrt:
      return "(sqrt)";
    case Op::Cbrt:
      return "(cbrt)";
    case Op::Log:
      return "(log)";
    case Op::Sin:
      return "(sin)";
    case Op::Cos:
      return "(cos)";
    case Op::Scd:
      return "(scd)";
  }
  return "";
}

double apply_operator(Op op, double a, double b) {
  return detail::operator_value(op, a, b);
}

OperatorSet OperatorSet::parse(std::string_view text) {
  OperatorSet set;
  std::size_t pos = 0;
  const auto skip_blanks = [&] {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\'' || text[pos] == '"')) {
      ++pos;
    }
  };
  skip_blanks();
  while (pos < text.size()) {
    if (text[pos] != '(') {
      throw InputError(fmt::format("operators '{}': expected '(' at position {}, found '{}'", text,
                                   pos + 1, text[pos]));
    }
    const std::size_t close = text.find(')', pos);
    if (close == std::string_view::npos) {
      throw InputError(fmt::format("operators '{}': unclosed '(' at position {}", text, pos + 1));
    }
    const std::string_view token = text.substr(pos, close - pos + 1);
    bool known = false;
    for (const Op op : kListOrder) {
      if (sisso_token(op) == token) {
        if (set.contains(op)) {
          throw InputError(fmt::format("operators '{}': {} given twice", text, token));
        }
        set.insert(op);
        known = true;
        break;
      }
    }
    if (!known) {
      throw InputError(fmt::format(
          "operators '{}': unknown operator {}; known: "
          "(+)(-)(|-|)(*)(/)(exp)(exp-)(^-1)(^2)(^3)(^6)(sqrt)(cbrt)(log)(sin)(cos)(scd)",
          text, token));
    }
    pos = close + 1;
    skip_blanks();
  }
  if (set.empty()) throw InputError("operators: the set is empty");
  return set;
}

std::string OperatorSet::to_string() const {
  std::string out;
  for (const Op op : kListOrder) {
    if (contains(op)) out += sisso_token(op);
  }
  return out;
}

}  // namespace edgeloop::sisso
