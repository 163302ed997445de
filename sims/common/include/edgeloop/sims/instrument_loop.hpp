// The protocol half of every simulated instrument: sockets, commands and acks, heartbeats,
// pacing, run and sequence numbering, backpressure and injected faults, around a SimDevice.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/sims/ack_cache.hpp"
#include "edgeloop/sims/fault_injector.hpp"
#include "edgeloop/sims/sim_common_config.hpp"
#include "edgeloop/sims/sim_device.hpp"

namespace edgeloop::sims {

// Protocol, as the daemon expects it (sims/README.md has the full table):
//  - commands: DEALER connected to the daemon's ROUTER, routing id = instrument name. It sends
//    an InstrumentStatus at start and every heartbeat, and answers each valid Command with one
//    Ack of the same run and seq. A (run, seq) already answered gets the same ack again and is
//    not executed again; an invalid message is counted and logged (it has no seq to ack).
//  - data: PUSH connected to the daemon's PULL, one message per frame or event chunk, sent
//    after the ack of the command that caused it. A full receiver blocks the sender (lossless),
//    while heartbeats go on, until the message goes or stop is requested.
//  - while the device owes data to a command, new commands wait (the hardware is busy), except
//    retries and `abort`; otherwise commands and data interleave one at a time.
//
// run() owns the sockets and all mutable state; counters() may be read from any thread.
class InstrumentLoop {
 public:
  // Longest time the loop waits before it looks at the stop token again.
  static constexpr std::chrono::milliseconds kPollInterval{50};
  // After a stop, data owed to commands already acked is still delivered for this long.
  static constexpr std::chrono::milliseconds kStopGrace{2000};
  // Every instrument's actuator that stops the acquisition in hand (SimDevice::abort); its ack
  // reads back how many owed data messages were dropped. Answered even while busy.
  static constexpr std::string_view kAbort = "abort";
  // Commands that may wait while the instrument is busy; more are rejected ("busy").
  static constexpr std::size_t kMaxWaitingCommands = 256;

  // The device and context must outlive run(); tests share their context to use inproc://.
  InstrumentLoop(SimCommonConfig config, SimDevice& device, zmq::context_t& context,
                 std::shared_ptr<spdlog::logger> logger);
  ~InstrumentLoop();
  InstrumentLoop(const InstrumentLoop&) = delete;
  InstrumentLoop& operator=(const InstrumentLoop&) = delete;

  // Writes the ground truth when configured, connects, says hello, then serves commands,
  // data and heartbeats until stop is requested. Throws zmq::error_t if a socket cannot be set
  // up (e.g. a malformed endpoint) and h5::H5Error if the truth file cannot be written.
  void run(const std::stop_token& stop);

  const SimCommonConfig& config() const { return config_; }
  // "commands.received", "commands.invalid.<reason>", "commands.duplicate", "commands.busy",
  // "acks.<status>",
  // "data.sent", "data.dropped" (unsent at stop), "data.late" (slower to make than its period
  // in real time), "data.failed" (the device could not make it; acquisition aborted),
  // "status.sent", "dealer.dropped",
  // "faults.<kind>" for each injected fault.
  const Counters& counters() const { return counters_; }
  std::uint64_t data_sent() const { return data_sent_.load(std::memory_order_relaxed); }

 private:
  struct Sockets;

  void open_sockets();
  void close_sockets();
  void receive_command();
  void handle_command(std::span<const std::byte> bytes);
  // Sends (and, when `remember`, caches for retries) the ack of one command.
  void answer(const Uuid& run, std::uint64_t seq, std::string_view actuator, CommandOutcome outcome,
              bool remember = true);
  void send_data();
  bool push(std::vector<zmq::message_t>& parts);
  void pause_everything(std::chrono::milliseconds duration);
  void heartbeat_if_due();
  void send_status(std::string message);
  void send_on_dealer(std::span<const std::byte> bytes);
  wire::InstrumentState state() const;
  std::chrono::steady_clock::time_point next_data_due() const;

  SimCommonConfig config_;
  SimDevice& device_;
  zmq::context_t& context_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Sockets> sockets_;
  AckCache acks_;
  FaultInjector faults_;
  Counters counters_;
  std::atomic<std::uint64_t>& data_sent_;
  std::atomic<std::uint64_t>& commands_received_;
  const std::stop_token* stop_ = nullptr;  // of the current run(), for the blocking waits

  // Message numbering restarts at 0 whenever a command of another run arrives.
  Uuid current_run_{};
  std::uint64_t next_sequence_ = 0;
  std::chrono::steady_clock::time_point next_heartbeat_{};
  std::optional<std::chrono::steady_clock::time_point> last_data_{};
  bool pushing_ = false;                 // a data message is waiting for room at the receiver
  AlignedScratch command_scratch_;       // an aligned copy of a command that arrived misaligned
  std::deque<zmq::message_t> deferred_;  // commands waiting while the device is busy
};

}  // namespace edgeloop::sims
