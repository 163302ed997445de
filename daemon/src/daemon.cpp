#include "edgeloop/daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>

#include "edgeloop/controllers/command_tracker.hpp"
#include "edgeloop/controllers/raster_scan.hpp"
#include "edgeloop/core/build_info.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/daemon/admin_request.hpp"
#include "edgeloop/pipeline/bounded_queue.hpp"
#include "edgeloop/pipeline/frame_sum_stage.hpp"
#include "edgeloop/pipeline/zmq_payload.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

std::span<const std::byte> bytes_of(const zmq::message_t& m) {
  return {static_cast<const std::byte*>(m.data()), m.size()};
}
std::span<const std::byte> bytes_of(const flatbuffers::DetachedBuffer& b) {
  return {reinterpret_cast<const std::byte*>(b.data()), b.size()};
}
std::string frame_subject(const FrameMeta& m) {
  return "frame/" + m.stream + "/" + std::to_string(m.sequence);
}
template <class Duration>
std::int64_t to_ns(Duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}
double seconds_since(std::int64_t mono_ns) {
  return static_cast<double>(monotonic_ns() - mono_ns) * 1e-9;
}

// Receives one whole multipart message without blocking; empty when nothing is waiting.
std::vector<zmq::message_t> receive_multipart(zmq::socket_t& socket) {
  std::vector<zmq::message_t> parts;
  zmq::message_t part;
  if (!socket.recv(part, zmq::recv_flags::dontwait)) return parts;
  bool more = part.more();
  parts.push_back(std::move(part));
  // The remaining parts of a multipart message arrive atomically with the first.
  while (more) {
    zmq::message_t next;
    if (!socket.recv(next, zmq::recv_flags::none)) break;
    more = next.more();
    parts.push_back(std::move(next));
  }
  return parts;
}

constexpr std::size_t kMaxInstruments = 64;
constexpr std::size_t kMaxAckReason = 1024;
constexpr std::size_t kMaxReadbackValues = 16;

struct InstrumentInfo {
  std::string identity;
  std::string name;
  wire::Modality modality = wire::Modality::Unknown;
  wire::InstrumentState state = wire::InstrumentState::Unknown;
  bool interlock = false;
  std::uint64_t frames_sent = 0;
  std::int64_t last_seen_mono_ns = 0;
};

// The parts of a run both threads touch; the log is internally synchronised.
struct RunShared {
  Uuid id;
  std::string topic_prefix;  // "run/<id>/"
  std::unique_ptr<ProvenanceLog> log;
  std::atomic<std::uint64_t> frames_processed{0};
  std::atomic<std::uint64_t> results_published{0};
  std::atomic<std::uint64_t> stage_failures{0};
  // Written by the worker before `closed` is set, read by the I/O thread only after.
  json final_summary;
  std::atomic<bool> closed{false};
};

struct FrameWork {
  Frame frame;
  std::shared_ptr<RunShared> run;
};
struct RunEndWork {
  std::shared_ptr<RunShared> run;
  json summary;
};
using WorkItem = std::variant<FrameWork, RunEndWork>;

struct ActiveRun {
  ActiveRun(std::shared_ptr<RunShared> s, RasterScan p, CommandTimings timings)
      : shared(std::move(s)), plan(p), tracker(shared->id, timings) {}

  std::shared_ptr<RunShared> shared;
  RasterScan plan;
  CommandTracker tracker;
  json plan_json;
  std::string instrument_identity;
  std::string instrument_name;
  std::map<std::uint64_t, ScanPoint> points_by_seq;
  std::uint64_t next_sequence = 0;
  std::uint64_t frames_expected = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t gaps = 0;
  std::uint64_t acks_done = 0;
  std::uint64_t acks_rejected = 0;
  std::uint64_t acks_failed = 0;
  std::uint64_t acks_expired = 0;
  std::uint64_t retries = 0;
  std::int64_t started_mono_ns = 0;
  std::int64_t last_activity_mono_ns = 0;
  // Running until the scan ends; Closing while the worker drains queued frames and seals the
  // log; the run is then moved to last_run.
  enum class Phase { Running, Closing } phase = Phase::Running;
  bool running() const { return phase == Phase::Running; }
};

}  // namespace

struct Daemon::State {
  State(DaemonConfig c, std::shared_ptr<spdlog::logger> l)
      : config(std::move(c)),
        log(std::move(l)),
        data(context, zmq::socket_type::pull),
        results(context, zmq::socket_type::pub),
        commands(context, zmq::socket_type::router),
        admin(context, zmq::socket_type::rep),
        queue(config.queue_capacity) {}

