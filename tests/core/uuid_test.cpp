#include "edgeloop/core/uuid.hpp"

#include <gtest/gtest.h>

#include <set>

#include "edgeloop/core/wire.hpp"

namespace edgeloop {
namespace {

TEST(Uuid, RandomIsVersion4AndUnique) {
  std::set<Uuid> seen;
  for (int i = 0; i < 1000; ++i) {
    const Uuid id = Uuid::random();
    const std::string text = id.str();
    ASSERT_EQ(text.size(), 36u);
    EXPECT_EQ(text[14], '4');
    EXPECT_TRUE(text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(Uuid, ParseRoundTripsAndRejectsMalformed) {
  const Uuid id = Uuid::random();
  EXPECT_EQ(Uuid::parse(id.str()), id);
  EXPECT_EQ(Uuid::parse("123e4567-e89b-42d3-a456-426614174000")->str(),
            "123e4567-e89b-42d3-a456-426614174000");
  EXPECT_FALSE(Uuid::parse(""));
  EXPECT_FALSE(Uuid::parse("123e4567-e89b-42d3-a456-42661417400"));
  EXPECT_FALSE(Uuid::parse("123e4567xe89b-42d3-a456-426614174000"));
  EXPECT_FALSE(Uuid::parse("123e4567-e89b-42d3-a456-42661417400g"));
}

TEST(Uuid, WireHalvesRoundTrip) {
  const Uuid id = Uuid::random();
  const wire::Uuid w = to_wire(id);
  EXPECT_EQ(from_wire(&w), id);
  EXPECT_TRUE(from_wire(nullptr).is_nil());
}

}  // namespace
}  // namespace edgeloop
