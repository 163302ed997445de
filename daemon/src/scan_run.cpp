#include "scan_run.hpp"

#include <utility>

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/dtype.hpp"
#include "edgeloop/core/fsync_directory.hpp"
#include "edgeloop/core/sha256.hpp"
#include "nanoseconds.hpp"
#include "record_subjects.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

// Gives the run its id and opens its log: RunStarted first, then the stage that will run.
std::shared_ptr<RunShared> open_run(const ScanRunSetup& setup, const json& plan) {
  auto shared = std::make_shared<RunShared>();
  shared->id = Uuid::random();
  shared->topic_prefix = "run/" + shared->id.str() + "/";
  const auto dir = setup.data_dir / shared->id.str();
  std::filesystem::create_directories(dir);
  // The run's directory entry must survive a power loss for its log to.
  fsync_directory(setup.data_dir);
  shared->log = ProvenanceLog::create(dir / "provenance.elp", shared->id, setup.provenance,
                                      {{"plan", plan},
                                       {"instrument", setup.instrument_name},
                                       {"config", setup.config},
                                       {"started_utc", iso8601_utc(wall_ns())}});
  ProvenanceEntry stage_entry;
  stage_entry.kind = wire::RecordKind::Stage;
  stage_entry.subject = "stage/" + setup.stage.name;
  stage_entry.attributes = {{"name", setup.stage.name},
                            {"version", setup.stage.version},
                            {"parameters", setup.stage.parameters}};
  shared->log->append(stage_entry);
  return shared;
}

}  // namespace

ScanRun::ScanRun(ScanRunSetup setup, Counters& counters, spdlog::logger& log)
    : counters_(counters),
      log_(log),
      plan_json_(json{{"kind", "raster"}, {"nx", setup.nx}, {"ny", setup.ny}}),
      shared_(open_run(setup, plan_json_)),
      directory_(setup.data_dir / shared_->id.str()),
      plan_(setup.nx, setup.ny),
      tracker_(shared_->id, setup.command_timings),
      instrument_identity_(std::move(setup.instrument_identity)),
      instrument_name_(std::move(setup.instrument_name)),
      max_commands_in_flight_(setup.max_commands_in_flight),
      idle_timeout_ns_(to_ns(setup.idle_timeout)),
      started_mono_ns_(monotonic_ns()),
      last_activity_mono_ns_(started_mono_ns_) {}

bool ScanRun::settled() const {
  return !running() || (tracker_.in_flight() == 0 && frames_received_ >= frames_expected_);
}

std::optional<FrameRefusal> ScanRun::accept_frame(Frame& frame) {
  FrameMeta& meta = frame.meta;
  // A scan of N positions yields at most N frames; a larger sequence is corrupt or hostile
  // and must not push the expected sequence past every real frame still to come.
  if (meta.sequence >= plan_.size()) {
    return FrameRefusal{"bad_sequence", "sequence " + std::to_string(meta.sequence) +
                                            " beyond the run's " + std::to_string(plan_.size()) +
                                            " positions"};
  }
  if (meta.sequence < next_sequence_) {
    ++duplicates_;
    return FrameRefusal{"duplicate",
                        "sequence " + std::to_string(meta.sequence) + " already received"};
  }
  const auto point = points_by_seq_.find(meta.command_seq);
  if (point == points_by_seq_.end()) {
    return FrameRefusal{"unknown_command",
                        "frame claims command " + std::to_string(meta.command_seq) +
                            ", which this run did not send or already has a frame for"};
  }
  // Only a frame that is accepted may declare earlier sequences missing.
  if (meta.sequence > next_sequence_) {
    const std::uint64_t missing = meta.sequence - next_sequence_;
    gaps_ += missing;
    counters_.add("data.sequence_gaps", missing);
    log_.warn("run {}: {} frame(s) missing before sequence {}", shared_->id.str(), missing,
              meta.sequence);
  }
  next_sequence_ = meta.sequence + 1;
  // The daemon's own plan, not the header, says where the frame was taken.
  meta.scan_index = point->second.index;
  points_by_seq_.erase(point);

  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Frame;
  entry.subject = frame_subject(meta);
  entry.sha256 = meta.payload_sha256;
  if (meta.command_seq != 0) {
    entry.inputs.push_back({"caused_by", command_subject(meta.command_seq), {}});
  }
  entry.attributes = {{"stream", meta.stream},
                      {"sequence", meta.sequence},
                      {"scan_index", meta.scan_index},
                      {"scan_position", meta.scan_position},
                      {"shape", meta.shape},
                      {"dtype", dtype_name(meta.dtype)},
                      {"acquired_wall_ns", meta.acquired_wall_ns}};
  shared_->log->append(entry);

  ++frames_received_;
  last_activity_mono_ns_ = monotonic_ns();
  return std::nullopt;
}

void ScanRun::on_ack(const wire::Ack& ack) {
  if (!running()) {  // the run has ended; its log may already be sealed
    counters_.add("commands.late_acks");
    return;
  }
  auto resolved = tracker_.on_ack(ack, monotonic_ns());
  if (!resolved) {
    counters_.add("commands.duplicate_acks");  // normal after a retry
    return;
  }
  on_resolved(*resolved);
}