  DaemonConfig config;
  std::shared_ptr<spdlog::logger> log;
  zmq::context_t context;
  zmq::socket_t data;
  zmq::socket_t results;  // used only by the worker thread once run() starts
  zmq::socket_t commands;
  zmq::socket_t admin;
  Counters counters;
  BoundedQueue<WorkItem> queue;
  FrameSumStage stage;
  std::atomic<bool> stop{false};
  bool stopping = false;  // I/O thread: stop requested, no new commands
  std::int64_t started_mono_ns = monotonic_ns();
  std::map<std::string, InstrumentInfo> instruments;
  std::optional<ActiveRun> run;
  json last_run = nullptr;
  std::string config_sha256;
  AlignedScratch scratch;  // I/O thread only: aligned copies of incoming messages
  json effective_config;

  // Runs one unit of work; an exception is counted and logged, never allowed to take the
  // daemon down with it.
  template <class F>
  void guarded(const std::string& where, F&& work) {
    try {
      work();
    } catch (const std::exception& e) {
      const std::uint64_t n = counters.counter("internal_errors." + where).fetch_add(1) + 1;
      if (n <= 10 || n % 1000 == 0) log->error("{} ({} so far): {}", where, n, e.what());
    }
  }

  // True when no run is active or its in-flight commands and promised frames are all in.
  bool run_settled() const {
    return !run || !run->running() ||
           (run->tracker.in_flight() == 0 && run->frames_received >= run->frames_expected);
  }

  // --- rejection bookkeeping -------------------------------------------------------------
  void reject(const std::string& socket, const std::string& reason, const std::string& detail) {
    counters.add("rejected." + socket);
    const std::uint64_t n = counters.counter("rejected." + socket + "." + reason).fetch_add(1) + 1;
    // A flood of garbage must not become a flood of log lines: the first ten, then 1 in 1000.
    if (n <= 10 || n % 1000 == 0) {
      log->warn("rejected message on {} socket ({}, {} so far): {}", socket, reason, n, detail);
    }
  }

  // --- data socket -------------------------------------------------------------------------
  void handle_data(std::vector<zmq::message_t> parts) {
    if (parts.size() != 2) {
      reject("data", "part_count",
             "expected [FrameHeader][payload], got " + std::to_string(parts.size()) + " parts");
      return;
    }
    auto decoded =
        decode_native_frame(bytes_of(parts[0]), scratch,
                            std::make_unique<ZmqPayload>(std::move(parts[1])), config.frame_limits);
    if (auto* error = std::get_if<WireError>(&decoded)) {
      reject("data", error->reason, error->detail);
      return;
    }
    Frame frame = std::move(std::get<Frame>(decoded));
    if (!run || !run->running() || frame.meta.run_id != run->shared->id) {
      reject("data", "unknown_run",
             "frame for run " + frame.meta.run_id.str() + " (no such active run)");
      return;
    }
    ActiveRun& r = *run;
    // A scan of N positions yields at most N frames; a larger sequence is corrupt or hostile
    // and must not push the expected sequence past every real frame still to come.
    if (frame.meta.sequence >= r.plan.size()) {
      reject("data", "bad_sequence",
             "sequence " + std::to_string(frame.meta.sequence) + " beyond the run's " +
                 std::to_string(r.plan.size()) + " positions");
      return;
    }
    if (frame.meta.sequence < r.next_sequence) {
      ++r.duplicates;
      reject("data", "duplicate",
             "sequence " + std::to_string(frame.meta.sequence) + " already received");
      return;
    }
    if (frame.meta.sequence > r.next_sequence) {
      const std::uint64_t missing = frame.meta.sequence - r.next_sequence;
      r.gaps += missing;
      counters.add("data.sequence_gaps", missing);
      log->warn("run {}: {} frame(s) missing before sequence {}", r.shared->id.str(), missing,
                frame.meta.sequence);
    }
    const auto point = r.points_by_seq.find(frame.meta.command_seq);
    if (point == r.points_by_seq.end()) {
      reject("data", "unknown_command",
             "frame claims command " + std::to_string(frame.meta.command_seq) +
                 ", which this run did not send or already has a frame for");
      return;
    }
    r.next_sequence = frame.meta.sequence + 1;
    frame.meta.scan_index = point->second.index;
    r.points_by_seq.erase(point);

    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Frame;
    entry.subject = frame_subject(frame.meta);
    entry.sha256 = frame.meta.payload_sha256;
    if (frame.meta.command_seq != 0) {
      entry.inputs.push_back(
          {"caused_by", "command/" + std::to_string(frame.meta.command_seq), {}});
    }
    entry.attributes = {{"stream", frame.meta.stream},
                        {"sequence", frame.meta.sequence},
                        {"scan_index", frame.meta.scan_index},
                        {"scan_position", frame.meta.scan_position},
                        {"shape", frame.meta.shape},
                        {"dtype", dtype_name(frame.meta.dtype)},
                        {"acquired_wall_ns", frame.meta.acquired_wall_ns}};
    r.shared->log->append(entry);

    ++r.frames_received;
    r.last_activity_mono_ns = monotonic_ns();
    counters.add("data.frames");
    WorkItem item = FrameWork{std::move(frame), r.shared};
    // The I/O loop only reads frames while the queue has room, so this rarely blocks.
    if (!queue.try_push(item)) queue.push(std::move(item));
  }

