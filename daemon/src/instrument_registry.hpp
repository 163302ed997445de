// The instruments edgeloopd has heard from on the command socket, by routing id: what each last
// reported and whether it is still connected. Used by the I/O thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgeloop/core/wire.hpp"

namespace edgeloop {

struct InstrumentInfo {
  std::string identity;
  std::string name;
  wire::Modality modality = wire::Modality::Unknown;
  wire::InstrumentState state = wire::InstrumentState::Unknown;
  bool interlock = false;
  std::uint64_t frames_sent = 0;
  std::int64_t last_seen_mono_ns = 0;
  // Actuator readbacks of the last status (the daemon has checked their sizes).
  std::vector<std::pair<std::string, std::vector<double>>> actuators{};
};

class InstrumentRegistry {
 public:
  // A bound on the table, so peers that keep changing routing ids cannot grow it without end.
  static constexpr std::size_t kCapacity = 64;

  // What a status message did: updated a connected instrument, connected one (new, or silent
  // past the timeout until now), or was refused because the table is full.
  enum class Update { Refreshed, Connected, Full };

  // An instrument is connected while it was heard from within `heartbeat_timeout`.
  explicit InstrumentRegistry(std::chrono::milliseconds heartbeat_timeout);

  // When the table is full, instruments silent for ten timeouts are forgotten to make room for
  // a new one; `in_use` (the active run's instrument) never is.
  Update record_status(const std::string& identity, const wire::InstrumentStatus& status,
                       std::optional<std::string_view> in_use);
  // Any message from a known instrument shows that it is alive.
  void saw(const std::string& identity);
  // The first connected instrument of `modality` named `name` (any name when empty), or nullptr.
  const InstrumentInfo* find_connected(wire::Modality modality, const std::string& name) const;
  // The instrument with this routing id, connected or not; nullptr when unknown.
  const InstrumentInfo* find(const std::string& identity) const {
    const auto it = instruments_.find(identity);
    return it == instruments_.end() ? nullptr : &it->second;
  }
  // The "instruments" array of the status reply.
  nlohmann::json to_json() const;

 private:
  bool connected(const InstrumentInfo& info) const;
  void forget_silent(std::optional<std::string_view> in_use);

  std::int64_t timeout_ns_;
  std::map<std::string, InstrumentInfo> instruments_;
};

}  // namespace edgeloop
