// Decides, message by message, which fault a simulated instrument injects next; the protocol
// loop carries the decisions out. Reproducible: the draws come from the instrument's seed, through
// random.hpp's generator, so a fault pattern replays the same with every standard library.
#pragma once

#include <cstdint>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/sims/fault_config.hpp"
#include "edgeloop/sims/random.hpp"

namespace edgeloop::sims {

// What to do with one outgoing data message.
struct DataFault {
  bool stall_before = false;       // stop answering anything for FaultConfig::stall first
  bool disconnect_before = false;  // close and reopen both sockets first
  bool drop = false;
  bool corrupt = false;
  bool duplicate = false;
};

// Not thread-safe: owned by the instrument loop.
class FaultInjector {
 public:
  FaultInjector(FaultConfig config, std::uint64_t seed);

  const FaultConfig& config() const { return config_; }
  bool enabled() const { return config_.any(); }

  // Called once per data message, in order.
  DataFault next_data();
  // True when the next ack is to be lost.
  bool drop_next_ack();

  // Damages a message the way a broken link or firmware would: flips bytes of the first part
  // (the header no longer decodes, or decodes to nonsense), or cuts the last part short (the
  // payload no longer matches the size the header announces).
  void corrupt(std::vector<zmq::message_t>& parts);

 private:
  static bool draw(Xoshiro256& rng, double probability);

  FaultConfig config_;
  Xoshiro256 rng_;      // data faults
  Xoshiro256 ack_rng_;  // lost acks
  std::uint64_t data_messages_ = 0;
};

}  // namespace edgeloop::sims
