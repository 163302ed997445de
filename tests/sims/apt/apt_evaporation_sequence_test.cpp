#include "edgeloop/sims/apt_evaporation_sequence.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace edgeloop::sims {
namespace {

TEST(AptEvaporationSequence, HandsOutEveryAtomOnceInEvaporationOrder) {
  AptSpecimenSettings settings;
  settings.tip_radius_nm = 12.0;
  settings.length_nm = 6.0;
  const AptSpecimen specimen(settings, 0.545, 4);
  std::uint64_t total = 0;
  for (std::uint64_t k = 0; k < specimen.plane_count(); ++k) {
    std::vector<AptAtom> plane;
    specimen.plane_atoms(k, plane);
    total += plane.size();
  }
  AptEvaporationSequence sequence(specimen);
  EXPECT_FALSE(sequence.exhausted());
  double last = -1.0;
  std::uint64_t count = 0;
  while (const auto atom = sequence.next()) {
    ASSERT_GE(atom->key, last) << "atom " << count;
    last = atom->key;
    EXPECT_EQ(sequence.apex_depth(), atom->key);
    ++count;
  }
  EXPECT_EQ(count, total);
  EXPECT_EQ(sequence.atoms_evaporated(), total);
  EXPECT_TRUE(sequence.exhausted());
  EXPECT_FALSE(sequence.next());
  EXPECT_GT(last, 5.0);
}

TEST(AptEvaporationSequence, TheRimOfAPlaneLeavesBeforeItsCentre) {
  AptSpecimenSettings settings;
  settings.tip_radius_nm = 12.0;
  settings.length_nm = 10.0;
  settings.clusters.number_density_per_nm3 = 0.0;
  const AptSpecimen specimen(settings, 0.545, 4);
  AptEvaporationSequence sequence(specimen);
  // Follow plane 30 (depth 6.075 nm): its outer atoms go first, as the cap reaches them first.
  const float depth = static_cast<float>(30 * specimen.plane_spacing());
  std::vector<double> radii;
  while (const auto atom = sequence.next()) {
    if (atom->depth == depth) radii.push_back(std::hypot(atom->x, atom->y));
  }
  ASSERT_GT(radii.size(), 100U);
  const std::size_t tenth = radii.size() / 10;
  double first = 0.0;
  double last = 0.0;
  for (std::size_t i = 0; i < tenth; ++i) {
    first += radii[i];
    last += radii[radii.size() - 1 - i];
  }
  EXPECT_GT(first, 2.0 * last);
}

}  // namespace
}  // namespace edgeloop::sims
