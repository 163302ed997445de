#include "edgeloop/jobs/job_workspace.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

using edgeloop::testing::TempDir;
namespace fs = std::filesystem;

TEST(JobWorkspace, CreatesTheDirectoryAndStagesInputs) {
  TempDir dir;
  const ContentStore store(dir / "store");
  JobSpec spec;
  spec.job_id = Uuid::random();
  spec.program = "/bin/true";
  spec.inputs = {store.put_bytes("1 2 3", "data/train.dat"), store.put_bytes("x", "run.sh")};
  const JobWorkspace space(dir / "jobs", spec.job_id);
  space.create(spec, store, StageMode::Copy);
  EXPECT_EQ(space.dir(), dir / "jobs" / spec.job_id.str());
  EXPECT_TRUE(fs::is_directory(space.out_dir()));
  EXPECT_TRUE(fs::is_directory(space.control_dir()));
  EXPECT_TRUE(fs::is_regular_file(space.dir() / "data/train.dat"));
  EXPECT_EQ(space.stdout_path(2), space.dir() / "stdout-2.txt");
  EXPECT_EQ(space.stderr_path(1), space.dir() / "stderr-1.txt");
  // A second job with the same id must not share the directory.
  EXPECT_THROW(space.create(spec, store, StageMode::Copy), std::runtime_error);
}

TEST(JobWorkspace, AFailedStagingLeavesNothingBehind) {
  TempDir dir;
  const ContentStore store(dir / "store");
  JobSpec spec;
  spec.job_id = Uuid::random();
  spec.program = "/bin/true";
  spec.inputs = {{"missing.dat", Sha256::of("nope"), 4}};
  const JobWorkspace space(dir / "jobs", spec.job_id);
  EXPECT_THROW(space.create(spec, store, StageMode::Copy), std::runtime_error);
  EXPECT_FALSE(fs::exists(space.dir()));
}

TEST(JobWorkspace, CollectsOutputsByNameWithHashes) {
  TempDir dir;
  const JobWorkspace space(dir / "jobs", Uuid::random());
  fs::create_directories(space.out_dir() / "sub");
  std::ofstream(space.out_dir() / "b.txt") << "bee";
  std::ofstream(space.out_dir() / "sub" / "a.txt") << "ay";
  fs::create_symlink("/etc/hostname", space.out_dir() / "link");
  const auto collected = space.collect_outputs();
  ASSERT_EQ(collected.files.size(), 2u);
  EXPECT_EQ(collected.files[0].name, "b.txt");
  EXPECT_EQ(collected.files[0].sha256, Sha256::of("bee"));
  EXPECT_EQ(collected.files[0].size, 3u);
  EXPECT_EQ(collected.files[1].name, "sub/a.txt");
  EXPECT_EQ(collected.skipped, 1u);  // the link is not followed
  EXPECT_TRUE(JobWorkspace(dir / "jobs", Uuid::random()).collect_outputs().files.empty());
}

TEST(JobWorkspace, ReadsOnlyAWellFormedExitFile) {
  TempDir dir;
  const JobWorkspace space(dir / "jobs", Uuid::random());
  fs::create_directories(space.control_dir());
  EXPECT_FALSE(space.read_exit_marker(1));
  std::ofstream(space.exit_marker(1)) << "3\n";
  EXPECT_EQ(space.read_exit_marker(1), 3);
  std::ofstream(space.exit_marker(2)) << "three\n";
  EXPECT_FALSE(space.read_exit_marker(2));
  std::ofstream(space.exit_marker(3)) << "-1\n";
  EXPECT_FALSE(space.read_exit_marker(3));
}

}  // namespace
}  // namespace edgeloop::jobs
