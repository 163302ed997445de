#include "edgeloop/pipeline/stem/stem_virtual_detector_stage.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/stem/detail/virtual_detector_contract.hpp"

namespace edgeloop {
namespace {

constexpr const char* kName = "stem_virtual_detectors";
// Frames per CUDA launch: enough to amortise the launch and the round trip, few enough that
// a live view is not held back by waiting for a batch to fill.
constexpr std::size_t kCudaBatch = 32;

[[noreturn]] void bad_parameter(const std::string& key, const std::string& why) {
  throw std::invalid_argument(std::string(kName) + ": '" + key + "' " + why);
}

std::uint32_t positive_integer(const std::string& key, const nlohmann::json& value) {
  if (!value.is_number_integer()) bad_parameter(key, "must be an integer");
  if (value.is_number_unsigned() ? value.get<std::uint64_t>() == 0
                                 : value.get<std::int64_t>() <= 0) {
    bad_parameter(key, "must be > 0");
  }
  const auto n = value.get<std::uint64_t>();
  if (n > std::numeric_limits<std::uint32_t>::max()) bad_parameter(key, "is too large");
  return static_cast<std::uint32_t>(n);
}

// What a number parameter must be besides finite: radii > 0, com_radius >= 0, centres anything.
enum class Bound { Any, Positive, NonNegative };

double finite_number(const std::string& key, const nlohmann::json& value, Bound bound) {
  if (!value.is_number()) bad_parameter(key, "must be a number");
  const auto x = value.get<double>();
  if (!std::isfinite(x)) bad_parameter(key, "must be finite");
  if (bound == Bound::Positive && x <= 0.0) bad_parameter(key, "must be > 0");
  if (bound == Bound::NonNegative && x < 0.0) bad_parameter(key, "must be >= 0");
  return x;
}

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::size_t element_size(wire::DType dtype) {
  std::size_t size = 0;
  detail::dispatch_virtual_detectors(
      dtype, [&](auto element) { size = sizeof(typename decltype(element)::type); });
  return size;
}

}  // namespace

StemVirtualDetectorStage::StemVirtualDetectorStage() = default;
StemVirtualDetectorStage::~StemVirtualDetectorStage() = default;

nlohmann::json StemVirtualDetectorStage::apply_parameters(const nlohmann::json& parameters) {
  if (!parameters.is_object()) {
    throw std::invalid_argument(std::string(kName) + ": parameters must be a table");
  }
  std::optional<std::uint32_t> nx;
  std::optional<std::uint32_t> ny;
  std::optional<double> centre_x;
  std::optional<double> centre_y;
  std::optional<double> bf_radius;
  std::optional<double> adf_inner;
  std::optional<double> adf_outer;
  double com_radius = 0.0;
  std::string requested = "auto";
  for (const auto& [key, value] : parameters.items()) {
    if (key == "scan_nx") {
      nx = positive_integer(key, value);
    } else if (key == "scan_ny") {
      ny = positive_integer(key, value);
    } else if (key == "centre_x") {
      centre_x = finite_number(key, value, Bound::Any);
    } else if (key == "centre_y") {
      centre_y = finite_number(key, value, Bound::Any);
    } else if (key == "bf_radius") {
      bf_radius = finite_number(key, value, Bound::Positive);
    } else if (key == "adf_inner") {
      adf_inner = finite_number(key, value, Bound::Positive);
    } else if (key == "adf_outer") {
      adf_outer = finite_number(key, value, Bound::Positive);
    } else if (key == "com_radius") {
      com_radius = finite_number(key, value, Bound::NonNegative);
    } else if (key == "backend") {
      if (!value.is_string()) bad_parameter(key, "must be a string");
      requested = value.get<std::string>();
    } else {
      throw std::invalid_argument(std::string(kName) + ": unknown parameter '" + key + "'");
    }
  }
  if (!nx) bad_parameter("scan_nx", "is required");
  if (!ny) bad_parameter("scan_ny", "is required");
  if (adf_inner && adf_outer && *adf_outer <= *adf_inner) {
    bad_parameter("adf_outer", "must be greater than 'adf_inner'");
  }
  if (std::size_t{*nx} * *ny > ScanMaps::kMaxPositions) {
    bad_parameter("scan_ny", "makes scan_nx * scan_ny larger than " +
                                 std::to_string(ScanMaps::kMaxPositions) + " positions");
  }

  Backend backend = Backend::Kokkos;
  if (requested == "cpu") {
    backend = Backend::Kokkos;
  } else if (requested == "cuda") {
    if (!cuda_device_available()) {
      bad_parameter("backend", "is 'cuda' but " + cuda_unavailable_reason());
    }
    backend = Backend::Cuda;
  } else if (requested == "auto") {
    backend = cuda_device_available() ? Backend::Cuda : Backend::Kokkos;
  } else {
    bad_parameter("backend", "'" + requested + "' is not one of: auto, cpu, cuda");
  }

  // Everything is valid: commit, and start the run's state afresh.
  backend_ = backend;
  scan_nx_ = *nx;
  scan_ny_ = *ny;
  centre_x_ = centre_x;
  centre_y_ = centre_y;
  bf_radius_ = bf_radius;
  adf_inner_ = adf_inner;
  adf_outer_ = adf_outer;
  com_radius_ = com_radius;
  kokkos_.reset();
  cuda_.reset();
  {
    const std::lock_guard lock(maps_mutex_);
    maps_.emplace(scan_nx_, scan_ny_,
                  std::vector<ScanMaps::Channel>{{"virtual_bf_map", ""},
                                                 {"virtual_adf_map", ""},
                                                 {"com_x_map", "px"},
                                                 {"com_y_map", "px"}});
    geometry_.reset();
  }
  return {{"scan_nx", scan_nx_},
          {"scan_ny", scan_ny_},
          {"centre_x", optional_json(centre_x_)},
          {"centre_y", optional_json(centre_y_)},
          {"bf_radius", optional_json(bf_radius_)},
          {"adf_inner", optional_json(adf_inner_)},
          {"adf_outer", optional_json(adf_outer_)},
          {"com_radius", com_radius_},
          {"backend", requested},
          {"resolved_backend", backend_ == Backend::Cuda ? "cuda" : "kokkos"}};
}

std::size_t StemVirtualDetectorStage::preferred_batch_size() const {
  return backend_ == Backend::Cuda ? kCudaBatch : 1;
}

void StemVirtualDetectorStage::prepare(const Frame& first) {
  if (!maps_) throw std::logic_error(std::string(kName) + ": not configured");
  if (first.meta.kind != FrameKind::Image || first.meta.shape.size() != 2) {
    throw std::invalid_argument(std::string(kName) + ": frames must be 2-D images");
  }
  const std::uint32_t rows = first.meta.shape[0];
  const std::uint32_t cols = first.meta.shape[1];
  const double side = std::min(rows, cols);
  VirtualDetectorGeometry g;
  g.centre_x = centre_x_.value_or((static_cast<double>(cols) - 1.0) / 2.0);
  g.centre_y = centre_y_.value_or((static_cast<double>(rows) - 1.0) / 2.0);
  g.bf_radius = bf_radius_.value_or(side / 8.0);
  g.adf_inner = adf_inner_.value_or(g.bf_radius);
  g.adf_outer = adf_outer_.value_or(side / 2.0);
  g.com_radius = com_radius_;
  VirtualDetectorTable table(g, rows, cols);  // validates the completed geometry
  if (backend_ == Backend::Cuda) {
    cuda_.emplace(std::move(table));
  } else {
    kokkos_.emplace(std::move(table));
  }
  const std::lock_guard lock(maps_mutex_);
  geometry_ = g;
}

std::span<const std::byte> StemVirtualDetectorStage::checked_pixels(const Frame& frame) const {
  const VirtualDetectorTable& table = cuda_ ? cuda_->table() : kokkos_->table();
  const FrameMeta& m = frame.meta;
  if (m.kind != FrameKind::Image || m.shape.size() != 2 || m.shape[0] != table.rows() ||
      m.shape[1] != table.cols()) {
    std::string shape;
    for (const auto n : m.shape) shape += (shape.empty() ? "" : " x ") + std::to_string(n);
    throw std::invalid_argument(std::string(kName) + ": frame " + std::to_string(m.sequence) +
                                " is not a " + std::to_string(table.rows()) + " x " +
                                std::to_string(table.cols()) + " image (shape [" + shape + "])");
  }
  const std::span<const std::byte> pixels = frame.pixels();
  if (pixels.size() != table.pixel_count() * element_size(m.dtype)) {
    throw std::invalid_argument(std::string(kName) + ": frame " + std::to_string(m.sequence) +
                                " holds " + std::to_string(pixels.size()) +
                                " bytes of pixels, not " + std::to_string(table.pixel_count()) +
                                " " + wire::EnumNameDType(m.dtype) + " elements");
  }
  if (m.scan_index < 0 ||
      static_cast<std::uint64_t>(m.scan_index) >= std::uint64_t{scan_nx_} * scan_ny_) {
    throw std::out_of_range(std::string(kName) + ": frame " + std::to_string(m.sequence) +
                            " has scan index " + std::to_string(m.scan_index) + ", outside the " +
                            std::to_string(scan_nx_) + " x " + std::to_string(scan_ny_) + " scan");
  }
  return pixels;
}

void StemVirtualDetectorStage::compute(std::span<const Frame* const> frames,
                                       std::span<VirtualDetectorSignals> out) {
  if (frames.empty()) return;
  if (!kokkos_ && !cuda_) prepare(*frames.front());
  batch_pixels_.resize(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) batch_pixels_[i] = checked_pixels(*frames[i]);
  // A backend call takes one dtype; a detector that switches mid-batch costs one call per run
  // of equal dtypes.
  for (std::size_t begin = 0; begin < frames.size();) {
    const wire::DType dtype = frames[begin]->meta.dtype;
    std::size_t end = begin + 1;
    while (end < frames.size() && frames[end]->meta.dtype == dtype) ++end;
    const auto pixels =
        std::span<const std::span<const std::byte>>(batch_pixels_).subspan(begin, end - begin);
    const auto results = out.subspan(begin, end - begin);
    if (cuda_) {
      cuda_->compute(pixels, dtype, results);
    } else {
      kokkos_->compute(pixels, dtype, results);
    }
    begin = end;
  }
}

namespace {

void append_frame_products(const VirtualDetectorSignals& s, std::vector<Product>& out) {
  out.push_back(Product{"virtual_bf", {s.bf}, {1}});
  out.push_back(Product{"virtual_adf", {s.adf}, {1}});
  out.push_back(Product{"com", {s.com_x, s.com_y}, {2}, {}, {}, "px"});
  out.push_back(Product{"total_intensity", {s.total}, {1}});
}

}  // namespace

void StemVirtualDetectorStage::process_frame(const Frame& frame, std::vector<Product>& out) {
  const Frame* const one = &frame;
  VirtualDetectorSignals s;
  compute(std::span(&one, 1), std::span(&s, 1));
  {
    const std::lock_guard lock(maps_mutex_);
    maps_->add(frame.meta.scan_index, std::array{s.bf, s.adf, s.com_x, s.com_y});
  }
  append_frame_products(s, out);
}

void StemVirtualDetectorStage::process_frames(std::span<const Frame* const> frames,
                                              std::vector<std::vector<Product>>& out) {
  batch_signals_.resize(frames.size());
  compute(frames, batch_signals_);
  {
    const std::lock_guard lock(maps_mutex_);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const VirtualDetectorSignals& s = batch_signals_[i];
      maps_->add(frames[i]->meta.scan_index, std::array{s.bf, s.adf, s.com_x, s.com_y});
    }
  }
  for (std::size_t i = 0; i < frames.size(); ++i) append_frame_products(batch_signals_[i], out[i]);
}

void StemVirtualDetectorStage::snapshot_products(std::vector<Product>& out) const {
  const std::lock_guard lock(maps_mutex_);
  if (!maps_) return;
  maps_->products(out);
  std::vector<double> dpc(maps_->positions());
  for (std::size_t i = 0; i < dpc.size(); ++i)
    dpc[i] = std::hypot(maps_->mean(2, i), maps_->mean(3, i));
  out.push_back(maps_->map_product("dpc_magnitude_map", "px", std::move(dpc)));
  if (geometry_) {
    const VirtualDetectorGeometry& g = *geometry_;
    out.push_back(
        Product{"detector_geometry",
                {g.centre_x, g.centre_y, g.bf_radius, g.adf_inner, g.adf_outer, g.com_radius},
                {6},
                {},
                {},
                "px"});
  }
}

}  // namespace edgeloop
