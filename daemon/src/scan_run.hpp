// One run on one instrument, from start_run (or a detector's series start) until the workers
// have closed its file and sealed its log: the plan, the commands in flight and their acks,
// the frames it expects and has, and its outcome. Used by the I/O thread only; the workers see
// the run through its RunShared.
#pragma once

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgeloop/controllers/command_tracker.hpp"
#include "edgeloop/controllers/run_plan.hpp"
#include "edgeloop/controllers/safety_envelope.hpp"
#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/daemon/safety_config.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/stage.hpp"
#include "work_item.hpp"

namespace edgeloop {

// Everything a run is started with; the log's RunStarted record carries most of it.
struct ScanRunSetup {
  std::unique_ptr<RunPlan> plan{};
  wire::Modality modality = wire::Modality::Unknown;
  // A series the detector started itself: frames cite no command, nothing is sent.
  bool external = false;
  std::string title{};
  std::string instrument_identity{};  // routing id on the command socket; empty when external
  std::string instrument_name{};
  std::filesystem::path data_dir{};  // the run's directory is created in it
  ProvenanceOptions provenance{};
  nlohmann::json config{};  // the daemon's configuration, as RunStarted records it
  // The run's stages, configured: each gets a Stage record, and the workers run them.
  std::vector<std::unique_ptr<Stage>> stages{};
  bool store = true;  // write the run's NeXus file
  CommandTimings command_timings{};
  std::size_t max_commands_in_flight = 0;
  std::chrono::milliseconds idle_timeout{0};  // "incomplete" after this long without progress
  // The instrument's safety envelope: every plan step is checked before it is sent. None: the
  // instrument has no [safety.instruments] table and steps go out unchecked.
  std::optional<SafetyEnvelope> envelope{};
  bool interlock_on_fault = true;
  bool interlocked = false;         // as the instrument's last status said when the run started
  nlohmann::json safety = nullptr;  // the envelope's configuration, as RunStarted records it
  std::vector<SafeCommand> safe_state{};
  WatchdogConfig watchdog{};
  // The instrument's last reported actuator positions: where steps are measured from at first.
  std::vector<std::pair<std::string, std::vector<double>>> positions{};
};

// Why a frame is refused: `reason` is the counter label, `detail` the log message.
struct FrameRefusal {
  std::string reason;
  std::string detail;
};

class ScanRun {
 public:
  // Puts one command's wire form on the command socket, which belongs to the caller.
  using Transmit = std::function<void(const PendingCommand&, std::span<const std::byte>)>;

  // Creates the run's directory and its provenance log, with RunStarted and the Stage record.
  ScanRun(ScanRunSetup setup, Counters& counters, spdlog::logger& log);
  ScanRun(const ScanRun&) = delete;
  ScanRun& operator=(const ScanRun&) = delete;

  const Uuid& id() const { return shared_->id; }
  const std::shared_ptr<RunShared>& shared() const { return shared_; }
  const std::filesystem::path& directory() const { return shared_->directory; }
  const std::string& instrument_identity() const { return instrument_identity_; }
  const std::string& instrument_name() const { return instrument_name_; }

  // Running until the scan ends; closing while the worker drains its frames and seals the log.
  bool running() const { return phase_ == Phase::Running; }
  // Closing, or no command is in flight and every frame a Done ack promised has arrived.
  bool settled() const;
  // Frames are taken only while running, so none lands in a log that may already be sealed.
  bool takes_frames_of(const Uuid& run_id) const { return running() && run_id == shared_->id; }

  // Checks a decoded frame of this run against what the run has sent and received. A frame it
  // accepts gets its scan index from the plan: nullopt. (The worker records it in the log
  // once its payload is hashed.)
  std::optional<FrameRefusal> accept_frame(Frame& frame);
  // A `latest` stream made room for a newer frame of this run.
  void frame_dropped() { shared_->frames_dropped.fetch_add(1); }
  // External runs: the detector said the series is over.
  void series_ended() { series_ended_ = true; }
  bool external() const { return external_; }
  // Resolves an ack from the run's instrument; acks after the run ended are only counted.
  void on_ack(const wire::Ack& ack);
  // A status message from the run's instrument: its interlock and actuator readbacks reach
  // the envelope, and it shows the instrument is alive (for the watchdog).
  void on_instrument_status(
      bool interlock, wire::InstrumentState state,
      const std::vector<std::pair<std::string, std::vector<double>>>& readbacks);
  // Stops asking the plan for steps (admin hold_run; drills and tests): the loop then stalls,
  // and the watchdog puts the instrument in its safe state and ends the run.
  void hold();
  // One pass of the I/O loop: expires and resends commands, issues new ones while `issue_new`
  // and fewer than the maximum are in flight, and syncs the log. Returns the outcome
  // ("completed", "completed_with_errors" or "incomplete") once the run should end.
  std::optional<std::string> advance(bool issue_new, const Transmit& transmit);
  // Switches to closing and returns the item that has the workers close the file and seal the
  // log with `outcome`;
  // nullopt when the run is already closing.
  std::optional<RunEndWork> end(const std::string& outcome);

