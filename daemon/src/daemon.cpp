#include "edgeloop/daemon/daemon.hpp"
#include "edgeloop/daemon/systemd_notifier.hpp"
#include "metrics_http.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>

#include "edgeloop/core/build_info.hpp"
#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/daemon/admin_request.hpp"
#include "edgeloop/pipeline/bounded_queue.hpp"
#include "edgeloop/pipeline/runtime/buffer_pool.hpp"
#include "edgeloop/pipeline/stream2/stream2_decoder.hpp"
#include "edgeloop/pipeline/stream2/stream2_frame.hpp"
#include "edgeloop/pipeline/zmq_payload.hpp"
#include "instrument_registry.hpp"
#include "job_admin.hpp"
#include "job_runners.hpp"
#include "job_status_publisher.hpp"
#include "nanoseconds.hpp"
#include "plan_registry.hpp"
#include "process_worker.hpp"
#include "sample_table.hpp"
#include "scan_run.hpp"
#include "sisso_jobs.hpp"
#include "stage_factory.hpp"
#include "storage_worker.hpp"
#include "work_item.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

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

constexpr std::size_t kMaxInstrumentName = 64;
constexpr std::size_t kMaxAckReason = 1024;
constexpr std::size_t kMaxReadbackValues = 16;
constexpr std::size_t kMaxStatusActuators = 64;
// Runs whose samples stay available to submit_sisso: the current one and a few before it.
constexpr std::size_t kRunsWithSamples = 4;

}  // namespace

struct Daemon::State {
  State(DaemonConfig c, std::shared_ptr<spdlog::logger> l)
      : config(std::move(c)),
        log(std::move(l)),
        data(context, zmq::socket_type::pull),
        results(context, zmq::socket_type::pub),
        commands(context, zmq::socket_type::router),
        admin(context, zmq::socket_type::rep),
        queue(config.queue_capacity),
        store_queue(config.storage.queue_capacity),
        pool(config.storage.pool_slots, config.storage.pool_slot_bytes),
        instruments(config.instrument_timeout),
        job_runners(config.jobs, counters, *log),
        job_admin(job_runners, sisso_jobs, config.sisso, *log) {}

