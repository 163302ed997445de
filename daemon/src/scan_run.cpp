#include "scan_run.hpp"

#include <utility>

#include "edgeloop/controllers/plan_record.hpp"
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
                             {"safety", setup.safety},
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
      last_activity_mono_ns_(started_mono_ns_),
      envelope_(std::move(setup.envelope)),
      interlock_on_fault_(setup.interlock_on_fault),
      safe_state_(std::move(setup.safe_state)),
      stall_ns_(to_ns(setup.watchdog.stall)),
      silence_ns_(to_ns(setup.watchdog.instrument_silence)),
      instrument_seen_mono_ns_(started_mono_ns_) {
  shared_->plan = plan_;
  shared_->observed_products = plan_->observed_products();
  if (envelope_) {
    interlocked_ = setup.interlocked;
    envelope_->set_interlock(interlocked_);
    // Where the actuators stood when the run started; when they got there is unknown, so it
    // counts as long ago (the first move is limited by its step, not by a rate).
    constexpr std::int64_t kLongAgo = std::int64_t{3600} * 1'000'000'000;
    for (const auto& [actuator, position] : setup.positions) {
      envelope_->set_position(actuator, position, started_mono_ns_ - kLongAgo);
    }
  }
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
  instrument_seen_mono_ns_ = monotonic_ns();
  auto resolved = tracker_.on_ack(ack, monotonic_ns());
  if (!resolved) {
    counters_.add("commands.duplicate_acks");  // normal after a retry
    return;
  }
  on_resolved(*resolved);
}

void ScanRun::on_resolved(const ResolvedCommand& r) {
  last_activity_mono_ns_ = monotonic_ns();
  const bool safe = safe_seqs_.contains(r.command.seq);
  if (auto n = in_flight_of_actuator_.find(r.command.actuator);
      n != in_flight_of_actuator_.end() && n->second > 0) {
    --n->second;
  }
  // Steps are measured from where the actuator really went, once its latest command is done.
  if (envelope_ && r.status == wire::AckStatus::Done && !r.readback.empty() &&
      latest_seq_of_actuator_[r.command.actuator] == r.command.seq) {
    envelope_->set_position(r.command.actuator, r.readback, last_activity_mono_ns_);
  }
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
                      {"latency_ms", static_cast<double>(r.latency_ns) * 1e-6},
                      {"scan_index", r.command.scan_index},
                      {"origin", safe ? "watchdog" : "plan"}};
  shared_->log->append(entry);
  if (r.status != wire::AckStatus::Done && !safe) {
    // The point was not measured (or not where planned): its remaining steps are not sent,
    // and an adaptive plan learns why, in the log's order.
    if (r.command.scan_index >= 0) refused_points_.insert(r.command.scan_index);
    plan_->refused({.source = "instrument",
                    .actuator = r.command.actuator,
                    .target = r.command.target,
                    .scan_index = r.command.scan_index,
                    .reason = wire::EnumNameAckStatus(r.status),
                    .detail = r.reason});
  }
}

void ScanRun::on_instrument_status(
    bool interlock, wire::InstrumentState state,
    const std::vector<std::pair<std::string, std::vector<double>>>& readbacks) {
  instrument_seen_mono_ns_ = monotonic_ns();
  // A busy instrument is working on what the loop asked (a long exposure): not a stall.
  if (state == wire::InstrumentState::Busy) instrument_busy_mono_ns_ = instrument_seen_mono_ns_;
  if (!envelope_ || !running()) return;
  const bool active = interlock || (interlock_on_fault_ && state == wire::InstrumentState::Fault);
  if (active != interlocked_) {
    interlocked_ = active;
    if (!active) paused_by_interlock_ = false;
    envelope_->set_interlock(active);
    log_.warn("run {}: interlock {} on '{}'", shared_->id.str(), active ? "active" : "released",
              instrument_name_);
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Note;
    entry.subject = "interlock";
    entry.attributes = {{"active", active},
                        {"interlock", interlock},
                        {"state", wire::EnumNameInstrumentState(state)}};
    shared_->log->append(entry);
  }
  // A readback of an actuator with commands still in flight is where it was before them:
  // taking it would measure the next step from the wrong place.
  const std::int64_t now = monotonic_ns();
  for (const auto& [actuator, value] : readbacks) {
    const auto in_flight = in_flight_of_actuator_.find(actuator);  // no insert for strangers
    if (value.empty() || (in_flight != in_flight_of_actuator_.end() && in_flight->second > 0)) {
      continue;
    }
    envelope_->set_position(actuator, value, now);
  }
}

