#include "edgeloop/jobs/job_spec.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace edgeloop::jobs {
namespace {

JobSpec good() {
  JobSpec spec;
  spec.program = "pw.x";
  spec.program_version = "6.7";
  spec.args = {"-in", "pw.in"};
  spec.inputs = {{"pw.in", Sha256::of("input"), 5}, {"pseudo/Si.UPF", Sha256::of("upf"), 3}};
  spec.environment = {{"OMP_PROC_BIND", "true"}};
  spec.cpus = 2;
  spec.mpi_ranks = 2;
  spec.memory_mb = 1024;
  spec.time_limit_s = 600;
  spec.max_retries = 1;
  spec.runner = "slurm";
  return spec;
}

// The message validate() throws after `change`, or "" when it accepts the spec.
std::string error_after(const std::function<void(JobSpec&)>& change) {
  JobSpec spec = good();
  change(spec);
  try {
    validate(spec);
  } catch (const JobSpecError& e) {
    return e.what();
  }
  return "";
}

TEST(JobSpec, AGoodSpecIsAccepted) {
  EXPECT_NO_THROW(validate(good()));
  EXPECT_NO_THROW(validate(JobSpec{.program = "/bin/true"}));
  EXPECT_EQ(task_count(good()), 2u);
  EXPECT_EQ(task_count(JobSpec{}), 1u);
}

TEST(JobSpec, EachBadFieldIsNamedInTheError) {
  EXPECT_EQ(error_after([](JobSpec& s) { s.program.clear(); }), "job spec: program is empty");
  EXPECT_NE(error_after([](JobSpec& s) { s.program = "pw\n.x"; }).find("control characters"),
            std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) { s.cpus = 0; }).find("cpus = 0 is outside 1..4096"),
            std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) { s.time_limit_s = 400u * 24 * 3600; }).find("time_limit_s"),
            std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) { s.max_retries = 1000; }).find("max_retries"),
            std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) { s.runner = "pbs"; }).find("runner 'pbs'"),
            std::string::npos);
  EXPECT_NE(
      error_after([](JobSpec& s) { s.args.push_back(std::string("a\0b", 3)); }).find("args[2]"),
      std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) { s.environment["1BAD"] = "x"; }).find("'1BAD'"),
            std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) { s.args.resize(kMaxArgs + 1); }).find("args"),
            std::string::npos);
}

TEST(JobSpec, InputNamesStayInsideTheJobDirectory) {
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/", "out",
                          "out/result", ".edgeloop/x", "stdout-1.txt", "stderr-2.txt"}) {
    EXPECT_THROW(validate_input_name(bad), JobSpecError) << bad;
  }
  for (const char* ok : {"pw.in", "pseudo/Si.UPF", "data/a/b.dat", "output", "stdout"}) {
    EXPECT_NO_THROW(validate_input_name(ok)) << ok;
  }
}

TEST(JobSpec, DuplicateOrNestedInputsAreRefused) {
  EXPECT_NE(error_after([](JobSpec& s) {
              s.inputs.push_back(s.inputs.front());
            }).find("'pw.in' is listed twice"),
            std::string::npos);
  EXPECT_NE(error_after([](JobSpec& s) {
              s.inputs.push_back({"pseudo", Sha256::of("x"), 1});
            }).find("both a file and the directory"),
            std::string::npos);
}

}  // namespace
}  // namespace edgeloop::jobs
