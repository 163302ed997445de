#include "scan_run.hpp"

#include <utility>

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/dtype.hpp"
#include "edgeloop/core/fsync_directory.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "nanoseconds.hpp"
#include "record_subjects.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

// Gives the run its id and opens its log: RunStarted first, then the stages that will run.
std::shared_ptr<RunShared> open_run(ScanRunSetup& setup, const json& plan) {
  auto shared = std::make_shared<RunShared>();
  shared->id = Uuid::random();
  shared->modality = setup.modality;
  shared->topic_prefix = "run/" + shared->id.str() + "/";
  shared->instrument_name = setup.instrument_name;
  shared->title = setup.title;
  shared->config = setup.config;
  shared->directory = setup.data_dir / shared->id.str();
  shared->started_mono_ns = monotonic_ns();
  if (setup.store) shared->nexus_path = shared->directory / "run.nxs";
  std::filesystem::create_directories(shared->directory);
  // The run's directory entry must survive a power loss for its log to.
  fsync_directory(setup.data_dir);
  shared->log =
      ProvenanceLog::create(shared->directory / "provenance.elp", shared->id, setup.provenance,
                            {{"plan", plan},
                             {"modality", modality_name(setup.modality)},
                             {"title", setup.title},
                             {"instrument", setup.instrument_name},
                             {"config", setup.config},
                             {"nexus_file", shared->nexus_path.filename().string()},
                             {"started_utc", iso8601_utc(wall_ns())}});
  for (const auto& stage : setup.stages) {
    const StageDescription d = stage->describe();
    shared->stage_descriptions.push_back(d);
    ProvenanceEntry stage_entry;
    stage_entry.kind = wire::RecordKind::Stage;
    stage_entry.subject = "stage/" + d.name;
    stage_entry.attributes = {
        {"name", d.name}, {"version", d.version}, {"parameters", d.parameters}};
    shared->log->append(stage_entry);
  }
  shared->stages = std::move(setup.stages);
  return shared;
}

}  // namespace

ScanRun::ScanRun(ScanRunSetup setup, Counters& counters, spdlog::logger& log)
    : counters_(counters),
      log_(log),
      plan_(std::move(setup.plan)),
      plan_json_(plan_->to_json()),
      shared_(open_run(setup, plan_json_)),
      tracker_(shared_->id, setup.command_timings),
      external_(setup.external),
      instrument_identity_(std::move(setup.instrument_identity)),
      instrument_name_(std::move(setup.instrument_name)),
      max_commands_in_flight_(setup.max_commands_in_flight),
      idle_timeout_ns_(to_ns(setup.idle_timeout)),
      started_mono_ns_(monotonic_ns()),
      last_activity_mono_ns_(started_mono_ns_) {
  shared_->plan = plan_;
}

bool ScanRun::settled() const {
  return !running() || (tracker_.in_flight() == 0 && frames_received_ >= frames_expected_);
}