  // --- command socket ----------------------------------------------------------------------
  void handle_command_socket(std::vector<zmq::message_t> parts) {
    if (parts.size() != 2) {
      reject("commands", "part_count",
             "expected [identity][message], got " + std::to_string(parts.size()) + " parts");
      return;
    }
    const std::string identity = parts[0].to_string();
    const auto payload = bytes_of(parts[1]);
    const auto* raw = reinterpret_cast<const std::uint8_t*>(payload.data());
    if (payload.size() >= 8 && flatbuffers::BufferHasIdentifier(raw, wire::AckIdentifier())) {
      handle_ack(identity, payload);
    } else if (payload.size() >= 8 &&
               flatbuffers::BufferHasIdentifier(raw, wire::InstrumentStatusIdentifier())) {
      handle_status(identity, payload);
    } else {
      reject("commands", payload.size() < 8 ? "truncated" : "bad_identifier",
             "message from '" + identity + "' is neither an Ack nor an InstrumentStatus");
    }
  }

  void handle_status(const std::string& identity, std::span<const std::byte> payload) {
    auto decoded = decode<wire::InstrumentStatus>(payload, scratch);
    if (auto* error = std::get_if<WireError>(&decoded)) {
      reject("commands", error->reason, error->detail);
      return;
    }
    const auto& s = *std::get<const wire::InstrumentStatus*>(decoded);
    if (s.instrument() == nullptr || s.instrument()->size() == 0 || s.instrument()->size() > 64) {
      reject("commands", "bad_field", "instrument name must be 1..64 characters");
      return;
    }
    if (!instruments.contains(identity) && instruments.size() >= kMaxInstruments) {
      forget_silent_instruments();
      if (instruments.size() >= kMaxInstruments) {
        reject("commands", "too_many_instruments",
               "already tracking " + std::to_string(kMaxInstruments) + " instruments");
        return;
      }
    }
    auto [it, inserted] = instruments.try_emplace(identity);
    InstrumentInfo& info = it->second;
    const bool was_stale = !inserted && monotonic_ns() - info.last_seen_mono_ns > timeout_ns();
    info.identity = identity;
    info.name = s.instrument()->str();
    info.modality = s.modality();
    info.state = s.state();
    info.interlock = s.interlock();
    info.frames_sent = s.frames_sent();
    info.last_seen_mono_ns = monotonic_ns();
    counters.add("commands.status_messages");
    if (inserted || was_stale) {
      log->info("instrument '{}' ({}) connected", info.name, modality_name(info.modality));
    }
  }

  // Drops instruments silent for ten heartbeat timeouts, except the active run's.
  void forget_silent_instruments() {
    std::erase_if(instruments, [&](const auto& entry) {
      const bool in_use = run && run->instrument_identity == entry.first;
      return !in_use && monotonic_ns() - entry.second.last_seen_mono_ns > 10 * timeout_ns();
    });
  }

  void handle_ack(const std::string& identity, std::span<const std::byte> payload) {
    auto decoded = decode<wire::Ack>(payload, scratch);
    if (auto* error = std::get_if<WireError>(&decoded)) {
      reject("commands", error->reason, error->detail);
      return;
    }
    const wire::Ack& ack = *std::get<const wire::Ack*>(decoded);
    // Acks are recorded as provenance: bound what an instrument can make us store.
    if ((ack.reason() != nullptr && ack.reason()->size() > kMaxAckReason) ||
        (ack.readback() != nullptr && ack.readback()->size() > kMaxReadbackValues)) {
      reject("commands", "bad_field", "ack reason or readback too long");
      return;
    }
    if (auto it = instruments.find(identity); it != instruments.end()) {
      it->second.last_seen_mono_ns = monotonic_ns();
    }
    if (!run || run->instrument_identity != identity) {
      counters.add("commands.stale_acks");
      return;
    }
    if (!run->running()) {  // the run has ended; its log may already be sealed
      counters.add("commands.late_acks");
      return;
    }
    auto resolved = run->tracker.on_ack(ack, monotonic_ns());
    if (!resolved) {
      counters.add("commands.duplicate_acks");  // normal after a retry
      return;
    }
    on_resolved(*resolved);
  }

