// The modality-specific half of a simulated instrument: its actuators, its readbacks, the data
// it produces and its ground truth. InstrumentLoop owns everything the protocol needs (sockets,
// acks and their cache, deadlines, heartbeats, pacing, run and sequence numbering, faults).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"

namespace edgeloop::sims {

// What became of one command. `readback` is the actuator's value after execution (for a
// rejected command: its unchanged value, when there is one).
struct CommandOutcome {
  wire::AckStatus status = wire::AckStatus::Rejected;
  std::string reason{};
  std::vector<double> readback{};

  static CommandOutcome done(std::vector<double> readback) {
    return {wire::AckStatus::Done, {}, std::move(readback)};
  }
  static CommandOutcome rejected(std::string reason) {
    return {wire::AckStatus::Rejected, std::move(reason), {}};
  }
};

// Identity of the message the loop asks a device for: the loop numbers messages per run.
struct MessageContext {
  Uuid run{};                  // run of the command that started the acquisition
  std::uint64_t sequence = 0;  // per stream and run, from 0
  std::int64_t wall_ns = 0;    // acquisition time stamps
  std::int64_t mono_ns = 0;
};

// One message for the data socket, parts in order: [FrameHeader][payload] for frames,
// [EventChunk] for sparse events.
struct DataMessage {
  std::vector<zmq::message_t> parts;
};

// Implemented once per modality. All calls come from the loop's thread, one at a time; the
// const queries may also be called by tests between runs. The device never touches a socket.
class SimDevice {
 public:
  virtual ~SimDevice() = default;

  virtual wire::Modality modality() const = 0;
  // Name of the data stream, e.g. "4dstem/detector".
  virtual std::string_view stream() const = 0;

  // Executes one command (the loop has checked its deadline and that it is new). Targets come
  // from the network: anything invalid or outside the hardware limits is Rejected with a reason
  // naming the actuator, the value and the limit; never throws for bad input.
  virtual CommandOutcome execute(std::string_view actuator, std::span<const double> target,
                                 std::uint64_t seq) = 0;

  // Stops the acquisition in hand, as an operator's abort does: data owed to commands is
  // dropped and a free-running stream pauses. Returns how many owed messages were dropped.
  virtual std::uint64_t abort() = 0;

  // Actuator name -> current value, for heartbeats.
  virtual std::vector<std::pair<std::string, std::vector<double>>> readbacks() const = 0;
  virtual bool interlock() const { return false; }

  // True while the device has data to send: frames owed to commands already acked, or a
  // free-running stream (APT while not paused).
  virtual bool has_data() const = 0;
  // True when the data owed is owed to commands already acked: the loop delivers it even after
  // a stop request (within its stop grace), as a real detector finishes the acquisition in hand.
  virtual bool data_owed() const = 0;
  // Time between consecutive data messages when paced (frame period, exposure time, pulses per
  // chunk over the pulse rate); zero sends as fast as the receiver takes them.
  virtual std::chrono::nanoseconds period() const = 0;
  // Builds the next data message; only called while has_data(). The content must depend only on
  // the seed and the commands executed so far, never on timing, so one seed gives byte-identical
  // payloads.
  virtual DataMessage produce(const MessageContext& context) = 0;

  // Writes the ground truth (what evaluation code compares results against) to an HDF5 file.
  virtual void write_truth(const std::filesystem::path& file) const = 0;
};

}  // namespace edgeloop::sims