void ScanRun::hold() {
  if (held_) return;
  held_ = true;
  log_.warn("run {}: held; no further plan steps are sent", shared_->id.str());
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Note;
  entry.subject = "hold";
  entry.attributes = {{"reason", "admin hold_run"}};
  shared_->log->append(entry);
}

void ScanRun::feed_observations() {
  for (PlanObservation& o : shared_->feedback.take()) {
    const std::string hash = observation_hash(o);
    const std::string subject = "observation/" + std::to_string(observations_++);
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Observation;
    entry.subject = subject;
    entry.sha256 = sha256_from_hex(hash);
    if (o.command_seq != 0)
      entry.inputs.push_back({"caused_by", command_subject(o.command_seq), {}});
    entry.inputs.push_back(
        {"payload", "sha256:" + o.payload_sha256, sha256_from_hex(o.payload_sha256)});
    entry.attributes = observation_to_json(o);
    shared_->log->append(entry);
    observation_subjects_.emplace(hash, subject);
    if (o.products.size() < shared_->observed_products.size()) {
      // The plan waits for a product no stage of this run made for the frame (a missing stage
      // in [pipeline.<modality>], or a stage that failed): say so, it cannot learn from it.
      const std::uint64_t n = counters_.counter("plan.observations_incomplete").fetch_add(1) + 1;
      if (n <= 10 || n % 1000 == 0) {
        log_.warn("run {}: {} lacks a product the plan observes ({})", shared_->id.str(), subject,
                  json(shared_->observed_products).dump());
      }
    }
    plan_->observe(o);
  }
}

std::string ScanRun::record_decision(const PlanStep& step,
                                     std::optional<std::uint64_t> command_seq) {
  const std::string subject = "decision/" + std::to_string(decisions_++);
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Decision;
  entry.subject = subject;
  if (const auto inputs = step.decision.find("inputs");
      inputs != step.decision.end() && inputs->is_array()) {
    for (const json& hash : *inputs) {
      if (!hash.is_string()) continue;
      const auto found = observation_subjects_.find(hash.get<std::string>());
      entry.inputs.push_back({"observation",
                              found != observation_subjects_.end()
                                  ? found->second
                                  : "sha256:" + hash.get<std::string>(),
                              sha256_from_hex(hash.get<std::string>())});
    }
  }
  entry.attributes = {{"decision", step.decision},
                      {"actuator", step.actuator},
                      {"target", step.target},
                      {"scan_index", step.scan_index},
                      {"cause", step.cause},
                      {"command_seq", command_seq ? json(*command_seq) : json(nullptr)}};
  shared_->log->append(entry);
  if (step.scan_index >= 0) decision_of_point_[step.scan_index] = subject;
  return subject;
}

void ScanRun::refuse_step(const PlanStep& step, const std::string& reason,
                          const std::string& detail, const std::string& decision, bool from_plan) {
  ++refusals_;
  ++refusals_by_reason_[reason];
  counters_.add("commands.refused");
  const std::uint64_t n = counters_.counter("commands.refused." + reason).fetch_add(1) + 1;
  if (n <= 10 || n % 1000 == 0) {
    log_.warn("run {}: refused {} {} ({}, {} so far): {}", shared_->id.str(), step.actuator,
              json(step.target).dump(), reason, n, detail);
  }
  const PlanRefusal refusal{.source = "envelope",
                            .actuator = step.actuator,
                            .target = step.target,
                            .scan_index = step.scan_index,
                            .reason = reason,
                            .detail = detail};
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Refusal;
  entry.subject = "refusal/" + std::to_string(refusals_ - 1);
  if (!decision.empty()) entry.inputs.push_back({"decided_by", decision, {}});
  entry.attributes = refusal_to_json(refusal);
  entry.attributes["cause"] = step.cause;
  entry.attributes["instrument"] = instrument_name_;
  shared_->log->append(entry);
  // The rest of the point (an acquire after a refused move) would measure the wrong place.
  if (step.scan_index >= 0) refused_points_.insert(step.scan_index);
  // A spent dose budget refuses every later exposure: the plan ends here. An interlock pauses
  // the plan until it is released (the watchdog ends a pause that outlasts stall_ms), so one
  // step is lost rather than the whole plan.
  if (!from_plan) return;  // a safe-state command: nothing the plan proposed
  if (reason == "dose") dose_spent_ = true;
  if (reason == "interlock") paused_by_interlock_ = true;
  plan_->refused(refusal);
}

