// edgeloopd's engine: binds the data, results, command and admin sockets, runs scans on the
// connected instruments, processes every frame through the stages, publishes the results and
// records every frame, result, command and ack in the run's provenance log.
//
// Threads: the I/O thread (the caller of run()) owns the PULL, ROUTER and REP sockets, the
// controllers and the command trackers; one worker thread owns the PUB socket and the stages.
// Frames cross between them through a bounded queue; when it is full the I/O thread stops
// reading frames so ZeroMQ's high-water mark pushes back on the instrument (lossless).
#pragma once

#include <spdlog/logger.h>
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/daemon/daemon_config.hpp"

namespace edgeloop {

class Daemon {
 public:
  // Binds every socket; throws zmq::error_t or std::runtime_error when an endpoint is taken.
  Daemon(DaemonConfig config, std::shared_ptr<spdlog::logger> logger);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until request_stop(); then drains in-flight frames, seals an active run's log as
  // interrupted, and returns.
  void run();
  // Safe from any thread (and from the signal-waiting thread).
  void request_stop();
  // A new configuration (SIGHUP): its pipelines and safety sections apply from the next run;
  // the active run keeps its stages and envelope. Safe from any thread.
  void reload(DaemonConfig config);

  const Counters& counters() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace edgeloop
