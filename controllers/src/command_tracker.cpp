#include "edgeloop/controllers/command_tracker.hpp"

#include "edgeloop/core/wire_builders.hpp"

namespace edgeloop {

CommandTracker::CommandTracker(Uuid run_id, CommandTimings timings)
    : run_id_(run_id), timings_(timings) {}

const PendingCommand& CommandTracker::issue(std::string actuator, std::vector<double> target,
                                            std::string cause, std::int64_t scan_index,
                                            std::int64_t now_wall_ns, std::int64_t now_mono_ns) {
  PendingCommand command;
  command.seq = next_seq_++;
  command.actuator = std::move(actuator);
  command.target = std::move(target);
  command.cause = std::move(cause);
  command.scan_index = scan_index;
  command.issued_wall_ns = now_wall_ns;
  const auto deadline =
      std::chrono::duration_cast<std::chrono::nanoseconds>(timings_.deadline).count();
  command.deadline_wall_ns = now_wall_ns + deadline;
  command.deadline_mono_ns = now_mono_ns + deadline;
  command.first_sent_mono_ns = now_mono_ns;
  command.last_sent_mono_ns = now_mono_ns;
  command.attempts = 1;
  return pending_.emplace(command.seq, std::move(command)).first->second;
}

std::vector<PendingCommand> CommandTracker::due_for_resend(std::int64_t now_mono_ns) {
  const auto interval =
      std::chrono::duration_cast<std::chrono::nanoseconds>(timings_.retry_interval).count();
  std::vector<PendingCommand> due;
  for (auto& [seq, command] : pending_) {
    if (now_mono_ns - command.last_sent_mono_ns >= interval) {
      command.last_sent_mono_ns = now_mono_ns;
      ++command.attempts;
      due.push_back(command);
    }
  }
  return due;
}

std::optional<ResolvedCommand> CommandTracker::on_ack(const wire::Ack& ack,
                                                      std::int64_t now_mono_ns) {
  if (from_wire(ack.run_id()) != run_id_) return std::nullopt;
  const auto it = pending_.find(ack.seq());
  if (it == pending_.end()) return std::nullopt;
  ResolvedCommand resolved;
  resolved.command = std::move(it->second);
  resolved.status = ack.status();
  if (ack.reason() != nullptr) resolved.reason = ack.reason()->str();
  if (ack.readback() != nullptr)
    resolved.readback.assign(ack.readback()->begin(), ack.readback()->end());
  resolved.latency_ns = now_mono_ns - resolved.command.first_sent_mono_ns;
  pending_.erase(it);
  return resolved;
}

std::vector<ResolvedCommand> CommandTracker::expire(std::int64_t now_mono_ns) {
  std::vector<ResolvedCommand> expired;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_mono_ns > it->second.deadline_mono_ns) {
      ResolvedCommand resolved;
      resolved.status = wire::AckStatus::Expired;
      resolved.reason = "no acknowledgement before the deadline";
      resolved.latency_ns = now_mono_ns - it->second.first_sent_mono_ns;
      resolved.command = std::move(it->second);
      it = pending_.erase(it);
      expired.push_back(std::move(resolved));
    } else {
      ++it;
    }
  }
  return expired;
}

flatbuffers::DetachedBuffer encode_command(const Uuid& run_id, const PendingCommand& command) {
  return build_command({.run_id = run_id,
                        .seq = command.seq,
                        .actuator = command.actuator,
                        .target = command.target,
                        .deadline_wall_ns = command.deadline_wall_ns,
                        .issued_wall_ns = command.issued_wall_ns,
                        .attempt = command.attempts,
                        .cause = command.cause});
}

}  // namespace edgeloop