void ScanRun::take_step(PlanStep step, std::int64_t now_wall, std::int64_t now_mono,
                        const Transmit& transmit) {
  std::optional<EnvelopeDecision> refusal;
  if (step.scan_index >= 0 && refused_points_.contains(step.scan_index)) {
    refusal = EnvelopeDecision{false, "point_refused",
                               "an earlier step of plan point " + std::to_string(step.scan_index) +
                                   " was refused or failed"};
  } else if (envelope_) {
    EnvelopeDecision d = envelope_->admit(step.actuator, step.target, now_mono);
    if (!d.allowed) refusal = std::move(d);
  }
  if (refusal) {
    const std::string decision =
        step.decision.is_null() ? std::string() : record_decision(step, {});
    refuse_step(
        step, refusal->reason, refusal->detail,
        decision.empty() && step.scan_index >= 0 && decision_of_point_.contains(step.scan_index)
            ? decision_of_point_[step.scan_index]
            : decision);
    last_activity_mono_ns_ = now_mono;
    return;
  }
  const PendingCommand& c =
      tracker_.issue(step.actuator, step.target, step.cause, step.scan_index, now_wall, now_mono);
  std::string decided_by;
  if (!step.decision.is_null()) {
    decided_by = record_decision(step, c.seq);
  } else if (auto d = decision_of_point_.find(step.scan_index); d != decision_of_point_.end()) {
    decided_by = d->second;
  }
  if (step.frames > 0 || step.opens_stream) {
    frames_by_seq_.emplace(c.seq, CommandFrames{.scan_index = step.scan_index,
                                                .frames = step.frames,
                                                .stream = step.opens_stream});
  }
  latest_seq_of_actuator_[c.actuator] = c.seq;
  ++in_flight_of_actuator_[c.actuator];
  last_activity_mono_ns_ = now_mono;
  send(c, true, transmit, decided_by);
}

void ScanRun::watchdog_fire(const std::string& reason, const std::string& detail,
                            std::int64_t now_wall, std::int64_t now_mono,
                            const Transmit& transmit) {
  stalled_ = reason;
  counters_.add("watchdog.fired");
  counters_.add("watchdog.fired." + reason);
  log_.error("run {}: watchdog: {} ({}); sending the safe state of '{}'", shared_->id.str(), reason,
             detail, instrument_name_);
  json commands = json::array();
  for (const SafeCommand& s : safe_state_) {
    commands.push_back({{"actuator", s.actuator}, {"target", s.target}});
  }
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Note;
  entry.subject = "watchdog/" + reason;
  entry.attributes = {{"reason", reason},
                      {"detail", detail},
                      {"safe_state", commands},
                      {"declared_mono_ns", now_mono}};
  shared_->log->append(entry);
  for (const SafeCommand& s : safe_state_) {
    // The safe state skips the step, rate, interlock and dose checks (it must work when they
    // fail), never the range: a misconfigured safe state is refused, not sent.
    if (envelope_) {
      const EnvelopeDecision d = envelope_->check_range(s.actuator, s.target);
      if (!d.allowed) {
        refuse_step({.actuator = s.actuator, .target = s.target, .cause = "watchdog " + reason},
                    d.reason, d.detail, {}, false);
        continue;
      }
    }
    const PendingCommand& c =
        tracker_.issue(s.actuator, s.target, "watchdog " + reason, -1, now_wall, now_mono);
    safe_seqs_.insert(c.seq);
    latest_seq_of_actuator_[c.actuator] = c.seq;
    ++in_flight_of_actuator_[c.actuator];
    send(c, true, transmit, {}, "watchdog");
  }
}

