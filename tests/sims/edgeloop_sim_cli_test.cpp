// The edgeloop-sim program as an operator and the daemon see it: options, exit codes, and one
// command round trip over TCP ending with SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/free_port.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kBinary = EDGELOOP_SIM_BINARY;
constexpr std::string_view kExampleConfig = EDGELOOP_SOURCE_DIR "/config/sim-4dstem.toml";

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(EdgeloopSimCli, HelpListsTheOptions) {
  const auto result =
      testing::run_program(kBinary, {"4dstem", "--config", std::string(kExampleConfig), "--help"});
  EXPECT_EQ(result.status, 0) << result.output;
  for (const char* option : {"--config", "--data", "--commands", "--seed", "--name", "--truth",
                             "--fault", "4dstem", "saxs", "apt"}) {
    EXPECT_TRUE(contains(result.output, option)) << option << " missing from:\n" << result.output;
  }
}

TEST(EdgeloopSimCli, BadFaultOptionExitsWithTwoNamingIt) {
  const auto result = testing::run_program(
      kBinary, {"4dstem", "--config", std::string(kExampleConfig), "--fault", "stall_every=3"});
  EXPECT_EQ(result.status, 2);
  EXPECT_TRUE(contains(result.output, "stall_ms")) << result.output;
}

TEST(EdgeloopSimCli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(testing::run_program(kBinary, {"4dstem"}).status, 2);  // no --config
  EXPECT_EQ(testing::run_program(kBinary, {"tomography", "--config", "x"}).status, 2);
  const auto missing = testing::run_program(kBinary, {"4dstem", "--config", "/nonexistent.toml"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.output, "/nonexistent.toml")) << missing.output;
}

TEST(EdgeloopSimCli, UnknownConfigKeyExitsWithTwoNamingFileAndKey) {
  testing::TempDir dir;
  const auto file = dir / "typo.toml";
  std::ofstream(file) << "[detector]\nsize = 128\ndtpye = \"u8\"\n";
  const auto result = testing::run_program(kBinary, {"4dstem", "--config", file.string()});
  EXPECT_EQ(result.status, 2);
  EXPECT_TRUE(contains(result.output, file.string())) << result.output;
  EXPECT_TRUE(contains(result.output, "detector.dtpye")) << result.output;
}

// Each modality as its own process over TCP: hello, one command that makes data, the data,
// the ground-truth file, and a clean exit on SIGTERM.
struct ModalityCase {
  std::string modality;
  std::string config;
  std::string actuator;
  std::vector<double> target;
  std::size_t parts;  // of the data message
};

class EdgeloopSimModality : public ::testing::TestWithParam<ModalityCase> {};

TEST_P(EdgeloopSimModality, ServesACommandOverTcpAndStopsCleanlyOnSigterm) {
  const ModalityCase& c = GetParam();
  const std::string data = testing::free_loopback_endpoint();
  const std::string commands = testing::free_loopback_endpoint();
  zmq::context_t context(1);
  test::FakeDaemonCommands daemon(context, commands);
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.set(zmq::sockopt::linger, 0);
  pull.bind(data);

  testing::TempDir dir;
  const auto truth = dir / "truth.h5";
  testing::ChildProcess sim(
      kBinary,
      {c.modality, "--config", EDGELOOP_SOURCE_DIR "/config/" + c.config, "--data", data,
       "--commands", commands, "--name", "sim-cli", "--seed", "5", "--truth", truth.string()},
      dir / "sim.log");
  const wire::InstrumentStatus* hello = daemon.next_status(10s);
  ASSERT_NE(hello, nullptr) << "no hello; is the simulator running? " << read_text(dir / "sim.log");
  EXPECT_EQ(daemon.identity(), "sim-cli");
  EXPECT_EQ(hello->instrument()->str(), "sim-cli");
  EXPECT_TRUE(std::filesystem::exists(truth)) << "the ground truth is written at start-up";

  CommandFields command;
  command.run_id = Uuid::random();
  command.seq = 1;
  command.actuator = c.actuator;
  command.target = c.target;
  command.deadline_wall_ns = wall_ns() + 10'000'000'000;
  daemon.send_command(command);
  const wire::Ack* ack = daemon.next_ack(5s);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->status(), wire::AckStatus::Done) << (ack->reason() ? ack->reason()->str() : "");
  const auto frame = test::receive_frame(pull, 10s);
  ASSERT_TRUE(frame) << read_text(dir / "sim.log");
  EXPECT_EQ(frame->parts, c.parts);

  sim.signal(SIGTERM);
  const auto status = sim.wait_for(5s);
  ASSERT_TRUE(status) << "still running 5 s after SIGTERM";
  EXPECT_EQ(*status, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Modalities, EdgeloopSimModality,
    ::testing::Values(ModalityCase{"4dstem", "sim-4dstem.toml", "scan_position", {100, 200}, 2},
                      ModalityCase{"saxs", "sim-saxs.toml", "acquire", {1}, 2},
                      ModalityCase{"apt", "sim-apt.toml", "pause", {0}, 1}),
    [](const auto& param_info) { return param_info.param.modality; });

}  // namespace
}  // namespace edgeloop::sims