  void on_resolved(const ResolvedCommand& r) {
    ActiveRun& a = *run;
    a.last_activity_mono_ns = monotonic_ns();
    switch (r.status) {
      case wire::AckStatus::Done:
        ++a.acks_done;
        if (r.command.actuator == "scan_position") ++a.frames_expected;
        break;
      case wire::AckStatus::Rejected:
        ++a.acks_rejected;
        a.points_by_seq.erase(r.command.seq);
        log->warn("run {}: instrument rejected command {} ({}): {}", a.shared->id.str(),
                  r.command.seq, r.command.actuator, r.reason);
        break;
      case wire::AckStatus::Expired:
        ++a.acks_expired;
        a.points_by_seq.erase(r.command.seq);
        log->warn("run {}: command {} expired: {}", a.shared->id.str(), r.command.seq, r.reason);
        break;
      default:
        ++a.acks_failed;
        a.points_by_seq.erase(r.command.seq);
        log->warn("run {}: command {} failed: {}", a.shared->id.str(), r.command.seq, r.reason);
        break;
    }
    counters.add(std::string("commands.outcome.") + wire::EnumNameAckStatus(r.status));
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Ack;
    entry.subject = "ack/" + std::to_string(r.command.seq);
    entry.inputs.push_back({"acknowledges", "command/" + std::to_string(r.command.seq), {}});
    entry.attributes = {{"status", wire::EnumNameAckStatus(r.status)},
                        {"reason", r.reason},
                        {"readback", r.readback},
                        {"attempts", r.command.attempts},
                        {"latency_ms", static_cast<double>(r.latency_ns) * 1e-6}};
    a.shared->log->append(entry);
  }

  void send_command(const PendingCommand& command, bool first_send) {
    ActiveRun& a = *run;
    const auto message = encode_command(a.shared->id, command);
    try {
      // ROUTER_MANDATORY makes an unknown or vanished peer an error instead of a silent drop.
      // A message refused at the high-water mark is simply sent again at the next retry.
      const bool sent =
          commands.send(zmq::buffer(a.instrument_identity),
                        zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
          commands.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait);
      counters.add(sent ? "commands.sent" : "commands.send_blocked");
    } catch (const zmq::error_t& e) {
      counters.add("commands.send_failed");
      log->warn("run {}: could not send command {} to '{}': {} (will retry)", a.shared->id.str(),
                command.seq, a.instrument_name, e.what());
    }
    if (!first_send) {
      ++a.retries;
      counters.add("commands.retries");
      return;
    }
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Command;
    entry.subject = "command/" + std::to_string(command.seq);
    entry.sha256 = Sha256::of(bytes_of(message));
    entry.attributes = {
        {"actuator", command.actuator},    {"target", command.target},
        {"cause", command.cause},          {"scan_index", command.scan_index},
        {"instrument", a.instrument_name}, {"deadline_wall_ns", command.deadline_wall_ns}};
    a.shared->log->append(entry);
  }

  // --- runs --------------------------------------------------------------------------------
  std::int64_t timeout_ns() const { return to_ns(config.instrument_timeout); }

