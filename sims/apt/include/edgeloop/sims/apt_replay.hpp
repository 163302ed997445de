// Plays an .epos file back as detector hits, pulse by pulse, so a recorded (or real)
// acquisition can stand in for the simulated specimen.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "edgeloop/formats/epos_file.hpp"
#include "edgeloop/sims/apt_evaporation.hpp"

namespace edgeloop::sims {

// Pulse numbers are rebuilt from delta_pulse: the first ion's pulse is its delta_pulse (pulse 0
// stands in for the ion before it, as AptDevice records), each later one adds its own. A hit's
// rank is 1 on a record with a multiplicity, and one more than the previous hit's on the later
// hits of its pulse (multiplicity 0). The file is read in batches, never whole. Hits carry no
// truth: element is AptHit::kBackground, x, y and depth are the file's x, y, z.
// Not thread-safe.
class AptReplay {
 public:
  // AptFileError when the file cannot be opened or is not whole records.
  AptReplay(const std::filesystem::path& file, double initial_voltage_v);

  // Appends the hits of pulses [first_pulse, first_pulse + pulses) to out (AptFileError for a
  // bad record) and returns the chunk's standing voltage: the v_dc of its first hit, or the
  // last one seen when it has none.
  double run(std::uint64_t first_pulse, std::uint64_t pulses, std::vector<AptHit>& out);
  // Every record has been played.
  bool exhausted() const;
  std::uint64_t record_count() const { return reader_.record_count(); }

 private:
  // Makes pending_ the next record's hit; false at the end of the file.
  bool fetch();

  formats::EposReader reader_;
  std::vector<formats::EposRecord> batch_;
  std::size_t batch_pos_ = 0;
  std::size_t batch_size_ = 0;
  bool has_pending_ = false;
  AptHit pending_{};
  float pending_voltage_ = 0.0F;
  std::uint64_t last_pulse_ = 0;
  std::uint32_t last_rank_ = 0;
  double voltage_;
};

}  // namespace edgeloop::sims
