#include "edgeloop/sims/saxs_device.hpp"

#include "edgeloop/sims/echo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/sims/saxs_truth.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

// Queued acquisitions beyond this are refused: a controller that far ahead of the detector is
// misbehaving, and the queue must not grow without bound on network input.
constexpr std::size_t kMaxQueuedAcquisitions = 256;

constexpr std::string_view kActuators = "stage_x, stage_y, temperature, exposure, shutter, acquire";

CommandOutcome rejected(std::string reason, double unchanged) {
  return {wire::AckStatus::Rejected, std::move(reason), {unchanged}};
}

std::size_t curve_points(const SaxsDetectorSettings& d) {
  // About two grid points per pixel of radial distance, so interpolation never blurs the
  // curve more than the pixels themselves do.
  return std::clamp<std::size_t>(2 * std::size_t{std::max(d.rows, d.cols)}, 256, 8192);
}

void validate(const SaxsConfig& c) {
  const SaxsAcquisitionSettings& a = c.acquisition;
  const SaxsStageLimits& s = c.stage;
  const auto check = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("SaxsDevice: ") + what);
  };
  check(a.start_x_mm >= s.x_min_mm && a.start_x_mm <= s.x_max_mm, "start_x_mm outside the stage");
  check(a.start_y_mm >= s.y_min_mm && a.start_y_mm <= s.y_max_mm, "start_y_mm outside the stage");
  check(
      a.start_temperature_c >= s.temperature_min_c && a.start_temperature_c <= s.temperature_max_c,
      "start_temperature_c outside the temperature limits");
  check(a.max_exposure_s > 0.0 && std::isfinite(a.max_exposure_s), "max_exposure_s must be > 0");
  check(a.exposure_s > 0.0 && a.exposure_s <= a.max_exposure_s,
        "exposure_s must be within (0, max_exposure_s]");
  check(a.max_frames >= 1, "max_frames must be at least 1");
  check(c.beam.flux_photons_per_s >= 0.0 && std::isfinite(c.beam.flux_photons_per_s),
        "flux_photons_per_s must be finite and >= 0");
}

SaxsConfig validated(SaxsConfig config) {
  validate(config);
  return config;
}

}  // namespace

SaxsDevice::SaxsDevice(SaxsConfig config)
    : config_(validated(std::move(config))),
      detector_(config_.detector, formats::PoniGeometry(config_.geometry),
                config_.beam.polarization_factor, config_.common.seed),
      sample_(config_.sample, config_.stage, config_.common.seed),
      // A hair beyond the detector's largest q, so the outermost pixel interpolates.
      model_(detector_.q_max() * 1.001 + 1e-6, curve_points(config_.detector)),
      state_{config_.acquisition.start_x_mm, config_.acquisition.start_y_mm,
             config_.acquisition.start_temperature_c, config_.acquisition.exposure_s,
             config_.acquisition.shutter_open} {}