  json start_run(const AdminRequest& request) {
    if (run) {
      throw AdminError("a run is already active: " + run->shared->id.str());
    }
    const InstrumentInfo* instrument = nullptr;
    for (const auto& [identity, info] : instruments) {
      const bool alive = monotonic_ns() - info.last_seen_mono_ns <= timeout_ns();
      if (alive && info.modality == wire::Modality::Stem4D &&
          (request.instrument.empty() || request.instrument == info.name)) {
        instrument = &info;
        break;
      }
    }
    if (instrument == nullptr) {
      throw AdminError(request.instrument.empty()
                           ? "no 4D-STEM instrument is connected"
                           : "instrument '" + request.instrument + "' is not connected");
    }
    auto shared = std::make_shared<RunShared>();
    shared->id = Uuid::random();
    shared->topic_prefix = "run/" + shared->id.str() + "/";
    const auto dir = config.data_dir / shared->id.str();
    std::filesystem::create_directories(dir);

    ProvenanceOptions options = config.provenance;
    options.agent = std::string("edgeloopd ") + build_info::kVersion + " (git " +
                    build_info::kGitDescribe + ")";
    const json plan = {{"kind", "raster"}, {"nx", request.nx}, {"ny", request.ny}};
    shared->log = ProvenanceLog::create(dir / "provenance.elp", shared->id, options,
                                        {{"plan", plan},
                                         {"instrument", instrument->name},
                                         {"config",
                                          {{"source", config.source.string()},
                                           {"sha256", config_sha256},
                                           {"effective", effective_config}}},
                                         {"started_utc", iso8601_utc(wall_ns())}});
    const StageDescription stage_description = stage.describe();
    ProvenanceEntry stage_entry;
    stage_entry.kind = wire::RecordKind::Stage;
    stage_entry.subject = "stage/" + stage_description.name;
    stage_entry.attributes = {{"name", stage_description.name},
                              {"version", stage_description.version},
                              {"parameters", stage_description.parameters}};
    shared->log->append(stage_entry);

    run.emplace(shared, RasterScan(request.nx, request.ny), config.command_timings);
    run->plan_json = plan;
    run->instrument_identity = instrument->identity;
    run->instrument_name = instrument->name;
    run->started_mono_ns = monotonic_ns();
    run->last_activity_mono_ns = run->started_mono_ns;
    counters.add("runs.started");
    log->info("run {} started: raster {}x{} on '{}', log {}", shared->id.str(), request.nx,
              request.ny, instrument->name, shared->log->path().string());
    return {{"run_id", shared->id.str()}, {"data_dir", dir.string()}};
  }

  json run_json(const ActiveRun& a) const {
    return {{"id", a.shared->id.str()},
            {"state", a.running() ? "running" : "closing"},
            {"plan", a.plan_json},
            {"instrument", a.instrument_name},
            {"positions", a.plan.size()},
            {"commands_issued", a.tracker.issued()},
            {"commands_in_flight", a.tracker.in_flight()},
            {"command_retries", a.retries},
            {"acks",
             {{"done", a.acks_done},
              {"rejected", a.acks_rejected},
              {"failed", a.acks_failed},
              {"expired", a.acks_expired}}},
            {"frames_expected", a.frames_expected},
            {"frames_received", a.frames_received},
            {"frames_processed", a.shared->frames_processed.load()},
            {"results_published", a.shared->results_published.load()},
            {"stage_failures", a.shared->stage_failures.load()},
            {"duplicate_frames", a.duplicates},
            {"missing_frames", a.gaps},
            {"elapsed_s", seconds_since(a.started_mono_ns)},
            {"provenance", a.shared->log->path().string()}};
  }

  void end_run(const std::string& outcome) {
    ActiveRun& a = *run;
    if (!a.running()) return;
    json summary = run_json(a);
    summary["state"] = outcome;
    a.phase = ActiveRun::Phase::Closing;
    counters.add("runs." + outcome);
    log->info("run {} {}: {} frames, {} commands acked, {} results", a.shared->id.str(), outcome,
              a.frames_received, a.acks_done, a.shared->results_published.load());
    queue.push(RunEndWork{a.shared, std::move(summary)});
  }

  void maintain_run() {
    if (!run) return;
    ActiveRun& a = *run;
    if (!a.running()) {
      if (a.shared->closed.load()) {
        last_run = a.shared->final_summary;
        last_run["provenance_records"] = a.shared->log->records();
        last_run["provenance_head"] = to_hex(a.shared->log->head());
        run.reset();
      }
      return;
    }
    const std::int64_t now_mono = monotonic_ns();
    const std::int64_t now_wall = wall_ns();
    for (const ResolvedCommand& r : a.tracker.expire(now_mono)) on_resolved(r);
    for (const PendingCommand& c : a.tracker.due_for_resend(now_mono)) send_command(c, false);
    while (!stopping && a.tracker.in_flight() < config.max_commands_in_flight) {
      const auto point = a.plan.next();
      if (!point) break;
      const PendingCommand& c = a.tracker.issue("scan_position", {point->x, point->y},
                                                "raster_scan index=" + std::to_string(point->index),
                                                point->index, now_wall, now_mono);
      a.points_by_seq.emplace(c.seq, *point);
      send_command(c, true);
    }
    a.shared->log->sync_if_due();
    if (a.plan.issued() < a.plan.size() || a.tracker.in_flight() > 0) return;
    if (a.frames_received >= a.frames_expected &&
        a.shared->frames_processed.load() == a.frames_received) {
      // Refused or unanswered commands mean positions were not measured: say so in the outcome.
      const bool all_done = a.acks_rejected + a.acks_expired + a.acks_failed == 0;
      end_run(all_done ? "completed" : "completed_with_errors");
    } else if (now_mono - a.last_activity_mono_ns > to_ns(config.run_idle_timeout)) {
      end_run("incomplete");
    }
  }

