// What a run asks of its instrument, step by step: the commands to send and the frames each
// one promises. A fixed plan knows every step when the run starts; an adaptive one (Bayesian
// loop, learned scan policy) is told what each frame measured and decides from that. The run
// owns delivery, acks and bookkeeping.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/controllers/raster_scan.hpp"

namespace edgeloop {

// One command of a plan.
struct PlanStep {
  std::string actuator;
  std::vector<double> target{};
  std::string cause{};           // why, for the command's record
  std::int64_t scan_index = -1;  // the plan point its frames belong to
  std::uint64_t frames = 0;      // frames its Done ack promises
  bool opens_stream = false;     // frames flow until the plan closes the stream (APT)
  // Set when an adaptive plan chose this step: the decision's inputs (hashes), model state
  // hash, hyperparameters, RNG seed, acquisition value and the alternatives it rejected. The
  // run records it as a Decision linked to the command, its ack and the frames it causes.
  nlohmann::json decision{};
};

// What the pipeline made of one frame of the run, fed back to an adaptive plan.
struct PlanObservation {
  std::int64_t scan_index = -1;
  std::uint64_t command_seq = 0;   // the command that caused the frame
  std::vector<double> position{};  // the frame's scan position as the instrument sent it
  std::string payload_sha256{};    // the frame's provenance identity
  // Product name (as the stage publishes it, e.g. "bf", "intensity") to its values.
  std::map<std::string, std::vector<double>> products{};
  // Product name to the values of its first axis, for products that have one (I(q): q).
  std::map<std::string, std::vector<double>> axes{};
};

// A step of the plan that was not carried out: the safety envelope refused it before it was
// sent ("envelope"), or the instrument answered Rejected, Failed or Expired ("instrument").
// An adaptive plan learns of it so it does not wait for frames that will never come.
struct PlanRefusal {
  std::string source{};  // "envelope" | "instrument"
  std::string actuator{};
  std::vector<double> target{};
  std::int64_t scan_index = -1;
  std::string reason{};  // the envelope's reason ("range", "step", ...) or the ack status
  std::string detail{};
};

// How far the run has got, for plans whose next step depends on it.
struct PlanProgress {
  std::uint64_t frames_received = 0;
  std::uint64_t commands_in_flight = 0;
};

class RunPlan {
 public:
  virtual ~RunPlan() = default;
  // The next command to send now; nullopt when none is due yet or the plan is done.
  virtual std::optional<PlanStep> next(const PlanProgress& progress) = 0;
  // True once every step has been handed out and none will follow.
  virtual bool done() const = 0;
  // The most frames the run can legitimately receive: a larger sequence number is refused.
  virtual std::uint64_t max_frames() const = 0;
  // The frames the plan sets out to collect (for progress; max_frames() may allow a few more).
  virtual std::uint64_t planned_frames() const { return max_frames(); }
  // Where scan index `i` lies, for the run's sample table: (x, y) of the plan point.
  virtual std::vector<double> point_coordinates(std::int64_t scan_index) const = 0;
  // The plan as its RunStarted record and status show it.
  virtual nlohmann::json to_json() const = 0;
  // An adaptive plan learns what a frame measured; fixed plans ignore it. Called on the I/O
  // thread, in the order frames were processed.
  virtual void observe(const PlanObservation& /*observation*/) {}
  // Product names the plan wants in its observations; empty for fixed plans, so the pipeline
  // does not copy results nobody reads.
  virtual std::vector<std::string> observed_products() const { return {}; }
  // A step it handed out was refused or failed. Called on the I/O thread, in order with
  // observe(); fixed plans go on with their next step.
  virtual void refused(const PlanRefusal& /*refusal*/) {}
};

// 4D-STEM: every probe position of an nx-by-ny grid, one frame each.
std::unique_ptr<RunPlan> make_raster_plan(std::uint32_t nx, std::uint32_t ny);

// SAXS: at each point, move the stage (and temperature when given), then acquire
// `frames_per_point` frames. A point is {x_mm, y_mm} or {x_mm, y_mm, temperature_c}.
std::unique_ptr<RunPlan> make_acquisition_plan(std::vector<std::vector<double>> points,
                                               std::uint32_t frames_per_point);

// APT: set the pulse and detection rates, open the event stream, and close it again once
// `chunks` event chunks have arrived.
std::unique_ptr<RunPlan> make_stream_plan(std::uint64_t chunks, double pulse_rate_hz,
                                          double detection_rate);

// A detector series started by the detector itself (DECTRIS stream2): no commands, frames
// announced up front.
std::unique_ptr<RunPlan> make_external_plan(std::uint64_t frames);

}  // namespace edgeloop
