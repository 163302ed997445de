// Plays an .epos or .pos file back as detector hits, pulse by pulse, so a recorded (or real)
// acquisition can stand in for the simulated specimen.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "edgeloop/formats/epos_file.hpp"
#include "edgeloop/formats/pos_file.hpp"
#include "edgeloop/sims/apt_detector.hpp"
#include "edgeloop/sims/apt_evaporation.hpp"
#include "edgeloop/sims/apt_specimen.hpp"

namespace edgeloop::sims {

// True when the file name ends in ".pos" (any case): record and replay then use the .pos
// format, any other name .epos.
bool is_pos_file(const std::filesystem::path& file);

// Pulse numbers are rebuilt from delta_pulse: the first ion's pulse is its delta_pulse (pulse 0
// stands in for the ion before it, as AptDevice records), each later one adds its own. A hit's
// rank is 1 on a record with a multiplicity, and one more than the previous hit's on the later
// hits of its pulse (multiplicity 0). The file is read in batches, never whole. Hits carry no
// truth: element is AptHit::kBackground, x, y and depth are the file's x, y, z.
//
// A .pos file (is_pos_file) holds only x, y, z and m/n, so the rest is synthesised from the
// device's own models: one ion per pulse window in file order at the configured detection rate
// (the k-th ion, from 0, on pulse round(k / detection_rate); ranks count the ions sharing a
// pulse); the detector position is AptDetector::project of the ion's (x, y) on the cap whose
// radius the specimen has at the ion's depth (AptSpecimen::cap_radius(max(z, 0))), moved to the
// detector's edge along its azimuth when that misses; the time of flight is
// formats::time_of_flight_ns of the m/n (negative taken as 0) at initial_voltage_v (which stays
// the standing voltage of every chunk) over the hit's flight path, with the detector's t0. No
// timing jitter or blur is added. A .pos file is read whole at construction.
// Not thread-safe.
class AptReplay {
 public:
  // AptFileError when the file cannot be opened or is not whole records (for a .pos also a
  // non-finite value). detector and specimen are used for a .pos file only and must outlive
  // this; detection_rate > 0 (ions per pulse).
  AptReplay(const std::filesystem::path& file, double initial_voltage_v,
            const AptDetector& detector, const AptSpecimen& specimen, double detection_rate);

  // Appends the hits of pulses [first_pulse, first_pulse + pulses) to out (AptFileError for a
  // bad record) and returns the chunk's standing voltage: the v_dc of its first hit, or the
  // last one seen when it has none.
  double run(std::uint64_t first_pulse, std::uint64_t pulses, std::vector<AptHit>& out);
  // Every record has been played.
  bool exhausted() const;
  std::uint64_t record_count() const;

 private:
  // Makes pending_ the next record's hit; false at the end of the file.
  bool fetch();
  bool fetch_pos();

  std::filesystem::path path_;
  std::optional<formats::EposReader> reader_;  // an .epos replay
  std::vector<formats::PosRecord> pos_;        // a .pos replay: the whole file
  std::size_t pos_next_ = 0;
  const AptDetector* detector_;
  const AptSpecimen* specimen_;
  double detection_rate_;
  std::vector<formats::EposRecord> batch_;
  std::size_t batch_pos_ = 0;
  std::size_t batch_size_ = 0;
  bool has_pending_ = false;
  AptHit pending_{};
  double pending_voltage_ = 0.0;
  std::uint64_t last_pulse_ = 0;
  std::uint32_t last_rank_ = 0;
  double voltage_;
};

}  // namespace edgeloop::sims
