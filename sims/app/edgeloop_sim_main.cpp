// edgeloop-sim: a simulated instrument that talks to edgeloopd over the wire protocol only.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <stop_token>
#include <string>
#include <zmq.hpp>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/sims/stem4d_config.hpp"
#include "edgeloop/sims/stem4d_instrument.hpp"
#include "edgeloop/sims/stop_on_signal.hpp"

namespace {

// Exit codes: 0 after a clean stop, 1 when the instrument fails at run time, 2 for a usage or
// configuration error that rerunning will not fix.
constexpr int kRuntimeError = 1;
constexpr int kUsageError = 2;

int run_4dstem(const std::string& config_file, const edgeloop::sims::Stem4DOverrides& overrides) {
  // First of all, so a SIGTERM during start-up is a clean stop (exit 0), and before the ZeroMQ
  // context, whose I/O threads must inherit the blocked signals.
  std::stop_source stop;
  edgeloop::sims::StopOnSignal signals(stop);
  edgeloop::sims::Stem4DConfig config;
  std::shared_ptr<spdlog::logger> logger;
  try {
    config = edgeloop::sims::load_stem4d_config(config_file, overrides);
    logger = edgeloop::make_logger(config.name, config.log);
  } catch (const edgeloop::ConfigError& error) {
    std::cerr << "edgeloop-sim: " << error.what() << '\n';
    return kUsageError;
  } catch (const std::exception& error) {
    std::cerr << "edgeloop-sim: " << config_file << ": logging: " << error.what() << '\n';
    return kUsageError;
  }
  if (stop.stop_requested()) return 0;
  zmq::context_t context(1);
  try {
    edgeloop::sims::Stem4DInstrument instrument(config, context, logger);
    instrument.run(stop.get_token());
  } catch (const std::exception& error) {
    logger->critical("{}", error.what());
    return kRuntimeError;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{
      "Simulated instrument for edgeloop: sends detector frames and executes scan "
      "commands over ZeroMQ, like a real one."};
  std::string modality;
  std::string config_file;
  std::string data;
  std::string commands;
  std::string name;
  std::uint64_t seed = 0;
  app.add_option("modality", modality, "Instrument to simulate: 4dstem (saxs, apt: planned)")
      ->required()
      ->check(CLI::IsMember({"4dstem", "saxs", "apt"}));
  app.add_option("--config", config_file, "TOML file, e.g. config/sim-4dstem.toml")->required();
  auto* data_option = app.add_option("--data", data, "Data endpoint to PUSH frames to");
  auto* commands_option =
      app.add_option("--commands", commands, "Command endpoint of the daemon's ROUTER");
  auto* seed_option = app.add_option("--seed", seed, "Seed of specimen and noise");
  auto* name_option = app.add_option("--name", name, "Instrument name and routing id");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kUsageError;
  }

  if (modality != "4dstem") {
    std::cerr << "edgeloop-sim: modality '" << modality << "' is not implemented yet\n";
    return kUsageError;
  }
  edgeloop::sims::Stem4DOverrides overrides;
  if (*data_option) overrides.data_endpoint = data;
  if (*commands_option) overrides.commands_endpoint = commands;
  if (*seed_option) overrides.seed = seed;
  if (*name_option) overrides.name = name;
  return run_4dstem(config_file, overrides);
} catch (const std::exception& error) {
  // Only reachable before the logger exists, e.g. when memory runs out while parsing.
  std::cerr << "edgeloop-sim: " << error.what() << '\n';
  return kRuntimeError;
}
