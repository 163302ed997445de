// The SISSO job program (edgeloop-sisso, jobs/sisso/) through the Slurm runner, when it has
// been built (label: slurm).
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "jobs_test_support.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;
using SissoSlurmTest = testing::SlurmTest;

// The program of this build, or the README's build/ when this build has none.
std::optional<std::filesystem::path> sisso_program() {
#ifdef EDGELOOP_SISSO_PROGRAM
  const std::filesystem::path built = EDGELOOP_SISSO_PROGRAM;
#else
  const std::filesystem::path built = testing::binary_dir() / "bin/edgeloop-sisso";
#endif
  for (const auto& candidate : {built, testing::source_dir() / "build/bin/edgeloop-sisso"}) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

TEST_F(SissoSlurmTest, OctetDescriptorSearchCompletes) {
  const auto program = sisso_program();
  if (!program) GTEST_SKIP() << "edgeloop-sisso has not been built (jobs/sisso)";
  const auto data = testing::source_dir() / "tests/jobs/sisso/data/train_octet10.dat";
  if (::access(data.c_str(), R_OK) != 0) GTEST_SKIP() << "no " << data;
  auto runner = make_runner();
  JobSpec spec;
  spec.program = program->string();
  spec.program_version = "edgeloop-sisso";
  // A small search (one operator rung, 2-D descriptors) keeps the test to seconds.
  spec.args = {"--train", "train.dat",       "--ops",    "(+)(-)(*)(/)",   "--fcomplexity",
               "1",       "--nf-sis",        "20",       "--desc-dim",     "2",
               "--json",  "out/result.json", "--report", "out/report.txt", "--quiet"};
  spec.inputs = {env.store.put_file(data, "train.dat")};
  spec.time_limit_s = 300;
  const Uuid id = runner->submit(spec);
  const auto status = runner->wait(id, 240s);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->state, JobState::Completed)
      << status->message << "\n"
      << testing::read_text(runner->workspace(id).stderr_path(status->attempt));
  ASSERT_EQ(status->outputs.size(), 2u);
  EXPECT_EQ(status->outputs[0].name, "report.txt");
  EXPECT_EQ(status->outputs[1].name, "result.json");
  const auto json = nlohmann::json::parse(
      testing::read_text(runner->workspace(id).out_dir() / "result.json"), nullptr, false);
  EXPECT_FALSE(json.is_discarded());
}

}  // namespace
}  // namespace edgeloop::jobs
