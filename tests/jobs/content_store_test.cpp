#include "edgeloop/jobs/content_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

using edgeloop::testing::TempDir;

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ContentStore, KeepsEachContentOnceUnderItsHash) {
  TempDir dir;
  const ContentStore store(dir / "store");
  const InputFile a = store.put_bytes("hello", "a.txt");
  const InputFile b = store.put_bytes("hello", "b.txt");
  EXPECT_EQ(a.sha256, Sha256::of("hello"));
  EXPECT_EQ(a.size, 5u);
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(a.name, "a.txt");
  EXPECT_TRUE(store.contains(a.sha256));
  EXPECT_FALSE(store.contains(Sha256::of("other")));
  const auto object = store.object_path(a.sha256);
  EXPECT_EQ(object.parent_path().filename(), to_hex(a.sha256).substr(0, 2));
  EXPECT_EQ(read(object), "hello");
  EXPECT_TRUE(std::filesystem::is_empty(dir / "store" / "tmp"));
}

TEST(ContentStore, PutFileHashesWhatItCopies) {
  TempDir dir;
  const ContentStore store(dir / "store");
  std::ofstream(dir / "source.dat") << "some data\n";
  const InputFile input = store.put_file(dir / "source.dat", "data/source.dat");
  EXPECT_EQ(input.sha256, Sha256::of("some data\n"));
  EXPECT_EQ(hash_file(dir / "source.dat").first, input.sha256);
  EXPECT_THROW(store.put_file(dir / "missing", "x"), std::runtime_error);
  EXPECT_THROW(store.put_bytes("x", "../escape"), JobSpecError);
}

TEST(ContentStore, StagesByCopyOrHardLink) {
  TempDir dir;
  const ContentStore store(dir / "store");
  const InputFile input = store.put_bytes("payload", "in.txt");
  store.stage(input, dir / "job1" / "sub" / "in.txt", StageMode::Copy);
  EXPECT_EQ(read(dir / "job1" / "sub" / "in.txt"), "payload");
  store.stage(input, dir / "job2" / "in.txt", StageMode::Hardlink);
  struct stat info {};
  ASSERT_EQ(::stat((dir / "job2" / "in.txt").c_str(), &info), 0);
  EXPECT_EQ(info.st_nlink, 2u);
  // Staging never overwrites a file a job directory already has.
  EXPECT_THROW(store.stage(input, dir / "job1" / "sub" / "in.txt", StageMode::Copy),
               std::runtime_error);
}

TEST(ContentStore, RefusesMissingWrongSizeAndDamagedObjects) {
  TempDir dir;
  const ContentStore store(dir / "store");
  InputFile missing{"x", Sha256::of("never stored"), 12};
  EXPECT_THROW(store.stage(missing, dir / "x", StageMode::Copy), std::runtime_error);
  InputFile input = store.put_bytes("abcdef", "x");
  InputFile wrong_size = input;
  wrong_size.size = 7;
  EXPECT_THROW(store.stage(wrong_size, dir / "y", StageMode::Copy), std::runtime_error);
  // Same size, other bytes: only a copy, which hashes, can notice.
  const auto object = store.object_path(input.sha256);
  std::filesystem::permissions(object, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(object, std::ios::trunc) << "abcxyz";
  try {
    store.stage(input, dir / "z", StageMode::Copy);
    FAIL() << "staged a damaged object";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not match its hash"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "z"));
}

}  // namespace
}  // namespace edgeloop::jobs
