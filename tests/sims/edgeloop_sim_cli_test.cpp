// The edgeloop-sim program as an operator and the daemon see it: options, exit codes, and one
// command round trip over TCP ending with SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
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

// Runs the program with `seed`, sends `commands` commands of the modality's case (one run, seqs
// 1..n) and returns every data message's payload parts, in order: the stream as the daemon
// would store it, minus the time stamps and run id of the headers.
std::vector<std::vector<std::byte>> record_stream(const ModalityCase& c, const std::string& seed,
                                                  int commands) {
  const std::string data = testing::free_loopback_endpoint();
  const std::string command_endpoint = testing::free_loopback_endpoint();
  zmq::context_t context(1);
  test::FakeDaemonCommands daemon(context, command_endpoint);
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.set(zmq::sockopt::linger, 0);
  pull.bind(data);
  testing::TempDir dir;
  testing::ChildProcess sim(kBinary,
                            {c.modality, "--config", EDGELOOP_SOURCE_DIR "/config/" + c.config,
                             "--data", data, "--commands", command_endpoint, "--seed", seed},
                            dir / "sim.log");
  std::vector<std::vector<std::byte>> stream;
  if (daemon.next_status(10s) == nullptr) {
    ADD_FAILURE() << "no hello: " << read_text(dir / "sim.log");
    return stream;
  }
  const Uuid run = Uuid::random();
  for (int i = 0; i < commands; ++i) {
    CommandFields command;
    command.run_id = run;
    command.seq = static_cast<std::uint64_t>(i + 1);
    command.actuator = c.actuator;
    command.target = c.target;
    if (c.modality == "4dstem") command.target = {100.0 + 37.0 * i, 200.0 + 11.0 * i};
    daemon.send_command(command);
    EXPECT_NE(daemon.next_ack(5s), nullptr);
    if (c.modality == "apt") break;  // one "pause 0" starts the stream
  }
  while (stream.size() < static_cast<std::size_t>(commands)) {
    const auto frame = test::receive_frame(pull, 10s);
    if (!frame) break;
    // An APT chunk is one flatbuffer holding its events; frames carry pixels in the payload.
    stream.push_back(c.parts == 1 ? frame->header_bytes : frame->payload);
  }
  sim.signal(SIGTERM);
  EXPECT_EQ(sim.wait_for(5s), std::optional<int>(0));
  return stream;
}

// APT chunks hold the run id and time stamps in the same flatbuffer as the events; compare the
// events alone.
std::vector<std::byte> events_of(const std::vector<std::byte>& chunk_bytes) {
  const auto decoded = decode<wire::EventChunk>(chunk_bytes);
  const auto* chunk = std::get_if<const wire::EventChunk*>(&decoded);
  if (chunk == nullptr || (*chunk)->events() == nullptr) return {};
  const auto* events = (*chunk)->events();
  const auto* begin = reinterpret_cast<const std::byte*>(events->Data());
  return {begin, begin + events->size() * sizeof(wire::Event)};
}

TEST_P(EdgeloopSimModality, SameSeedGivesTheSameStreamAndAnotherSeedDoesNot) {
  const ModalityCase& c = GetParam();
  // The atom probe's first chunks may hold no ions while its voltage ramps up.
  const int kMessages = c.parts == 1 ? 12 : 4;
  auto first = record_stream(c, "21", kMessages);
  auto again = record_stream(c, "21", kMessages);
  auto other = record_stream(c, "22", kMessages);
  ASSERT_EQ(first.size(), static_cast<std::size_t>(kMessages));
  ASSERT_EQ(again.size(), first.size());
  ASSERT_EQ(other.size(), first.size());
  if (c.parts == 1) {
    for (auto* stream : {&first, &again, &other}) {
      for (auto& message : *stream) message = events_of(message);
    }
    ASSERT_TRUE(std::any_of(first.begin(), first.end(), [](const auto& m) { return !m.empty(); }))
        << "the stream carries events";
  }
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
}

INSTANTIATE_TEST_SUITE_P(
    Modalities, EdgeloopSimModality,
    ::testing::Values(ModalityCase{"4dstem", "sim-4dstem.toml", "scan_position", {100, 200}, 2},
                      ModalityCase{"saxs", "sim-saxs.toml", "acquire", {1}, 2},
                      ModalityCase{"apt", "sim-apt.toml", "pause", {0}, 1}),
    [](const auto& param_info) { return param_info.param.modality; });

}  // namespace
}  // namespace edgeloop::sims
