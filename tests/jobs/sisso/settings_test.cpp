#include "edgeloop/sisso/settings.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "edgeloop/sisso/input_error.hpp"

namespace edgeloop::sisso {
namespace {

Settings parse(const std::string& text) {
  std::istringstream in(text);
  return parse_settings(in, "SISSO.in");
}

std::string error_of(const std::string& text) {
  try {
    validate(parse(text));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TrainingData tiny_data() {
  TrainingData d;
  d.property_name = "y";
  d.feature_names = {"IP_A", "IP_B", "rs_A"};
  d.sample_names = {"s1", "s2"};
  d.property = {1, 2};
  d.features = {1, 2, 3, 4, 5, 6};
  return d;
}

TEST(Settings, ReadsASissoInFile) {
  const auto s = parse(
      "! SISSO.in of the octet run\n"
      "ptype=1             ! regression\n"
      "desc_dim=3\n"
      "nsf= 10\n"
      "ops='(+)(|-|)(exp)(^2)(/)'\n"
      "fcomplexity=3\n"
      "funit=(1:4)(5:10)\n"
      "fmax_min=1e-3\n"
      "fmax_max=1d5\n"
      "nf_sis=100\n"
      "method_so= 'L0'\n"
      "fit_intercept=.true.\n"
      "metric= 'RMSE'\n"
      "nmodel=100\n"
      "task_weighting=1\n");
  validate(s);
  EXPECT_EQ(s.desc_dim, 3);
  ASSERT_EQ(s.ops.size(), 1u);
  EXPECT_EQ(s.ops[0], OperatorSet::parse("(+)(/)(exp)(^2)(|-|)"));
  EXPECT_EQ(s.fcomplexity, 3);
  EXPECT_EQ(s.rung(), 2);
  EXPECT_EQ(s.nf_sis_for(3), 100u);
  EXPECT_EQ(s.fmax_min, 1e-3);
  EXPECT_EQ(s.fmax_max, 1e5);
  EXPECT_EQ(s.funit, "(1:4)(5:10)");
  EXPECT_TRUE(s.fit_intercept);
  EXPECT_EQ(s.nsf, 10u);
}

TEST(Settings, RungFollowsFcomplexityAsInSisso3) {
  Settings s;
  const int expected[] = {0, 1, 2, 2, 3, 3, 3, 3};
  for (int c = 0; c <= 7; ++c) {
    s.fcomplexity = c;
    EXPECT_EQ(s.rung(), expected[c]) << "fcomplexity " << c;
  }
}

TEST(Settings, PerDimensionAndPerRungLists) {
  const auto s = parse("desc_dim=3\nnf_sis=100,50,20\nfcomplexity=3\nops='(+)(-)','(*)(exp)'\n");
  validate(s);
  EXPECT_EQ(s.nf_sis_for(1), 100u);
  EXPECT_EQ(s.nf_sis_for(3), 20u);
  EXPECT_TRUE(s.ops_for_rung(2).contains(Op::Exp));
  EXPECT_FALSE(s.ops_for_rung(1).contains(Op::Exp));
  EXPECT_NE(error_of("desc_dim=3\nnf_sis=100,50\n").find("nf_sis"), std::string::npos);
}

TEST(Settings, RejectsUnknownKeysAndUnimplementedOptions) {
  EXPECT_NE(error_of("nf_siss=3\n").find("SISSO.in:1: unknown setting 'nf_siss'"),
            std::string::npos);
  EXPECT_NE(error_of("ptype=2\n").find("regression"), std::string::npos);
  EXPECT_NE(error_of("metric='MaxAE'\n").find("RMSE"), std::string::npos);
  EXPECT_NE(error_of("method_so='L1L0'\n").find("L0"), std::string::npos);
  EXPECT_NE(error_of("ntask=2\n").find("one task"), std::string::npos);
  EXPECT_NE(error_of("a line without equals\n").find("key = value"), std::string::npos);
}

TEST(Settings, RejectsBadValues) {
  EXPECT_NE(error_of("fcomplexity=8\n").find("0..7"), std::string::npos);
  EXPECT_NE(error_of("fcomplexity=two\n").find("not an integer"), std::string::npos);
  EXPECT_NE(error_of("fmax_min=1\nfmax_max=0.5\n").find("fmax_min"), std::string::npos);
  EXPECT_NE(error_of("fit_intercept=maybe\n").find("logical"), std::string::npos);
  EXPECT_NE(error_of("ops='(+)(tan)'\n").find("unknown operator (tan)"), std::string::npos);
  EXPECT_NE(error_of("ops='(+)(+)'\n").find("twice"), std::string::npos);
  EXPECT_NE(error_of("nf_sis=0\n").find("nf_sis"), std::string::npos);
  EXPECT_NE(error_of("desc_dim=0\n").find("desc_dim"), std::string::npos);
}

TEST(Settings, FunitGivesEveryRangeItsOwnBaseUnit) {
  Settings s;
  apply_setting(s, "funit", "(1:2)(3:3)");
  const auto u = resolve_primary_units(s, tiny_data());
  ASSERT_EQ(u.units.size(), 3u);
  EXPECT_TRUE(u.units[0].same_as(u.units[1]));
  EXPECT_FALSE(u.units[0].same_as(u.units[2]));
  EXPECT_FALSE(u.units[2].dimensionless());

  apply_setting(s, "funit", "(1:4)");
  EXPECT_THROW(resolve_primary_units(s, tiny_data()), InputError);
  apply_setting(s, "funit", "(1:2)(2:3)");
  EXPECT_THROW(resolve_primary_units(s, tiny_data()), InputError);
}

TEST(Settings, UnitsByNameShareBaseUnitsBySymbol) {
  Settings s;
  apply_setting(s, "units", "IP_A:eV, IP_B:eV, rs_A:AA");
  const auto u = resolve_primary_units(s, tiny_data());
  EXPECT_TRUE(u.units[0].same_as(u.units[1]));
  EXPECT_FALSE(u.units[0].same_as(u.units[2]));
  EXPECT_EQ(u.base_names, (std::vector<std::string>{"eV", "AA"}));
  apply_setting(s, "units", "IP_A:eV, IP_B:1");
  EXPECT_TRUE(resolve_primary_units(s, tiny_data()).units[1].dimensionless());
  apply_setting(s, "units", "IP_C:eV");
  EXPECT_THROW(resolve_primary_units(s, tiny_data()), InputError);
}

TEST(Settings, NsfAndNsampleMustMatchTheData) {
  Settings s;
  apply_setting(s, "nsf", "3");
  apply_setting(s, "nsample", "2");
  EXPECT_NO_THROW(resolve_primary_units(s, tiny_data()));
  apply_setting(s, "nsf", "4");
  EXPECT_THROW(resolve_primary_units(s, tiny_data()), InputError);
}

}  // namespace
}  // namespace edgeloop::sisso
