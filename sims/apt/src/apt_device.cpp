#include "edgeloop/sims/apt_device.hpp"

#include "edgeloop/sims/echo.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/formats/apt_time_of_flight.hpp"
#include "edgeloop/sims/apt_ranges.hpp"
#include "edgeloop/sims/apt_truth.hpp"

namespace edgeloop::sims {
namespace {

std::string number(double v) {
  std::string s = std::to_string(v);
  // Trim the zeros std::to_string pads with, so a reason reads "2000000 Hz", not "2000000.000000".
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return std::isfinite(v) ? s : std::string(std::isnan(v) ? "nan" : "inf");
}

// Where on the apex a hit at (det_x, det_y) would have come from: the inverse of the
// detector's projection. Background hits get this position in a recording, as a
// reconstruction would give them.
std::array<double, 3> back_project(const AptDetectorSettings& d, double cap_radius,
                                   double apex_depth, double det_x, double det_y) {
  const double r = std::hypot(det_x, det_y);
  const double theta = d.image_compression * std::atan(r / d.flight_length_mm);
  const double rho = cap_radius * std::sin(theta);
  const double depth = apex_depth + cap_radius * (1.0 - std::cos(theta));
  if (r == 0.0) return {0.0, 0.0, depth};
  return {rho * det_x / r, rho * det_y / r, depth};
}

void check_setting(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("AptDevice: " + what);
}

}  // namespace

AptDevice::AptDevice(const AptConfig& config)
    : config_(config),
      detector_(config.detector),
      specimen_(config.specimen, detector_.field_of_view_half_angle(), config.common.seed),
      evaporation_(specimen_, detector_, config.evaporation, config.common.seed),
      controller_(config.voltage, config.evaporation.voltage_sensitivity),
      pulse_rate_hz_(config.pulse_rate_hz),
      detection_rate_(config.detection_rate),
      voltage_(controller_.voltage()) {
  check_setting(config.min_pulse_rate_hz > 0.0 &&
                    config.min_pulse_rate_hz <= config.pulse_rate_hz &&
                    config.pulse_rate_hz <= config.max_pulse_rate_hz &&
                    std::isfinite(config.max_pulse_rate_hz),
                "need 0 < min_pulse_rate_hz <= pulse_rate_hz <= max_pulse_rate_hz");
  check_setting(config.detection_rate > 0.0 && config.detection_rate <= config.max_detection_rate &&
                    std::isfinite(config.max_detection_rate),
                "need 0 < detection_rate <= max_detection_rate");
  check_setting(config.pulses_per_chunk >= 1 && config.pulses_per_chunk <= 1'000'000,
                "pulses_per_chunk must be 1..1000000");
  check_setting(config.replay_file.empty() || config.record_file.empty(),
                "cannot record while replaying");
  for (std::size_t e = 0; e < specimen_.elements().size(); ++e) {
    doubly_charged_.push_back(evaporation_.doubly_charged(e));
  }
  ranges_ = make_apt_ranges(specimen_, doubly_charged_);
  if (!config.replay_file.empty()) {
    replay_.emplace(config.replay_file, voltage_, detector_, specimen_, config.detection_rate);
  }
  if (!config.record_file.empty() && is_pos_file(config.record_file)) {
    pos_recorder_.emplace(config.record_file, std::ios::binary | std::ios::trunc);
    if (!*pos_recorder_) {
      throw formats::AptFileError(config.record_file.string(), "", "cannot open for writing");
    }
  } else if (!config.record_file.empty()) {
    recorder_.emplace(config.record_file);
  }
  if (!config.ranges_file.empty()) write_ranges(config.ranges_file);
  fields_.stream = std::string(kStream);
  fields_.modality = wire::Modality::Apt;
  fields_.scan_index = -1;
}

AptDevice::~AptDevice() = default;  // the EposWriter (or ofstream) flushes in its destructor

bool AptDevice::exhausted() const {
  return replay_ ? replay_->exhausted() : evaporation_.exhausted();
}

std::chrono::nanoseconds AptDevice::period() const {
  if (!config_.realtime) return std::chrono::nanoseconds(0);
  const double seconds = static_cast<double>(config_.pulses_per_chunk) / pulse_rate_hz_;
  return std::chrono::nanoseconds(std::llround(seconds * 1e9));
}

CommandOutcome AptDevice::set_scalar(std::string_view actuator, std::span<const double> target,
                                     double min, double max, double& value, const char* unit) {
  const std::string name(actuator);
  const auto reject = [&](std::string reason) {
    CommandOutcome outcome = CommandOutcome::rejected(std::move(reason));
    outcome.readback = {value};
    return outcome;
  };
  if (target.size() != 1) {
    return reject(name + " takes one value, got " + std::to_string(target.size()));
  }
  const double v = target[0];
  if (!std::isfinite(v)) return reject(name + " " + number(v) + " is not a finite number");
  if (v < min || v > max) {
    return reject(name + " " + number(v) + " " + unit + " is outside the limits " + number(min) +
                  ".." + number(max) + " " + unit);
  }
  value = v;
  return CommandOutcome::done({value});
}

CommandOutcome AptDevice::execute(std::string_view actuator, std::span<const double> target,
                                  std::uint64_t seq) {
  CommandOutcome outcome;
  if (actuator == "pulse_rate") {
    outcome = set_scalar(actuator, target, config_.min_pulse_rate_hz, config_.max_pulse_rate_hz,
                         pulse_rate_hz_, "Hz");
  } else if (actuator == "detection_rate") {
    if (target.size() == 1 && target[0] <= 0.0) {
      // The controller needs something to aim at: zero or less is never a rate to hold.
      outcome = CommandOutcome::rejected("detection_rate " + number(target[0]) +
                                         " ions/pulse is outside the limits (0.." +
                                         number(config_.max_detection_rate) + "] ions/pulse");
      outcome.readback = {detection_rate_};
    } else {
      outcome = set_scalar(actuator, target, 0.0, config_.max_detection_rate, detection_rate_,
                           "ions/pulse");
    }
  } else if (actuator == "pause") {
    double value = paused_ ? 1.0 : 0.0;
    if (target.size() == 1 && std::isfinite(target[0]) && target[0] != 0.0 && target[0] != 1.0) {
      outcome = CommandOutcome::rejected("pause " + number(target[0]) +
                                         " is not a switch value: use 0 (run) or 1 (pause)");
      outcome.readback = {value};
    } else {
      outcome = set_scalar(actuator, target, 0.0, 1.0, value, "");
      paused_ = value == 1.0;
    }
  } else {
    outcome = CommandOutcome::rejected("unknown actuator '" + echo(actuator) +
                                       "' (apt has pulse_rate, detection_rate, pause)");
  }
  if (outcome.status == wire::AckStatus::Done) last_command_seq_ = seq;
  return outcome;
}

std::uint64_t AptDevice::abort() {
  paused_ = true;
  return 0;
}

std::vector<std::pair<std::string, std::vector<double>>> AptDevice::readbacks() const {
  return {{"pulse_rate", {pulse_rate_hz_}},
          {"detection_rate", {detection_rate_}},
          {"pause", {paused_ ? 1.0 : 0.0}},
          {"voltage", {voltage_}}};
}

DataMessage AptDevice::produce(const MessageContext& context) {
  hits_.clear();
  const std::uint64_t first = next_pulse_;
  const std::uint64_t pulses = config_.pulses_per_chunk;
  double chunk_voltage = voltage_;
  if (replay_) {
    chunk_voltage = replay_->run(first, pulses, hits_);
  } else {
    evaporation_.run(first, pulses, chunk_voltage, hits_);
  }
  if (recorder_ || pos_recorder_) record(hits_, chunk_voltage);

  fields_.run_id = context.run;
  fields_.sequence = context.sequence;
  fields_.command_seq = last_command_seq_;
  fields_.acquired_wall_ns = context.wall_ns;
  fields_.acquired_mono_ns = context.mono_ns;
  fields_.first_pulse = first;
  fields_.pulses = pulses;
  fields_.voltage_v = chunk_voltage;
  fields_.events.clear();
  fields_.events.reserve(hits_.size());
  for (const AptHit& h : hits_) {
    fields_.events.emplace_back(h.pulse, h.det_x, h.det_y, h.tof_ns, static_cast<float>(h.rank));
  }

  next_pulse_ += pulses;
  if (replay_) {
    voltage_ = chunk_voltage;
  } else {
    controller_.update(hits_.size(), pulses, detection_rate_);
    voltage_ = controller_.voltage();
  }
  const flatbuffers::DetachedBuffer buffer = build_event_chunk(fields_);
  DataMessage message;
  message.parts.emplace_back(buffer.data(), buffer.size());
  return message;
}

void AptDevice::record(const std::vector<AptHit>& hits, double voltage_v) {
  const AptDetectorSettings& d = detector_.settings();
  const double apex = evaporation_.apex_depth();
  const double cap = specimen_.cap_radius(apex);
  pos_batch_.clear();
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const AptHit& h = hits[i];
    formats::EposRecord r;
    if (i == 0 || hits[i - 1].pulse != h.pulse) {
      std::size_t group = 1;
      while (i + group < hits.size() && hits[i + group].pulse == h.pulse) ++group;
      const std::uint64_t delta = h.pulse - last_recorded_pulse_;
      if (recorder_ && delta > std::numeric_limits<std::uint32_t>::max()) {
        throw formats::AptFileError(recorder_->path().string(), "",
                                    "pulses between two ions exceed the 32-bit delta_pulse");
      }
      r.delta_pulse = static_cast<std::uint32_t>(delta);  // unused (.pos) when it overflows
      r.multiplicity = static_cast<std::uint32_t>(group);
      last_recorded_pulse_ = h.pulse;
    } else {
      r.delta_pulse = 0;
      r.multiplicity = 0;
    }
    if (h.element == AptHit::kBackground) {
      const auto p = back_project(d, cap, apex, h.det_x, h.det_y);
      r.x = static_cast<float>(p[0]);
      r.y = static_cast<float>(p[1]);
      r.z = static_cast<float>(p[2]);
    } else {
      r.x = h.x;
      r.y = h.y;
      r.z = h.depth;
    }
    const double path = formats::flight_path_mm(d.flight_length_mm, h.det_x, h.det_y);
    r.mass_to_charge =
        static_cast<float>(formats::mass_to_charge(h.tof_ns, voltage_v, path, d.t0_ns));
    r.tof_ns = h.tof_ns;
    r.v_dc = static_cast<float>(voltage_v);
    r.v_pulse = 0.0F;  // laser pulsing
    r.det_x = h.det_x;
    r.det_y = h.det_y;
    if (recorder_) {
      recorder_->append(r);
    } else {
      pos_batch_.push_back({r.x, r.y, r.z, r.mass_to_charge});
    }
  }
  if (pos_recorder_ && !pos_batch_.empty()) {
    const std::string file = config_.record_file.string();
    const std::vector<std::byte> bytes = formats::encode_pos(pos_batch_, file);
    pos_recorder_->write(reinterpret_cast<const char*>(bytes.data()),
                         static_cast<std::streamsize>(bytes.size()));
    if (!*pos_recorder_) throw formats::AptFileError(file, "", "write failed");
  }
}

void AptDevice::close_record() {
  if (recorder_) recorder_->close();
  if (pos_recorder_ && pos_recorder_->is_open()) {
    pos_recorder_->close();
    if (!*pos_recorder_) {
      throw formats::AptFileError(config_.record_file.string(), "", "write failed on close");
    }
  }
}

void AptDevice::write_ranges(const std::filesystem::path& file) const {
  formats::write_rrng(file, ranges_);
}

void AptDevice::write_truth(const std::filesystem::path& file) const {
  write_apt_truth(file, config_, specimen_, doubly_charged_, ranges_);
}

}  // namespace edgeloop::sims
