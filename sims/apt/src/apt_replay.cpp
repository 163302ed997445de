#include "edgeloop/sims/apt_replay.hpp"

#include <string>

#include "edgeloop/formats/apt_file_error.hpp"

namespace edgeloop::sims {
namespace {

constexpr std::size_t kBatchRecords = 4096;
// Far beyond any atom probe (tens of hits per pulse at most), and 48 MB as events on the wire:
// a file that puts more than this into one chunk's pulses is damaged, not a measurement.
constexpr std::size_t kMaxHitsPerChunk = 2'000'000;

}  // namespace

AptReplay::AptReplay(const std::filesystem::path& file, double initial_voltage_v)
    : reader_(file), batch_(kBatchRecords), voltage_(initial_voltage_v) {}

bool AptReplay::exhausted() const {
  return !has_pending_ && batch_pos_ == batch_size_ && reader_.at_end();
}

bool AptReplay::fetch() {
  if (batch_pos_ == batch_size_) {
    batch_size_ = reader_.read(batch_);
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
      throw formats::AptFileError(reader_.path().string(), "",
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