std::optional<FrameRefusal> ScanRun::accept_frame(Frame& frame) {
  FrameMeta& meta = frame.meta;
  // A plan of N frames yields at most N: a larger sequence is corrupt or hostile and must not
  // push the expected sequence past every real frame still to come.
  if (meta.sequence >= plan_->max_frames()) {
    return FrameRefusal{"bad_sequence", "sequence " + std::to_string(meta.sequence) +
                                            " beyond the run's " +
                                            std::to_string(plan_->max_frames()) + " frames"};
  }
  if (meta.sequence < next_sequence_) {
    ++duplicates_;
    return FrameRefusal{"duplicate",
                        "sequence " + std::to_string(meta.sequence) + " already received"};
  }
  CommandFrames* cause = nullptr;
  auto found = frames_by_seq_.end();
  if (external_) {
    if (meta.command_seq != 0) {
      return FrameRefusal{"unknown_command", "a detector-started series cites no commands"};
    }
  } else {
    found = frames_by_seq_.find(meta.command_seq);
    // A command's frames are all in once its ack's promise is met; before the ack arrives
    // at most the plan's promise for it can come.
    if (found == frames_by_seq_.end() ||
        (!found->second.stream && found->second.received >= found->second.frames)) {
      return FrameRefusal{"unknown_command",
                          "frame claims command " + std::to_string(meta.command_seq) +
                              ", which this run did not send or already has its frames for"};
    }
    cause = &found->second;
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
  if (external_) {
    meta.scan_index = static_cast<std::int64_t>(meta.sequence);
    ++frames_expected_;  // announced by the series, counted as it comes
  } else {
    // The daemon's own plan, not the header, says where the frame was taken.
    meta.scan_index = cause->scan_index;
    ++cause->received;
    if (cause->stream) ++frames_expected_;
    if (!cause->stream && cause->acked && cause->received >= cause->frames) {
      frames_by_seq_.erase(found);
    }
  }
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
      if (auto it = frames_by_seq_.find(r.command.seq); it != frames_by_seq_.end()) {
        it->second.acked = true;
        if (!it->second.stream) {
          frames_expected_ += it->second.frames;
          if (it->second.received >= it->second.frames) frames_by_seq_.erase(it);
        }
      }
      break;
    case wire::AckStatus::Rejected:
      ++acks_rejected_;
      frames_by_seq_.erase(r.command.seq);
      log_.warn("run {}: instrument rejected command {} ({}): {}", shared_->id.str(), r.command.seq,
                r.command.actuator, r.reason);
      break;
    case wire::AckStatus::Expired:
      ++acks_expired_;
      frames_by_seq_.erase(r.command.seq);
      log_.warn("run {}: command {} expired: {}", shared_->id.str(), r.command.seq, r.reason);
      break;
    default:
      ++acks_failed_;
      frames_by_seq_.erase(r.command.seq);
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
    const auto step = plan_->next({frames_received_, tracker_.in_flight()});
    if (!step) break;
    const PendingCommand& c = tracker_.issue(step->actuator, step->target, step->cause,
                                             step->scan_index, now_wall, now_mono);
    if (step->frames > 0 || step->opens_stream) {
      frames_by_seq_.emplace(c.seq, CommandFrames{.scan_index = step->scan_index,
                                                  .frames = step->frames,
                                                  .stream = step->opens_stream});
    }
    send(c, true, transmit);
  }
  shared_->log->sync_if_due();
  const std::uint64_t accounted = shared_->frames_processed.load() + shared_->frames_dropped.load();
  // Working off a backlog is progress too: a run whose frames are all in but still queued
  // behind a slow stage is not idle.
  if (accounted != accounted_seen_) {
    accounted_seen_ = accounted;
    last_activity_mono_ns_ = now_mono;
  }
  if (external_) {
    const bool all_in = frames_received_ >= plan_->max_frames() || series_ended_;
    if (all_in && accounted == frames_received_) {
      // A series that announced no count is complete when it ended without gaps.
      return gaps_ == 0 ? "completed" : "completed_with_errors";
    }
    if (now_mono - last_activity_mono_ns_ > idle_timeout_ns_) return "incomplete";
    return std::nullopt;
  }
  if (!plan_->done() || tracker_.in_flight() > 0) {
    if (now_mono - last_activity_mono_ns_ > idle_timeout_ns_) return "incomplete";
    return std::nullopt;
  }
  if (frames_received_ >= frames_expected_ && accounted == frames_received_) {
    // Refused or unanswered commands mean points were not measured: say so in the outcome.
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
          {"modality", modality_name(shared_->modality)},
          {"max_frames", plan_->max_frames()},
          {"frames_planned", plan_->planned_frames()},
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
          {"frames_dropped", shared_->frames_dropped.load()},
          {"frames_stored", shared_->frames_stored.load()},
          {"storage_failures", shared_->storage_failures.load()},
          {"nexus_file", shared_->nexus_path.string()},
          {"results_published", shared_->results_published.load()},
          {"stage_failures", shared_->stage_failures.load()},
          {"duplicate_frames", duplicates_},
          {"missing_frames", gaps_},
          {"elapsed_s", seconds_since(started_mono_ns_)},
          {"provenance", shared_->log->path().string()}};
}

}  // namespace edgeloop
