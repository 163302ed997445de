// The simulated 4D-STEM instrument's hardware: scan coils, beam blanker, dwell and defocus,
// and a pixelated detector recording one diffraction pattern per probe position.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "edgeloop/sims/pattern_model.hpp"
#include "edgeloop/sims/sim_device.hpp"
#include "edgeloop/sims/stem4d_config.hpp"

namespace edgeloop::sims {

// Actuators (targets validated against the configured hardware limits):
//  scan_position [x, y]  moves the probe and acquires one frame there (after the ack);
//  beam_blank [0|1]      blanked frames hold detector dark counts only;
//  dwell [us]            dwell per position: sets the dose (beam current x dwell) and, in
//                        real time, the frame period;
//  defocus [nm]          probe defocus, which changes the bright-field disc's shadow image.
// A scan command captures the beam state at the time it is executed, so later commands do not
// change a frame still waiting to be sent.
class Stem4DDevice final : public SimDevice {
 public:
  static constexpr std::string_view kStream = "4dstem/detector";
  // Scan commands a daemon may have executed ahead of their frames.
  static constexpr std::size_t kMaxPendingFrames = 4096;

  explicit Stem4DDevice(const Stem4DConfig& config);

  wire::Modality modality() const override { return wire::Modality::Stem4D; }
  std::string_view stream() const override { return kStream; }
  CommandOutcome execute(std::string_view actuator, std::span<const double> target,
                         std::uint64_t seq) override;
  std::uint64_t abort() override;
  std::vector<std::pair<std::string, std::vector<double>>> readbacks() const override;
  bool has_data() const override { return !pending_.empty(); }
  bool data_owed() const override { return !pending_.empty(); }
  std::chrono::nanoseconds period() const override;
  DataMessage produce(const MessageContext& context) override;
  // Phase, grain, orientation, thickness and defect maps on the scan grid, the phase table
  // and the optics; layout in sims/README.md.
  void write_truth(const std::filesystem::path& file) const override;

  const PatternModel& model() const { return *model_; }
  const Stem4DSpecimen& specimen() const { return model_->specimen(); }
  // Electrons per position at the current dwell.
  double electrons_per_position() const;

 private:
  struct Acquisition {
    double x;
    double y;
    std::uint64_t seq;
    ProbeState probe;
    double dwell_us;
  };

  CommandOutcome move(std::span<const double> target, std::uint64_t seq);
  template <class T>
  void render(const Acquisition& acquisition, zmq::message_t& payload);

  Stem4DConfig config_;
  std::unique_ptr<PatternModel> model_;
  std::array<double, 2> position_;
  bool blanked_ = false;
  double dwell_us_;
  double defocus_nm_;
  // The configured limit, or less where the model's probe window cannot hold a wider probe.
  double max_defocus_nm_;
  std::deque<Acquisition> pending_;
  // Visits so far per exact position, for the noise of revisits. Bounded: past kMaxTracked
  // distinct positions, new ones count as first visits.
  static constexpr std::size_t kMaxTracked = std::size_t{1} << 22;
  std::unordered_map<std::uint64_t, std::uint32_t> visits_;
  std::vector<std::uint8_t> pixels_u8_;
  std::vector<std::uint16_t> pixels_u16_;
  std::vector<std::uint32_t> pixels_u32_;
};

}  // namespace edgeloop::sims
