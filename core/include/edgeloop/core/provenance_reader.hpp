// Reading and verifying a run's provenance log (docs/provenance.md): the hash chain, framing,
// record contents and the seal are all checked before any record is trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/uuid.hpp"
#include "edgeloop/core/wire.hpp"

namespace edgeloop {

// Decoded copy of one record, for export and tests.
struct ProvenanceRecordView {
  std::uint64_t index = 0;
  wire::RecordKind kind = wire::RecordKind::Unknown;
  std::int64_t wall_ns = 0;
  std::int64_t mono_ns = 0;
  std::string subject;
  std::optional<Sha256Digest> sha256;
  std::string agent;
  std::vector<ProvenanceRef> inputs;
  nlohmann::json attributes;
  Sha256Digest prev_hash{};
  Sha256Digest chain_hash{};
  std::uint64_t file_offset = 0;  // of the record's length prefix
};

struct VerifyReport {
  bool ok = false;            // chain intact AND sealed (unless allow_unsealed)
  bool sealed = false;        // last record is RunEnded
  std::uint64_t records = 0;  // records that verified
  Uuid run_id;
  Sha256Digest head{};  // chain hash of the last verified record (the genesis hash if none)
  std::string error;    // first problem: names record index and byte offset
};

VerifyReport verify_provenance(const std::filesystem::path& file, bool allow_unsealed = false);

// Reads every record; throws std::runtime_error with the verify error if the log does not
// verify (allow_unsealed as for verify_provenance).
std::vector<ProvenanceRecordView> read_provenance(const std::filesystem::path& file,
                                                  bool allow_unsealed = false);

// Stable snake_case name of a record kind: "run_started", "frame", ...; "unknown" otherwise.
std::string_view record_kind_name(wire::RecordKind kind);

}  // namespace edgeloop
