#include "edgeloop/jobs/job_json.hpp"

#include <gtest/gtest.h>

namespace edgeloop::jobs {
namespace {

JobSpec sample_spec() {
  JobSpec spec;
  spec.job_id = Uuid::random();
  spec.run_id = Uuid::random();
  spec.program = "pw.x";
  spec.program_version = "6.7";
  spec.args = {"-in", "pw.in", "with 'quotes' and spaces"};
  spec.inputs = {{"pw.in", Sha256::of("input"), 5}};
  spec.environment = {{"A", "1"}, {"B", "two words"}};
  spec.cpus = 4;
  spec.mpi_ranks = 2;
  spec.memory_mb = 2048;
  spec.time_limit_s = 90;
  spec.max_retries = 3;
  spec.runner = "slurm";
  return spec;
}

TEST(JobJson, SpecRoundTrips) {
  const JobSpec spec = sample_spec();
  EXPECT_EQ(spec_from_json(spec_to_json(spec)), spec);
  EXPECT_EQ(spec_from_json(nlohmann::json::parse(spec_to_json(spec).dump())), spec);
}

TEST(JobJson, StatusRoundTrips) {
  JobStatus status;
  status.job_id = Uuid::random();
  status.run_id = Uuid::random();
  status.runner = "local";
  status.state = JobState::TimedOut;
  status.scheduler_id = "4242";
  status.attempt = 2;
  status.exit_code = 143;
  status.message = "exceeded its time limit";
  status.outputs = {{"result.json", Sha256::of("{}"), 2}};
  status.updated_wall_ns = 1764000000000000000;
  status.sequence = 7;
  EXPECT_EQ(status_from_json(nlohmann::json::parse(status_to_json(status).dump())), status);
}

TEST(JobJson, MissingOrMistypedFieldsAreNamed) {
  auto json = spec_to_json(sample_spec());
  json.erase("cpus");
  try {
    spec_from_json(json);
    FAIL() << "accepted a spec without cpus";
  } catch (const JobSpecError& e) {
    EXPECT_NE(std::string(e.what()).find("'cpus' is missing"), std::string::npos) << e.what();
  }
  json = spec_to_json(sample_spec());
  json["inputs"][0]["sha256"] = "abc";
  EXPECT_THROW(spec_from_json(json), JobSpecError);
  json = spec_to_json(sample_spec());
  json["cpus"] = -1;
  EXPECT_THROW(spec_from_json(json), JobSpecError);
  json = spec_to_json(sample_spec());
  json["job_id"] = "not-a-uuid";
  EXPECT_THROW(spec_from_json(json), JobSpecError);
  auto status = status_to_json(JobStatus{});
  status["state"] = "sleeping";
  EXPECT_THROW(status_from_json(status), std::invalid_argument);
  EXPECT_THROW(status_from_json(nlohmann::json::array()), std::invalid_argument);
}

TEST(JobJson, SpecDigestChangesWithTheSpec) {
  JobSpec a = sample_spec();
  JobSpec b = a;
  EXPECT_EQ(spec_digest(a), spec_digest(b));
  b.args.back() += "!";
  EXPECT_NE(spec_digest(a), spec_digest(b));
}

}  // namespace
}  // namespace edgeloop::jobs
