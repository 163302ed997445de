// The simulated 4D-STEM instrument: a DEALER that executes the daemon's scan commands and a
// PUSH that sends one detector frame per probe position, speaking only the wire protocol.
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stop_token>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/sims/ack_cache.hpp"
#include "edgeloop/sims/diffraction_model.hpp"
#include "edgeloop/sims/stem4d_config.hpp"

namespace edgeloop::sims {

// Protocol, as the daemon expects it:
//  - commands: DEALER connected to the daemon's ROUTER, routing id = instrument name. It sends
//    an InstrumentStatus at start and every heartbeat, and answers each valid Command with one
//    Ack of the same run and seq. A (run, seq) already answered gets the same ack again and is
//    not executed again; an invalid message is counted and logged, since it has no seq to ack.
//  - data: PUSH connected to the daemon's PULL, one [FrameHeader][payload] message per probe
//    position, sent after the ack. The send blocks while the receiver's queue is full
//    (lossless backpressure), still sending heartbeats, until the frame goes or stop.
//
// run() owns the sockets and all mutable state; the other members may be called from any
// thread while it runs.
class Stem4DInstrument {
 public:
  static constexpr std::string_view kStream = "4dstem/detector";
  // Longest time the loop waits before it looks at the stop token again.
  static constexpr std::chrono::milliseconds kPollInterval{50};

  // The context must outlive run(); tests share theirs to use inproc:// endpoints.
  Stem4DInstrument(Stem4DConfig config, zmq::context_t& context,
                   std::shared_ptr<spdlog::logger> logger);

  // Connects, says hello, then serves commands and heartbeats until stop is requested. A stop
  // lets the command in hand finish (its frame is dropped only if the receiver stays full).
  // Throws zmq::error_t if a socket cannot be set up, e.g. for a malformed endpoint.
  void run(const std::stop_token& stop);

  const Stem4DConfig& config() const { return config_; }
  const Stem4DSpecimen& specimen() const { return model_.specimen(); }
  // "commands.received", "commands.invalid.<reason>", "commands.duplicate", "acks.<status>",
  // "frames.sent", "frames.dropped", "status.sent", "dealer.dropped".
  const Counters& counters() const { return counters_; }
  std::uint64_t frames_sent() const { return frames_sent_.load(std::memory_order_relaxed); }

 private:
  struct Sockets;
  // What to do once the ack is out.
  struct Acquisition {
    bool wanted = false;
    double x = 0.0;
    double y = 0.0;
  };

  void serve_pending(Sockets& sockets, const std::stop_token& stop);
  void handle_command(Sockets& sockets, std::span<const std::byte> bytes,
                      const std::stop_token& stop);
  AckFields execute(const wire::Command& command, Acquisition& acquisition);
  void acquire(Sockets& sockets, const Uuid& run, std::uint64_t seq, double x, double y,
               const std::stop_token& stop);
  template <class T>
  void render_payload(std::vector<T>& pixels, double x, double y, zmq::message_t& payload);
  bool push_frame(Sockets& sockets, std::span<const std::byte> header,
                  const zmq::message_t& payload, const std::stop_token& stop);
  void pace(const std::stop_token& stop);
  void heartbeat_if_due(Sockets& sockets, wire::InstrumentState state);
  void send_status(Sockets& sockets, wire::InstrumentState state, std::string message);
  void send_on_dealer(Sockets& sockets, std::span<const std::byte> bytes);

  Stem4DConfig config_;
  zmq::context_t& context_;
  std::shared_ptr<spdlog::logger> logger_;
  DiffractionModel model_;
  AckCache acks_;
  Counters counters_;
  std::atomic<std::uint64_t>& frames_sent_;
  std::atomic<std::uint64_t>& commands_received_;

  // Actuator state; the scan coils rest at the centre of the field.
  std::array<double, 2> position_;
  bool blanked_ = false;
  // Frame numbering restarts at 0 whenever a command of another run arrives.
  Uuid current_run_{};
  std::uint64_t next_sequence_ = 0;
  std::chrono::steady_clock::time_point next_heartbeat_{};
  std::chrono::steady_clock::time_point last_frame_{};
  AlignedScratch command_scratch_;  // an aligned copy of a command that arrived misaligned
  std::vector<std::uint8_t> pixels_u8_;
  std::vector<std::uint16_t> pixels_u16_;
  std::vector<std::uint32_t> pixels_u32_;
};

}  // namespace edgeloop::sims
