// The (features, target) rows a run collects for offloaded regression (submit_sisso): one row
// per processed frame, bounded so a long run cannot grow the daemon without limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/core/uuid.hpp"

namespace edgeloop {

// A copy of the rows taken at one moment: the job is built from it while the run goes on.
struct SampleSnapshot {
  Uuid run_id{};
  std::vector<std::string> feature_names{};
  std::string target_name{};
  std::vector<double> values{};  // row-major: target first, then the features, per row
  std::uint64_t dropped = 0;     // rows refused because the table was full

  std::size_t row_count() const { return values.size() / (feature_names.size() + 1); }
};

// Written by the worker thread, read by the I/O thread: every member is thread-safe. Keeps the
// first `capacity` rows of the run; later ones are only counted, so the rows a job sees are
// a prefix of the run (in frame order), never a sample that depends on timing.
class SampleTable {
 public:
  SampleTable(Uuid run_id, std::vector<std::string> feature_names, std::string target_name,
              std::size_t capacity);
  SampleTable(const SampleTable&) = delete;
  SampleTable& operator=(const SampleTable&) = delete;

  // False (and counted) when the table is full; std::invalid_argument when the row has another
  // number of features than the table.
  bool add(std::span<const double> features, double target);
  SampleSnapshot snapshot() const;

  const Uuid& run_id() const { return run_id_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t size() const;

 private:
  std::size_t size_locked() const;

  const Uuid run_id_;
  const std::vector<std::string> feature_names_;
  const std::string target_name_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<double> values_;
  std::uint64_t dropped_ = 0;
};

}  // namespace edgeloop
