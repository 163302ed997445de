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
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"status"})j").command, "status");
  const AdminRequest start = parse_admin_request(
      R"j({"cmd":"start_run","plan":"raster","nx":32,"ny":16,"instrument":"a"})j");
  EXPECT_EQ(start.nx, 32u);
  EXPECT_EQ(start.ny, 16u);
  EXPECT_EQ(start.instrument, "a");
}

TEST(AdminRequest, RefusesWithAReasonPerProblem) {
  EXPECT_EQ(reason_for("{"), "not_json");
  EXPECT_EQ(reason_for(""), "not_json");
  EXPECT_EQ(reason_for(std::string(kMaxAdminRequestBytes + 1, ' ')), "too_large");
  EXPECT_EQ(reason_for("42"), "bad_request");
  EXPECT_EQ(reason_for(R"j({"cmd":7})j"), "bad_request");
  EXPECT_EQ(reason_for(R"j({"cmd":"reboot"})j"), "unknown_command");
  EXPECT_EQ(reason_for(R"j({"cmd":"start_run","nx":4})j"), "bad_request");
  EXPECT_EQ(reason_for(R"j({"cmd":"start_run","nx":4,"ny":5000})j"), "bad_request");
  EXPECT_EQ(reason_for(R"j({"cmd":"start_run","nx":4.5,"ny":4})j"), "bad_request");
  EXPECT_EQ(reason_for(R"j({"cmd":"start_run","plan":7})j"), "bad_request");
  EXPECT_EQ(reason_for(R"j({"cmd":"start_run","nx":4,"ny":4,"instrument":1})j"), "bad_request");
}

TEST(AdminRequest, APlanBeyondTheBuiltInOnesKeepsItsFieldsForItsFactory) {
  // The plan registry knows the plan and checks its fields when the run starts.
  const AdminRequest r = parse_admin_request(
      R"j({"cmd":"start_run","modality":"saxs","plan":"bayes","budget":8,
          "bounds":{"stage_x":[-1,1]},"title":"t"})j");
  EXPECT_EQ(r.plan, "bayes");
  EXPECT_EQ(r.plan_spec["budget"], 8);
  EXPECT_EQ(r.plan_spec["plan"], "bayes");
  EXPECT_FALSE(r.plan_spec.contains("title"));
  EXPECT_FALSE(r.plan_spec.contains("cmd"));
  EXPECT_EQ(r.title, "t");
  const AdminRequest learned = parse_admin_request(
      R"j({"cmd":"start_run","plan":"learned","nx":16,"ny":8,"fraction":0.25})j");
  EXPECT_EQ(learned.nx, 16u);
  EXPECT_EQ(learned.plan_spec["fraction"], 0.25);
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"hold_run"})j").command, "hold_run");
}

TEST(AdminRequest, ParsesSubmitSissoWithDefaultsAndSettings) {
  const AdminRequest bare = parse_admin_request(R"j({"cmd":"submit_sisso"})j");
  EXPECT_EQ(bare.command, "submit_sisso");
  EXPECT_FALSE(bare.run.has_value());
  EXPECT_TRUE(bare.runner.empty());
  EXPECT_TRUE(bare.sisso.ops.empty());
  EXPECT_FALSE(bare.sisso.fcomplexity.has_value());
  EXPECT_FALSE(bare.time_limit_s.has_value());

  const AdminRequest full = parse_admin_request(
      R"j({"cmd":"submit_sisso","run":"5f0c2a4e-8d2b-4c1e-9a7f-0123456789ab","runner":"slurm",
          "ops":"(+)(|-|)(exp)(^2)(/)","fcomplexity":3,"desc_dim":3,"nf_sis":100,
          "time_limit_s":120
})j");
  ASSERT_TRUE(full.run.has_value());
  EXPECT_EQ(full.run->str(), "5f0c2a4e-8d2b-4c1e-9a7f-0123456789ab");
  EXPECT_EQ(full.runner, "slurm");
  EXPECT_EQ(full.sisso.ops, "(+)(|-|)(exp)(^2)(/)");
  EXPECT_EQ(full.sisso.fcomplexity, 3);
  EXPECT_EQ(full.sisso.desc_dim, 3);
  EXPECT_EQ(full.sisso.nf_sis, 100);
  EXPECT_EQ(full.time_limit_s, 120u);
}

