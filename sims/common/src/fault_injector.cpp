#include "edgeloop/sims/fault_injector.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {

// Data and acks draw from separate streams: how commands and data messages interleave depends
// on timing, and must not change which messages are hit.
FaultInjector::FaultInjector(FaultConfig config, std::uint64_t seed)
    : config_(config),
      rng_(detail::derive_seed({detail::kFaultStream, seed, 1})),
      ack_rng_(detail::derive_seed({detail::kFaultStream, seed, 2})) {}

bool FaultInjector::draw(Xoshiro256& rng, double probability) {
  if (probability <= 0.0) return false;
  return uniform01(rng) < probability;
}

DataFault FaultInjector::next_data() {
  const std::uint64_t n = ++data_messages_;
  DataFault fault;
  fault.stall_before = config_.stall_every > 0 && n % config_.stall_every == 0;
  fault.disconnect_before = config_.disconnect_every > 0 && n % config_.disconnect_every == 0;
  // Drawn in a fixed order whatever the outcome, so one setting does not shift the others.
  fault.drop = draw(rng_, config_.drop);
  fault.corrupt = draw(rng_, config_.corrupt);
  fault.duplicate = draw(rng_, config_.duplicate);
  return fault;
}

bool FaultInjector::drop_next_ack() {
  return draw(ack_rng_, config_.drop_ack);
}

void FaultInjector::corrupt(std::vector<zmq::message_t>& parts) {
  if (parts.empty()) return;
  const bool cut_payload =
      parts.size() > 1 && parts.back().size() > 1 && uniform_below(rng_, 2) == 1;
  if (cut_payload) {
    zmq::message_t& last = parts.back();
    zmq::message_t shorter(last.data(), last.size() / 2);
    last = std::move(shorter);
    return;
  }
  zmq::message_t& first = parts.front();
  if (first.size() == 0) return;
  auto* bytes = first.data<std::uint8_t>();
  // A handful of flipped bytes: sometimes the identifier or offsets (undecodable), sometimes
  // only field values (decodes, but with wrong content).
  const std::size_t flips = std::min<std::size_t>(4, first.size());
  // Only the first 4 GiB can be hit, far more than any header holds.
  const auto size = static_cast<std::uint32_t>(
      std::min<std::size_t>(first.size(), std::numeric_limits<std::uint32_t>::max()));
  for (std::size_t i = 0; i < flips; ++i) bytes[uniform_below(rng_, size)] ^= 0xA5U;
}

}  // namespace edgeloop::sims