std::optional<std::string> ScanRun::advance(bool issue_new, const Transmit& transmit) {
  // Counted before the observations are drained: the worker hands a frame's observation over
  // before it counts the frame, so every frame counted here has its observation fed below.
  const std::uint64_t accounted = shared_->frames_processed.load() + shared_->frames_dropped.load();
  // What the pipeline measured reaches the plan before it is asked for its next step.
  feed_observations();
  const std::int64_t now_mono = monotonic_ns();
  const std::int64_t now_wall = wall_ns();
  for (const ResolvedCommand& r : tracker_.expire(now_mono)) on_resolved(r);
  for (const PendingCommand& c : tracker_.due_for_resend(now_mono)) send(c, false, transmit);
  // Working off a backlog is progress too: a run whose frames are all in but still queued
  // behind a slow stage is not idle.
  if (accounted != accounted_seen_) {
    accounted_seen_ = accounted;
    last_activity_mono_ns_ = now_mono;
  }
  if (!external_ && !stalled_) {
    const bool waiting = !plan_done() || tracker_.in_flight() > 0 ||
                         frames_received_ < frames_expected_ || accounted < frames_received_;
    const std::int64_t quiet =
        now_mono - std::max(last_activity_mono_ns_, instrument_busy_mono_ns_);
    if (stall_ns_ > 0 && waiting && quiet > stall_ns_) {
      watchdog_fire("loop_stall",
                    "no command, ack or frame, and the instrument not busy, for " +
                        std::to_string(quiet / 1000000) + " ms" +
                        (held_ ? " (the run is held)" : ""),
                    now_wall, now_mono, transmit);
    } else if (silence_ns_ > 0 && now_mono - instrument_seen_mono_ns_ > silence_ns_) {
      watchdog_fire("instrument_silent",
                    "nothing from '" + instrument_name_ + "' for " +
                        std::to_string((now_mono - instrument_seen_mono_ns_) / 1000000) + " ms",
                    now_wall, now_mono, transmit);
    }
  }
  // Refused steps take no slot in flight, so a plan the envelope refuses wholesale could
  // otherwise be drained in one pass, with the I/O thread writing a record per step.
  constexpr int kMaxRefusalsPerPass = 64;
  const std::uint64_t refusals_before = refusals_;
  while (issue_new && !held_ && !stalled_ && !dose_spent_ && !paused_by_interlock_ &&
         tracker_.in_flight() < max_commands_in_flight_ &&
         refusals_ - refusals_before < kMaxRefusalsPerPass) {
    auto step = plan_->next({frames_received_, tracker_.in_flight()});
    if (!step) break;
    take_step(std::move(*step), now_wall, now_mono, transmit);
  }
  shared_->log->sync_if_due();
  if (stalled_) {
    // Nothing more of the plan is sent; the run ends once the safe state is acknowledged (or
    // has expired).
    return tracker_.in_flight() == 0 ? std::optional<std::string>("stalled") : std::nullopt;
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
  if (!plan_done() || tracker_.in_flight() > 0) {
    if (now_mono - last_activity_mono_ns_ > idle_timeout_ns_) return "incomplete";
    return std::nullopt;
  }
  if (frames_received_ >= frames_expected_ && accounted == frames_received_) {
    // Refused or unanswered commands mean points were not measured: say so in the outcome.
    const bool all_done = acks_rejected_ + acks_expired_ + acks_failed_ + refusals_ == 0;
    return all_done ? "completed" : "completed_with_errors";
  }
  if (now_mono - last_activity_mono_ns_ > idle_timeout_ns_) return "incomplete";
  return std::nullopt;
}

void ScanRun::send(const PendingCommand& command, bool first_send, const Transmit& transmit,
                   const std::string& decided_by, const std::string& origin) {
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
  if (!decided_by.empty()) entry.inputs.push_back({"decided_by", decided_by, {}});
  entry.attributes = {{"actuator", command.actuator},
                      {"target", command.target},
                      {"cause", command.cause},
                      {"scan_index", command.scan_index},
                      {"instrument", instrument_name_},
                      {"deadline_wall_ns", command.deadline_wall_ns},
                      {"origin", origin}};
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
          {"refused", refusals_},
          {"refused_by_reason", refusals_by_reason_},
          {"decisions", decisions_},
          {"observations", observations_},
          {"envelope", envelope_ ? json{{"interlock", envelope_->interlock()},
                                        {"dose_spent", envelope_->dose_spent()},
                                        {"dose_budget", envelope_->dose_budget()
                                                            ? json(*envelope_->dose_budget())
                                                            : json(nullptr)}}
                                 : json(nullptr)},
          {"held", held_},
          {"paused_by_interlock", paused_by_interlock_},
          {"dose_budget_spent", dose_spent_},
          {"watchdog", stalled_ ? json(*stalled_) : json(nullptr)},
          {"missing_frames", gaps_},
          {"elapsed_s", seconds_since(started_mono_ns_)},
          {"provenance", shared_->log->path().string()}};
}

}  // namespace edgeloop
