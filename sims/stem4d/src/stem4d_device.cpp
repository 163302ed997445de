#include "edgeloop/sims/stem4d_device.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "edgeloop/core/dtype.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/sims/diffraction_model.hpp"
#include "edgeloop/sims/echo.hpp"
#include "edgeloop/sims/phase_object_model.hpp"
#include "edgeloop/sims/seeding.hpp"

namespace edgeloop::sims {
namespace {

constexpr double kElectronCharge = 1.602176634e-19;

// Reasons echo what the peer sent; bounded, because they are logged and kept in the ack cache.
std::string echo_values(std::span<const double> values) {
  constexpr std::size_t kShown = 4;
  const auto shown = values.first(std::min(values.size(), kShown));
  return fmt::format("[{}{}]", fmt::join(shown, ", "), values.size() > kShown ? ", ..." : "");
}

// Copies pixels into the payload in the wire's little-endian order.
template <class T>
void store_little_endian(std::span<const T> pixels, std::byte* out) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, pixels.data(), pixels.size_bytes());
  } else {
    for (const T value : pixels) {
      for (std::size_t b = 0; b < sizeof(T); ++b) {
        *out++ = static_cast<std::byte>((value >> (8U * b)) & 0xFFU);
      }
    }
  }
}

std::unique_ptr<PatternModel> make_model(const Stem4DConfig& config) {
  Stem4DSpecimen specimen(config.common.seed, config.max_x + 1.0, config.max_y + 1.0);
  const DetectorSettings detector{.size = config.detector_size,
                                  .psf_sigma_px = config.psf_sigma_px};
  const ProbeOptics optics{.beam_energy_kv = config.beam_energy_kv,
                           .convergence_mrad = config.convergence_mrad};
  if (config.model == PatternModelKind::Kinematic) {
    return std::make_unique<DiffractionModel>(std::move(specimen), detector, optics,
                                              config.common.seed);
  }
  return std::make_unique<PhaseObjectModel>(std::move(specimen), detector, optics,
                                            PhaseObjectSettings{}, config.common.seed);
}

std::string_view defect_kind_name(DefectKind kind) {
  switch (kind) {
    case DefectKind::Void:
      return "void";
    case DefectKind::Inclusion:
      return "inclusion";
    case DefectKind::TwinBoundary:
      return "twin_boundary";
    case DefectKind::DislocationDipole:
      return "dislocation_dipole";
  }
  return "unknown";
}

// One row per defect, one dataset per field, so h5py users read columns by name.
void write_defects(h5::File& h5, const Stem4DSpecimen& specimen) {
  const auto defects = specimen.defects();
  std::vector<std::string> kind;
  std::vector<double> x, y, radius, angle, depth, separation, burgers, range, orientation;
  std::vector<std::int32_t> grain, phase;
  for (const Defect& d : defects) {
    kind.emplace_back(defect_kind_name(d.kind));
    x.push_back(d.x);
    y.push_back(d.y);
    radius.push_back(d.radius);
    angle.push_back(d.angle);
    depth.push_back(d.depth);
    separation.push_back(d.separation);
    burgers.push_back(d.burgers);
    range.push_back(d.range);
    orientation.push_back(d.orientation);
    grain.push_back(d.grain);
    phase.push_back(d.phase);
  }
  h5.write_strings("/defects/kind", kind);
  for (const auto& [name, column] : {std::pair{"x", &x},
                                     {"y", &y},
                                     {"radius", &radius},
                                     {"angle_rad", &angle},
                                     {"depth", &depth},
                                     {"separation", &separation},
                                     {"burgers", &burgers},
                                     {"range", &range},
                                     {"orientation_rad", &orientation}}) {
    h5.write<double>(std::string("/defects/") + name, *column);
  }
  h5.write<std::int32_t>("/defects/grain", grain);
  h5.write<std::int32_t>("/defects/phase", phase);
  h5.set_attribute("/defects", "units",
                   std::string_view("positions and lengths in scan-grid units, angles in radians; "
                                    "see sims/stem4d/include/edgeloop/sims/specimen_defect.hpp"));
}

}  // namespace

