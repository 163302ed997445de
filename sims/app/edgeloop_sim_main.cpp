// edgeloop-sim: a simulated instrument that talks to edgeloopd over the wire protocol only.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <memory>
#include <stop_token>
#include <string>
#include <zmq.hpp>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/sims/apt_config.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/sims/instrument_loop.hpp"
#include "edgeloop/sims/saxs_config.hpp"
#include "edgeloop/sims/saxs_device.hpp"
#include "edgeloop/sims/stem4d_config.hpp"
#include "edgeloop/sims/stem4d_device.hpp"
#include "edgeloop/sims/stop_on_signal.hpp"

namespace {

// Exit codes: 0 after a clean stop, 1 when the instrument fails at run time, 2 for a usage or
// configuration error that rerunning will not fix.
constexpr int kRuntimeError = 1;
constexpr int kUsageError = 2;

// `stop` is requested by SIGTERM or SIGINT from before the configuration is read, so a signal
// during start-up is a clean stop (exit 0).
template <class Device, class Config>
int run_instrument(Config (*load)(const std::filesystem::path&,
                                  const edgeloop::sims::SimOverrides&),
                   const std::string& config_file, const edgeloop::sims::SimOverrides& overrides,
                   const std::stop_source& stop) {
  Config config;
  std::shared_ptr<spdlog::logger> logger;
  try {
    config = load(config_file, overrides);
    logger = edgeloop::make_logger(config.common.name, config.common.log);
  } catch (const edgeloop::ConfigError& error) {
    std::cerr << "edgeloop-sim: " << error.what() << '\n';
    return kUsageError;
  } catch (const std::exception& error) {
    std::cerr << "edgeloop-sim: " << config_file << ": " << error.what() << '\n';
    return kUsageError;
  }
  if (stop.stop_requested()) return 0;
  zmq::context_t context(1);
  try {
    Device device(config);
    edgeloop::sims::InstrumentLoop loop(config.common, device, context, logger);
    loop.run(stop.get_token());
  } catch (const std::exception& error) {
    logger->critical("{}", error.what());
    return kRuntimeError;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  // First of all, so a SIGTERM during start-up is a clean stop, and before the ZeroMQ context,
  // whose I/O threads must inherit the blocked signals. (Held through a pointer: GCC 12 warns
  // falsely that a std::stop_source on main's stack "may be used uninitialized".)
  const auto stop = std::make_unique<std::stop_source>();
  edgeloop::sims::StopOnSignal signals(*stop);
  CLI::App app{
      "Simulated instrument for edgeloop: sends detector frames or ion events and executes "
      "commands over ZeroMQ, like a real one."};
  std::string modality;
  std::string config_file;
  std::string data;
  std::string commands;
  std::string name;
  std::string truth;
  std::vector<std::string> faults;
  std::uint64_t seed = 0;
  app.add_option("modality", modality, "Instrument to simulate: 4dstem, saxs or apt")
      ->required()
      ->check(CLI::IsMember({"4dstem", "saxs", "apt"}));
  app.add_option("--config", config_file, "TOML file, e.g. config/sim-4dstem.toml")->required();
  auto* data_option = app.add_option("--data", data, "Data endpoint to PUSH frames to");
  auto* commands_option =
      app.add_option("--commands", commands, "Command endpoint of the daemon's ROUTER");
  auto* seed_option = app.add_option("--seed", seed, "Seed of specimen and noise");
  auto* name_option = app.add_option("--name", name, "Instrument name and routing id");
  auto* truth_option =
      app.add_option("--truth", truth, "Write the ground truth to this HDF5 file at start-up");
  app.add_option("--fault", faults,
                 "Inject a fault, as a [faults] key=value (e.g. drop=0.01); repeatable");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kUsageError;
  }

  edgeloop::sims::SimOverrides overrides;
  if (*data_option) overrides.data_endpoint = data;
  if (*commands_option) overrides.commands_endpoint = commands;
  if (*seed_option) overrides.seed = seed;
  if (*name_option) overrides.name = name;
  if (*truth_option) overrides.truth_file = truth;
  overrides.faults = faults;
  using namespace edgeloop::sims;
  if (modality == "saxs")
    return run_instrument<SaxsDevice>(&load_saxs_config, config_file, overrides, *stop);
  if (modality == "apt")
    return run_instrument<AptDevice>(&load_apt_config, config_file, overrides, *stop);
  return run_instrument<Stem4DDevice>(&load_stem4d_config, config_file, overrides, *stop);
} catch (const std::exception& error) {
  // Only reachable before the logger exists, e.g. when memory runs out while parsing.
  std::cerr << "edgeloop-sim: " << error.what() << '\n';
  return kRuntimeError;
}
