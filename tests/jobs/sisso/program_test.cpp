// The edgeloop-sisso program: its exit codes, report and JSON output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sisso {
namespace {

const std::filesystem::path kProgram{EDGELOOP_SISSO_PROGRAM};
const std::filesystem::path kData{EDGELOOP_SISSO_TEST_DATA_DIR};

class ProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kProgram)) GTEST_SKIP() << kProgram << " is not built";
  }
  testing::RunResult run(const std::vector<std::string>& args) {
    return testing::run_program(kProgram, args);
  }
  void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }
  testing::TempDir dir_;
};

TEST_F(ProgramTest, ReproducesOctet10AndWritesReportAndJson) {
  write(dir_ / "SISSO.in",
        "desc_dim=2\nops='(+)(|-|)(exp)(^2)(/)'\nfcomplexity=3\nfunit=(1:4)(5:10)\n"
        "nf_sis=100\nfmax_min=1e-3\nfmax_max=1e5\ndimensionless_transcendentals=.false.\n");
  const auto r = run({"--train", (kData / "train_octet10.dat").string(), "--settings",
                      (dir_ / "SISSO.in").string(), "--json", (dir_ / "out.json").string(),
                      "--report", (dir_ / "report.txt").string(), "--quiet"});
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream json_in(dir_ / "out.json");
  const auto j = nlohmann::json::parse(json_in);
  EXPECT_EQ(j["program"], "edgeloop-sisso");
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  EXPECT_EQ(j["feature_space"]["size"], 30735);
  ASSERT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["models"][1]["descriptors"][1]["expression"], "|rs_A-rp_B|/(rs_A/IP_A)");
  EXPECT_NEAR(j["models"][1]["rmse"].get<double>(), 0.09858608, 1e-6);
  EXPECT_TRUE(j["timings_s"].contains("total"));
  std::ifstream report_in(dir_ / "report.txt");
  const std::string report((std::istreambuf_iterator<char>(report_in)), {});
  EXPECT_NE(report.find("d001 = |IP_B-EA_B|/rp_A^2"), std::string::npos) << report;
  EXPECT_NE(report.find("Total number of features in the space Phi2: 30735"), std::string::npos);
}

TEST_F(ProgramTest, BadInputExitsWithTwoAndSaysWhy) {
  write(dir_ / "train.dat", "m y a b\ns1 1 2 3\ns2 1 2\n");
  auto r = run({"--train", (dir_ / "train.dat").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("train.dat:3"), std::string::npos) << r.output;

  r = run({"--train", (kData / "train_octet10.dat").string(), "--set", "fcomplexity=9"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("fcomplexity"), std::string::npos) << r.output;

  r = run({"--train", (dir_ / "missing.dat").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;

  r = run({"--no-such-option"});
  EXPECT_EQ(r.status, 2);

  EXPECT_EQ(run({"--help"}).status, 0);
}

}  // namespace
}  // namespace edgeloop::sisso
