#include "result_worker.hpp"

#include <array>
#include <exception>
#include <utility>
#include <variant>

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "nanoseconds.hpp"
#include "record_subjects.hpp"

namespace edgeloop {

ResultWorker::ResultWorker(BoundedQueue<WorkItem>& queue, Stage& stage, zmq::socket_t& results,
                           Counters& counters, spdlog::logger& log,
                           std::chrono::milliseconds heartbeat_interval,
                           std::int64_t started_mono_ns, JobStatusPublisher& jobs)
    : queue_(queue),
      stage_(stage),
      results_(results),
      counters_(counters),
      log_(log),
      heartbeat_interval_(heartbeat_interval),
      started_mono_ns_(started_mono_ns),
      jobs_(jobs) {}

void ResultWorker::run() {
  const JobStatusPublisher::Publish publish_job =
      [this](const std::string& topic, const flatbuffers::DetachedBuffer& m) { publish(topic, m); };
  std::vector<Product> products;
  std::int64_t last_heartbeat = 0;
  const auto heartbeat_ns = to_ns(heartbeat_interval_);
  for (;;) {
    auto item = queue_.pop_for(std::chrono::milliseconds(20));
    if (item) {
      if (auto* frame = std::get_if<FrameWork>(&*item)) {
        try {
          process_frame(*frame, products);
        } catch (const std::exception& e) {
          // Counted as processed so the run can still end; the failure is in the counters.
          frame->run->frames_processed.fetch_add(1);
          counters_.add("internal_errors.worker");
          log_.error("worker: {} failed: {}", frame_subject(frame->frame.meta), e.what());
        }
      } else {
        seal(std::get<RunEndWork>(*item));
      }
    } else if (queue_.closed_and_empty()) {
      break;
    }
    // Job statuses wait at most one pop timeout (20 ms) while no frames arrive.
    try {
      jobs_.drain(publish_job);
    } catch (const std::exception& e) {
      counters_.add("internal_errors.job_statuses");
      log_.error("worker: publishing job statuses failed: {}", e.what());
    }
    if (monotonic_ns() - last_heartbeat >= heartbeat_ns) {
      last_heartbeat = monotonic_ns();
      publish("daemon/heartbeat",
              build_result({.product = "heartbeat",
                            .values = {seconds_since(started_mono_ns_),
                                       static_cast<double>(counters_.value("data.frames"))},
                            .produced_wall_ns = wall_ns()}));
    }
  }
}

void ResultWorker::publish(const std::string& topic, const flatbuffers::DetachedBuffer& message) {
  // PUB drops for a subscriber whose queue is full: a slow subscriber never slows ingest.
  results_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  results_.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait);
}

void ResultWorker::process_frame(FrameWork& work, std::vector<Product>& products) {
  const FrameMeta& meta = work.frame.meta;
  RunShared& r = *work.run;
  products.clear();
  try {
    stage_.process(work.frame, products);
  } catch (const std::exception& e) {
    r.stage_failures.fetch_add(1);
    counters_.add("stages.failures");
    log_.error("stage {} failed on {}: {}", stage_.describe().name, frame_subject(meta), e.what());
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Note;
    entry.subject = "failure/" + frame_subject(meta);
    entry.inputs.push_back({"input_frame", frame_subject(meta), meta.payload_sha256});
    entry.attributes = {{"stage", stage_.describe().name}, {"error", e.what()}};
    r.frames_processed.fetch_add(1);
    r.log->append(entry);
    return;
  }
  const StageDescription d = stage_.describe();
  for (const Product& p : products) {
    const auto message =
        build_result({.run_id = r.id,
                      .stream = meta.stream,
                      .product = p.name,
                      .source_sequence = meta.sequence,
                      .scan_index = meta.scan_index,
                      .scan_position = meta.scan_position,
                      .stage = d.name,
                      .stage_version = d.version,
                      .values = p.values,
                      .input_sha256 = {meta.payload_sha256.begin(), meta.payload_sha256.end()},
                      .produced_wall_ns = wall_ns()});
    const std::string topic = r.topic_prefix + modality_name(meta.modality) + "/" + p.name;
    publish(topic, message);
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Result;
    entry.subject = "result/" + meta.stream + "/" + p.name + "/" + std::to_string(meta.sequence);
    entry.sha256 = Sha256::of(bytes_of(message));
    entry.inputs.push_back({"input_frame", frame_subject(meta), meta.payload_sha256});
    entry.inputs.push_back({"stage", "stage/" + d.name, {}});
    entry.attributes = {{"topic", topic}, {"values", p.values}};
    r.log->append(entry);
    r.results_published.fetch_add(1);
    counters_.add("results.published");
    keep_sample(r, meta, p);
  }
  r.frames_processed.fetch_add(1);
}

void ResultWorker::keep_sample(RunShared& run, const FrameMeta& meta, const Product& product) {
  // Features are the daemon's own plan coordinates (the scan index it assigned), not the
  // header's position: the same rule as for the frame records.
  if (!run.samples || product.name != "frame_sum" || product.values.empty() ||
      meta.scan_index < 0 || run.nx == 0) {
    return;
  }
  const auto index = static_cast<std::uint64_t>(meta.scan_index);
  const std::array<double, 2> xy = {static_cast<double>(index % run.nx),
                                    static_cast<double>(index / run.nx)};
  if (!run.samples->add(xy, product.values.front())) counters_.add("jobs.samples_dropped");
}

void ResultWorker::seal(RunEndWork& work) {
  RunShared& r = *work.run;
  // Frames queued before this item have all been processed now: the counts are final.
  work.summary["frames_processed"] = r.frames_processed.load();
  work.summary["results_published"] = r.results_published.load();
  work.summary["stage_failures"] = r.stage_failures.load();
  try {
    publish(r.topic_prefix + "status",
            build_result({.run_id = r.id,
                          .product = "run_" + work.summary.value("state", std::string("ended")),
                          .values = {static_cast<double>(r.frames_processed.load()),
                                     static_cast<double>(r.results_published.load())},
                          .produced_wall_ns = wall_ns()}));
    r.log->close(work.summary);
  } catch (const std::exception& e) {
    counters_.add("provenance.close_failures");
    log_.error("run {}: sealing the provenance log failed: {}", r.id.str(), e.what());
  }
  r.final_summary = std::move(work.summary);
  r.closed.store(true);
}

}  // namespace edgeloop
