// The simulated SAXS instrument's device: a sample on an x/y stage with a temperature cell, a
// shutter and a photon-counting area detector, driven through SimDevice by the protocol loop.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgeloop/sims/saxs_config.hpp"
#include "edgeloop/sims/saxs_detector.hpp"
#include "edgeloop/sims/saxs_sample.hpp"
#include "edgeloop/sims/saxs_scattering.hpp"
#include "edgeloop/sims/sim_device.hpp"

namespace edgeloop::sims {

// Actuators (every target is one finite number; anything else is Rejected with a reason that
// names the actuator, the value and the limit, and the ack's readback is the unchanged value):
//   stage_x, stage_y  [mm]  within the stage limits
//   temperature       [°C]  within the temperature limits (the cell settles at once)
//   exposure          [s]   within (0, max_exposure_s]
//   shutter           0 (closed) or 1 (open)
//   acquire           n frames, an integer in 1..max_frames
// A Done ack's readback is the actuator's new value; for acquire, the frames then owed.
// readbacks() reports all six, acquire as the frames still owed.
//
// acquire records the state at that moment (position, temperature, exposure, shutter) and owes
// n frames of it: later commands do not change frames already owed, as a real detector's
// acquisition in hand is not altered by the next move. Further acquires queue behind it.
// With the shutter closed a frame holds dark counts only.
//
// Frames: stream "saxs/detector", modality Saxs, [FrameHeader][payload] with dtype u16 or u32,
// shape [rows, cols], codec Raw, little-endian row-major pixels, scan_position [x, y] (mm),
// command_seq of the acquire and exposure_s of the frame. Noise is drawn from
// (seed, frame number since construction), so one seed and one command history give
// byte-identical payloads whatever the timing.
//
// Not thread-safe, as SimDevice: all calls from the loop's thread.
class SaxsDevice final : public SimDevice {
 public:
  static constexpr std::string_view kStream = "saxs/detector";

  // The actuators' state; also what each owed frame is taken with.
  struct State {
    double x_mm = 0.0;
    double y_mm = 0.0;
    double temperature_c = 25.0;
    double exposure_s = 1.0;
    bool shutter_open = true;
    bool operator==(const State&) const = default;
  };

  // Builds the detector (per-pixel geometry and mask), the sample and the scattering model.
  // std::invalid_argument for settings that do not fit together (a start position outside the
  // stage, a geometry of another shape than the detector); configs from saxs_config_from always
  // fit.
  explicit SaxsDevice(SaxsConfig config);

  wire::Modality modality() const override { return wire::Modality::Saxs; }
  std::string_view stream() const override { return kStream; }
  CommandOutcome execute(std::string_view actuator, std::span<const double> target,
                         std::uint64_t seq) override;
  std::uint64_t abort() override;
  std::vector<std::pair<std::string, std::vector<double>>> readbacks() const override;
  bool has_data() const override { return frames_owed_ > 0; }
  bool data_owed() const override { return frames_owed_ > 0; }
  std::chrono::nanoseconds period() const override;
  DataMessage produce(const MessageContext& context) override;
  // Layout in saxs_truth.hpp.
  void write_truth(const std::filesystem::path& file) const override;

  const SaxsConfig& config() const { return config_; }
  const SaxsSample& sample() const { return sample_; }
  const SaxsDetector& detector() const { return detector_; }
  const SaxsScatteringModel& scattering() const { return model_; }
  const State& state() const { return state_; }
  std::uint64_t frames_owed() const { return frames_owed_; }
  std::uint64_t frames_produced() const { return frames_produced_; }

  // dΣ/dΩ(q) of the sample where the beam is now (no background).
  IntensityCurve ideal_curve() const;
  // What a frame taken in `state` averages to: the noise-free counts per pixel (0 in gaps and
  // on dead and hot pixels, the dark counts under the beamstop).
  std::vector<double> expected_frame(const State& state) const;

 private:
  struct Acquisition {
    State state;
    std::uint64_t frames;
    std::uint64_t seq;
  };

  CommandOutcome set_limited(std::string_view actuator, double value, double min, double max,
                             std::string_view unit, double& field);
  CommandOutcome acquire(double value, std::uint64_t seq);
  Exposure exposure_of(const State& state) const;
  // Refreshes expected_ for `state`, reusing the curve when only exposure or shutter changed.
  void prepare(const State& state);
  template <class T>
  void render_into(std::uint64_t noise_seed, std::vector<T>& pixels, std::span<std::byte> payload);

  SaxsConfig config_;
  SaxsDetector detector_;
  SaxsSample sample_;
  SaxsScatteringModel model_;
  State state_;
  std::deque<Acquisition> pending_;
  std::uint64_t frames_owed_ = 0;
  std::uint64_t frames_produced_ = 0;

  // Caches: the curve for a position and temperature, the expected image for a whole state.
  std::optional<std::array<double, 3>> curve_key_;
  std::optional<IntensityCurve> curve_;
  std::optional<State> expected_key_;
  std::vector<double> expected_;
  std::vector<std::uint16_t> pixels_u16_;
  std::vector<std::uint32_t> pixels_u32_;
};

}  // namespace edgeloop::sims