  DaemonConfig config;
  std::shared_ptr<spdlog::logger> log;
  zmq::context_t context;
  zmq::socket_t data;
  zmq::socket_t results;  // used only by the worker thread once run() starts
  zmq::socket_t commands;
  zmq::socket_t admin;
  Counters counters;
  BoundedQueue<WorkItem> queue;         // I/O thread -> processing worker
  BoundedQueue<StoreItem> store_queue;  // processing worker -> storage worker
  BufferPool pool;                      // decoded pixels and encoded chunks
  std::atomic<bool> stop{false};
  bool stopping = false;  // I/O thread: stop requested, no new commands
  // A configuration from SIGHUP, waiting for the I/O thread (which alone reads `config`).
  std::mutex reload_mutex;
  std::optional<DaemonConfig> reload;
  std::int64_t started_mono_ns = monotonic_ns();
  InstrumentRegistry instruments;
  std::optional<ScanRun> run;
  json last_run = nullptr;
  std::string config_sha256;
  AlignedScratch scratch;  // I/O thread only: aligned copies of incoming messages
  json effective_config;
  // Offloaded jobs. The runners are thread-safe; their statuses reach the PUB socket through
  // the queue the worker drains (see JobStatusPublisher).
  JobRunners job_runners;
  SissoJobs sisso_jobs;
  JobAdmin job_admin;
  std::deque<std::shared_ptr<SampleTable>> recent_samples;  // I/O thread only; newest last
  // DECTRIS stream2 detector (PULL, connected), when configured; its series' start message.
  std::optional<zmq::socket_t> stream2;
  std::optional<Stream2Start> stream2_series;
  PlanRegistry plans = builtin_plan_registry();

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
  bool run_settled() const { return !run || run->settled(); }

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
    std::variant<Frame, WireError> decoded;
    if (parts.size() == 2) {
      decoded = decode_native_frame(bytes_of(parts[0]), scratch,
                                    std::make_unique<ZmqPayload>(std::move(parts[1])),
                                    config.frame_limits);
    } else if (parts.size() == 1) {
      decoded = decode_native_event_chunk(std::make_unique<ZmqPayload>(std::move(parts[0])),
                                          scratch, config.frame_limits);
    } else {
      reject("data", "part_count",
             "expected [FrameHeader][payload] or [EventChunk], got " +
                 std::to_string(parts.size()) + " parts");
      return;
    }
    if (auto* error = std::get_if<WireError>(&decoded)) {
      reject("data", error->reason, error->detail);
      return;
    }
    take_frame(std::move(std::get<Frame>(decoded)));
  }

  // A decoded frame from any ingest adapter: checked against the active run and queued under
  // its stream's overflow policy.
  void take_frame(Frame frame) {
    if (!run || !run->takes_frames_of(frame.meta.run_id)) {
      reject("data", "unknown_run",
             "frame for run " + frame.meta.run_id.str() + " (no such active run)");
      return;
    }
    if (auto refusal = run->accept_frame(frame)) {
      reject("data", refusal->reason, refusal->detail);
      return;
    }
    counters.add("data.frames");
    const auto policy = config.streams.find(frame.meta.stream);
    const bool latest =
        policy != config.streams.end() && policy->second.policy == OverflowPolicy::Latest;
    WorkItem item = FrameWork{std::move(frame), run->shared()};
    if (latest) {
      // Preview streams never wait: the oldest waiting frame (always one of this run: a run's
      // end is queued only after its frames stop) makes room and is counted.
      if (queue.push_dropping_oldest(std::move(item))) {
        run->frame_dropped();
        counters.add("data.dropped");
      }
      return;
    }
    // The I/O loop only reads frames while the queue has room, so this rarely blocks.
    if (!queue.try_push(item)) queue.push(std::move(item));
  }

  // --- stream2 socket ----------------------------------------------------------------------
  // A detector-driven series: `start` opens a run (no commands), images are its frames, `end`
  // closes it once every image is processed.
  void handle_stream2(std::vector<zmq::message_t> parts) {
    if (parts.size() != 1) {
      reject("stream2", "part_count",
             "a stream2 message is one CBOR part, got " + std::to_string(parts.size()));
      return;
    }
    const Stream2Limits limits{.max_array_bytes = config.frame_limits.max_frame_bytes,
                               .max_dim = config.frame_limits.max_dim};
    auto message = decode_stream2_message(bytes_of(parts[0]), limits);
    if (auto* error = std::get_if<WireError>(&message)) {
      reject("stream2", error->reason, error->detail);
      return;
    }
    if (auto* start = std::get_if<Stream2Start>(&message)) {
      start_stream2_run(*start);
    } else if (auto* image = std::get_if<Stream2Image>(&message)) {
      if (!run || !run->external() || !stream2_series) {
        reject("stream2", "no_series",
               "image " + std::to_string(image->image_id) +
                   " outside a series (its start was missed?)");
        return;
      }
      auto frame = stream2_image_to_frame(*image, &*stream2_series, std::move(parts[0]),
                                          {.stream = config.stream2.stream,
                                           .modality = config.stream2.modality,
                                           .channel = config.stream2.channel,
                                           .hash_payload = false});
      if (auto* error = std::get_if<WireError>(&frame)) {
        reject("stream2", error->reason, error->detail);
        return;
      }
      Frame& f = std::get<Frame>(frame);
      f.meta.run_id = run->id();
      counters.add("stream2.images");
      take_frame(std::move(f));
    } else {
      const auto& end = std::get<Stream2End>(message);
      if (!run || !run->external() || !stream2_series ||
          end.series_id != stream2_series->series_id) {
        reject("stream2", "no_series",
               "end of series " + std::to_string(end.series_id) + ", which is not the active one");
        return;
      }
      counters.add("stream2.series_ended");
      run->series_ended();
    }
  }

  void start_stream2_run(const Stream2Start& start) {
    if (run) {
      reject("stream2", "busy",
             "series " + std::to_string(start.series_id) + " starts while run " + run->id().str() +
                 " is active; its images will be refused");
      return;
    }
    // A series without a count is bounded only by the sequence space a run accepts.
    constexpr std::uint64_t kUnknownCount = std::uint64_t{1} << 40;
    const std::uint64_t images = start.number_of_images.value_or(kUnknownCount);
    // Images lie on one line of scan positions: stream2 does not describe a scan grid. The
    // line is bounded so live maps stay small; images beyond it are stored, not mapped.
    constexpr std::uint64_t kMaxLine = 65536;
    const auto line = static_cast<std::uint32_t>(std::min(images, kMaxLine));
    const std::string detector =
        start.detector_description.empty() ? "stream2 detector" : start.detector_description;
    ScanRunSetup setup{.plan = make_external_plan(images),
                       .modality = config.stream2.modality,
                       .external = true,
                       .title = "stream2 series " + std::to_string(start.series_id) + " (" +
                                start.series_unique_id + ")",
                       .instrument_name = detector,
                       .data_dir = config.data_dir,
                       .provenance = config.provenance,
                       .config = run_config_json(),
                       .store = config.storage.enabled,
                       .command_timings = config.command_timings,
                       .max_commands_in_flight = config.max_commands_in_flight,
                       .idle_timeout = config.run_idle_timeout};
    try {
      setup.stages = build_stages({config.stream2.modality, line, 1});
      begin_run(std::move(setup));
    } catch (const std::exception& e) {
      reject("stream2", "run_failed", e.what());
      return;
    }
    stream2_series = start;
    counters.add("stream2.series_started");
    log->info("run {} started by stream2 series {} ('{}') of {}: {} images", run->id().str(),
              start.series_id, start.series_unique_id, detector,
              start.number_of_images ? std::to_string(images) : std::string("unknown"));
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
    if (s.instrument() == nullptr || s.instrument()->size() == 0 ||
        s.instrument()->size() > kMaxInstrumentName) {
      reject("commands", "bad_field", "instrument name must be 1..64 characters");
      return;
    }
    // Readbacks reach the safety envelope and the status reply: bound what a peer can make us
    // keep.
    if (const auto* actuators = s.actuators(); actuators != nullptr) {
      bool bad = actuators->size() > kMaxStatusActuators;
      for (const auto* a : *actuators) {
        bad = bad || a == nullptr || a->name() == nullptr || a->name()->size() == 0 ||
              a->name()->size() > kMaxInstrumentName ||
              (a->value() != nullptr && a->value()->size() > kMaxReadbackValues);
      }
      if (bad) {
        reject("commands", "bad_field",
               "status lists more than 64 actuators, or one with a bad name or over 16 values");
        return;
      }
    }
    const auto in_use =
        run ? std::optional<std::string_view>(run->instrument_identity()) : std::nullopt;
    const auto update = instruments.record_status(identity, s, in_use);
    if (update == InstrumentRegistry::Update::Full) {
      reject("commands", "too_many_instruments",
             "already tracking " + std::to_string(InstrumentRegistry::kCapacity) + " instruments");
      return;
    }
    counters.add("commands.status_messages");
    if (run && run->instrument_identity() == identity) {
      const InstrumentInfo* info = instruments.find(identity);
      run->on_instrument_status(s.interlock(), s.state(),
                                info != nullptr
                                    ? info->actuators
                                    : std::vector<std::pair<std::string, std::vector<double>>>{});
    }
    if (update == InstrumentRegistry::Update::Connected) {
      log->info("instrument '{}' ({}) connected", s.instrument()->str(),
                modality_name(s.modality()));
    }
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
    instruments.saw(identity);
    if (!run || run->instrument_identity() != identity) {
      counters.add("commands.stale_acks");
      return;
    }
    run->on_ack(ack);
  }

  // Puts a command on the ROUTER socket for the run's instrument.
  void send_command(const PendingCommand& command, std::span<const std::byte> message) {
    try {
      // ROUTER_MANDATORY makes an unknown or vanished peer an error instead of a silent drop.
      // A message refused at the high-water mark is simply sent again at the next retry.
      const bool sent =
          commands.send(zmq::buffer(run->instrument_identity()),
                        zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
          commands.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait);
      counters.add(sent ? "commands.sent" : "commands.send_blocked");
    } catch (const zmq::error_t& e) {
      counters.add("commands.send_failed");
      log->warn("run {}: could not send command {} to '{}': {} (will retry)", run->id().str(),
                command.seq, run->instrument_name(), e.what());
    }
  }

  // --- runs --------------------------------------------------------------------------------
  json start_run(const AdminRequest& request) {
    if (run) {
      throw AdminError("a run is already active: " + run->id().str());
    }
    const wire::Modality modality = modality_from_name(request.modality);
    const InstrumentInfo* instrument = instruments.find_connected(modality, request.instrument);
    if (instrument == nullptr) {
      throw AdminError(request.instrument.empty()
                           ? "no " + request.modality + " instrument is connected"
                           : "instrument '" + request.instrument + "' is not connected");
    }
    const InstrumentSafety* safety = config.safety.find(instrument->name);
    if (safety == nullptr && config.safety.require_envelope) {
      throw AdminError("start_run: instrument '" + instrument->name +
                       "' has no safety envelope ([safety.instruments.\"" + instrument->name +
                       "\"]) and safety.require_envelope is set");
    }
    std::optional<SafetyEnvelope> envelope;
    if (safety != nullptr) envelope = safety->envelope();
    const std::string plan_name = request.plan.empty() ? default_plan_name(modality) : request.plan;
    BuiltPlan built;
    try {
      built = plans.make(plan_name, {.modality = modality,
                                     .spec = request.plan_spec,
                                     .envelope = envelope ? &*envelope : nullptr});
    } catch (const std::invalid_argument& e) {
      throw AdminError(std::string("start_run: ") + e.what());
    }
    if (!envelope) {
      counters.add("runs.without_envelope");
      log->warn("start_run: instrument '{}' has no safety envelope; commands go out unchecked",
                instrument->name);
    }
    const StageRunContext stage_context{modality, built.nx != 0 ? built.nx : request.nx,
                                        built.ny != 0 ? built.ny : request.ny};
    ScanRunSetup setup{
        .plan = std::move(built.plan),
        .modality = modality,
        .title = request.title,
        .instrument_identity = instrument->identity,
        .instrument_name = instrument->name,
        .data_dir = config.data_dir,
        .provenance = config.provenance,
        .config = run_config_json(),
        .stages = build_stages(stage_context),
        .store = config.storage.enabled,
        .command_timings = config.command_timings,
        .max_commands_in_flight = config.max_commands_in_flight,
        .idle_timeout = config.run_idle_timeout,
        .envelope = std::move(envelope),
        .interlock_on_fault = safety != nullptr ? safety->interlock_on_fault : true,
        .interlocked = instrument->interlock || (safety != nullptr && safety->interlock_on_fault &&
                                                 instrument->state == wire::InstrumentState::Fault),
        .safety = safety != nullptr ? safety->to_json() : json(nullptr),
        .safe_state = safety != nullptr ? safety->safe_state : std::vector<SafeCommand>{},
        .watchdog = config.safety.watchdog,
        .positions = instrument->actuators};
    begin_run(std::move(setup));
    if (modality == wire::Modality::Stem4D) {
      // Set before the first frame is queued; the queue orders these writes before the
      // worker's reads.
      RunShared& shared = *run->shared();
      shared.samples =
          std::make_shared<SampleTable>(run->id(), std::vector<std::string>{"scan_x", "scan_y"},
                                        "frame_sum", config.sisso.max_rows);
      recent_samples.push_back(shared.samples);
      if (recent_samples.size() > kRunsWithSamples) recent_samples.pop_front();
    }
    log->info("run {} started: {} {} on '{}', log {}", run->id().str(), request.modality,
              run->to_json()["plan"].dump(), run->instrument_name(),
              run->shared()->log->path().string());
    return {{"run_id", run->id().str()},
            {"data_dir", run->directory().string()},
            {"nexus_file", run->shared()->nexus_path.string()}};
  }

  json run_config_json() const {
    return {{"source", config.source.string()},
            {"sha256", config_sha256},
            {"effective", effective_config}};
  }

  // The configured pipeline of a modality, built for one run.
  std::vector<std::unique_ptr<Stage>> build_stages(const StageRunContext& run_context) const {
    std::vector<std::unique_ptr<Stage>> stages;
    const auto configured = config.pipelines.find(run_context.modality);
    const PipelineConfig pc =
        configured != config.pipelines.end()
            ? configured->second
            : default_pipeline(run_context.modality, config.frame_sum_backend);
    for (const std::string& name : pc.stages) {
      const auto p = pc.parameters.find(name);
      try {
        stages.push_back(
            make_stage(name, p != pc.parameters.end() ? p->second : json::object(), run_context));
      } catch (const std::exception& e) {
        throw AdminError("start_run: stage '" + name + "' cannot serve this run: " + e.what());
      }
    }
    return stages;
  }

  void begin_run(ScanRunSetup setup) {
    setup.provenance.agent = std::string("edgeloopd ") + build_info::kVersion + " (git " +
                             build_info::kGitDescribe + ")";
    run.emplace(std::move(setup), counters, *log);
    job_runners.set_provenance(run->shared()->log);
    counters.add("runs.started");
  }

  void end_run(const std::string& outcome) {
    if (auto work = run->end(outcome)) {
      // Detached before the seal is queued, so no job record can reach a sealed log; jobs
      // that change state between runs are recorded nowhere but their own status.
      job_runners.set_provenance(nullptr);
      queue.push(std::move(*work));
    }
  }

  // The samples of `run_id`, or of the current (else the last) run when none is given.
  const SampleTable& samples_for(const std::optional<Uuid>& run_id) const {
    if (recent_samples.empty()) throw AdminError("submit_sisso: no run has been started yet");
    if (!run_id) return *recent_samples.back();
    for (const auto& table : recent_samples) {
      if (table->run_id() == *run_id) return *table;
    }
    throw AdminError("submit_sisso: no samples of run " + run_id->str() + " (edgeloopd keeps the " +
                         std::to_string(kRunsWithSamples) + " most recent runs since it started)",
                     "no_run");
  }

  void maintain_run() {
    if (!run) return;
    if (!run->running()) {
      if (run->sealed()) {
        last_run = run->sealed_summary();
        if (run->external()) stream2_series.reset();
        run.reset();
      }
      return;
    }
    const auto outcome = run->advance(
        !stopping, [this](const PendingCommand& command, std::span<const std::byte> message) {
          send_command(command, message);
        });
    if (outcome) end_run(*outcome);
  }

  // --- admin socket ------------------------------------------------------------------------
  json status_json() const {
    json stages = json::array();
    if (run) {
      const RunShared& shared = *run->shared();
      for (std::size_t i = 0; i < shared.stages.size(); ++i) {
        const StageMetrics m = shared.stages[i]->metrics();
        const StageDescription& d = shared.stage_descriptions[i];
        const double elapsed = seconds_since(shared.started_mono_ns);
        stages.push_back(
            {{"name", d.name},
             {"version", d.version},
             {"parameters", d.parameters},
             {"processed", m.processed},
             {"failed", m.failed},
             {"rate_hz", elapsed > 0 ? static_cast<double>(m.processed) / elapsed : 0.0},
             {"mean_us",
              m.processed ? static_cast<double>(m.total_ns) / 1e3 / static_cast<double>(m.processed)
                          : 0.0},
             {"p50_us", m.latency_quantile_ns(0.5) / 1e3},
             {"p99_us", m.latency_quantile_ns(0.99) / 1e3},
             {"max_us", static_cast<double>(m.max_ns) / 1e3},
             {"latency_histogram_log2_ns", m.latency_histogram}});
      }
    }
    return {{"daemon",
             {{"version", build_info::kVersion},
              {"git", build_info::kGitDescribe},
              {"pid", ::getpid()},
              {"uptime_s", seconds_since(started_mono_ns)}}},
            {"endpoints",
             {{"data", config.endpoints.data},
              {"results", config.endpoints.results},
              {"commands", config.endpoints.commands},
              {"admin", config.endpoints.admin},
              {"stream2", config.stream2.enabled ? json(config.stream2.endpoint) : json(nullptr)}}},
            {"instruments", instruments.to_json()},
            {"run", run ? run->to_json() : json(nullptr)},
            {"last_run", last_run},
            {"queue", {{"depth", queue.size()}, {"capacity", queue.capacity()}}},
            {"queues",
             {{"processing", {{"depth", queue.size()}, {"capacity", queue.capacity()}}},
              {"storage", {{"depth", store_queue.size()}, {"capacity", store_queue.capacity()}}}}},
            {"buffer_pool",
             {{"slots", pool.slots()},
              {"available", pool.available()},
              {"slot_bytes", pool.slot_bytes()},
              {"waits", pool.waits()}}},
            {"jobs",
             {{"runners", job_runners.names()},
              {"default_runner", job_runners.default_runner()},
              {"status_queue", job_runners.queue().size()},
              {"statuses_dropped", job_runners.queue().dropped()}}},
            {"stages", stages},
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
      } else if (request.command == "hold_run") {
        if (!run || !run->running()) throw AdminError("no run is active", "no_run");
        run->hold();
        reply = {{"run_id", run->id().str()}};
      } else if (request.command == "stop_run") {
        if (!run || !run->running()) throw AdminError("no run is active", "no_run");
        const std::string id = run->id().str();
        end_run("aborted");
        reply = {{"run_id", id}};
      } else if (request.command == "submit_sisso") {
        reply = job_admin.submit_sisso(request, samples_for(request.run));
      } else if (request.command == "job_status") {
        reply = job_admin.job_status(request.job);
      } else if (request.command == "cancel_job") {
        reply = job_admin.cancel_job(request.job);
      } else if (request.command == "jobs") {
        reply = job_admin.list();
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
};

Daemon::Daemon(DaemonConfig config, std::shared_ptr<spdlog::logger> logger)
    : state_(std::make_unique<State>(std::move(config), std::move(logger))) {
  State& s = *state_;
  const DaemonConfig& c = s.config;
  s.data.set(zmq::sockopt::rcvhwm, c.receive_hwm);
  // Oversized messages are dropped by ZeroMQ before they are ever buffered whole.
  s.data.set(zmq::sockopt::maxmsgsize,
             static_cast<std::int64_t>(c.frame_limits.max_frame_bytes + (1u << 20)));
  s.commands.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
  // Requests somewhat over the admin limit still get a "too_large" reply; only absurd ones are
  // dropped by ZeroMQ (which also disconnects the sender).
  s.admin.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(16 * kMaxAdminRequestBytes));
  s.results.set(zmq::sockopt::sndhwm, c.publish_hwm);
  s.results.set(zmq::sockopt::linger, 0);
  s.commands.set(zmq::sockopt::router_mandatory, 1);
  // An instrument that drops its connection and comes back under the same name (a restart, a
  // network blip) takes over at once instead of being refused while the old pipe lingers.
  s.commands.set(zmq::sockopt::router_handover, 1);
  s.commands.set(zmq::sockopt::linger, 0);
  s.admin.set(zmq::sockopt::linger, 0);
  if (c.stream2.enabled) {
    // The detector binds; edgeloopd connects, as DECTRIS clients do.
    s.stream2.emplace(s.context, zmq::socket_type::pull);
    s.stream2->set(zmq::sockopt::rcvhwm, c.receive_hwm);
    s.stream2->set(zmq::sockopt::maxmsgsize,
                   static_cast<std::int64_t>(c.frame_limits.max_frame_bytes + (1u << 20)));
    s.stream2->set(zmq::sockopt::linger, 0);
    s.stream2->connect(c.stream2.endpoint);
  }
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
  s.effective_config = {
      {"data_dir", c.data_dir.string()},
      {"queue_capacity", c.queue_capacity},
      {"max_frame_bytes", c.frame_limits.max_frame_bytes},
      {"max_commands_in_flight", c.max_commands_in_flight},
      {"command_retry_ms", c.command_timings.retry_interval.count()},
      {"command_deadline_ms", c.command_timings.deadline.count()},
      {"fsync_interval_ms", c.provenance.fsync_interval.count()},
      {"frame_sum_backend", c.frame_sum_backend},
      {"jobs_default_runner", c.jobs.default_runner},
      {"jobs_slurm_enabled", c.jobs.slurm_enabled},
      {"sisso_program", s.job_admin.config().program.string()},
      {"sisso_max_rows", c.sisso.max_rows},
      {"safety_require_envelope", c.safety.require_envelope},
      {"watchdog_stall_ms", c.safety.watchdog.stall.count()},
      {"watchdog_instrument_silence_ms", c.safety.watchdog.instrument_silence.count()}};
  s.log->info("edgeloopd {} listening: data {}, results {}, commands {}, admin {}",
              build_info::kVersion, c.endpoints.data, c.endpoints.results, c.endpoints.commands,
              c.endpoints.admin);
}

