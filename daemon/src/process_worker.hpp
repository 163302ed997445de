// The worker thread's side of edgeloopd: runs the stage on each queued frame, publishes the
// results and heartbeats on the PUB socket, records results in the run's log and seals runs.
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
#include "edgeloop/pipeline/stage.hpp"
#include "job_status_publisher.hpp"
#include "work_item.hpp"

namespace edgeloop {

class ResultWorker {
 public:
  // Uses `results` and `stage` alone while run() runs; the I/O thread only reads the stage's
  // description and metrics. `started_mono_ns` is the daemon's start, for the heartbeat.
  // Job statuses are published through `jobs` from this thread, the PUB socket's owner.
  ResultWorker(BoundedQueue<WorkItem>& queue, Stage& stage, zmq::socket_t& results,
               Counters& counters, spdlog::logger& log,
               std::chrono::milliseconds heartbeat_interval, std::int64_t started_mono_ns,
               JobStatusPublisher& jobs);

  // The worker thread's body: returns once the queue is closed and drained.
  void run();

 private:
  void process_frame(FrameWork& work, std::vector<Product>& products);
  void seal(RunEndWork& work);
  void publish(const std::string& topic, const flatbuffers::DetachedBuffer& message);
  void keep_sample(RunShared& run, const FrameMeta& meta, const Product& product);

  BoundedQueue<WorkItem>& queue_;
  Stage& stage_;
  zmq::socket_t& results_;
  Counters& counters_;
  spdlog::logger& log_;
  std::chrono::milliseconds heartbeat_interval_;
  std::int64_t started_mono_ns_;
  JobStatusPublisher& jobs_;
};

}  // namespace edgeloop
