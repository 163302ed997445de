// What the I/O thread hands the worker thread through the bounded queue: a frame to process,
// or the end of a run to seal; and the part of a run that both threads touch.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "sample_table.hpp"

namespace edgeloop {

// Both threads hold it through a shared_ptr; the log is internally synchronised and the
// progress counts the worker updates are atomics.
struct RunShared {
  Uuid id;
  std::string topic_prefix;  // "run/<id>/"
  // Shared with the job runners, which record job statuses in the active run's log.
  std::shared_ptr<ProvenanceLog> log;
  // The run's (scan x, scan y) → frame_sum rows for submit_sisso; the worker adds to it.
  std::shared_ptr<SampleTable> samples;
  std::uint32_t nx = 0;  // raster width, to turn a scan index into (x, y)
  std::atomic<std::uint64_t> frames_processed{0};
  std::atomic<std::uint64_t> results_published{0};
  std::atomic<std::uint64_t> stage_failures{0};
  // Written by the worker before `closed` is set, read by the I/O thread only after.
  nlohmann::json final_summary;
  std::atomic<bool> closed{false};
};

struct FrameWork {
  Frame frame;
  std::shared_ptr<RunShared> run;
};

// Queued behind the run's last frame, so the seal is written after its last result.
struct RunEndWork {
  std::shared_ptr<RunShared> run;
  nlohmann::json summary;
};

using WorkItem = std::variant<FrameWork, RunEndWork>;

}  // namespace edgeloop
