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
#include <span>
#include <string>

#include "edgeloop/controllers/command_tracker.hpp"
#include "edgeloop/controllers/run_plan.hpp"
#include "edgeloop/core/counters.hpp"
#include "edgeloop/core/provenance_log.hpp"
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
  void send(const PendingCommand& command, bool first_send, const Transmit& transmit);

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
};

}  // namespace edgeloop
