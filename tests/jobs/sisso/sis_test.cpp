// Sure independence screening: the ranking, SISSO's tie-breaks and duplicate removal among the
// selected features, and the feature space it screens.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "edgeloop/sisso/feature_space.hpp"
#include "edgeloop/sisso/kokkos_scope.hpp"
#include "edgeloop/sisso/sis_selector.hpp"

namespace edgeloop::sisso {
namespace {

ScoredFeature scored(const std::string& name, int complexity, double score,
                     std::vector<double> values) {
  ScoredFeature f;
  f.name = name;
  f.complexity = complexity;
  f.score = score;
  f.values = std::move(values);
  return f;
}

std::vector<std::string> names(const std::vector<ScoredFeature>& features) {
  std::vector<std::string> out;
  for (const auto& f : features) out.push_back(f.name);
  return out;
}

TEST(SisSelector, BestScoresFirstAndAtMostNfSis) {
  SisSelector sel(3, 3);
  const std::vector<double> v1{1, 2, 3, 4};
  const std::vector<double> v2{1, -1, 1, 0};
  const std::vector<double> v3{0, 1, 0, 5};
  const std::vector<double> v4{3, 1, 4, 1};
  const std::vector<double> v5{2, 7, 1, 8};
  sel.offer(scored("(p)", 0, 0.5, v1));
  sel.offer(scored("(q)", 0, 0.9, v2));
  sel.offer(scored("(r)", 0, 0.7, v3));
  sel.offer(scored("(s)", 0, 0.2, v4));
  sel.offer(scored("(t)", 0, 0.8, v5));
  const auto result = std::move(sel).finish();
  EXPECT_EQ(names(result.selected), (std::vector<std::string>{"(q)", "(t)", "(r)"}));
  EXPECT_FALSE(result.needs_more_room);
}

TEST(SisSelector, NearTiesGoToTheSimplerFeature) {
  SisSelector sel(2, 8);
  sel.offer(scored("((a+b)*c)", 2, 0.9 + 5e-9, {1, 2, 3, 5}));
  sel.offer(scored("(a*c)", 1, 0.9, {0, 1, 0, 1}));
  const auto result = std::move(sel).finish();
  EXPECT_EQ(names(result.selected), (std::vector<std::string>{"(a*c)", "((a+b)*c)"}));
}

TEST(SisSelector, EquivalentFeaturesAreSelectedOnce) {
  // f and -f have the same |correlation| and |r| = 1 between them: SISSO keeps the simpler.
  SisSelector sel(3, 8);
  sel.offer(scored("(b-a)", 1, 0.8, {-1, -2, -4, -3}));
  sel.offer(scored("(a-b)", 1, 0.8, {1, 2, 4, 3}));
  sel.offer(scored("exp(a)", 1, 0.6, {2, 3, 1, 5}));
  const auto result = std::move(sel).finish();
  EXPECT_EQ(names(result.selected), (std::vector<std::string>{"(a-b)", "exp(a)"}));
}

TEST(SisSelector, AsksForMoreRoomWhenDuplicatesCrowdedTheBuffer) {
  SisSelector sel(2, 2);
  for (int i = 0; i < 6; ++i) {
    sel.offer(scored("f" + std::to_string(i), 1, 0.9, {1, 2, 3, 4.0 + 1e-9 * i}));
  }
  sel.offer(scored("g", 1, 0.5, {4, 1, 3, 2}));
  const auto result = std::move(sel).finish();
  EXPECT_EQ(result.selected.size(), 1u);
  EXPECT_TRUE(result.needs_more_room);
}

class FeatureSpaceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kokkos_ = std::make_unique<KokkosScope>(); }
  static void TearDownTestSuite() { kokkos_.reset(); }

  static TrainingData data() {
    TrainingData d;
    d.property_name = "y";
    d.feature_names = {"a", "b", "c"};
    d.sample_names = {"s1", "s2", "s3", "s4", "s5"};
    d.features = {3,  5,  7,    6,  9,    // a
                  1,  2,  3,    2,  4,    // b: a > b everywhere, so |a-b| = a-b
                  -1, -2, -0.5, -3, -1};  // c: negative everywhere
    d.property = {0.1, 0.2, 0.3, 0.25, 0.45};
    return d;
  }

  static inline std::unique_ptr<KokkosScope> kokkos_;
};

TEST_F(FeatureSpaceTest, StoredRungsAreDeduplicatedAsSissoDoes) {
  const auto d = data();
  Settings s;
  apply_setting(s, "ops", "(-)(|-|)");
  apply_setting(s, "fcomplexity", "2");
  const auto units = resolve_primary_units(s, d);
  FeatureSpace space(d, s, units);
  // Rung 1: (a-b), (b-a), |a-b|, (a-c), (c-a), |a-c|, (b-c), (c-b), |b-c|; each |x-y| equals
  // x-y or y-x here and goes; the sign-flipped pairs stay (their fingerprints differ).
  EXPECT_EQ(space.rung_sizes()[1], 6u);
  for (std::size_t i = space.store().rung_begin(1); i < space.store().size(); ++i) {
    EXPECT_EQ(space.store().node(i).name.find("abs"), std::string::npos)
        << space.store().node(i).name;
  }
}

TEST_F(FeatureSpaceTest, NanFeaturesCountButAreNeverSelected) {
  const auto d = data();
  Settings s;
  apply_setting(s, "ops", "(cbrt)");
  apply_setting(s, "fcomplexity", "1");
  const auto units = resolve_primary_units(s, d);
  FeatureSpace space(d, s, units);
  // cbrt(c) is NaN everywhere (SISSO's x**(1/3)); SISSO's filters let it through as a feature.
  EXPECT_EQ(space.size(), 6u);
  const auto selected = space.screen(d.property, 10, {});
  ASSERT_EQ(selected.size(), 5u);
  for (const auto& f : selected) EXPECT_NE(f.name, "cbrt(c)");
}

TEST_F(FeatureSpaceTest, ScreeningRanksByCorrelationAndSkipsRejectedNames) {
  const auto d = data();
  Settings s;
  apply_setting(s, "ops", "(+)(*)");
  apply_setting(s, "fcomplexity", "1");
  const auto units = resolve_primary_units(s, d);
  FeatureSpace space(d, s, units);
  std::vector<double> target(d.feature(0).begin(), d.feature(0).end());  // a itself
  const auto selected = space.screen(target, 3, {});
  ASSERT_EQ(selected.size(), 3u);
  EXPECT_EQ(selected[0].name, "(a)");
  EXPECT_EQ(selected[0].expression, "a");
  EXPECT_NEAR(selected[0].score, 1.0, 1e-12);
  EXPECT_GE(selected[0].score, selected[1].score);
  EXPECT_GE(selected[1].score, selected[2].score);
  const auto again = space.screen(target, 3, {"(a)"});
  EXPECT_NE(again[0].name, "(a)");
  EXPECT_EQ(again[0].name, selected[1].name);
}

}  // namespace
}  // namespace edgeloop::sisso
