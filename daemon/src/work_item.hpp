// What moves between edgeloopd's threads: the I/O thread hands frames and run ends to the
// processing worker, which hands frames with their products and run ends to the storage
// worker; and the part of a run that all three touch.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "edgeloop/controllers/run_plan.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/stage.hpp"
#include "plan_feedback.hpp"
#include "sample_table.hpp"

namespace edgeloop {

// Shared through a shared_ptr. Members set at start are read-only afterwards; the log is
// internally synchronised; progress counts are atomics. The stages are used by the processing
// worker alone; other threads only read their description and metrics (both thread-safe).
struct RunShared {
  Uuid id;
  wire::Modality modality = wire::Modality::Unknown;
  std::string topic_prefix;  // "run/<id>/"
  std::string instrument_name;
  std::string title;
  std::filesystem::path directory;
  std::int64_t started_mono_ns = 0;
  std::filesystem::path nexus_path;  // empty when storage is off
  nlohmann::json config;             // as RunStarted records it, for the NeXus file
  // Shared with the job runners, which record job statuses in the active run's log.
  std::shared_ptr<ProvenanceLog> log;
  std::vector<std::unique_ptr<Stage>> stages;
  std::vector<StageDescription> stage_descriptions;  // of `stages`, taken once at start
  // The run's (plan coordinates) → frame_sum rows for submit_sisso; the worker adds to it.
  std::shared_ptr<SampleTable> samples;
  std::shared_ptr<const RunPlan> plan;  // for point coordinates only (const use)
  // The products the plan observes (set at start; empty for fixed plans, so nothing is
  // copied) and the queue that carries them back to the I/O thread.
  std::vector<std::string> observed_products;
  PlanFeedback feedback;
  std::atomic<std::uint64_t> frames_processed{0};
  std::atomic<std::uint64_t> frames_dropped{0};  // `latest` streams: made room for newer ones
  std::atomic<std::uint64_t> frames_stored{0};
  std::atomic<std::uint64_t> results_published{0};
  std::atomic<std::uint64_t> stage_failures{0};
  std::atomic<std::uint64_t> storage_failures{0};
  // Written by the storage worker before `closed` is set, read by the I/O thread only after.
  nlohmann::json final_summary;
  std::atomic<bool> closed{false};
};

struct FrameWork {
  Frame frame;
  std::shared_ptr<RunShared> run;
};

// Queued behind the run's last frame, so the run ends after its last result.
struct RunEndWork {
  std::shared_ptr<RunShared> run;
  nlohmann::json summary;
};

using WorkItem = std::variant<FrameWork, RunEndWork>;

// A processed frame on its way to the run's file.
struct StoreFrame {
  Frame frame;
  std::vector<Product> products;  // per-frame products of every stage, in stage order
  std::shared_ptr<RunShared> run;
};

// The run's last item: its run-level products, then the file and the log are closed.
struct StoreEnd {
  std::shared_ptr<RunShared> run;
  std::vector<Product> products;
  nlohmann::json summary;
};

using StoreItem = std::variant<StoreFrame, StoreEnd>;

}  // namespace edgeloop