CommandOutcome SaxsDevice::execute(std::string_view actuator, std::span<const double> target,
                                   std::uint64_t seq) {
  const SaxsStageLimits& lim = config_.stage;
  double* field = nullptr;
  double current = 0.0;
  double shutter = state_.shutter_open ? 1.0 : 0.0;
  if (actuator == "stage_x") {
    field = &state_.x_mm;
  } else if (actuator == "stage_y") {
    field = &state_.y_mm;
  } else if (actuator == "temperature") {
    field = &state_.temperature_c;
  } else if (actuator == "exposure") {
    field = &state_.exposure_s;
  } else if (actuator == "shutter") {
    field = &shutter;
  } else if (actuator == "acquire") {
    current = static_cast<double>(frames_owed_);
  } else {
    return CommandOutcome::rejected("unknown actuator '" + echo(actuator) +
                                    "' (SAXS actuators: " + std::string(kActuators) + ")");
  }
  if (field != nullptr) current = *field;
  if (target.size() != 1) {
    return rejected(fmt::format("{}: expects 1 value, got {}", actuator, target.size()), current);
  }
  const double value = target[0];
  if (!std::isfinite(value)) {
    return rejected(fmt::format("{}: target {} is not a finite number", actuator, value), current);
  }
  if (actuator == "stage_x")
    return set_limited(actuator, value, lim.x_min_mm, lim.x_max_mm, "mm", state_.x_mm);
  if (actuator == "stage_y")
    return set_limited(actuator, value, lim.y_min_mm, lim.y_max_mm, "mm", state_.y_mm);
  if (actuator == "temperature") {
    return set_limited(actuator, value, lim.temperature_min_c, lim.temperature_max_c, "°C",
                       state_.temperature_c);
  }
  if (actuator == "exposure") {
    const double max = config_.acquisition.max_exposure_s;
    if (!(value > 0.0 && value <= max)) {
      return rejected(fmt::format("exposure: {} s is outside the limits (0, {}] s", value, max),
                      current);
    }
    state_.exposure_s = value;
    return CommandOutcome::done({value});
  }
  if (actuator == "shutter") {
    if (value != 0.0 && value != 1.0) {
      return rejected(fmt::format("shutter: {} is neither 0 (closed) nor 1 (open)", value),
                      current);
    }
    state_.shutter_open = value == 1.0;
    return CommandOutcome::done({value});
  }
  return acquire(value, seq);
}

CommandOutcome SaxsDevice::set_limited(std::string_view actuator, double value, double min,
                                       double max, std::string_view unit, double& field) {
  if (value < min || value > max) {
    return rejected(fmt::format("{}: {} {} is outside the limits {}..{} {}", actuator, value, unit,
                                min, max, unit),
                    field);
  }
  field = value;
  return CommandOutcome::done({value});
}

CommandOutcome SaxsDevice::acquire(double value, std::uint64_t seq) {
  const double owed = static_cast<double>(frames_owed_);
  const std::uint32_t max = config_.acquisition.max_frames;
  if (value != std::floor(value)) {
    return rejected(fmt::format("acquire: {} frames is not a whole number", value), owed);
  }
  if (value < 1.0 || value > max) {
    return rejected(fmt::format("acquire: {} frames is outside the limits 1..{}", value, max),
                    owed);
  }
  if (pending_.size() >= kMaxQueuedAcquisitions) {
    return rejected(
        fmt::format("acquire: {} acquisitions are already queued (the limit)", pending_.size()),
        owed);
  }
  const auto frames = static_cast<std::uint64_t>(value);
  pending_.push_back({state_, frames, seq});
  frames_owed_ += frames;
  return CommandOutcome::done({static_cast<double>(frames_owed_)});
}

std::uint64_t SaxsDevice::abort() {
  std::uint64_t dropped = 0;
  for (const Acquisition& acquisition : pending_) dropped += acquisition.frames;
  pending_.clear();
  return dropped;
}

std::vector<std::pair<std::string, std::vector<double>>> SaxsDevice::readbacks() const {
  return {{"stage_x", {state_.x_mm}},
          {"stage_y", {state_.y_mm}},
          {"temperature", {state_.temperature_c}},
          {"exposure", {state_.exposure_s}},
          {"shutter", {state_.shutter_open ? 1.0 : 0.0}},
          {"acquire", {static_cast<double>(frames_owed_)}}};
}

std::chrono::nanoseconds SaxsDevice::period() const {
  if (!config_.acquisition.realtime) return std::chrono::nanoseconds{0};
  const double exposure = pending_.empty() ? state_.exposure_s : pending_.front().state.exposure_s;
  return std::chrono::nanoseconds{std::llround(exposure * 1e9)};
}

