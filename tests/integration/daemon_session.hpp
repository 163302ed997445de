// edgeloopd and the simulated 4D-STEM instrument as separate processes on fresh loopback ports,
// with the admin API and the CLI at hand: the fixture every integration test starts from.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/free_port.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::testing {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

class DaemonSession : public ::testing::Test {
 protected:
  // Writes both configs on freshly chosen loopback ports and starts edgeloopd. A port picked
  // free can be taken by another test before the daemon binds it, so a failed start is retried
  // on new ports. `daemon_extra` and `sim_extra` are appended TOML.
  std::unique_ptr<ChildProcess> start_daemon(const std::string& sim_extra = {},
                                             const std::string& daemon_extra = {}) {
    using namespace std::chrono_literals;
    for (int attempt = 0; attempt < 3; ++attempt) {
      data_ = free_loopback_endpoint();
      results_ = free_loopback_endpoint();
      commands_ = free_loopback_endpoint();
      admin_ = free_loopback_endpoint();
      std::ofstream(dir_ / "edgeloopd.toml")
          << "[daemon]\ndata_dir = \"" << runs_.string() << "\"\n[endpoints]\ndata = \"" << data_
          << "\"\nresults = \"" << results_ << "\"\ncommands = \"" << commands_ << "\"\nadmin = \""
          << admin_ << "\"\n[publish]\nsndhwm = 100000\nheartbeat_ms = 50\n"
          << "[logging]\nlevel = \"info\"\n"
          << daemon_extra;
      std::ofstream(dir_ / "sim.toml")
          << "[instrument]\nname = \"sim-4dstem\"\nseed = 7\n[endpoints]\ndata = \"" << data_
          << "\"\ncommands = \"" << commands_ << "\"\n[detector]\nsize = 96\ndtype = \"u16\"\n"
          << sim_extra;
      auto daemon = std::make_unique<ChildProcess>(
          EDGELOOPD_BINARY,
          std::vector<std::string>{"--config", (dir_ / "edgeloopd.toml").string()},
          dir_ / "edgeloopd.log");
      if (wait_until(
              [&] {
                return !daemon->running() || admin({{"cmd", "ping"}}).has_value();
              },
              10s) &&
          daemon->running()) {
        return daemon;
      }
    }
    ADD_FAILURE() << "edgeloopd did not start: " << read_file(dir_ / "edgeloopd.log");
    return nullptr;
  }

  std::unique_ptr<ChildProcess> start_sim() {
    auto sim = std::make_unique<ChildProcess>(
        EDGELOOP_SIM_BINARY,
        std::vector<std::string>{"4dstem", "--config", (dir_ / "sim.toml").string()},
        dir_ / "sim.log");
    const bool connected = wait_until(
        [&] {
          const auto s = admin({{"cmd", "status"}});
          return s && !(*s)["instruments"].empty() &&
                 (*s)["instruments"][0].value("connected", false);
        },
        std::chrono::seconds(10));
    if (!connected) {
      ADD_FAILURE() << "the simulator did not connect: " << read_file(dir_ / "sim.log");
      return nullptr;
    }
    return sim;
  }

  // A simulated instrument of `modality` ("4dstem", "saxs" or "apt") named "sim-<modality>",
  // configured by sim-<modality>.toml: the session's endpoints and seed 7, then `extra_toml`
  // (whole tables, e.g. "[detector]\nsize = 128\n"); started and connected to the daemon.
  // start_daemon() must have run; the sim.toml it writes serves only the start_sim() above.
  std::unique_ptr<ChildProcess> start_sim(const std::string& modality,
                                          const std::string& extra_toml) {
    const std::string name = "sim-" + modality;
    const auto config = dir_ / (name + ".toml");
    std::ofstream(config) << "[instrument]\nname = \"" << name
                          << "\"\nseed = 7\n[endpoints]\ndata = \"" << data_ << "\"\ncommands = \""
                          << commands_ << "\"\n"
                          << extra_toml;
    const auto log = dir_ / (name + ".log");
    auto sim = std::make_unique<ChildProcess>(
        EDGELOOP_SIM_BINARY, std::vector<std::string>{modality, "--config", config.string()}, log);
    const bool connected = wait_until(
        [&] {
          if (!sim->running()) return true;
          const auto s = admin({{"cmd", "status"}});
          if (!s) return false;
          for (const auto& instrument : (*s)["instruments"]) {
            if (instrument.value("name", "") == name && instrument.value("connected", false)) {
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(20));
    if (!connected || !sim->running()) {
      ADD_FAILURE() << name << " did not connect: " << read_file(log);
      return nullptr;
    }
    return sim;
  }

  std::optional<nlohmann::json> admin(const nlohmann::json& request) {
    zmq::socket_t req(ctx_, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, 2000);
    req.connect(admin_);
    req.send(zmq::buffer(request.dump()), zmq::send_flags::none);
    zmq::message_t reply;
    if (!req.recv(reply, zmq::recv_flags::none)) return std::nullopt;
    return nlohmann::json::parse(reply.to_string_view());
  }

  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", (dir_ / "edgeloopd.toml").string()});
    return run_program(EDGELOOP_CLI_BINARY, args);
  }

  TempDir dir_;
  std::filesystem::path runs_ = dir_ / "runs";
  zmq::context_t ctx_;
  std::string data_, results_, commands_, admin_;
};

}  // namespace edgeloop::testing