  // True once the storage worker has closed the file and sealed the log.
  bool sealed() const { return shared_->closed.load(); }
  // After sealed(): the seal's summary plus the log's record count and head hash.
  nlohmann::json sealed_summary() const;
  // The "run" object of the status reply, also the seal's summary.
  nlohmann::json to_json() const;

 private:
  enum class Phase { Running, Closing };

  void on_resolved(const ResolvedCommand& resolved);
  void send(const PendingCommand& command, bool first_send, const Transmit& transmit,
            const std::string& decided_by = {}, const std::string& origin = "plan");
  // Feeds the observations the processing worker handed back to the plan, recording each.
  void feed_observations();
  // Checks one plan step against the envelope; sends it, or records and reports its refusal.
  void take_step(PlanStep step, std::int64_t now_wall, std::int64_t now_mono,
                 const Transmit& transmit);
  void refuse_step(const PlanStep& step, const std::string& reason, const std::string& detail,
                   const std::string& decision, bool from_plan = true);
  std::string record_decision(const PlanStep& step, std::optional<std::uint64_t> command_seq);
  // The plan has handed out its last step, or the dose budget ended it.
  bool plan_done() const { return plan_->done() || dose_spent_; }
  // Declares a stall (or a silent instrument) once: records it and sends the safe state.
  void watchdog_fire(const std::string& reason, const std::string& detail, std::int64_t now_wall,
                     std::int64_t now_mono, const Transmit& transmit);

  Counters& counters_;
  spdlog::logger& log_;
  // What a command in flight (or an open stream) stands for, until its frames are in.
  struct CommandFrames {
    std::int64_t scan_index = -1;
    std::uint64_t frames = 0;  // promised by a Done ack
    std::uint64_t received = 0;
    bool stream = false;  // frames flow until the run ends
    bool acked = false;   // its Done ack is in: `frames` are now expected
  };

  std::shared_ptr<RunPlan> plan_;
  nlohmann::json plan_json_;
  std::shared_ptr<RunShared> shared_;
  CommandTracker tracker_;
  bool external_;
  bool series_ended_ = false;
  std::string instrument_identity_;
  std::string instrument_name_;
  std::size_t max_commands_in_flight_;
  std::int64_t idle_timeout_ns_;
  std::int64_t started_mono_ns_;
  std::int64_t last_activity_mono_ns_;
  std::map<std::uint64_t, CommandFrames> frames_by_seq_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t frames_expected_ = 0;
  std::uint64_t frames_received_ = 0;
  std::uint64_t accounted_seen_ = 0;  // processed + dropped at the last advance()
  std::uint64_t duplicates_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t acks_done_ = 0;
  std::uint64_t acks_rejected_ = 0;
  std::uint64_t acks_failed_ = 0;
  std::uint64_t acks_expired_ = 0;
  std::uint64_t retries_ = 0;
  Phase phase_ = Phase::Running;

  // Safety and the decision plane.
  std::optional<SafetyEnvelope> envelope_;
  bool interlock_on_fault_;
  bool interlocked_ = false;
  std::vector<SafeCommand> safe_state_;
  std::int64_t stall_ns_;
  std::int64_t silence_ns_;
  std::int64_t instrument_seen_mono_ns_;
  std::int64_t instrument_busy_mono_ns_ = 0;  // its last status that said Busy
  bool held_ = false;
  bool dose_spent_ = false;             // a step was refused for dose: no more steps
  bool paused_by_interlock_ = false;    // a step was refused for the interlock: wait for release
  std::optional<std::string> stalled_;  // the watchdog's reason, once it fired
  std::uint64_t refusals_ = 0;
  std::map<std::string, std::uint64_t> refusals_by_reason_;
  std::set<std::int64_t> refused_points_;  // plan points with a refused or failed step
  std::uint64_t decisions_ = 0;
  std::map<std::int64_t, std::string> decision_of_point_;  // scan index -> decision subject
  std::uint64_t observations_ = 0;
  std::map<std::string, std::string> observation_subjects_;  // content hash -> subject
  std::map<std::string, std::uint64_t> latest_seq_of_actuator_;
  std::map<std::string, std::uint64_t> in_flight_of_actuator_;
  std::set<std::uint64_t> safe_seqs_;  // commands the watchdog sent
};

}  // namespace edgeloop
