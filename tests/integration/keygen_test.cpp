// `edgeloop keygen`: a CURVE key pair whose public half ZeroMQ derives from the secret one,
// the secret readable by its owner only, and existing keys never overwritten.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zmq.h>

#include <array>
#include <fstream>

#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(Keygen, WritesAMatchingPairAndKeepsTheSecretPrivate) {
  testing::TempDir dir;
  const auto prefix = (dir / "daemon").string();
  const auto made = testing::run_program(EDGELOOP_CLI_BINARY, {"keygen", prefix});
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string secret = first_line(prefix + ".key");
  const std::string pub = first_line(prefix + ".pub");
  ASSERT_EQ(secret.size(), 40u);
  ASSERT_EQ(pub.size(), 40u);
  EXPECT_EQ(made.output, pub + "\n");
  std::array<char, 41> derived{};
  ASSERT_EQ(zmq_curve_public(derived.data(), secret.c_str()), 0);
  EXPECT_EQ(std::string(derived.data()), pub);
  struct stat st {};
  ASSERT_EQ(::stat((prefix + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto again = testing::run_program(EDGELOOP_CLI_BINARY, {"keygen", prefix});
  EXPECT_NE(again.status, 0);
  EXPECT_NE(again.output.find("not overwriting"), std::string::npos) << again.output;
  EXPECT_EQ(first_line(prefix + ".key"), secret);
}

}  // namespace
}  // namespace edgeloop
