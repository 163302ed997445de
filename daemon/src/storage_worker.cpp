#include "storage_worker.hpp"

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/pipeline/runtime/frame_codec.hpp"
#include "nanoseconds.hpp"

namespace edgeloop {

namespace {
constexpr std::chrono::milliseconds kPoolWait{5};

storage::ApplicationDefinition definition_for(wire::Modality modality) {
  switch (modality) {
    case wire::Modality::Saxs:
      return storage::ApplicationDefinition::NXsas;
    case wire::Modality::Apt:
      return storage::ApplicationDefinition::NXapm;
    default:
      return storage::ApplicationDefinition::NXem;
  }
}

// The file's chunk format for a wire codec. Lz4 (the HDF5 LZ4 filter's framing) is what some
// detectors send, not a format edgeloop stores: decoding it and storing bslz4 is smaller.
storage::ChunkCodec chunk_codec(wire::Codec codec) {
  switch (codec) {
    case wire::Codec::Raw:
      return storage::ChunkCodec::Raw;
    case wire::Codec::BitshuffleLz4:
      return storage::ChunkCodec::BitshuffleLz4;
    case wire::Codec::Zstd:
      return storage::ChunkCodec::Zstd;
    default:
      throw std::invalid_argument(std::string("raw frames cannot be stored as ") +
                                  wire::EnumNameCodec(codec));
  }
}
}  // namespace

StorageWorker::StorageWorker(BoundedQueue<StoreItem>& queue, BufferPool& pool, Counters& counters,
                             spdlog::logger& log, StorageWorkerOptions options)
    : queue_(queue), pool_(pool), counters_(counters), log_(log), options_(std::move(options)) {}

void StorageWorker::run() {
  for (;;) {
    auto item = queue_.pop_for(std::chrono::milliseconds(20));
    if (item) {
      if (auto* frame = std::get_if<StoreFrame>(&*item)) {
        store(*frame);
      } else {
        end(std::get<StoreEnd>(*item));
      }
    } else if (queue_.closed_and_empty()) {
      break;
    }
    if (writer_ && !failed_ && monotonic_ns() - last_flush_ns_ >= to_ns(options_.flush_interval)) {
      last_flush_ns_ = monotonic_ns();
      try {
        writer_->flush();
      } catch (const std::exception& e) {
        fail(*run_, "flushing", e);
      }
    }
  }
}

void StorageWorker::fail(RunShared& run, const std::string& what, const std::exception& e) {
  failed_ = true;
  run.storage_failures.fetch_add(1);
  counters_.add("storage.failures");
  log_.error("run {}: {} {} failed, the run goes on without its file: {}", run.id.str(), what,
             run.nexus_path.string(), e.what());
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Note;
  entry.subject = "failure/storage";
  entry.attributes = {{"file", run.nexus_path.string()}, {"operation", what}, {"error", e.what()}};
  try {
    run.log->append(entry);
  } catch (const std::exception&) {
    counters_.add("provenance.append_failures");
  }
}

void StorageWorker::skip(RunShared& run, const FrameMeta& meta, const std::exception& e) {
  counters_.add("storage.frames_skipped");
  const std::uint64_t n = counters_.value("storage.frames_skipped");
  if (n <= 10 || n % 1000 == 0) {
    log_.error("run {}: frame {} of {} not stored ({} so far): {}", run.id.str(), meta.sequence,
               meta.stream, n, e.what());
  }
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Note;
  entry.subject = "failure/storage/" + meta.stream + "/" + std::to_string(meta.sequence);
  entry.attributes = {{"operation", "store frame"}, {"error", e.what()}};
  try {
    run.log->append(entry);
  } catch (const std::exception&) {
    counters_.add("provenance.append_failures");
  }
}

void StorageWorker::open(const StoreFrame& first) {
  const RunShared& r = *first.run;
  const FrameMeta& meta = first.frame.meta;
  storage::NexusRunSpec spec;
  spec.path = r.nexus_path;
  spec.run.run_id = r.id;
  spec.run.modality = modality_name(r.modality);
  spec.run.definition = definition_for(r.modality);
  spec.run.title = r.title;
  spec.run.instrument_name = r.instrument_name;
  spec.run.sample_name = r.title;
  spec.run.start_time = iso8601_utc(wall_ns());
  spec.run.program_version = options_.program_version;
  spec.run.config = r.config.value("effective", nlohmann::json::object());
  spec.run.config_sha256 = r.config.value("sha256", std::string());
  spec.stages = r.stage_descriptions;
  if (meta.kind == FrameKind::Events) {
    spec.events = storage::EventsLayout{};
  } else {
    if (meta.shape.size() != 2) {
      throw std::invalid_argument("only 2-D frames are stored; this stream's are " +
                                  std::to_string(meta.shape.size()) + "-D");
    }
    const auto per_stream = options_.stream_codecs.find(meta.stream);
    codec_ = per_stream != options_.stream_codecs.end() ? per_stream->second : options_.raw_codec;
    spec.images = storage::ImageLayout{.dtype = meta.dtype,
                                       .rows = meta.shape[0],
                                       .cols = meta.shape[1],
                                       .codec = chunk_codec(codec_),
                                       .zstd_level = options_.zstd_level};
  }
  writer_.emplace(spec);
  last_flush_ns_ = monotonic_ns();
}

void StorageWorker::store(StoreFrame& item) {
  if (run_ != item.run) {
    // A new run: anything left of an earlier one was closed by its StoreEnd.
    writer_.reset();
    run_ = item.run;
    failed_ = false;
  }
  RunShared& r = *item.run;
  if (failed_) {
    counters_.add("storage.frames_lost");
    return;
  }
  try {
    if (!writer_) open(item);
  } catch (const std::exception& e) {
    fail(r, "creating", e);
    return;
  }
  // A frame the file cannot take (it does not encode, or differs from the run's layout) is
  // skipped and recorded; only a failing file (disk full, I/O error) ends the file.
  EncodedChunk chunk;
  try {
    if (item.frame.meta.kind == FrameKind::Image) {
      chunk = encode_frame_chunk(item.frame, codec_, pool_, kPoolWait, options_.zstd_level);
    }
  } catch (const std::exception& e) {
    skip(r, item.frame.meta, e);
    return;
  }
  try {
    const std::uint64_t row = item.frame.meta.kind == FrameKind::Events
                                  ? writer_->append_events(item.frame.meta, item.frame.events())
                                  : writer_->append_frame(item.frame.meta, chunk.bytes);
    if (!item.products.empty()) writer_->append_products(row, item.products);
    r.frames_stored.fetch_add(1);
    counters_.add("storage.frames");
  } catch (const storage::StorageError& e) {
    fail(r, "writing to", e);
  } catch (const std::exception& e) {
    skip(r, item.frame.meta, e);
  }
}

void StorageWorker::end(StoreEnd& item) {
  RunShared& r = *item.run;
  nlohmann::json& summary = item.summary;
  summary["frames_stored"] = r.frames_stored.load();
  summary["storage_failures"] = r.storage_failures.load();
  if (run_ != item.run) {
    writer_.reset();  // the run stored no frame
    run_ = item.run;
    failed_ = false;
  }
  if (writer_ && !failed_) {
    const auto& stats = writer_->stats();
    summary["nexus_file"] = r.nexus_path.string();
    summary["products_refused"] = stats.products_refused;
  }
  // The log is sealed first so the file can carry it whole.
  try {
    r.log->close(summary);
  } catch (const std::exception& e) {
    counters_.add("provenance.close_failures");
    log_.error("run {}: sealing the provenance log failed: {}", r.id.str(), e.what());
  }
  if (writer_ && !failed_) {
    try {
      writer_->finish(storage::RunEnd{.products = std::move(item.products),
                                      .summary = summary,
                                      .end_time = iso8601_utc(wall_ns()),
                                      .provenance_log = r.log->path()});
      counters_.add("storage.files");
    } catch (const std::exception& e) {
      fail(r, "finishing", e);
    }
  }
  writer_.reset();
  run_.reset();
  failed_ = false;
  r.final_summary = std::move(summary);
  r.closed.store(true);
}

}  // namespace edgeloop
