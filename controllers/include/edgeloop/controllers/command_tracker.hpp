// Tracks the commands sent to one instrument until each is resolved: gives them sequence
// numbers, says when to resend an unacknowledged one, and expires those past their deadline.
// Single-threaded: owned by the thread that owns the command socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"

namespace edgeloop {

struct CommandTimings {
  std::chrono::milliseconds retry_interval{250};  // resend when no ack arrived within this
  std::chrono::milliseconds deadline{
      5000};  // give up after this; the instrument refuses a command past its deadline
};

struct PendingCommand {
  std::uint64_t seq = 0;
  std::string actuator;
  std::vector<double> target;
  std::string cause;
  std::int64_t scan_index = -1;
  std::int64_t issued_wall_ns = 0;
  std::int64_t deadline_wall_ns = 0;  // for the instrument, on the wire
  std::int64_t deadline_mono_ns = 0;  // for us: immune to steps of the wall clock
  std::int64_t first_sent_mono_ns = 0;
  std::int64_t last_sent_mono_ns = 0;
  std::uint32_t attempts = 0;
};

struct ResolvedCommand {
  PendingCommand command;
  wire::AckStatus status = wire::AckStatus::Unknown;  // Expired when the deadline passed unacked
  std::string reason;
  std::vector<double> readback;
  std::int64_t latency_ns = 0;  // first send to resolution
};

class CommandTracker {
 public:
  CommandTracker(Uuid run_id, CommandTimings timings);

  // Registers a new command and returns it ready for its first send (attempts = 1).
  const PendingCommand& issue(std::string actuator, std::vector<double> target, std::string cause,
                              std::int64_t scan_index, std::int64_t now_wall_ns,
                              std::int64_t now_mono_ns);
  // The commands to resend now; each returned copy has `attempts` already incremented.
  std::vector<PendingCommand> due_for_resend(std::int64_t now_mono_ns);
  // Resolves the command the ack refers to; nullopt for unknown or already-resolved seqs
  // (duplicate acks of retried commands are normal and harmless).
  std::optional<ResolvedCommand> on_ack(const wire::Ack& ack, std::int64_t now_mono_ns);
  // Resolves every command whose deadline has passed as Expired.
  std::vector<ResolvedCommand> expire(std::int64_t now_mono_ns);

  std::size_t in_flight() const { return pending_.size(); }
  std::uint64_t issued() const { return next_seq_ - 1; }
  const Uuid& run_id() const { return run_id_; }

 private:
  Uuid run_id_;
  CommandTimings timings_;
  std::uint64_t next_seq_ = 1;
  std::map<std::uint64_t, PendingCommand> pending_;
};

// The wire form of a pending command, for the instrument.
flatbuffers::DetachedBuffer encode_command(const Uuid& run_id, const PendingCommand& command);

}  // namespace edgeloop