Daemon::~Daemon() = default;

void Daemon::request_stop() {
  state_->stop.store(true);
}

void Daemon::reload(DaemonConfig config) {
  const std::lock_guard lock(state_->reload_mutex);
  state_->reload = std::move(config);
}

const Counters& Daemon::counters() const {
  return state_->counters;
}

void Daemon::run() {
  State& s = *state_;
  JobStatusPublisher job_statuses(s.job_runners, s.sisso_jobs, s.counters, *s.log);
  ProcessWorker process_worker(
      s.queue, s.store_queue, s.pool, s.results, s.counters, *s.log,
      {s.config.heartbeat_interval, s.config.snapshot_interval, s.started_mono_ns}, job_statuses);
  StorageWorkerOptions storage_options{
      s.config.storage.raw_codec, s.config.storage.flush_interval,
      std::string(build_info::kVersion) + " (git " + build_info::kGitDescribe + ")"};
  for (const auto& [name, stream] : s.config.streams) {
    if (stream.codec) storage_options.stream_codecs[name] = *stream.codec;
  }
  storage_options.zstd_level = s.config.storage.zstd_level;
  StorageWorker storage_worker(s.store_queue, s.pool, s.counters, *s.log, storage_options);
  std::jthread storer([&storage_worker] { storage_worker.run(); });
  std::jthread worker([&process_worker] { process_worker.run(); });
  // Declared after the workers so they run first: each worker's loop ends before it is
  // joined, also when an exception leaves run(). The processing queue closes first; the
  // storage queue once the processing worker (its only producer) has finished.
  struct QueueCloser {
    BoundedQueue<WorkItem>& queue;
    BoundedQueue<StoreItem>& store;
    std::jthread& worker;
    ~QueueCloser() {
      queue.close();
      if (worker.joinable()) worker.join();
      store.close();
    }
  } closer{s.queue, s.store_queue, worker};

  // A `latest` stream never waits: while one is configured the data sockets are read even
  // when the queue is full, so its frames make room by dropping the oldest. (A lossless frame
  // that meets the full queue then waits in take_frame's blocking push.)
  const bool any_latest = std::any_of(
      s.config.streams.begin(), s.config.streams.end(),
      [](const auto& stream) { return stream.second.policy == OverflowPolicy::Latest; });
  // Under systemd (Type=notify): ready once the sockets are bound and the workers run, and a
  // keep-alive from this loop only, so a hung I/O thread gets the service restarted.
  MetricsHttpServer metrics(s.config.metrics.host, s.config.metrics.port);
  if (metrics.fd() >= 0) {
    s.log->info("metrics: http://{}:{}/metrics", s.config.metrics.host, metrics.port());
  }
  SystemdNotifier systemd = SystemdNotifier::from_environment();
  systemd.notify("READY=1\nSTATUS=accepting data, commands and admin requests");
  std::int64_t stop_deadline = 0;
  for (;;) {
    systemd.watchdog_tick(monotonic_ns());
    if (std::optional<DaemonConfig> next = [&] {
          const std::lock_guard lock(s.reload_mutex);
          return std::exchange(s.reload, std::nullopt);
        }()) {
      // What a run is built from at its start; a run already going keeps its own.
      s.config.pipelines = std::move(next->pipelines);
      s.config.safety = std::move(next->safety);
      s.counters.add("config.reloads");
      s.log->info("configuration reloaded: pipelines and safety apply from the next run");
    }
    if (s.stop.load() && !s.stopping) {
      systemd.notify("STOPPING=1\nSTATUS=draining in-flight commands and frames");
      // Stop issuing commands, but give those in flight their acks and frames first.
      s.stopping = true;
      stop_deadline = monotonic_ns() + to_ns(s.config.stop_grace);
      s.log->info("stopping: waiting up to {} ms for in-flight commands and frames",
                  s.config.stop_grace.count());
    }
    if (s.stopping && (s.run_settled() || monotonic_ns() > stop_deadline)) break;

    // While the queue is full the data socket is left unread (lossless backpressure), unless
    // a `latest` stream is configured.
    const bool read_data = any_latest || !s.queue.full();
    std::vector<zmq::pollitem_t> items = {
        {s.commands.handle(), 0, ZMQ_POLLIN, 0},
        {s.admin.handle(), 0, ZMQ_POLLIN, 0},
        {s.data.handle(), 0, static_cast<short>(read_data ? ZMQ_POLLIN : 0), 0},
    };
    if (s.stream2) {
      items.push_back({s.stream2->handle(), 0, static_cast<short>(read_data ? ZMQ_POLLIN : 0), 0});
    }
    // The metrics listener goes last, so the data sockets keep their places in `items`.
    const std::size_t metrics_item = items.size();
    if (metrics.fd() >= 0) items.push_back({nullptr, metrics.fd(), ZMQ_POLLIN, 0});
    // While the data sockets are left unread nothing on the sockets says when the worker has
    // made room, so look again soon: a 10 ms nap here starves the whole pipeline.
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(read_data ? 10 : 1));
    if (metrics.fd() >= 0 && (items[metrics_item].revents & ZMQ_POLLIN)) {
      s.guarded("metrics",
                [&] { metrics.serve_one([&] { return prometheus_text(s.status_json()); }); });
    }
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
    for (int i = 0;
         read_data && i < 64 && (items[2].revents & ZMQ_POLLIN) && (any_latest || !s.queue.full());
         ++i) {
      auto parts = receive_multipart(s.data);
      if (parts.empty()) break;
      s.guarded("data", [&] { s.handle_data(std::move(parts)); });
    }
    for (int i = 0; s.stream2 && read_data && i < 64 && (items[3].revents & ZMQ_POLLIN) &&
                    (any_latest || !s.queue.full());
         ++i) {
      auto parts = receive_multipart(*s.stream2);
      if (parts.empty()) break;
      s.guarded("stream2", [&] { s.handle_stream2(std::move(parts)); });
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
  for (std::size_t i = 0; s.stream2 && i < 4 * s.config.queue_capacity + 64; ++i) {
    auto parts = receive_multipart(*s.stream2);
    if (parts.empty()) break;
    s.guarded("stream2", [&] { s.handle_stream2(std::move(parts)); });
  }
  if (s.run && s.run->running()) s.guarded("run", [&] { s.end_run("interrupted"); });
  s.queue.close();
  worker.join();
  s.store_queue.close();
  storer.join();
  if (s.run) s.guarded("run", [&] { s.maintain_run(); });
  s.log->info("stopped");
}

}  // namespace edgeloop
