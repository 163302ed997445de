// The storage worker of edgeloopd: writes each processed frame (its raw chunk, compressed
// once, and its per-frame products) to the run's NeXus file, keeps SWMR readers up to date,
// and at the run's end adds the run-level products, seals the provenance log and embeds it.
// HDF5 is thread-safe in Debian (a global lock), but keeping the writing here means the
// other threads never wait for it.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/pipeline/bounded_queue.hpp"
#include "edgeloop/pipeline/runtime/buffer_pool.hpp"
#include "edgeloop/pipeline/storage/nexus_run_writer.hpp"
#include "work_item.hpp"

namespace edgeloop {

struct StorageWorkerOptions {
  // How raw frames are stored: BitshuffleLz4, Zstd or Raw ([storage] raw_codec).
  wire::Codec raw_codec = wire::Codec::BitshuffleLz4;
  std::chrono::milliseconds flush_interval{250};
  std::string program_version;
  // Streams stored with another codec than raw_codec ([streams."<name>"] codec); a run's file
  // takes the codec of the stream of its first frame.
  std::map<std::string, wire::Codec> stream_codecs{};
  int zstd_level = 3;  // for Zstd chunks
};

class StorageWorker {
 public:
  StorageWorker(BoundedQueue<StoreItem>& queue, BufferPool& pool, Counters& counters,
                spdlog::logger& log, StorageWorkerOptions options);

  // The thread's body: returns once the queue is closed and drained.
  void run();

 private:
  void store(StoreFrame& item);
  void open(const StoreFrame& first);
  void end(StoreEnd& item);
  void fail(RunShared& run, const std::string& what, const std::exception& e);
  void skip(RunShared& run, const FrameMeta& meta, const std::exception& e);

  BoundedQueue<StoreItem>& queue_;
  BufferPool& pool_;
  Counters& counters_;
  spdlog::logger& log_;
  StorageWorkerOptions options_;
  std::shared_ptr<RunShared> run_;  // the run the writer belongs to
  std::optional<storage::NexusRunWriter> writer_;
  wire::Codec codec_ = wire::Codec::BitshuffleLz4;  // of the open writer's raw frames
  bool failed_ = false;  // the run's file stopped accepting rows; the run goes on without it
  std::int64_t last_flush_ns_ = 0;
};

}  // namespace edgeloop
