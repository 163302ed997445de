// The simulated atom probe's hardware: a pulsed specimen at a controlled standing voltage and a
// position- and time-sensitive detector, streaming ion hits as EventChunks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/formats/epos_file.hpp"
#include "edgeloop/formats/rrng_file.hpp"
#include "edgeloop/sims/apt_config.hpp"
#include "edgeloop/sims/apt_detector.hpp"
#include "edgeloop/sims/apt_evaporation.hpp"
#include "edgeloop/sims/apt_replay.hpp"
#include "edgeloop/sims/apt_specimen.hpp"
#include "edgeloop/sims/apt_voltage_controller.hpp"
#include "edgeloop/sims/sim_device.hpp"

namespace edgeloop::sims {

// Actuators (targets validated against the configured limits; anything else is Rejected with
// the actuator, the value and the limit named):
//  pulse_rate [Hz]          pulses per second; sets the chunk period in real time;
//  detection_rate [1/pulse] the voltage controller's target, detector hits per pulse;
//  pause [0|1]              1 stops pulsing (no data), 0 resumes. The device starts paused.
// Readbacks: the three actuators and `voltage` [V], the standing voltage (read-only).
//
// Free-running: while not paused and until the specimen (or replay file) is used up, every
// produce() covers the next pulses_per_chunk pulses in one EventChunk (stream "apt/events",
// modality Apt): first_pulse, pulses, voltage_v, and one event per hit (pulse, detector x/y in
// mm, tof_ns, weight = the hit's 1-based rank of arrival on its pulse). After each chunk the
// controller sets the voltage of the next one. Content depends only on the seed and the
// commands executed so far.
//
// Not copyable or movable: the evaporation model refers to the specimen and detector it owns.
class AptDevice final : public SimDevice {
 public:
  static constexpr std::string_view kStream = "apt/events";

  // std::invalid_argument for settings out of range; formats::AptFileError when the replay
  // file cannot be read or the record or ranges file cannot be written.
  explicit AptDevice(const AptConfig& config);
  // Flushes the record file (an error then is lost: call close_record() to see it).
  ~AptDevice() override;
  AptDevice(const AptDevice&) = delete;
  AptDevice& operator=(const AptDevice&) = delete;

  wire::Modality modality() const override { return wire::Modality::Apt; }
  std::string_view stream() const override { return kStream; }
  CommandOutcome execute(std::string_view actuator, std::span<const double> target,
                         std::uint64_t seq) override;
  // Pauses the stream (nothing is owed to a command: 0).
  std::uint64_t abort() override;
  std::vector<std::pair<std::string, std::vector<double>>> readbacks() const override;
  bool has_data() const override { return !paused_ && !exhausted(); }
  bool data_owed() const override { return false; }
  std::chrono::nanoseconds period() const override;
  // One part: the EventChunk. AptFileError if the record file cannot be written.
  DataMessage produce(const MessageContext& context) override;
  // Layout in sims/README.md.
  void write_truth(const std::filesystem::path& file) const override;

  // In-process access, for tests and evaluation.
  const AptConfig& config() const { return config_; }
  const AptSpecimen& specimen() const { return specimen_; }
  const AptDetector& detector() const { return detector_; }
  const AptEvaporation& evaporation() const { return evaporation_; }
  // The ranges of the specimen's ions (also in replay mode).
  const formats::RangeTable& ranges() const { return ranges_; }
  void write_ranges(const std::filesystem::path& file) const;
  // The hits of the last chunk with their truth (element, isotope, charge, position).
  const std::vector<AptHit>& last_hits() const { return hits_; }
  bool paused() const { return paused_; }
  bool exhausted() const;
  bool replaying() const { return replay_.has_value(); }
  double voltage() const { return voltage_; }
  double pulse_rate_hz() const { return pulse_rate_hz_; }
  double detection_rate() const { return detection_rate_; }
  std::uint64_t next_pulse() const { return next_pulse_; }
  // Flushes and closes the record file (.epos, or .pos when its name ends so); AptFileError on
  // failure. No-op without one.
  void close_record();

 private:
  CommandOutcome set_scalar(std::string_view actuator, std::span<const double> target, double min,
                            double max, double& value, const char* unit);
  void record(const std::vector<AptHit>& hits, double voltage_v);

  AptConfig config_;
  AptDetector detector_;
  AptSpecimen specimen_;
  AptEvaporation evaporation_;
  AptVoltageController controller_;
  std::vector<double> doubly_charged_;
  formats::RangeTable ranges_;
  std::optional<AptReplay> replay_;
  std::optional<formats::EposWriter> recorder_;
  // A .pos recording (is_pos_file): each chunk's records are encoded and written as they come.
  std::optional<std::ofstream> pos_recorder_;
  std::vector<formats::PosRecord> pos_batch_;
  std::uint64_t last_recorded_pulse_ = 0;

  double pulse_rate_hz_;
  double detection_rate_;
  bool paused_ = true;
  double voltage_;
  std::uint64_t next_pulse_ = 0;
  std::uint64_t last_command_seq_ = 0;
  std::vector<AptHit> hits_;
  EventChunkFields fields_;
};

}  // namespace edgeloop::sims