TEST(AdminRequest, RungSelectsTheSmallestFcomplexityReachingIt) {
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"submit_sisso","rung":0})j").sisso.fcomplexity, 0);
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"submit_sisso","rung":1})j").sisso.fcomplexity, 1);
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"submit_sisso","rung":2})j").sisso.fcomplexity, 2);
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"submit_sisso","rung":3})j").sisso.fcomplexity, 4);
}

std::string message_for(std::string_view text) {
  try {
    parse_admin_request(text);
  } catch (const AdminError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(AdminRequest, RefusesBadSubmitSissoFieldsNamingThem) {
  const auto refused = [](std::string_view text, std::string_view needle) {
    const std::string message = message_for(text);
    EXPECT_NE(message.find(needle), std::string::npos) << text << " -> " << message;
    EXPECT_EQ(reason_for(text), "bad_request") << text;
  };
  refused(R"j({"cmd":"submit_sisso","run":"last"})j", "'run' must be an id");
  refused(R"j({"cmd":"submit_sisso","run":7})j", "'run' must be an id");
  refused(R"j({"cmd":"submit_sisso","runner":"pbs"})j", "'runner' must be \"local\" or \"slurm\"");
  refused(R"j({"cmd":"submit_sisso","ops":"+-"})j", "operators in brackets");
  refused(R"j({"cmd":"submit_sisso","ops":"(+)(tan)"
})j",
          "unknown operator '(tan)'");
  refused(R"j({"cmd":"submit_sisso","ops":"(+)'\n"})j", "operators in brackets");
  refused(R"j({"cmd":"submit_sisso","ops":""})j", "'ops' is empty");
  refused(R"j({"cmd":"submit_sisso","ops":3})j", "'ops' must be a string");
  refused(R"j({"cmd":"submit_sisso","fcomplexity":8})j", "'fcomplexity' = 8 is outside 0..7");
  refused(R"j({"cmd":"submit_sisso","rung":4})j", "'rung' = 4 is outside 0..3");
  refused(R"j({"cmd":"submit_sisso","rung":1,"fcomplexity":1})j", "not both");
  refused(R"j({"cmd":"submit_sisso","desc_dim":0})j", "'desc_dim' = 0 is outside 1..8");
  refused(R"j({"cmd":"submit_sisso","desc_dim":2.5})j", "'desc_dim' must be an integer");
  refused(R"j({"cmd":"submit_sisso","nf_sis":0})j", "'nf_sis' = 0 is outside 1..100000");
  refused(R"j({"cmd":"submit_sisso","time_limit_s":0})j", "'time_limit_s' = 0 is outside");
  refused(R"j({"cmd":"submit_sisso","desc_dmi":2})j", "unknown field 'desc_dmi'");
}

TEST(AdminRequest, JobCommandsNeedAJobId) {
  const AdminRequest status =
      parse_admin_request(R"j({"cmd":"job_status","job":"5f0c2a4e-8d2b-4c1e-9a7f-0123456789ab"})j");
  EXPECT_EQ(status.job.str(), "5f0c2a4e-8d2b-4c1e-9a7f-0123456789ab");
  EXPECT_EQ(
      parse_admin_request(R"j({"cmd":"cancel_job","job":"5f0c2a4e-8d2b-4c1e-9a7f-0123456789ab"})j")
          .command,
      "cancel_job");
  EXPECT_EQ(parse_admin_request(R"j({"cmd":"jobs"})j").command, "jobs");
  EXPECT_NE(message_for(R"j({"cmd":"job_status"})j").find("job_status: missing 'job'"),
            std::string::npos);
  EXPECT_NE(message_for(R"j({"cmd":"cancel_job","job":"x"})j").find("'job' must be an id"),
            std::string::npos);
  EXPECT_EQ(reason_for(R"j({"cmd":"jobs","all":true})j"), "bad_request");
}

}  // namespace
}  // namespace edgeloop