Stem4DDevice::Stem4DDevice(const Stem4DConfig& config)
    : config_(config),
      model_(make_model(config_)),
      position_{0.5 * config_.max_x, 0.5 * config_.max_y},
      dwell_us_(config_.dwell_us),
      defocus_nm_(config_.defocus_nm),
      max_defocus_nm_(std::min(config_.max_defocus_nm, model_->max_defocus_nm())) {
  if (config_.dtype != wire::DType::U8 && config_.dtype != wire::DType::U16 &&
      config_.dtype != wire::DType::U32) {
    throw std::invalid_argument("the simulator sends u8, u16 or u32 pixels only, not " +
                                std::string(dtype_name(config_.dtype)));
  }
  if (std::abs(defocus_nm_) > max_defocus_nm_) {
    throw std::invalid_argument(fmt::format(
        "optics.defocus_nm = {} is beyond the {} nm this model renders at {} mrad and {} px",
        defocus_nm_, max_defocus_nm_, config_.convergence_mrad, config_.detector_size));
  }
}

double Stem4DDevice::electrons_per_position() const {
  return config_.beam_current_pa * 1e-12 * dwell_us_ * 1e-6 / kElectronCharge;
}

CommandOutcome Stem4DDevice::execute(std::string_view actuator, std::span<const double> target,
                                     std::uint64_t seq) {
  if (actuator == "scan_position") return move(target, seq);
  if (actuator == "beam_blank") {
    if (target.size() != 1 || (target[0] != 0.0 && target[0] != 1.0)) {
      return CommandOutcome::rejected(
          fmt::format("beam_blank needs [0] or [1], got {}", echo_values(target)));
    }
    blanked_ = target[0] == 1.0;
    return CommandOutcome::done({blanked_ ? 1.0 : 0.0});
  }
  if (actuator == "dwell") {
    if (target.size() != 1 || !std::isfinite(target[0]) || target[0] < config_.min_dwell_us ||
        target[0] > config_.max_dwell_us) {
      return CommandOutcome::rejected(fmt::format("dwell needs one value in {}..{} us, got {}",
                                                  config_.min_dwell_us, config_.max_dwell_us,
                                                  echo_values(target)));
    }
    dwell_us_ = target[0];
    return CommandOutcome::done({dwell_us_});
  }
  if (actuator == "defocus") {
    if (target.size() != 1 || !std::isfinite(target[0]) || std::abs(target[0]) > max_defocus_nm_) {
      return CommandOutcome::rejected(
          fmt::format("defocus needs one value in -{0}..{0} nm, got {1}", max_defocus_nm_,
                      echo_values(target)));
    }
    defocus_nm_ = target[0];
    return CommandOutcome::done({defocus_nm_});
  }
  return CommandOutcome::rejected(fmt::format(
      "unknown actuator '{}' (this instrument has scan_position, beam_blank, dwell, defocus)",
      echo(actuator)));
}

CommandOutcome Stem4DDevice::move(std::span<const double> target, std::uint64_t seq) {
  if (target.size() != 2 || !std::isfinite(target[0]) || !std::isfinite(target[1])) {
    return CommandOutcome::rejected(
        fmt::format("scan_position needs 2 finite values [x, y], got {}", echo_values(target)));
  }
  const std::array<std::pair<char, std::uint32_t>, 2> axes{
      {{'x', config_.max_x}, {'y', config_.max_y}}};
  for (std::size_t a = 0; a < axes.size(); ++a) {
    const auto [axis, limit] = axes[a];
    if (target[a] < 0.0 || target[a] > limit) {
      return CommandOutcome::rejected(fmt::format(
          "scan_position {}={} is outside the scan coils' range 0..{}", axis, target[a], limit));
    }
  }
  if (pending_.size() >= kMaxPendingFrames) {
    return CommandOutcome::rejected(
        fmt::format("{} frames are already waiting to be sent; retry later", pending_.size()));
  }
  position_ = {target[0], target[1]};
  // The key mixes the exact bits of both coordinates; +0.0 stands for -0.0.
  const auto bits = [](double v) { return std::bit_cast<std::uint64_t>(v == 0.0 ? 0.0 : v); };
  const std::uint64_t key = detail::derive_seed({bits(target[0]), bits(target[1])});
  std::uint32_t visit = 0;
  if (const auto it = visits_.find(key); it != visits_.end()) {
    visit = ++it->second;
  } else if (visits_.size() < kMaxTracked) {
    visits_.emplace(key, 0U);
  }
  pending_.push_back({target[0], target[1], seq,
                      ProbeState{.electrons = electrons_per_position(),
                                 .defocus_nm = defocus_nm_,
                                 .blanked = blanked_,
                                 .visit = visit},
                      dwell_us_});
  return CommandOutcome::done({position_[0], position_[1]});
}

