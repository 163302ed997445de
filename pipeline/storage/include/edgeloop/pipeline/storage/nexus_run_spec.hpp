// What a NeXus run file is created with: who ran what on which instrument and sample, the
// stages that process it, and the layout of its raw data (image frames and/or sparse events).
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "edgeloop/core/uuid.hpp"
#include "edgeloop/pipeline/stage.hpp"

namespace edgeloop::storage {

// The NeXus application definition the entry declares (/entry/definition).
enum class ApplicationDefinition : std::uint8_t { NXem, NXsas, NXapm };

// How raw-frame chunks arrive at append_frame: bitshuffle+LZ4 in the HDF5 filter 32008 chunk
// format (formats::bslz4_compress output), the raw little-endian pixels, or one zstd frame in
// the HDF5 filter 32015 chunk format (formats::zstd_hdf5_compress output).
enum class ChunkCodec : std::uint8_t { BitshuffleLz4, Raw, Zstd };

struct RunInfo {
  Uuid run_id;
  std::string modality;  // "4dstem", "saxs", "apt"
  ApplicationDefinition definition = ApplicationDefinition::NXem;
  std::string title;
  std::string instrument_name;
  std::string sample_name;
  std::string sample_description;
  std::string start_time;  // ISO 8601; empty: the time the file is created
  std::string program_name = "edgeloopd";
  std::string program_version;
  nlohmann::json config = nlohmann::json::object();  // the daemon's effective configuration
  // Hex SHA-256 of the configuration as the daemon hashed it (e.g. of the TOML file); empty:
  // the writer hashes config.dump().
  std::string config_sha256;
};

// Image runs: one chunk per frame of [rows, cols] pixels.
struct ImageLayout {
  wire::DType dtype = wire::DType::U16;
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  ChunkCodec codec = ChunkCodec::BitshuffleLz4;
  // Zstd only: the level the chunks were written at, recorded in the filter's cd_values (readers
  // do not need it).
  int zstd_level = 3;
  // Width of the scan_position column; shorter positions are padded with NaN, longer ones cut.
  std::size_t scan_axes = 2;
};

// Event runs (APT ions, counted electrons): extensible event and chunk tables.
struct EventsLayout {
  std::size_t chunk_rows = 65536;     // HDF5 chunk of the event columns, in events
  std::string position_units = "mm";  // of x and y: "mm" for APT, "pixel" for electrons
};

struct NexusRunSpec {
  std::filesystem::path path;  // created, replacing any old file; its directory must exist
  RunInfo run;
  std::vector<StageDescription> stages;  // in processing order: /entry/process_<name>
  std::optional<ImageLayout> images;
  std::optional<EventsLayout> events;
};

std::string_view application_definition_name(ApplicationDefinition definition);

}  // namespace edgeloop::storage
