// edgeloopd: loads the config, starts the daemon, and turns SIGTERM/SIGINT into a clean,
// draining shutdown.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <thread>

#include "edgeloop/core/config_error.hpp"
#include "edgeloop/daemon/daemon.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace {

// SIGHUP: read the file again; a file that does not load changes nothing. Says what took effect
// and what changed but needs a restart.
// `loaded` is the file as last applied.
void reload_config(const std::string& file, std::optional<edgeloop::ConfigTable>& loaded,
                   edgeloop::Daemon& daemon, spdlog::logger& log) {
  if (file.empty() || !loaded) {
    log.warn("SIGHUP: started without --config, nothing to reload");
    return;
  }
  try {
    const edgeloop::ConfigTable after = edgeloop::ConfigTable::load_file(file);
    edgeloop::DaemonConfig config = edgeloop::load_daemon_config_file(file);
    const edgeloop::ConfigReload plan = edgeloop::plan_config_reload(*loaded, after);
    if (std::find(plan.live.begin(), plan.live.end(), "logging.level") != plan.live.end()) {
      log.set_level(spdlog::level::from_str(config.logging.level));
    }
    daemon.reload(std::move(config));
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
      return out.empty() ? std::string("none") : out;
    };
    log.warn("SIGHUP: reloaded {}; applied: {}; changed but needing a restart: {}", file,
             join(plan.live), join(plan.restart));
    loaded = after;
  } catch (const std::exception& e) {
    log.error("SIGHUP: {} was not applied: {}", file, e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"edgeloopd: closes the loop between detector and instrument"};
  std::string config_file;
  std::string data_dir;
  bool check_only = false;
  app.add_option("-c,--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir, "directory for run data (overrides daemon.data_dir)");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  CLI11_PARSE(app, argc, argv);

  edgeloop::DaemonConfig config;
  try {
    config = config_file.empty()
                 ? edgeloop::load_daemon_config(edgeloop::ConfigTable::parse("", "<defaults>"))
                 : edgeloop::load_daemon_config_file(config_file);
  } catch (const edgeloop::ConfigError& e) {
    std::cerr << "edgeloopd: configuration error: " << e.what() << "\n";
    return 2;
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  // The file as applied, so a SIGHUP can say what changed since.
  std::optional<edgeloop::ConfigTable> applied_file;
  if (!config_file.empty()) applied_file = edgeloop::ConfigTable::load_file(config_file);
  if (check_only) {
    std::cout << "configuration OK\n";
    return 0;
  }

  // Block the stop signals in every thread; this thread alone waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto log = edgeloop::make_logger("edgeloopd", config.logging);
  edgeloop::KokkosRuntime kokkos;
  int exit_code = 0;
  try {
    edgeloop::Daemon daemon(config, log);
    std::thread io([&] {
      try {
        daemon.run();
      } catch (const std::exception& e) {
        log->critical("daemon stopped on an error: {}", e.what());
        exit_code = 1;
      }
      // Wakes the signal wait below when run() returns on its own.
      kill(getpid(), SIGTERM);
    });
    for (;;) {
      int signo = 0;
      sigwait(&signals, &signo);
      if (signo == SIGHUP) {
        reload_config(config_file, applied_file, daemon, *log);
        continue;
      }
      log->info("signal {} received, shutting down", signo);
      daemon.request_stop();
      break;
    }
    io.join();
  } catch (const std::exception& e) {
    log->critical("cannot start: {}", e.what());
    return 1;
  }
  return exit_code;
}