std::uint64_t Stem4DDevice::abort() {
  const std::uint64_t dropped = pending_.size();
  pending_.clear();
  return dropped;
}

std::vector<std::pair<std::string, std::vector<double>>> Stem4DDevice::readbacks() const {
  return {{"scan_position", {position_[0], position_[1]}},
          {"beam_blank", {blanked_ ? 1.0 : 0.0}},
          {"dwell", {dwell_us_}},
          {"defocus", {defocus_nm_}}};
}

std::chrono::nanoseconds Stem4DDevice::period() const {
  if (!config_.realtime || pending_.empty()) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(pending_.front().dwell_us * 1e3));
}

template <class T>
void Stem4DDevice::render(const Acquisition& acquisition, zmq::message_t& payload) {
  std::vector<T>* pixels = nullptr;
  if constexpr (std::is_same_v<T, std::uint8_t>) pixels = &pixels_u8_;
  if constexpr (std::is_same_v<T, std::uint16_t>) pixels = &pixels_u16_;
  if constexpr (std::is_same_v<T, std::uint32_t>) pixels = &pixels_u32_;
  pixels->resize(model_->pixel_count());
  model_->render(acquisition.x, acquisition.y, acquisition.probe, std::span<T>(*pixels));
  payload.rebuild(pixels->size() * sizeof(T));
  store_little_endian(std::span<const T>(*pixels), payload.data<std::byte>());
}

DataMessage Stem4DDevice::produce(const MessageContext& context) {
  const Acquisition acquisition = pending_.front();
  pending_.pop_front();
  zmq::message_t payload;
  switch (config_.dtype) {
    case wire::DType::U8:
      render<std::uint8_t>(acquisition, payload);
      break;
    case wire::DType::U32:
      render<std::uint32_t>(acquisition, payload);
      break;
    default:
      render<std::uint16_t>(acquisition, payload);
      break;
  }
  FrameHeaderFields header;
  header.run_id = context.run;
  header.stream = std::string(kStream);
  header.modality = wire::Modality::Stem4D;
  header.sequence = context.sequence;
  header.scan_index = -1;  // the daemon maps command_seq to its scan plan
  header.scan_position = {acquisition.x, acquisition.y};
  header.command_seq = acquisition.seq;
  header.acquired_wall_ns = context.wall_ns;
  header.acquired_mono_ns = context.mono_ns;
  header.dtype = config_.dtype;
  header.shape = {config_.detector_size, config_.detector_size};
  header.codec = wire::Codec::Raw;
  header.uncompressed_size = payload.size();
  header.exposure_s = acquisition.dwell_us * 1e-6;
  const auto encoded = build_frame_header(header);
  DataMessage message;
  message.parts.emplace_back(encoded.data(), encoded.size());
  message.parts.push_back(std::move(payload));
  return message;
}

