// Writes one run to one NeXus/HDF5 file that h5py (+ hdf5plugin) and silx users open as is:
// raw frames as one pre-compressed chunk per frame, sparse events as tables, per-frame products
// as rows, run-level products as NXdata, and SWMR so a reader can follow the run live.
//
// Lifecycle:
//   NexusRunWriter w(spec);              // creates the file and every fixed group
//   w.append_frame(meta, chunk) -> row   // or append_events(meta, events) -> row
//   w.append_products(row, products)     // per-frame products of that row
//   w.flush()                            // a SWMR reader now sees every row appended so far
//   w.finish(end)                        // run-level products, end time, summary, provenance
//
// SWMR. HDF5 (1.10) cannot create objects once SWMR writing has started, so the file stays in
// ordinary mode until the first row is complete: SWMR starts at start_swmr(), at flush() once a
// row exists, or at the append of the second frame/event chunk, whichever comes first. Append a
// row's products right after its frame, and the first row's before anything else: a product
// name first seen after SWMR started is refused and counted (stats().refused_products), never
// an error. A reader follows with h5py File(path, 'r', libver='latest', swmr=True) and
// dataset.refresh(); it sees frames as soon as they are written, and per-frame columns and
// products at each flush() (they are buffered up to 64 rows in between; a flush also extends
// every product table to the row count). finish() leaves SWMR mode, reopens the file read-write
// to add the run-level parts, and closes it; a reader that follows live should reopen the file
// after the run to see them.
//
// Thread model: one thread (the daemon's storage thread) owns the writer; no method may be
// called concurrently with another. Debian builds HDF5 thread-safe (one global lock), so other
// threads may still use HDF5, at the cost of waiting for the writer's calls. A moved-from
// writer may only be destroyed or assigned to.
//
// Errors: every HDF5 failure is a StorageError naming the file, the object and the operation,
// with HDF5's messages; a full disk sets disk_full(). The file is left as readable as HDF5 can
// leave it. Bad arguments (a chunk of the wrong size, a row that does not exist, a call after
// finish) are std::invalid_argument / std::logic_error.
//
// File layout: see pipeline/storage/README.md.
#pragma once

#include <edgeloop/wire/event_chunk_generated.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/product.hpp"
#include "edgeloop/pipeline/storage/nexus_run_spec.hpp"
#include "edgeloop/pipeline/storage/storage_error.hpp"

namespace edgeloop::storage {

// What finish() adds to the file once the last row has been written.
struct RunEnd {
  std::vector<Product> products;  // run-level products: /entry/<name> as NXdata
  nlohmann::json summary = nlohmann::json::object();
  std::string end_time;  // ISO 8601; empty: now
  // The run's provenance log, embedded byte for byte with its SHA-256 (/entry/provenance).
  std::optional<std::filesystem::path> provenance_log;
};

struct NexusWriterStats {
  std::uint64_t frames = 0;        // image rows
  std::uint64_t event_chunks = 0;  // event-chunk rows
  std::uint64_t events = 0;
  std::uint64_t chunk_bytes = 0;   // raw-frame chunk bytes as stored
  std::uint64_t product_rows = 0;  // per-frame product rows written
  // Per-frame products not stored: a new name after SWMR started, a shape that differs from
  // the first one seen, or values that do not match their shape.
  std::uint64_t products_refused = 0;
  std::vector<std::string> refused_products;  // distinct names, in order of first refusal
  bool swmr = false;                          // SWMR writing has started
  bool finished = false;
};

class NexusRunWriter {
 public:
  // Creates the file (replacing an old one), the entry, instrument, sample, process groups and
  // the raw-data datasets of the spec's layouts. StorageError when the file cannot be created.
  explicit NexusRunWriter(const NexusRunSpec& spec);
  ~NexusRunWriter();  // closes the file; without finish() it holds the rows written so far
  NexusRunWriter(NexusRunWriter&&) noexcept;
  NexusRunWriter& operator=(NexusRunWriter&&) noexcept;
  NexusRunWriter(const NexusRunWriter&) = delete;
  NexusRunWriter& operator=(const NexusRunWriter&) = delete;

  // Stores one frame's chunk, encoded as the layout's codec says (bslz4: the filter-32008
  // bytes, whose header must announce rows * cols * element size; raw: exactly that many
  // bytes), with a direct chunk write, plus the frame's per-frame columns. Returns its row.
  std::uint64_t append_frame(const FrameMeta& meta, std::span<const std::byte> chunk);

  // Stores one event chunk: its events appended to the event columns and one row of chunk
  // columns (sequence, first_pulse, pulses, voltage, time, where its events start). Returns
  // the chunk's row.
  std::uint64_t append_events(const FrameMeta& meta, std::span<const wire::Event> events);

  // Stores per-frame products as row `row` of /entry/results/<name> (rows count image frames
  // when the run has images, else event chunks; `row` must have been appended). Rows a product
  // skips read as NaN.
  void append_products(std::uint64_t row, std::span<const Product> products);

  // Starts SWMR writing now (idempotent); see above for when it starts by itself.
  void start_swmr();

  // Writes buffered rows and flushes the file so a SWMR reader sees everything appended.
  void flush();

  // Ends the run: leaves SWMR, then adds the run-level products, the application-definition
  // views, end_time, the summary and the provenance log, and closes the file. Once only.
  void finish(const RunEnd& end);

  const NexusWriterStats& stats() const;
  const std::filesystem::path& path() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeloop::storage
