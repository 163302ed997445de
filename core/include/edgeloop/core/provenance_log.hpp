// Writer for a run's append-only, hash-chained provenance log: what happened, in what order,
// derived from what, by which software. File format and guarantees: docs/provenance.md.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"

namespace edgeloop {

// The first header line; the run UUID's canonical text and "\n" follow it.
inline constexpr std::string_view kProvenanceMagic = "EDGELOOP-PROVENANCE 1\n";
inline constexpr std::size_t kProvenanceHeaderSize = kProvenanceMagic.size() + 37;
// Bigger records are refused on both sides so a corrupt length cannot make a reader allocate
// gigabytes.
inline constexpr std::size_t kProvenanceMaxRecordBytes = std::size_t{16} << 20;
// Inputs of one record; far below the reader's FlatBuffer table limit.
inline constexpr std::size_t kProvenanceMaxInputs = 10000;

enum class FsyncPolicy { EveryRecord, Interval, OnClose };

struct ProvenanceOptions {
  FsyncPolicy fsync = FsyncPolicy::Interval;
  std::chrono::milliseconds fsync_interval{200};
  std::string agent{};  // e.g. "edgeloopd 0.1.0 (git abc)"; stored in each record's `agent`
};

struct ProvenanceRef {
  std::string role{};
  std::string id{};
  std::optional<Sha256Digest> sha256{};

  bool operator==(const ProvenanceRef&) const = default;
};

// Members all have initializers so callers can use designated initializers for the few they
// set without tripping -Wmissing-field-initializers.
struct ProvenanceEntry {
  wire::RecordKind kind = wire::RecordKind::Note;
  std::string subject{};                 // e.g. "frame/4dstem/detector/17", "command/5"
  std::optional<Sha256Digest> sha256{};  // content hash of the subject, if any
  std::vector<ProvenanceRef> inputs{};
  nlohmann::json attributes = nlohmann::json::object();
};

struct AppendedRecord {
  std::uint64_t index;
  Sha256Digest chain_hash;
};

// Thread-safe writer for one run's log file. Not copyable.
class ProvenanceLog {
  // Lets make_unique reach the constructor while only create() can make a Key; explicit so that
  // `{}` from outside does not count.
  struct Key {
    explicit Key() = default;
  };

 public:
  // Creates a NEW file (std::runtime_error naming the path if it exists or cannot be created),
  // writes the header, fsyncs the file and its directory, and appends the RunStarted record
  // whose attributes are `run_attributes`.
  static std::unique_ptr<ProvenanceLog> create(const std::filesystem::path& file, const Uuid& run,
                                               const ProvenanceOptions& options,
                                               nlohmann::json run_attributes);

  ProvenanceLog(Key, std::filesystem::path file, const Uuid& run, ProvenanceOptions options,
                int fd);
  ProvenanceLog(const ProvenanceLog&) = delete;
  ProvenanceLog& operator=(const ProvenanceLog&) = delete;
  // If not closed: syncs and closes the file WITHOUT sealing; an unsealed log marks a crashed or
  // aborted run.
  ~ProvenanceLog();

  // Throws std::logic_error after close(), std::invalid_argument for RunStarted/RunEnded (only
  // create() and close() write those) or an oversized record, std::runtime_error on I/O failure.
  AppendedRecord append(const ProvenanceEntry& entry);
  void sync();  // fdatasync now; no-op after close()
  // For FsyncPolicy::Interval: fdatasync when there are unsynced records and the last sync is
  // older than the interval. append() checks this too; the owner calls it periodically so that
  // the last records of a quiet period still reach the disk.
  void sync_if_due();
  // Appends the RunEnded seal record with `summary` as attributes, syncs and closes the file.
  // A second call throws std::logic_error.
  AppendedRecord close(nlohmann::json summary);

  std::uint64_t records() const;
  Sha256Digest head() const;  // chain hash of the last record
  const std::filesystem::path& path() const { return path_; }
  const Uuid& run_id() const { return run_; }

 private:
  AppendedRecord append_locked(const ProvenanceEntry& entry);
  void write_all_locked(std::span<const std::uint8_t> bytes);
  void sync_locked();
  [[noreturn]] void fail(std::string_view what, int error) const;

  const std::filesystem::path path_;
  const Uuid run_;
  const ProvenanceOptions options_;

  mutable std::mutex mutex_;
  int fd_;
  bool closed_ = false;
  bool broken_ = false;  // a failed write could not be cut back; appending would corrupt the file
  std::uint64_t next_index_ = 0;
  std::uint64_t file_size_ = 0;  // bytes known to be good; a failed write is cut back to this
  Sha256Digest head_{};
  std::uint64_t unsynced_ = 0;
  std::chrono::steady_clock::time_point last_sync_;
  flatbuffers::FlatBufferBuilder builder_;  // reused so steady-state appends do not allocate
  std::vector<std::uint8_t> frame_;
};

}  // namespace edgeloop
