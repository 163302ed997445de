#include "edgeloop/sisso/operators.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "edgeloop/sisso/input_error.hpp"
#include "edgeloop/sisso/unit.hpp"

namespace edgeloop::sisso {
namespace {

TEST(Operators, ParsesSissoNotationAndPrintsItInSissoOrder) {
  const auto set = OperatorSet::parse("'(/)(+) (exp-)(|-|)(^-1)(scd)'");
  EXPECT_TRUE(set.contains(Op::Div));
  EXPECT_TRUE(set.contains(Op::AbsDiff));
  EXPECT_TRUE(set.contains(Op::ExpNeg));
  EXPECT_FALSE(set.contains(Op::Exp));
  EXPECT_FALSE(set.contains(Op::Sub));
  EXPECT_EQ(set.to_string(), "(+)(/)(exp-)(^-1)(|-|)(scd)");
  const auto all = OperatorSet::parse(
      "(+)(-)(*)(/)(exp)(exp-)(^-1)(^2)(^3)(sqrt)(cbrt)(log)(|-|)(scd)(^6)(sin)(cos)");
  EXPECT_EQ(all.to_string(),
            "(+)(-)(*)(/)(exp)(exp-)(^-1)(^2)(^3)(sqrt)(cbrt)(log)(|-|)(scd)(^6)(sin)(cos)");
}

TEST(Operators, RejectsMalformedSets) {
  EXPECT_THROW(OperatorSet::parse(""), InputError);
  EXPECT_THROW(OperatorSet::parse("+"), InputError);
  EXPECT_THROW(OperatorSet::parse("(+"), InputError);
  EXPECT_THROW(OperatorSet::parse("(pow)"), InputError);
  EXPECT_THROW(OperatorSet::parse("(+)(+)"), InputError);
}

TEST(Operators, ValuesOnHandExamples) {
  EXPECT_EQ(apply_operator(Op::Add, 2, 3), 5);
  EXPECT_EQ(apply_operator(Op::Sub, 2, 3), -1);
  EXPECT_EQ(apply_operator(Op::AbsDiff, 2, 3), 1);
  EXPECT_EQ(apply_operator(Op::Mul, 2, 3), 6);
  EXPECT_EQ(apply_operator(Op::Div, 3, 2), 1.5);
  EXPECT_DOUBLE_EQ(apply_operator(Op::Exp, 1), std::numbers::e);
  EXPECT_DOUBLE_EQ(apply_operator(Op::ExpNeg, 1), 1 / std::numbers::e);
  EXPECT_EQ(apply_operator(Op::Inv, 4), 0.25);
  EXPECT_EQ(apply_operator(Op::Square, -3), 9);
  EXPECT_EQ(apply_operator(Op::Cube, -2), -8);
  EXPECT_EQ(apply_operator(Op::Sixth, 2), 64);
  EXPECT_EQ(apply_operator(Op::Sqrt, 9), 3);
  EXPECT_DOUBLE_EQ(apply_operator(Op::Cbrt, 27), 3);
  EXPECT_DOUBLE_EQ(apply_operator(Op::Log, std::numbers::e), 1);
  EXPECT_DOUBLE_EQ(apply_operator(Op::Sin, std::numbers::pi / 2), 1);
  EXPECT_DOUBLE_EQ(apply_operator(Op::Cos, 0), 1);
  EXPECT_DOUBLE_EQ(apply_operator(Op::Scd, 1), 1 / (2 * std::numbers::pi));
}

TEST(Operators, InvalidInputsGiveNonFiniteValuesAsInSisso) {
  // SISSO computes cbrt as x**(1/3): NaN for negative x (the feature filters then decide).
  EXPECT_TRUE(std::isnan(apply_operator(Op::Cbrt, -8)));
  EXPECT_TRUE(std::isnan(apply_operator(Op::Sqrt, -1)));
  EXPECT_TRUE(std::isinf(apply_operator(Op::Div, 1, 0)));
  EXPECT_TRUE(std::isinf(apply_operator(Op::Exp, 1000)));
}

TEST(Units, LinearOperatorsNeedEqualUnits) {
  const Unit ev = Unit::base(0);
  const Unit length = Unit::base(1);
  EXPECT_TRUE(combine_units(Op::Add, ev, ev, true)->same_as(ev));
  EXPECT_FALSE(combine_units(Op::Add, ev, length, true));
  EXPECT_FALSE(combine_units(Op::Sub, ev, length, false));
  EXPECT_FALSE(combine_units(Op::AbsDiff, Unit{}, length, false));
  EXPECT_TRUE(combine_units(Op::AbsDiff, length, length, false)->same_as(length));
}

TEST(Units, ProductsAndPowersCombineExponents) {
  const Unit ev = Unit::base(0);
  const Unit length = Unit::base(1);
  const Unit ev_per_length2 = *combine_units(Op::Div, ev, length.power(2), true);
  EXPECT_DOUBLE_EQ(ev_per_length2.exponent(0), 1);
  EXPECT_DOUBLE_EQ(ev_per_length2.exponent(1), -2);
  EXPECT_TRUE(combine_units(Op::Mul, ev, ev.power(-1), true)->dimensionless());
  EXPECT_DOUBLE_EQ(combine_units(Op::Sqrt, length, length, true)->exponent(1), 0.5);
  EXPECT_DOUBLE_EQ(combine_units(Op::Cbrt, length, length, true)->exponent(1), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(combine_units(Op::Sixth, length, length, true)->exponent(1), 6);
  EXPECT_DOUBLE_EQ(combine_units(Op::Inv, length, length, true)->exponent(1), -1);
  EXPECT_EQ(ev_per_length2.to_string({"eV", "AA"}), "eV AA^-2");
  EXPECT_EQ(Unit{}.to_string({}), "1");
}

TEST(Units, TranscendentalOperatorsOnDimensionlessInputsOnlyWhenStrict) {
  const Unit length = Unit::base(1);
  for (const Op op : {Op::Exp, Op::ExpNeg, Op::Log, Op::Sin, Op::Cos, Op::Scd}) {
    EXPECT_FALSE(combine_units(op, length, length, true)) << sisso_token(op);
    // SISSO itself allows them and calls the result dimensionless.
    EXPECT_TRUE(combine_units(op, length, length, false)->dimensionless()) << sisso_token(op);
    EXPECT_TRUE(combine_units(op, Unit{}, Unit{}, true)->dimensionless()) << sisso_token(op);
  }
}

}  // namespace
}  // namespace edgeloop::sisso