  // --- admin socket ------------------------------------------------------------------------
  json status_json() const {
    json instruments_json = json::array();
    for (const auto& [identity, info] : instruments) {
      instruments_json.push_back(
          {{"name", info.name},
           {"modality", modality_name(info.modality)},
           {"state", wire::EnumNameInstrumentState(info.state)},
           {"interlock", info.interlock},
           {"frames_sent", info.frames_sent},
           {"connected", monotonic_ns() - info.last_seen_mono_ns <= timeout_ns()},
           {"last_seen_s", seconds_since(info.last_seen_mono_ns)}});
    }
    const StageMetrics m = stage.metrics();
    const StageDescription d = stage.describe();
    return {
        {"daemon",
         {{"version", build_info::kVersion},
          {"git", build_info::kGitDescribe},
          {"pid", ::getpid()},
          {"uptime_s", seconds_since(started_mono_ns)}}},
        {"endpoints",
         {{"data", config.endpoints.data},
          {"results", config.endpoints.results},
          {"commands", config.endpoints.commands},
          {"admin", config.endpoints.admin}}},
        {"instruments", instruments_json},
        {"run", run ? run_json(*run) : json(nullptr)},
        {"last_run", last_run},
        {"queue", {{"depth", queue.size()}, {"capacity", queue.capacity()}}},
        {"stages", json::array({{{"name", d.name},
                                 {"version", d.version},
                                 {"parameters", d.parameters},
                                 {"processed", m.processed},
                                 {"failed", m.failed},
                                 {"mean_us", m.processed ? static_cast<double>(m.total_ns) / 1e3 /
                                                               static_cast<double>(m.processed)
                                                         : 0.0},
                                 {"max_us", static_cast<double>(m.max_ns) / 1e3}}})},
        {"counters", counters.to_json()}};
  }

  void handle_admin(std::vector<zmq::message_t> parts) {
    json reply;
    try {
      if (parts.size() != 1) {
        throw AdminError(
            "expected one message part holding a JSON object, got " + std::to_string(parts.size()),
            "part_count");
      }
      const AdminRequest request = parse_admin_request(parts[0].to_string_view());
      counters.add("admin.requests." + request.command);
      if (request.command == "status") {
        reply = status_json();
      } else if (request.command == "start_run") {
        reply = start_run(request);
      } else if (request.command == "stop_run") {
        if (!run || !run->running()) throw AdminError("no run is active", "no_run");
        const std::string id = run->shared->id.str();
        end_run("aborted");
        reply = {{"run_id", id}};
      } else {  // ping
        reply = json::object();
      }
      reply["ok"] = true;
    } catch (const AdminError& e) {
      reject("admin", e.reason(), e.what());
      reply = {{"ok", false}, {"error", e.what()}};
    } catch (const std::exception& e) {
      counters.add("admin.internal_errors");
      log->error("admin request failed: {}", e.what());
      reply = {{"ok", false}, {"error", std::string("internal error: ") + e.what()}};
    }
    const std::string text = reply.dump(-1, ' ', false, json::error_handler_t::replace);
    admin.send(zmq::buffer(text), zmq::send_flags::none);
  }

  // --- worker thread -----------------------------------------------------------------------
  void worker_loop() {
    std::vector<Product> products;
    std::int64_t last_heartbeat = 0;
    const auto heartbeat_ns = to_ns(config.heartbeat_interval);
    for (;;) {
      auto item = queue.pop_for(std::chrono::milliseconds(20));
      if (item) {
        if (auto* frame = std::get_if<FrameWork>(&*item)) {
          try {
            process_frame(*frame, products);
          } catch (const std::exception& e) {
            // Counted as processed so the run can still end; the failure is in the counters.
            frame->run->frames_processed.fetch_add(1);
            counters.add("internal_errors.worker");
            log->error("worker: {} failed: {}", frame_subject(frame->frame.meta), e.what());
          }
        } else {
          close_run(std::get<RunEndWork>(*item));
        }
      } else if (queue.closed_and_empty()) {
        break;
      }
      if (monotonic_ns() - last_heartbeat >= heartbeat_ns) {
        last_heartbeat = monotonic_ns();
        publish("daemon/heartbeat",
                build_result({.product = "heartbeat",
                              .values = {seconds_since(started_mono_ns),
                                         static_cast<double>(counters.value("data.frames"))},
                              .produced_wall_ns = wall_ns()}));
      }
    }
  }