void Stem4DDevice::write_truth(const std::filesystem::path& file) const {
  const Stem4DSpecimen& s = specimen();
  const std::size_t width = config_.max_x + 1U;
  const std::size_t height = config_.max_y + 1U;
  std::vector<std::int8_t> phase(width * height);
  std::vector<std::int32_t> grain(width * height);
  std::vector<float> orientation(width * height);
  std::vector<float> thickness(width * height);
  std::vector<std::int16_t> defect(width * height);
  for (std::size_t y = 0; y < height; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      const auto fx = static_cast<double>(x);
      const auto fy = static_cast<double>(y);
      const SpecimenPoint p = s.at(fx, fy);
      const std::size_t i = y * width + x;
      phase[i] = static_cast<std::int8_t>(p.phase);
      grain[i] = p.grain;
      orientation[i] = static_cast<float>(p.orientation);
      thickness[i] = static_cast<float>(p.thickness);
      defect[i] = static_cast<std::int16_t>(s.defect_at(fx, fy));
    }
  }
  auto h5 = h5::File::create(file);
  const std::array<std::size_t, 2> shape{height, width};
  h5.set_attribute("/", "instrument", std::string_view(config_.common.name));
  h5.set_attribute("/", "modality", std::string_view("4dstem"));
  h5.set_attribute("/", "seed", static_cast<std::int64_t>(config_.common.seed));
  h5.set_attribute("/", "layout",
                   std::string_view("maps are [y, x] on the integer scan grid; phase -1 = vacuum; "
                                    "defect -1 = none, else index into /defects"));
  h5.write<std::int8_t>("/maps/phase", phase, shape);
  h5.write<std::int32_t>("/maps/grain", grain, shape);
  h5.write<float>("/maps/orientation_rad", orientation, shape);
  h5.write<float>("/maps/thickness_mfp", thickness, shape);
  h5.write<std::int16_t>("/maps/defect", defect, shape);

  std::vector<std::string> names;
  std::vector<std::string> lattices;
  std::vector<double> g_per_nm;
  std::vector<double> potential_v;
  std::vector<double> spot_radius_px;
  const auto phases = Stem4DSpecimen::phases();
  for (std::size_t p = 0; p < phases.size(); ++p) {
    names.emplace_back(phases[p].name);
    lattices.emplace_back(phases[p].lattice == Lattice::Hexagonal ? "hexagonal" : "square");
    g_per_nm.push_back(phases[p].g_per_nm);
    potential_v.push_back(phases[p].potential_v);
    spot_radius_px.push_back(model_->spot_radius(static_cast<int>(p)));
  }
  h5.write_strings("/phases/name", names);
  h5.write_strings("/phases/lattice", lattices);
  h5.write<double>("/phases/g_per_nm", g_per_nm);
  h5.write<double>("/phases/potential_v", potential_v);
  h5.write<double>("/phases/spot_radius_px", spot_radius_px);

  std::vector<double> grain_centres;
  std::vector<std::int32_t> grain_phases;
  for (std::size_t g = 0; g < s.grain_count(); ++g) {
    const auto centre = s.grain_centre(g);
    grain_centres.insert(grain_centres.end(), centre.begin(), centre.end());
    grain_phases.push_back(s.grain_phase(g));
  }
  const std::array<std::size_t, 2> centres_shape{s.grain_count(), 2};
  h5.write<double>("/grains/centre_xy", grain_centres, centres_shape);
  h5.write<std::int32_t>("/grains/phase", grain_phases);
  write_defects(h5, s);

  h5.set_attribute("/detector", "size_px", static_cast<std::int64_t>(config_.detector_size));
  h5.set_attribute("/detector", "dtype", std::string_view(dtype_name(config_.dtype)));
  h5.set_attribute("/detector", "bright_field_radius_px", model_->bright_field_radius());
  h5.set_attribute("/detector", "psf_sigma_px", config_.psf_sigma_px);
  h5.set_attribute("/optics", "model", model_->name());
  h5.set_attribute("/optics", "beam_energy_kv", config_.beam_energy_kv);
  h5.set_attribute("/optics", "convergence_mrad", config_.convergence_mrad);
  h5.set_attribute("/optics", "beam_current_pa", config_.beam_current_pa);
}

}  // namespace edgeloop::sims
