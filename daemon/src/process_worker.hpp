// The processing worker of edgeloopd: decodes and hashes each queued frame, runs the run's
// stages on it (in batches when a stage asks for them), publishes per-frame results and
// live snapshots on the PUB socket, records both in the run's log, and hands frames with
// their products to the storage worker. Also publishes heartbeats and job statuses.
#pragma once

#include <flatbuffers/flatbuffers.h>
#include <spdlog/logger.h>
#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/pipeline/bounded_queue.hpp"
#include "edgeloop/pipeline/runtime/buffer_pool.hpp"
#include "job_status_publisher.hpp"
#include "work_item.hpp"

namespace edgeloop {

struct ProcessWorkerOptions {
  std::chrono::milliseconds heartbeat_interval{250};
  std::chrono::milliseconds snapshot_interval{200};
  std::int64_t started_mono_ns = 0;  // the daemon's start, for the heartbeat
};

class ProcessWorker {
 public:
  // Uses `results` alone while run() runs. Frames go on to `store` (blocking when it is
  // full: lossless backpressure reaches the data socket through the processing queue).
  ProcessWorker(BoundedQueue<WorkItem>& queue, BoundedQueue<StoreItem>& store, BufferPool& pool,
                zmq::socket_t& results, Counters& counters, spdlog::logger& log,
                ProcessWorkerOptions options, JobStatusPublisher& jobs);

  // The worker thread's body: returns once the queue is closed and drained (the store queue
  // is left open: its owner closes it after this returns).
  void run();

 private:
  void process_batch(std::vector<FrameWork>& batch);
  void prepare(FrameWork& work);
  void record_frame(const FrameWork& work);
  void emit(FrameWork& work, std::vector<Product>& products,
            const std::vector<std::uint32_t>& makers, bool store);
  void end_run(RunEndWork& work);
  void publish_snapshots(RunShared& run);
  void publish(const std::string& topic, const flatbuffers::DetachedBuffer& message);
  // meta == nullptr: a run-level product, a live snapshot unless `final`.
  void publish_product(RunShared& run, const FrameMeta* meta, const Product& product,
                       const StageDescription& stage, bool final);
  void publish_status(RunShared& run);
  // Runs one unit of work; an exception is counted and logged, never allowed to end the
  // thread (and with it the daemon).
  template <class F>
  void guarded(const std::string& where, F&& work) {
    try {
      work();
    } catch (const std::exception& e) {
      const std::uint64_t n = counters_.counter("internal_errors.worker." + where).fetch_add(1) + 1;
      if (n <= 10 || n % 1000 == 0) log_.error("worker: {} ({} so far): {}", where, n, e.what());
    }
  }
  void keep_sample(RunShared& run, const FrameMeta& meta, const Product& product);
  // Hands the plan's observed products of one frame back to the I/O thread.
  void feed_back(RunShared& run, const FrameMeta& meta, const std::vector<Product>& products);

  BoundedQueue<WorkItem>& queue_;
  BoundedQueue<StoreItem>& store_;
  BufferPool& pool_;
  zmq::socket_t& results_;
  Counters& counters_;
  spdlog::logger& log_;
  ProcessWorkerOptions options_;
  JobStatusPublisher& jobs_;
  std::shared_ptr<RunShared> current_;              // the run whose snapshots are published
  std::vector<std::shared_ptr<RunShared>> ending_;  // handed to storage, status not yet out
  std::int64_t last_snapshot_ns_ = 0;
};

}  // namespace edgeloop