void ScanRun::on_resolved(const ResolvedCommand& r) {
  last_activity_mono_ns_ = monotonic_ns();
  switch (r.status) {
    case wire::AckStatus::Done:
      ++acks_done_;
      if (r.command.actuator == "scan_position") ++frames_expected_;
      break;
    case wire::AckStatus::Rejected:
      ++acks_rejected_;
      points_by_seq_.erase(r.command.seq);
      log_.warn("run {}: instrument rejected command {} ({}): {}", shared_->id.str(), r.command.seq,
                r.command.actuator, r.reason);
      break;
    case wire::AckStatus::Expired:
      ++acks_expired_;
      points_by_seq_.erase(r.command.seq);
      log_.warn("run {}: command {} expired: {}", shared_->id.str(), r.command.seq, r.reason);
      break;
    default:
      ++acks_failed_;
      points_by_seq_.erase(r.command.seq);
      log_.warn("run {}: command {} failed: {}", shared_->id.str(), r.command.seq, r.reason);
      break;
  }
  counters_.add(std::string("commands.outcome.") + wire::EnumNameAckStatus(r.status));
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Ack;
  entry.subject = "ack/" + std::to_string(r.command.seq);
  entry.inputs.push_back({"acknowledges", command_subject(r.command.seq), {}});
  entry.attributes = {{"status", wire::EnumNameAckStatus(r.status)},
                      {"reason", r.reason},
                      {"readback", r.readback},
                      {"attempts", r.command.attempts},
                      {"latency_ms", static_cast<double>(r.latency_ns) * 1e-6}};
  shared_->log->append(entry);
}

std::optional<std::string> ScanRun::advance(bool issue_new, const Transmit& transmit) {
  const std::int64_t now_mono = monotonic_ns();
  const std::int64_t now_wall = wall_ns();
  for (const ResolvedCommand& r : tracker_.expire(now_mono)) on_resolved(r);
  for (const PendingCommand& c : tracker_.due_for_resend(now_mono)) send(c, false, transmit);
  while (issue_new && tracker_.in_flight() < max_commands_in_flight_) {
    const auto point = plan_.next();
    if (!point) break;
    const PendingCommand& c = tracker_.issue("scan_position", {point->x, point->y},
                                             "raster_scan index=" + std::to_string(point->index),
                                             point->index, now_wall, now_mono);
    points_by_seq_.emplace(c.seq, *point);
    send(c, true, transmit);
  }
  shared_->log->sync_if_due();
  if (plan_.issued() < plan_.size() || tracker_.in_flight() > 0) return std::nullopt;
  if (frames_received_ >= frames_expected_ &&
      shared_->frames_processed.load() == frames_received_) {
    // Refused or unanswered commands mean positions were not measured: say so in the outcome.
    const bool all_done = acks_rejected_ + acks_expired_ + acks_failed_ == 0;
    return all_done ? "completed" : "completed_with_errors";
  }
  if (now_mono - last_activity_mono_ns_ > idle_timeout_ns_) return "incomplete";
  return std::nullopt;
}

void ScanRun::send(const PendingCommand& command, bool first_send, const Transmit& transmit) {
  const auto message = encode_command(shared_->id, command);
  transmit(command, bytes_of(message));
  if (!first_send) {
    ++retries_;
    counters_.add("commands.retries");
    return;
  }
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Command;
  entry.subject = command_subject(command.seq);
  entry.sha256 = Sha256::of(bytes_of(message));
  entry.attributes = {
      {"actuator", command.actuator},   {"target", command.target},
      {"cause", command.cause},         {"scan_index", command.scan_index},
      {"instrument", instrument_name_}, {"deadline_wall_ns", command.deadline_wall_ns}};
  shared_->log->append(entry);
}

std::optional<RunEndWork> ScanRun::end(const std::string& outcome) {
  if (!running()) return std::nullopt;
  json summary = to_json();
  summary["state"] = outcome;
  phase_ = Phase::Closing;
  counters_.add("runs." + outcome);
  log_.info("run {} {}: {} frames, {} commands acked, {} results", shared_->id.str(), outcome,
            frames_received_, acks_done_, shared_->results_published.load());
  return RunEndWork{shared_, std::move(summary)};
}

nlohmann::json ScanRun::sealed_summary() const {
  json summary = shared_->final_summary;
  summary["provenance_records"] = shared_->log->records();
  summary["provenance_head"] = to_hex(shared_->log->head());
  return summary;
}

nlohmann::json ScanRun::to_json() const {
  return {{"id", shared_->id.str()},
          {"state", running() ? "running" : "closing"},
          {"plan", plan_json_},
          {"instrument", instrument_name_},
          {"positions", plan_.size()},
          {"commands_issued", tracker_.issued()},
          {"commands_in_flight", tracker_.in_flight()},
          {"command_retries", retries_},
          {"acks",
           {{"done", acks_done_},
            {"rejected", acks_rejected_},
            {"failed", acks_failed_},
            {"expired", acks_expired_}}},
          {"frames_expected", frames_expected_},
          {"frames_received", frames_received_},
          {"frames_processed", shared_->frames_processed.load()},
          {"results_published", shared_->results_published.load()},
          {"stage_failures", shared_->stage_failures.load()},
          {"duplicate_frames", duplicates_},
          {"missing_frames", gaps_},
          {"elapsed_s", seconds_since(started_mono_ns_)},
          {"provenance", shared_->log->path().string()}};
}

}  // namespace edgeloop