  void publish(const std::string& topic, const flatbuffers::DetachedBuffer& message) {
    // PUB drops for a subscriber whose queue is full: a slow subscriber never slows ingest.
    results.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    results.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait);
  }

  void process_frame(FrameWork& work, std::vector<Product>& products) {
    const FrameMeta& meta = work.frame.meta;
    RunShared& r = *work.run;
    products.clear();
    try {
      stage.process(work.frame, products);
    } catch (const std::exception& e) {
      r.stage_failures.fetch_add(1);
      counters.add("stages.failures");
      log->error("stage {} failed on {}: {}", stage.describe().name, frame_subject(meta), e.what());
      ProvenanceEntry entry;
      entry.kind = wire::RecordKind::Note;
      entry.subject = "failure/" + frame_subject(meta);
      entry.inputs.push_back({"input_frame", frame_subject(meta), meta.payload_sha256});
      entry.attributes = {{"stage", stage.describe().name}, {"error", e.what()}};
      r.frames_processed.fetch_add(1);
      r.log->append(entry);
      return;
    }
    const StageDescription d = stage.describe();
    for (const Product& p : products) {
      const auto message =
          build_result({.run_id = r.id,
                        .stream = meta.stream,
                        .product = p.name,
                        .source_sequence = meta.sequence,
                        .scan_index = meta.scan_index,
                        .scan_position = meta.scan_position,
                        .stage = d.name,
                        .stage_version = d.version,
                        .values = p.values,
                        .input_sha256 = {meta.payload_sha256.begin(), meta.payload_sha256.end()},
                        .produced_wall_ns = wall_ns()});
      const std::string topic = r.topic_prefix + modality_name(meta.modality) + "/" + p.name;
      publish(topic, message);
      ProvenanceEntry entry;
      entry.kind = wire::RecordKind::Result;
      entry.subject = "result/" + meta.stream + "/" + p.name + "/" + std::to_string(meta.sequence);
      entry.sha256 = Sha256::of(bytes_of(message));
      entry.inputs.push_back({"input_frame", frame_subject(meta), meta.payload_sha256});
      entry.inputs.push_back({"stage", "stage/" + d.name, {}});
      entry.attributes = {{"topic", topic}, {"values", p.values}};
      r.log->append(entry);
      r.results_published.fetch_add(1);
      counters.add("results.published");
    }
    r.frames_processed.fetch_add(1);
  }

  void close_run(RunEndWork& work) {
    RunShared& r = *work.run;
    // Frames queued before this item have all been processed now: the counts are final.
    work.summary["frames_processed"] = r.frames_processed.load();
    work.summary["results_published"] = r.results_published.load();
    work.summary["stage_failures"] = r.stage_failures.load();
    try {
      publish(r.topic_prefix + "status",
              build_result({.run_id = r.id,
                            .product = "run_" + work.summary.value("state", std::string("ended")),
                            .values = {static_cast<double>(r.frames_processed.load()),
                                       static_cast<double>(r.results_published.load())},
                            .produced_wall_ns = wall_ns()}));
      r.log->close(work.summary);
    } catch (const std::exception& e) {
      counters.add("provenance.close_failures");
      log->error("run {}: sealing the provenance log failed: {}", r.id.str(), e.what());
    }
    r.final_summary = std::move(work.summary);
    r.closed.store(true);
  }
};

