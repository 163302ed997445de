// Faults a simulated instrument injects on demand, so the daemon's reliability can be tested
// against the failures real detectors and networks produce.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace edgeloop {
class ConfigTable;
}

namespace edgeloop::sims {

// All off by default. Probabilities are per data message (or per ack for drop_ack); the draws
// come from the instrument's seed, so a fault pattern is reproducible.
struct FaultConfig {
  double drop = 0.0;       // a data message is not sent; its sequence number is skipped
  double duplicate = 0.0;  // a data message is sent twice, same sequence
  double corrupt = 0.0;   // a data message goes out damaged (flipped header bytes or a cut payload)
  double drop_ack = 0.0;  // an ack is not sent (the command still executes: a retry gets it)
  // Every `stall_every` data messages the instrument stops answering anything for `stall`.
  std::uint64_t stall_every = 0;
  std::chrono::milliseconds stall{0};
  // Every `disconnect_every` data messages both sockets are closed and, after `reconnect_after`,
  // opened again: the daemon sees the peer vanish and come back.
  std::uint64_t disconnect_every = 0;
  std::chrono::milliseconds reconnect_after{0};
  // Every ack waits this long before it is sent.
  std::chrono::milliseconds ack_delay{0};

  bool any() const {
    return drop > 0 || duplicate > 0 || corrupt > 0 || drop_ack > 0 || stall_every > 0 ||
           disconnect_every > 0 || ack_delay.count() > 0;
  }
};

// Reads the [faults] table (absent: no faults); ConfigError naming the key for a bad value.
FaultConfig fault_config_from(const ConfigTable& faults);

// Applies one "key=value" override from the command line (--fault drop=0.01), with the same
// checks as the file; ConfigError naming "--fault" otherwise. Settings that come in pairs
// (stall_every with stall_ms) are checked by check_fault_overrides once all are applied.
void apply_fault_override(FaultConfig& config, std::string_view assignment);
void check_fault_overrides(const FaultConfig& config);

}  // namespace edgeloop::sims
