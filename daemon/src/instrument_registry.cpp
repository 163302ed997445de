#include "instrument_registry.hpp"

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "nanoseconds.hpp"

namespace edgeloop {

InstrumentRegistry::InstrumentRegistry(std::chrono::milliseconds heartbeat_timeout)
    : timeout_ns_(to_ns(heartbeat_timeout)) {}

InstrumentRegistry::Update InstrumentRegistry::record_status(
    const std::string& identity, const wire::InstrumentStatus& status,
    std::optional<std::string_view> in_use) {
  if (!instruments_.contains(identity) && instruments_.size() >= kCapacity) {
    forget_silent(in_use);
    if (instruments_.size() >= kCapacity) return Update::Full;
  }
  auto [it, inserted] = instruments_.try_emplace(identity);
  InstrumentInfo& info = it->second;
  const bool was_stale = !inserted && !connected(info);
  info.identity = identity;
  info.name = status.instrument()->str();
  info.modality = status.modality();
  info.state = status.state();
  info.interlock = status.interlock();
  info.frames_sent = status.frames_sent();
  info.actuators.clear();
  if (status.actuators() != nullptr) {
    for (const auto* a : *status.actuators()) {
      if (a == nullptr || a->name() == nullptr) continue;
      std::vector<double> value;
      if (a->value() != nullptr) value.assign(a->value()->begin(), a->value()->end());
      info.actuators.emplace_back(a->name()->str(), std::move(value));
    }
  }
  info.last_seen_mono_ns = monotonic_ns();
  return inserted || was_stale ? Update::Connected : Update::Refreshed;
}

void InstrumentRegistry::saw(const std::string& identity) {
  if (auto it = instruments_.find(identity); it != instruments_.end()) {
    it->second.last_seen_mono_ns = monotonic_ns();
  }
}

const InstrumentInfo* InstrumentRegistry::find_connected(wire::Modality modality,
                                                         const std::string& name) const {
  for (const auto& [identity, info] : instruments_) {
    if (connected(info) && info.modality == modality && (name.empty() || name == info.name)) {
      return &info;
    }
  }
  return nullptr;
}

nlohmann::json InstrumentRegistry::to_json() const {
  nlohmann::json instruments = nlohmann::json::array();
  for (const auto& [identity, info] : instruments_) {
    instruments.push_back({{"name", info.name},
                           {"modality", modality_name(info.modality)},
                           {"state", wire::EnumNameInstrumentState(info.state)},
                           {"interlock", info.interlock},
                           {"frames_sent", info.frames_sent},
                           {"actuators",
                            [&] {
                              nlohmann::json a = nlohmann::json::object();
                              for (const auto& [name, value] : info.actuators) a[name] = value;
                              return a;
                            }()},
                           {"connected", connected(info)},
                           {"last_seen_s", seconds_since(info.last_seen_mono_ns)}});
  }
  return instruments;
}

bool InstrumentRegistry::connected(const InstrumentInfo& info) const {
  return monotonic_ns() - info.last_seen_mono_ns <= timeout_ns_;
}

void InstrumentRegistry::forget_silent(std::optional<std::string_view> in_use) {
  std::erase_if(instruments_, [&](const auto& entry) {
    const bool kept = in_use && *in_use == entry.first;
    return !kept && monotonic_ns() - entry.second.last_seen_mono_ns > 10 * timeout_ns_;
  });
}

}  // namespace edgeloop
