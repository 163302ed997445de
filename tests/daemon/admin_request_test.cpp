#include "edgeloop/daemon/admin_request.hpp"

#include <gtest/gtest.h>

namespace edgeloop {
namespace {

std::string reason_for(std::string_view text) {
  try {
    parse_admin_request(text);
  } catch (const AdminError& e) {
    return e.reason();
  }
  return "accepted";
}

TEST(AdminRequest, ParsesTheKnownCommands) {
  EXPECT_EQ(parse_admin_request(R"({"cmd":"status"})").command, "status");
  const AdminRequest start = parse_admin_request(
      R"({"cmd":"start_run","plan":"raster","nx":32,"ny":16,"instrument":"a"})");
  EXPECT_EQ(start.nx, 32u);
  EXPECT_EQ(start.ny, 16u);
  EXPECT_EQ(start.instrument, "a");
}

TEST(AdminRequest, RefusesWithAReasonPerProblem) {
  EXPECT_EQ(reason_for("{"), "not_json");
  EXPECT_EQ(reason_for(""), "not_json");
  EXPECT_EQ(reason_for(std::string(kMaxAdminRequestBytes + 1, ' ')), "too_large");
  EXPECT_EQ(reason_for("42"), "bad_request");
  EXPECT_EQ(reason_for(R"({"cmd":7})"), "bad_request");
  EXPECT_EQ(reason_for(R"({"cmd":"reboot"})"), "unknown_command");
  EXPECT_EQ(reason_for(R"({"cmd":"start_run","nx":4})"), "bad_request");
  EXPECT_EQ(reason_for(R"({"cmd":"start_run","nx":4,"ny":5000})"), "bad_request");
  EXPECT_EQ(reason_for(R"({"cmd":"start_run","nx":4.5,"ny":4})"), "bad_request");
  EXPECT_EQ(reason_for(R"({"cmd":"start_run","nx":4,"ny":4,"plan":"spiral"})"), "bad_request");
  EXPECT_EQ(reason_for(R"({"cmd":"start_run","nx":4,"ny":4,"instrument":1})"), "bad_request");
}

}  // namespace
}  // namespace edgeloop
