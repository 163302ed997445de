// Candidate generation, names, printed expressions and duplicate removal on hand examples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "edgeloop/sisso/candidate.hpp"
#include "edgeloop/sisso/candidate_rules.hpp"
#include "edgeloop/sisso/duplicates.hpp"
#include "edgeloop/sisso/expression.hpp"
#include "edgeloop/sisso/feature_store.hpp"

namespace edgeloop::sisso {
namespace {

// Primaries a, b (dimensionless) and c (with a unit, negative somewhere) over three samples.
FeatureStore three_primaries() {
  FeatureStore store(3);
  FeatureNode a;
  a.name = "a";
  store.add(a, std::vector<double>{1, 2, 3});
  FeatureNode b = a;
  b.name = "b";
  store.add(b, std::vector<double>{2, 3, 5});
  FeatureNode c;
  c.name = "c";
  c.unit = Unit::base(1);
  store.add(c, std::vector<double>{-1, 0.5, 2});
  store.close_rung();
  return store;
}

std::vector<std::string> names_from(const FeatureStore& store, const RungRules& rules,
                                    std::size_t i) {
  std::vector<Candidate> out;
  const PartnerLists partners(store, store.size(), rules.fcomplexity);
  append_candidates(store, rules, 0, partners, i, out);
  std::vector<std::string> names;
  for (const auto& c : out) names.push_back(sisso_name(store, c));
  return names;
}

TEST(CandidateRules, FirstRungInSissoOrderWithUnitRules) {
  const auto store = three_primaries();
  RungRules rules;
  rules.ops = OperatorSet::parse("(+)(-)(|-|)(*)(/)(exp)(^2)(sqrt)(log)");
  rules.fcomplexity = 3;
  // a and c have different units: no a+c, a-c or |a-c|.
  EXPECT_EQ(
      names_from(store, rules, 0),
      (std::vector<std::string>{"exp(a)", "(a)^2", "sqrt(a)", "log(a)", "(a+b)", "(a-b)", "(b-a)",
                                "abs(a-b)", "(a*b)", "(a/b)", "(b/a)", "(a*c)", "(a/c)", "(c/a)"}));
  // c is negative somewhere (no sqrt, no log) and has a unit (no exp when strict); it is the
  // last new feature, so it pairs with nothing new.
  EXPECT_EQ(names_from(store, rules, 2), (std::vector<std::string>{"(c)^2"}));
  rules.dimensionless_transcendentals = false;
  EXPECT_EQ(names_from(store, rules, 2), (std::vector<std::string>{"exp(c)", "(c)^2"}));
}

TEST(CandidateRules, LastRungDropsTheMirroredDifference) {
  const auto store = three_primaries();
  RungRules rules;
  rules.ops = OperatorSet::parse("(-)");
  rules.last_rung = true;
  EXPECT_EQ(names_from(store, rules, 0), (std::vector<std::string>{"(a-b)"}));
}

TEST(CandidateRules, ComplexityLimitAndNoExpOfLog) {
  auto store = three_primaries();
  FeatureNode log_a;
  log_a.op = Op::Log;
  log_a.first = 0;
  log_a.complexity = 1;
  log_a.name = "log(a)";
  store.add(log_a, std::vector<double>{0, 0.69, 1.1});
  store.close_rung();
  RungRules rules;
  rules.ops = OperatorSet::parse("(exp)(^2)(*)");
  rules.fcomplexity = 2;
  std::vector<Candidate> out;
  const PartnerLists partners(store, store.size(), rules.fcomplexity);
  append_candidates(store, rules, 3, partners, 3, out);
  std::vector<std::string> names;
  for (const auto& c : out) names.push_back(sisso_name(store, c));
  // No exp(log a); products only with complexity-0 partners to stay within 2 operators.
  EXPECT_EQ(names,
            (std::vector<std::string>{"(log(a))^2", "(log(a)*a)", "(log(a)*b)", "(log(a)*c)"}));
}

TEST(CandidateRules, NoDivisionOfAProductByItsFactor) {
  auto store = three_primaries();
  FeatureNode ab;
  ab.op = Op::Mul;
  ab.first = 0;
  ab.second = 1;
  ab.complexity = 1;
  ab.name = "(a*b)";
  store.add(ab, std::vector<double>{2, 6, 15});
  store.close_rung();
  RungRules rules;
  rules.ops = OperatorSet::parse("(/)");
  std::vector<Candidate> out;
  const PartnerLists partners(store, store.size(), rules.fcomplexity);
  append_candidates(store, rules, 3, partners, 3, out);
  std::vector<std::string> names;
  for (const auto& c : out) names.push_back(sisso_name(store, c));
  // (a*b)/a and (a*b)/b are trivial; the inverses stay since (^-1) is not offered.
  EXPECT_EQ(names, (std::vector<std::string>{"(a/(a*b))", "(b/(a*b))", "((a*b)/c)", "(c/(a*b))"}));
}

TEST(Expression, PrintsSissoNotationWithMeaningfulBracketsOnly) {
  auto store = three_primaries();
  const auto add = [&](Op op, std::int32_t first, std::int32_t second) {
    FeatureNode n;
    n.op = op;
    n.first = first;
    n.second = second;
    n.name = sisso_name(store, Candidate{op, first, second});
    return static_cast<std::int32_t>(store.add(n, std::vector<double>{1, 2, 3}));
  };
  const auto a_over_b = add(Op::Div, 0, 1);
  const auto c2 = add(Op::Square, 2, -1);
  const auto abs_ab = add(Op::AbsDiff, 0, 1);
  const auto inv_a = add(Op::Inv, 0, -1);
  const auto a_plus_b = add(Op::Add, 0, 1);
  EXPECT_EQ(expression(store, Candidate{Op::Div, a_over_b, c2}), "(a/b)/c^2");
  EXPECT_EQ(sisso_name(store, Candidate{Op::Div, a_over_b, c2}), "((a/b)/(c)^2)");
  EXPECT_EQ(expression(store, Candidate{Op::Div, abs_ab, c2}), "|a-b|/c^2");
  EXPECT_EQ(expression(store, Candidate{Op::Div, inv_a, a_plus_b}), "a^-1/(a+b)");
  EXPECT_EQ(expression(store, Candidate{Op::Cube, a_plus_b, -1}), "(a+b)^3");
  EXPECT_EQ(expression(store, Candidate{Op::Square, c2, -1}), "(c^2)^2");
  EXPECT_EQ(expression(store, Candidate{Op::ExpNeg, a_plus_b, -1}), "exp(-(a+b))");
  EXPECT_EQ(expression(store, Candidate{Op::Log, a_plus_b, -1}), "log(a+b)");
  EXPECT_EQ(expression(store, Candidate{Op::Primary, 2, -1}), "c");
  EXPECT_EQ(sisso_name(store, Candidate{Op::Primary, 2, -1}), "(c)");
}

TEST(Duplicates, SimplerOfEqualFeaturesIsKept) {
  const std::vector<double> diff{2, 3, 4};      // a-b with a > b everywhere
  const std::vector<double> abs_diff{2, 3, 4};  // |a-b|: the same values
  const std::vector<double> neg{-2, -3, -4};    // b-a: another fingerprint, kept
  const std::vector<DedupEntry> entries{
      {fingerprint(abs_diff), 1, "abs(a-b)", abs_diff},
      {fingerprint(diff), 1, "(a-b)", diff},
      {fingerprint(neg), 1, "(b-a)", neg},
  };
  EXPECT_EQ(keep_distinct(entries), (std::vector<bool>{false, true, true}));
}

TEST(Duplicates, EqualKeysNeedCorrelatedValues) {
  const std::vector<double> x{1, 2, 3, 4};
  const std::vector<double> y{1, -1, -1, 1};  // uncorrelated with x
  const std::vector<double> x2{2, 4, 6, 8.0000001};
  EXPECT_EQ(keep_distinct(std::vector<DedupEntry>{{0.5, 1, "x", x}, {0.5, 1, "y", y}}),
            (std::vector<bool>{true, true}));
  // Fewer operators beat a shorter name.
  EXPECT_EQ(keep_distinct(std::vector<DedupEntry>{{0.5, 2, "p", x}, {0.5 + 5e-9, 1, "qqqq", x2}}),
            (std::vector<bool>{false, true}));
  // Keys further apart than 1e-8 are different features.
  EXPECT_EQ(keep_distinct(std::vector<DedupEntry>{{0.5, 1, "x", x}, {0.5 + 2e-8, 1, "z", x2}}),
            (std::vector<bool>{true, true}));
  // A NaN key equals nothing.
  EXPECT_EQ(keep_distinct(std::vector<DedupEntry>{{std::nan(""), 1, "x", x}, {0.5, 1, "z", x2}}),
            (std::vector<bool>{true, true}));
}

TEST(Duplicates, InOrderReplaysSissoIncludingWhatNanKeysHide) {
  const std::vector<double> c{1, 2, 3};
  const std::vector<double> nan_values{1, std::nan(""), 3};
  const double nan = std::nan("");
  // Without NaN keys the replay finds the same duplicates as the order-free rule.
  const std::vector<DedupEntry> plain{{fingerprint(c), 1, "(p+q)", c},
                                      {7.0, 1, "(p*q)", nan_values},
                                      {fingerprint(c), 1, "abs(p+q)", c}};
  EXPECT_EQ(keep_distinct_in_order(std::span(plain).subspan(0, 1)), std::vector<bool>{true});
  const std::vector<DedupEntry> pair{plain[0], plain[2]};
  EXPECT_EQ(keep_distinct_in_order(pair), keep_distinct(pair));
  EXPECT_EQ(keep_distinct_in_order(pair), (std::vector<bool>{true, false}));
  // NaN keys compare false, so SISSO appends them after everything; a later duplicate of the
  // first entry is then steered past it by the bisection and survives, as in SISSO.
  const std::vector<DedupEntry> hidden{{fingerprint(c), 1, "(p+q)", c},
                                       {nan, 1, "cbrt(p)", nan_values},
                                       {nan, 1, "cbrt(q)", nan_values},
                                       {nan, 1, "cbrt(r)", nan_values},
                                       {fingerprint(c), 1, "abs(p+q)", c}};
  EXPECT_EQ(keep_distinct_in_order(hidden), (std::vector<bool>{true, true, true, true, true}));
  EXPECT_EQ(keep_distinct(hidden), (std::vector<bool>{true, true, true, true, false}));
}

TEST(Duplicates, CorrelationAndFingerprint) {
  const std::vector<double> x{1, 2, 3};
  EXPECT_DOUBLE_EQ(correlation(x, std::vector<double>{2, 4, 6}), 1.0);
  EXPECT_DOUBLE_EQ(correlation(x, std::vector<double>{3, 2, 1}), -1.0);
  EXPECT_EQ(correlation(x, std::vector<double>{5, 5, 5}), 0.0);
  EXPECT_DOUBLE_EQ(fingerprint(std::vector<double>{0, 0}),
                   std::sqrt(1.001 * 1.001 + 1.002 * 1.002));
}

}  // namespace
}  // namespace edgeloop::sisso
