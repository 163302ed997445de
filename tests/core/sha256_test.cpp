#include "edgeloop/core/sha256.hpp"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(to_hex(Sha256::of(std::string_view(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(Sha256::of(std::string_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  Sha256 h;
  h.update(std::string_view("ab")).update(std::string_view("c"));
  EXPECT_EQ(h.finish(), Sha256::of(std::string_view("abc")));
}

TEST(Sha256, HexRoundTripAndRejectsMalformed) {
  const auto digest = Sha256::of(std::string_view("edgeloop"));
  EXPECT_EQ(sha256_from_hex(to_hex(digest)), digest);
  EXPECT_FALSE(sha256_from_hex("abc"));
  EXPECT_FALSE(sha256_from_hex(std::string(64, 'z')));
}

TEST(Sha256, FinishTwiceIsALogicError) {
  Sha256 h;
  h.finish();
  EXPECT_THROW(h.finish(), std::logic_error);
}

}  // namespace
}  // namespace edgeloop