Daemon::Daemon(DaemonConfig config, std::shared_ptr<spdlog::logger> logger)
    : state_(std::make_unique<State>(std::move(config), std::move(logger))) {
  State& s = *state_;
  const DaemonConfig& c = s.config;
  s.stage.configure({{"backend", c.frame_sum_backend}});
  s.data.set(zmq::sockopt::rcvhwm, c.receive_hwm);
  // Oversized messages are dropped by ZeroMQ before they are ever buffered whole.
  s.data.set(zmq::sockopt::maxmsgsize,
             static_cast<std::int64_t>(c.frame_limits.max_frame_bytes + (1u << 20)));
  s.commands.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
  s.admin.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(kMaxAdminRequestBytes));
  s.results.set(zmq::sockopt::sndhwm, c.publish_hwm);
  s.results.set(zmq::sockopt::linger, 0);
  s.commands.set(zmq::sockopt::router_mandatory, 1);
  s.commands.set(zmq::sockopt::linger, 0);
  s.admin.set(zmq::sockopt::linger, 0);
  s.data.bind(c.endpoints.data);
  s.results.bind(c.endpoints.results);
  s.commands.bind(c.endpoints.commands);
  s.admin.bind(c.endpoints.admin);
  std::filesystem::create_directories(c.data_dir);

  if (!c.source.empty() && std::filesystem::is_regular_file(c.source)) {
    std::ifstream in(c.source, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    s.config_sha256 = to_hex(Sha256::of(text.str()));
  }
  s.effective_config = {{"data_dir", c.data_dir.string()},
                        {"queue_capacity", c.queue_capacity},
                        {"max_frame_bytes", c.frame_limits.max_frame_bytes},
                        {"max_commands_in_flight", c.max_commands_in_flight},
                        {"command_retry_ms", c.command_timings.retry_interval.count()},
                        {"command_deadline_ms", c.command_timings.deadline.count()},
                        {"fsync_interval_ms", c.provenance.fsync_interval.count()},
                        {"frame_sum_backend", c.frame_sum_backend}};
  s.log->info("edgeloopd {} listening: data {}, results {}, commands {}, admin {}",
              build_info::kVersion, c.endpoints.data, c.endpoints.results, c.endpoints.commands,
              c.endpoints.admin);
}

Daemon::~Daemon() = default;

void Daemon::request_stop() {
  state_->stop.store(true);
}

const Counters& Daemon::counters() const {
  return state_->counters;
}

void Daemon::run() {
  State& s = *state_;
  std::jthread worker([&s] { s.worker_loop(); });
  // Declared after the worker so it runs first: the worker's loop ends before it is joined,
  // also when an exception leaves run().
  struct QueueCloser {
    BoundedQueue<WorkItem>& queue;
    ~QueueCloser() { queue.close(); }
  } closer{s.queue};

  std::int64_t stop_deadline = 0;
  for (;;) {
    if (s.stop.load() && !s.stopping) {
      // Stop issuing commands, but give those in flight their acks and frames first.
      s.stopping = true;
      stop_deadline = monotonic_ns() + to_ns(s.config.stop_grace);
      s.log->info("stopping: waiting up to {} ms for in-flight commands and frames",
                  s.config.stop_grace.count());
    }
    if (s.stopping && (s.run_settled() || monotonic_ns() > stop_deadline)) break;

    // While the queue is full the data socket is left unread: lossless backpressure.
    const bool read_data = !s.queue.full();
    std::vector<zmq::pollitem_t> items = {
        {s.commands.handle(), 0, ZMQ_POLLIN, 0},
        {s.admin.handle(), 0, ZMQ_POLLIN, 0},
        {s.data.handle(), 0, ZMQ_POLLIN, 0},
    };
    zmq::poll(items.data(), read_data ? 3 : 2, std::chrono::milliseconds(10));
    for (int i = 0; i < 256 && (items[0].revents & ZMQ_POLLIN); ++i) {
      auto parts = receive_multipart(s.commands);
      if (parts.empty()) break;
      s.guarded("commands", [&] { s.handle_command_socket(std::move(parts)); });
    }
    for (int i = 0; i < 16 && (items[1].revents & ZMQ_POLLIN); ++i) {
      auto parts = receive_multipart(s.admin);
      if (parts.empty()) break;
      s.guarded("admin", [&] { s.handle_admin(std::move(parts)); });
    }
    for (int i = 0; read_data && i < 64 && (items[2].revents & ZMQ_POLLIN) && !s.queue.full();
         ++i) {
      auto parts = receive_multipart(s.data);
      if (parts.empty()) break;
      s.guarded("data", [&] { s.handle_data(std::move(parts)); });
    }
    s.guarded("run", [&] { s.maintain_run(); });
  }

  // Frames already inside ZeroMQ are ingested; bounded so a streaming sender cannot hold
  // the daemon past its stop timeout.
  for (std::size_t i = 0; i < 4 * s.config.queue_capacity + 64; ++i) {
    auto parts = receive_multipart(s.data);
    if (parts.empty()) break;
    s.guarded("data", [&] { s.handle_data(std::move(parts)); });
  }
  if (s.run && s.run->running()) s.guarded("run", [&] { s.end_run("interrupted"); });
  s.queue.close();
  worker.join();
  if (s.run) s.guarded("run", [&] { s.maintain_run(); });
  s.log->info("stopped");
}

}  // namespace edgeloop
