#include "edgeloop/sims/apt_replay.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "edgeloop/formats/apt_file_error.hpp"
#include "edgeloop/formats/apt_time_of_flight.hpp"

namespace edgeloop::sims {
namespace {

constexpr std::size_t kBatchRecords = 4096;
// Far beyond any atom probe (tens of hits per pulse at most), and 48 MB as events on the wire:
// a file that puts more than this into one chunk's pulses is damaged, not a measurement.
constexpr std::size_t kMaxHitsPerChunk = 2'000'000;

}  // namespace

bool is_pos_file(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::ranges::transform(ext, ext.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".pos";
}

AptReplay::AptReplay(const std::filesystem::path& file, double initial_voltage_v,
                     const AptDetector& detector, const AptSpecimen& specimen,
                     double detection_rate)
    : path_(file),
      detector_(&detector),
      specimen_(&specimen),
      detection_rate_(detection_rate),
      voltage_(initial_voltage_v) {
  if (is_pos_file(file)) {
    pos_ = formats::read_pos(file);
  } else {
    reader_.emplace(file);
    batch_.resize(kBatchRecords);
  }
}

std::uint64_t AptReplay::record_count() const {
  return reader_ ? reader_->record_count() : pos_.size();
}

bool AptReplay::exhausted() const {
  if (has_pending_) return false;
  return reader_ ? batch_pos_ == batch_size_ && reader_->at_end() : pos_next_ == pos_.size();
}

bool AptReplay::fetch_pos() {
  if (pos_next_ == pos_.size()) return false;
  const std::size_t k = pos_next_++;
  const formats::PosRecord& r = pos_[k];
  const auto pulse =
      static_cast<std::uint64_t>(std::llround(static_cast<double>(k) / detection_rate_));
  last_rank_ = k > 0 && pulse == last_pulse_ ? last_rank_ + 1 : 1;
  last_pulse_ = pulse;

  const AptDetectorSettings& d = detector_->settings();
  const double cap = specimen_->cap_radius(std::max(static_cast<double>(r.z), 0.0));
  const double x = r.x;
  const double y = r.y;
  double det_x = 0.0;
  double det_y = 0.0;
  if (const auto hit = detector_->project(x, y, cap)) {
    det_x = (*hit)[0];
    det_y = (*hit)[1];
  } else {  // off the detector (rho > 0 then): its edge, along the ion's azimuth
    const double rho = std::hypot(x, y);
    det_x = d.radius_mm * x / rho;
    det_y = d.radius_mm * y / rho;
  }
  pending_ = AptHit{};
  pending_.pulse = pulse;
  pending_.det_x = static_cast<float>(det_x);
  pending_.det_y = static_cast<float>(det_y);
  // The flight path of the hit as emitted (float), so m/n comes back from the event exactly.
  const double path = formats::flight_path_mm(d.flight_length_mm, pending_.det_x, pending_.det_y);
  pending_.tof_ns = static_cast<float>(formats::time_of_flight_ns(
      std::max(static_cast<double>(r.mass_to_charge), 0.0), voltage_, path, d.t0_ns));
  pending_.rank = last_rank_;
  pending_.x = r.x;
  pending_.y = r.y;
  pending_.depth = r.z;
  pending_voltage_ = voltage_;
  has_pending_ = true;
  return true;
}

bool AptReplay::fetch() {
  if (!reader_) return fetch_pos();
  if (batch_pos_ == batch_size_) {
    batch_size_ = reader_->read(batch_);
    batch_pos_ = 0;
    if (batch_size_ == 0) return false;
  }
  const formats::EposRecord& r = batch_[batch_pos_++];
  last_pulse_ += r.delta_pulse;
  last_rank_ = r.multiplicity > 0 ? 1 : last_rank_ + 1;
  pending_ = AptHit{};
  pending_.pulse = last_pulse_;
  pending_.det_x = r.det_x;
  pending_.det_y = r.det_y;
  pending_.tof_ns = r.tof_ns;
  pending_.rank = last_rank_;
  pending_.x = r.x;
  pending_.y = r.y;
  pending_.depth = r.z;
  pending_voltage_ = r.v_dc;
  has_pending_ = true;
  return true;
}

double AptReplay::run(std::uint64_t first_pulse, std::uint64_t pulses, std::vector<AptHit>& out) {
  const std::uint64_t end = first_pulse + pulses;
  bool first = true;
  while (has_pending_ || fetch()) {
    if (pending_.pulse >= end) break;
    // Chunks follow each other from pulse 0, so a hit is never before its chunk.
    if (first) voltage_ = pending_voltage_;
    first = false;
    if (out.size() >= kMaxHitsPerChunk) {
      throw formats::AptFileError(path_.string(), "",
                                  "more than 2000000 hits within pulses " +
                                      std::to_string(first_pulse) + ".." + std::to_string(end) +
                                      " (delta_pulse damaged?)");
    }
    out.push_back(pending_);
    has_pending_ = false;
  }
  return voltage_;
}

}  // namespace edgeloop::sims