Exposure SaxsDevice::exposure_of(const State& state) const {
  const SaxsSampleSettings& s = config_.sample;
  Exposure e;
  if (state.shutter_open) {
    e.photons_cm =
        config_.beam.flux_photons_per_s * state.exposure_s * s.transmission * s.thickness_mm * 0.1;
  }
  e.background_per_cm = s.background_per_cm;
  e.dark_counts = config_.detector.dark_counts_per_s * state.exposure_s;
  return e;
}

IntensityCurve SaxsDevice::ideal_curve() const {
  return model_.curve(sample_.structure_at(state_.x_mm, state_.y_mm, state_.temperature_c));
}

std::vector<double> SaxsDevice::expected_frame(const State& state) const {
  std::vector<double> out(detector_.pixel_count());
  const IntensityCurve curve =
      model_.curve(sample_.structure_at(state.x_mm, state.y_mm, state.temperature_c));
  detector_.expected(curve, exposure_of(state), out);
  return out;
}

void SaxsDevice::prepare(const State& state) {
  if (expected_key_ == state) return;
  const std::array<double, 3> where{state.x_mm, state.y_mm, state.temperature_c};
  if (curve_key_ != where) {
    curve_ = model_.curve(sample_.structure_at(state.x_mm, state.y_mm, state.temperature_c));
    curve_key_ = where;
  }
  expected_.resize(detector_.pixel_count());
  detector_.expected(*curve_, exposure_of(state), expected_);
  expected_key_ = state;
}

template <class T>
void SaxsDevice::render_into(std::uint64_t noise_seed, std::vector<T>& pixels,
                             std::span<std::byte> payload) {
  pixels.resize(detector_.pixel_count());
  detector_.render<T>(expected_, noise_seed, pixels);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(payload.data(), pixels.data(), payload.size());
  } else {
    for (std::size_t k = 0; k < pixels.size(); ++k) {
      for (std::size_t b = 0; b < sizeof(T); ++b) {
        payload[k * sizeof(T) + b] =
            static_cast<std::byte>((std::uint64_t{pixels[k]} >> (8U * b)) & 0xFFU);
      }
    }
  }
}

DataMessage SaxsDevice::produce(const MessageContext& context) {
  if (pending_.empty()) throw std::logic_error("SaxsDevice::produce: no frame is owed");
  Acquisition& acquisition = pending_.front();
  prepare(acquisition.state);

  const std::uint64_t noise_seed =
      detail::derive_seed({detail::kNoiseStream, config_.common.seed, frames_produced_});
  zmq::message_t payload(detector_.bytes_per_frame());
  const std::span<std::byte> bytes(payload.data<std::byte>(), payload.size());
  if (config_.detector.dtype == wire::DType::U16) {
    render_into(noise_seed, pixels_u16_, bytes);
  } else {
    render_into(noise_seed, pixels_u32_, bytes);
  }

  FrameHeaderFields f;
  f.run_id = context.run;
  f.stream = std::string(kStream);
  f.modality = wire::Modality::Saxs;
  f.sequence = context.sequence;
  f.scan_index = -1;  // the daemon maps command_seq to its plan
  f.scan_position = {acquisition.state.x_mm, acquisition.state.y_mm};
  f.command_seq = acquisition.seq;
  f.acquired_wall_ns = context.wall_ns;
  f.acquired_mono_ns = context.mono_ns;
  f.dtype = config_.detector.dtype;
  f.shape = {detector_.rows(), detector_.cols()};
  f.codec = wire::Codec::Raw;
  f.uncompressed_size = payload.size();
  f.exposure_s = acquisition.state.exposure_s;
  const flatbuffers::DetachedBuffer header = build_frame_header(f);

  DataMessage message;
  message.parts.emplace_back(header.data(), header.size());
  message.parts.push_back(std::move(payload));

  ++frames_produced_;
  --frames_owed_;
  if (--acquisition.frames == 0) pending_.pop_front();
  return message;
}

void SaxsDevice::write_truth(const std::filesystem::path& file) const {
  write_saxs_truth(file, config_, sample_, detector_, model_);
}

}  // namespace edgeloop::sims
