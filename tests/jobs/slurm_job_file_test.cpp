#include "edgeloop/jobs/slurm_job_file.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

PersistedSlurmJob sample() {
  PersistedSlurmJob job;
  job.record.spec.job_id = Uuid::random();
  job.record.spec.program = "pw.x";
  job.record.spec.inputs = {{"pw.in", Sha256::of("x"), 1}};
  job.record.status.job_id = job.record.spec.job_id;
  job.record.status.runner = "slurm";
  job.record.status.state = JobState::Running;
  job.record.status.scheduler_id = "12";
  job.record.dir = "/jobs/" + job.record.spec.job_id.str();
  job.slurm = {"12", false, true, false, 3};
  return job;
}

TEST(SlurmJobFile, RoundTripsAndReplacesAtomically) {
  edgeloop::testing::TempDir dir;
  const auto file = dir / "state" / "slurm-jobs.json";
  EXPECT_TRUE(load_slurm_jobs(file).empty());
  const std::vector<PersistedSlurmJob> jobs{sample(), sample()};
  save_slurm_jobs(file, jobs);
  save_slurm_jobs(file, jobs);  // replaces the previous table
  const auto loaded = load_slurm_jobs(file);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].record.spec, jobs[0].record.spec);
  EXPECT_EQ(loaded[0].record.status, jobs[0].record.status);
  EXPECT_EQ(loaded[0].record.dir, jobs[0].record.dir);
  EXPECT_EQ(loaded[0].slurm, jobs[0].slurm);
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST(SlurmJobFile, ADamagedTableIsAnErrorNamingTheEntry) {
  edgeloop::testing::TempDir dir;
  const auto file = dir / "slurm-jobs.json";
  const auto error_for = [&](const std::string& text) -> std::string {
    std::ofstream(file, std::ios::trunc) << text;
    try {
      load_slurm_jobs(file);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_for("{not json").find("is not JSON"), std::string::npos);
  EXPECT_NE(error_for("{\"format\": \"other\"}").find("not an edgeloop Slurm job table"),
            std::string::npos);
  EXPECT_NE(error_for("{\"format\": \"edgeloop-slurm-jobs\", \"version\": 9, \"jobs\": []}")
                .find("has version 9"),
            std::string::npos);
  save_slurm_jobs(file, {sample()});
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string id = "\"slurm_id\": \"12\"";
  const auto at = text.find(id);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, id.size(), "\"slurm_id\": \"1;2\"");
  const std::string error = error_for(text);
  EXPECT_NE(error.find("jobs[0]"), std::string::npos) << error;
  EXPECT_NE(error.find(file.string()), std::string::npos) << error;
}

}  // namespace
}  // namespace edgeloop::jobs
