// Shared by the offload-layer tests: a runner's surroundings in a temporary directory, and a
// real single-node Slurm brought up and torn down with scripts/slurm-local.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/jobs/content_store.hpp"
#include "edgeloop/jobs/job_status_queue.hpp"
#include "edgeloop/jobs/runner.hpp"
#include "edgeloop/jobs/slurm_runner.hpp"
#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs::testing {

using namespace std::chrono_literals;

// The source tree and this build's tree, as CMake passed them.
inline std::filesystem::path source_dir() {
  return EDGELOOP_SOURCE_DIR;
}
inline std::filesystem::path binary_dir() {
  return EDGELOOP_BINARY_DIR;
}

// What a runner needs around it: directories, counters, a logger and a status queue.
struct RunnerEnvironment {
  edgeloop::testing::TempDir dir;
  Counters counters;
  std::shared_ptr<spdlog::logger> log = make_logger("jobs-test", LogConfig{"warn", "text", ""});
  JobStatusQueue statuses{4096};
  RunnerPaths paths{dir / "jobs", dir / "store", StageMode::Copy};
  ContentStore store{paths.store_root};

  RunnerHooks hooks() { return RunnerHooks{statuses.sink(), nullptr}; }

  // A shell script in the store, staged into the job as `name`.
  InputFile script(const std::string& name, const std::string& body) const {
    return store.put_bytes("#!/bin/sh\n" + body + "\n", name);
  }

  // A spec that runs `sh -c <command>` in the job directory.
  static JobSpec shell(const std::string& command) {
    JobSpec spec;
    spec.program = "/bin/sh";
    spec.program_version = "dash";
    spec.args = {"-c", command};
    return spec;
  }
};

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Polls until `done` holds or the timeout passes; returns whether it held.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// A Slurm cluster of its own (controller, node daemon, munge) under `dir`, on random free
// ports so tests in parallel do not meet.
class SlurmCluster {
 public:
  // Why no cluster can be brought up here, or nullopt when one can.
  static std::optional<std::string> unavailable_reason() {
    if (::geteuid() != 0) return "the Slurm tests need root (the daemons run as root)";
    const auto check =
        edgeloop::testing::run_program(source_dir() / "scripts/slurm-local", {"check"}, 30s);
    if (check.status != 0) return check.output;
    return std::nullopt;
  }

  explicit SlurmCluster(std::filesystem::path dir) : dir_(std::move(dir)) {
    const auto up = script({"up", dir_.string()}, 120s);
    if (up.status != 0) {
      script({"down", dir_.string()}, 120s);  // the destructor will not run
      throw std::runtime_error("scripts/slurm-local up failed:\n" + up.output);
    }
  }
  ~SlurmCluster() {
    const auto down = script({"down", dir_.string()}, 120s);
    if (down.status != 0) ADD_FAILURE() << "scripts/slurm-local down failed:\n" << down.output;
  }
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  std::filesystem::path conf() const { return dir_ / "slurm.conf"; }
  const std::filesystem::path& dir() const { return dir_; }

  void stop_controller(bool kill = false) {
    std::vector<std::string> args{"ctld-stop", dir_.string()};
    if (kill) args.push_back("--kill");
    const auto result = script(args, 60s);
    ASSERT_EQ(result.status, 0) << result.output;
  }
  void start_controller() {
    const auto result = script({"ctld-start", dir_.string()}, 60s);
    ASSERT_EQ(result.status, 0) << result.output;
  }

 private:
  static edgeloop::testing::RunResult script(const std::vector<std::string>& args,
                                             std::chrono::milliseconds timeout) {
    return edgeloop::testing::run_program(source_dir() / "scripts/slurm-local", args, timeout);
  }

  std::filesystem::path dir_;
};

// A test with its own Slurm cluster, skipped (with the reason) where Slurm is not installed.
class SlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto reason = SlurmCluster::unavailable_reason()) GTEST_SKIP() << *reason;
    cluster.emplace(env.dir / "slurm");
  }

  SlurmRunnerConfig config() const {
    SlurmRunnerConfig c;
    c.state_dir = env.dir / "state";
    c.slurm_conf = cluster->conf();
    c.poll_interval = 200ms;
    // A client facing a stopped controller retries for about 8 s; give up sooner.
    c.command_timeout = 5s;
    return c;
  }

  std::unique_ptr<SlurmRunner> make_runner() {
    return std::make_unique<SlurmRunner>(env.paths, config(), env.counters, *env.log, env.hooks());
  }

  RunnerEnvironment env;
  std::optional<SlurmCluster> cluster;
};

}  // namespace edgeloop::jobs::testing
