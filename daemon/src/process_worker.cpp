#include "process_worker.hpp"

#include <algorithm>
#include <exception>
#include <utility>
#include <variant>

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/dtype.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/pipeline/runtime/frame_codec.hpp"
#include "nanoseconds.hpp"
#include "record_subjects.hpp"

namespace edgeloop {

namespace {
// How long a frame waits for a pooled buffer before the heap is used instead.
constexpr std::chrono::milliseconds kPoolWait{5};
// Frames a GPU stage may take at once; further frames of the batch wait for the next one.
constexpr std::size_t kMaxBatch = 64;

ResultFields product_fields(const RunShared& run, const Product& p, const StageDescription& d) {
  ResultFields f{.run_id = run.id,
                 .product = p.name,
                 .stage = d.name,
                 .stage_version = d.version,
                 .values = p.values,
                 .produced_wall_ns = wall_ns(),
                 .errors = p.errors,
                 .units = p.units,
                 .value_shape = p.shape};
  for (const ProductAxis& a : p.axes) f.axes.emplace_back(a.name, a.units, a.values);
  return f;
}
}  // namespace

ProcessWorker::ProcessWorker(BoundedQueue<WorkItem>& queue, BoundedQueue<StoreItem>& store,
                             BufferPool& pool, zmq::socket_t& results, Counters& counters,
                             spdlog::logger& log, ProcessWorkerOptions options,
                             JobStatusPublisher& jobs)
    : queue_(queue),
      store_(store),
      pool_(pool),
      results_(results),
      counters_(counters),
      log_(log),
      options_(options),
      jobs_(jobs) {}

void ProcessWorker::run() {
  const JobStatusPublisher::Publish publish_job =
      [this](const std::string& topic, const flatbuffers::DetachedBuffer& m) { publish(topic, m); };
  std::vector<FrameWork> batch;
  std::optional<WorkItem> held;  // a run end that ended a batch early
  std::int64_t last_heartbeat = 0;
  const auto heartbeat_ns = to_ns(options_.heartbeat_interval);
  for (;;) {
    std::optional<WorkItem> item =
        held ? std::exchange(held, std::nullopt) : queue_.pop_for(std::chrono::milliseconds(20));
    if (item) {
      if (auto* frame = std::get_if<FrameWork>(&*item)) {
        // A batch is what is already waiting, up to what the run's stages take at once.
        std::size_t want = 1;
        for (const auto& stage : frame->run->stages) {
          want = std::max(want, std::min(stage->preferred_batch(), kMaxBatch));
        }
        batch.clear();
        batch.push_back(std::move(*frame));
        while (batch.size() < want) {
          auto more = queue_.pop_for(std::chrono::milliseconds(0));
          if (!more) break;
          auto* next = std::get_if<FrameWork>(&*more);
          if (next == nullptr || next->run != batch.front().run) {
            held = std::move(more);
            break;
          }
          batch.push_back(std::move(*next));
        }
        guarded("process", [&] { process_batch(batch); });
      } else {
        end_run(std::get<RunEndWork>(*item));
      }
    } else if (queue_.closed_and_empty()) {
      break;
    }
    // A run's status goes out once the storage worker has closed its file and sealed its log,
    // so a client that sees it can open both.
    for (auto it = ending_.begin(); it != ending_.end();) {
      if (!(*it)->closed.load()) {
        ++it;
        continue;
      }
      guarded("status", [&] { publish_status(**it); });
      it = ending_.erase(it);
    }
    if (current_ && monotonic_ns() - last_snapshot_ns_ >= to_ns(options_.snapshot_interval)) {
      last_snapshot_ns_ = monotonic_ns();
      try {
        publish_snapshots(*current_);
      } catch (const std::exception& e) {
        counters_.add("internal_errors.snapshots");
        log_.error("worker: live snapshot failed: {}", e.what());
      }
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
                            .values = {seconds_since(options_.started_mono_ns),
                                       static_cast<double>(counters_.value("data.frames"))},
                            .produced_wall_ns = wall_ns()}));
    }
  }
}

void ProcessWorker::publish(const std::string& topic, const flatbuffers::DetachedBuffer& message) {
  // PUB drops for a subscriber whose queue is full: a slow subscriber never slows ingest.
  results_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  results_.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait);
}

void ProcessWorker::prepare(FrameWork& work) {
  Frame& frame = work.frame;
  if (!frame.meta.payload_hashed) {
    frame.meta.payload_sha256 = Sha256::of(frame.bytes());
    frame.meta.payload_hashed = true;
  }
  if (!decode_frame_pixels(frame, pool_, kPoolWait)) counters_.add("pipeline.pool_misses");
}

void ProcessWorker::record_frame(const FrameWork& work) {
  const FrameMeta& meta = work.frame.meta;
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Frame;
  entry.subject = frame_subject(meta);
  entry.sha256 = meta.payload_sha256;
  if (meta.command_seq != 0) {
    entry.inputs.push_back({"caused_by", command_subject(meta.command_seq), {}});
  }
  entry.attributes = {{"stream", meta.stream},
                      {"sequence", meta.sequence},
                      {"scan_index", meta.scan_index},
                      {"scan_position", meta.scan_position},
                      {"shape", meta.shape},
                      {"dtype", dtype_name(meta.dtype)},
                      {"codec", wire::EnumNameCodec(meta.codec)},
                      {"acquired_wall_ns", meta.acquired_wall_ns}};
  if (meta.kind == FrameKind::Events) {
    entry.attributes["events"] = meta.shape.empty() ? 0u : meta.shape.front();
    entry.attributes["first_pulse"] = meta.first_pulse;
    entry.attributes["pulses"] = meta.pulses;
  }
  work.run->log->append(entry);
}

void ProcessWorker::process_batch(std::vector<FrameWork>& batch) {
  RunShared& run = *batch.front().run;
  if (current_.get() != &run) {
    current_ = batch.front().run;
    last_snapshot_ns_ = monotonic_ns();
  }
  // Frames that cannot be decoded are recorded as failures and go no further: their payload
  // would be an unreadable chunk in the file.
  std::vector<const Frame*> frames;
  std::vector<std::size_t> index;
  std::vector<bool> decoded(batch.size(), false);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      prepare(batch[i]);
      record_frame(batch[i]);
      frames.push_back(&batch[i].frame);
      index.push_back(i);
      decoded[i] = true;
    } catch (const std::exception& e) {
      run.stage_failures.fetch_add(1);
      counters_.add("pipeline.decode_failures");
      log_.error("run {}: {} cannot be decoded: {}", run.id.str(),
                 frame_subject(batch[i].frame.meta), e.what());
      ProvenanceEntry entry;
      entry.kind = wire::RecordKind::Note;
      entry.subject = "failure/" + frame_subject(batch[i].frame.meta);
      entry.attributes = {{"stage", "decode"}, {"error", e.what()}};
      run.log->append(entry);
    }
  }
  std::vector<std::vector<Product>> products(batch.size());
  std::vector<std::vector<std::uint32_t>> makers(batch.size());  // stage of each product
  std::vector<std::vector<Product>> stage_out;
  for (std::uint32_t s = 0; s < run.stages.size(); ++s) {
    const auto& stage = run.stages[s];
    if (frames.empty()) break;
    try {
      stage->process_batch(frames, stage_out);
      for (std::size_t k = 0; k < frames.size(); ++k) {
        for (Product& p : stage_out[k]) {
          products[index[k]].push_back(std::move(p));
          makers[index[k]].push_back(s);
        }
      }
    } catch (const std::exception& e) {
      // A stage that fails on a batch is retried frame by frame, so one bad frame costs only
      // its own results.
      for (std::size_t k = 0; k < frames.size(); ++k) {
        std::vector<Product> one;
        try {
          stage->process(*frames[k], one);
          for (Product& p : one) {
            products[index[k]].push_back(std::move(p));
            makers[index[k]].push_back(s);
          }
        } catch (const std::exception& e1) {
          const FrameMeta& meta = frames[k]->meta;
          run.stage_failures.fetch_add(1);
          counters_.add("stages.failures");
          const std::uint64_t n =
              counters_.counter("stages.failures." + stage->describe().name).fetch_add(1) + 1;
          if (n <= 10 || n % 1000 == 0) {
            log_.error("stage {} failed on {} ({} so far): {}", stage->describe().name,
                       frame_subject(meta), n, e1.what());
          }
          ProvenanceEntry entry;
          entry.kind = wire::RecordKind::Note;
          entry.subject = "failure/" + stage->describe().name + "/" + frame_subject(meta);
          entry.inputs.push_back({"input_frame", frame_subject(meta), meta.payload_sha256});
          entry.attributes = {{"stage", stage->describe().name}, {"error", e1.what()}};
          run.log->append(entry);
        }
      }
      log_.debug("stage {} failed on a batch of {} ({}); retried frame by frame",
                 stage->describe().name, frames.size(), e.what());
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    emit(batch[i], products[i], makers[i], decoded[i]);
  }
}

void ProcessWorker::emit(FrameWork& work, std::vector<Product>& products,
                         const std::vector<std::uint32_t>& makers, bool store) {
  RunShared& r = *work.run;
  const FrameMeta& meta = work.frame.meta;
  for (std::size_t i = 0; i < products.size(); ++i) {
    guarded("publish", [&] {
      publish_product(r, &meta, products[i], r.stage_descriptions.at(makers[i]), false);
      keep_sample(r, meta, products[i]);
    });
  }
  // Before the frame counts as processed: once the I/O thread sees every frame accounted for,
  // every observation is already waiting for the plan.
  if (!r.observed_products.empty()) guarded("feedback", [&] { feed_back(r, meta, products); });
  r.frames_processed.fetch_add(1);
  if (r.nexus_path.empty() || !store) return;
  // Blocks while the writer is behind: lossless backpressure.
  if (!store_.push(StoreFrame{std::move(work.frame), std::move(products), work.run})) {
    counters_.add("storage.queue_closed");
  }
}

void ProcessWorker::feed_back(RunShared& run, const FrameMeta& meta,
                              const std::vector<Product>& products) {
  PlanObservation o;
  o.scan_index = meta.scan_index;
  o.command_seq = meta.command_seq;
  o.position = meta.scan_position;
  o.payload_sha256 = to_hex(meta.payload_sha256);
  for (const Product& p : products) {
    const auto& wanted = run.observed_products;
    if (std::find(wanted.begin(), wanted.end(), p.name) == wanted.end()) continue;
    o.products[p.name] = p.values;
    if (!p.axes.empty()) o.axes[p.name] = p.axes.front().values;
  }
  // A frame whose stage failed still reports (without the product), so the plan is not left
  // waiting for it.
  run.feedback.push(std::move(o));
}

void ProcessWorker::publish_product(RunShared& run, const FrameMeta* meta, const Product& p,
                                    const StageDescription& d, bool final) {
  ResultFields fields = product_fields(run, p, d);
  if (meta != nullptr) {
    fields.stream = meta->stream;
    fields.source_sequence = meta->sequence;
    fields.scan_index = meta->scan_index;
    fields.scan_position = meta->scan_position;
    fields.input_sha256.assign(meta->payload_sha256.begin(), meta->payload_sha256.end());
  } else {
    fields.live = !final;  // run-level: a snapshot so far, or the final product
  }
  const auto message = build_result(fields);
  const std::string topic = run.topic_prefix + modality_name(run.modality) + "/" + p.name;
  publish(topic, message);
  if (meta == nullptr) return;  // live snapshots are not provenance: the final products are
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Result;
  entry.subject = "result/" + meta->stream + "/" + p.name + "/" + std::to_string(meta->sequence);
  entry.sha256 = Sha256::of(bytes_of(message));
  entry.inputs.push_back({"input_frame", frame_subject(*meta), meta->payload_sha256});
  if (!d.name.empty()) entry.inputs.push_back({"stage", "stage/" + d.name, {}});
  entry.attributes = {{"topic", topic}};
  // Small results are kept in the log itself; large ones by hash (the file holds them).
  if (p.values.size() <= 16) entry.attributes["values"] = p.values;
  run.log->append(entry);
  run.results_published.fetch_add(1);
  counters_.add("results.published");
}

void ProcessWorker::publish_snapshots(RunShared& run) {
  std::vector<Product> live;
  for (std::size_t s = 0; s < run.stages.size(); ++s) {
    live.clear();
    run.stages[s]->snapshot(live);
    for (const Product& p : live) {
      publish_product(run, nullptr, p, run.stage_descriptions[s], false);
    }
  }
}

void ProcessWorker::keep_sample(RunShared& run, const FrameMeta& meta, const Product& product) {
  // Features are the daemon's own plan coordinates (the scan index it assigned), not the
  // header's position: the same rule as for the frame records.
  if (!run.samples || !run.plan || product.name != "frame_sum" || product.values.empty() ||
      meta.scan_index < 0) {
    return;
  }
  const auto xy = run.plan->point_coordinates(meta.scan_index);
  if (xy.size() < 2) return;
  if (!run.samples->add(std::span(xy).first(2), product.values.front())) {
    counters_.add("jobs.samples_dropped");
  }
}

void ProcessWorker::end_run(RunEndWork& work) {
  RunShared& r = *work.run;
  std::vector<Product> final_products;
  for (std::size_t s = 0; s < r.stages.size(); ++s) {
    const StageDescription& d = r.stage_descriptions[s];
    std::vector<Product> out;
    try {
      r.stages[s]->finish(out);
    } catch (const std::exception& e) {
      counters_.add("stages.finish_failures");
      log_.error("run {}: stage {} could not finish: {}", r.id.str(), d.name, e.what());
      continue;
    }
    for (Product& p : out) {
      guarded("final_products", [&] {
        publish_product(r, nullptr, p, d, true);
        ProvenanceEntry entry;
        entry.kind = wire::RecordKind::Result;
        entry.subject = "result/run/" + p.name;
        entry.inputs.push_back({"stage", "stage/" + d.name, {}});
        entry.attributes = {{"product", p.name}, {"shape", p.shape}, {"units", p.units}};
        if (p.values.size() <= 64) entry.attributes["values"] = p.values;
        if (!p.errors.empty() && p.errors.size() <= 64) entry.attributes["errors"] = p.errors;
        r.log->append(entry);
      });
      final_products.push_back(std::move(p));
    }
  }
  if (current_ == work.run) current_.reset();
  // Frames queued before this item have all been processed now: the counts are final.
  work.summary["frames_processed"] = r.frames_processed.load();
  work.summary["frames_dropped"] = r.frames_dropped.load();
  work.summary["results_published"] = r.results_published.load();
  work.summary["stage_failures"] = r.stage_failures.load();
  ending_.push_back(work.run);
  // The storage worker closes the file, then seals the log: the run's last act. Whatever
  // failed above, this item must go, or the run would never end.
  store_.push(StoreEnd{work.run, std::move(final_products), std::move(work.summary)});
}

void ProcessWorker::publish_status(RunShared& r) {
  const std::string state = r.final_summary.value("state", std::string("ended"));
  publish(r.topic_prefix + "status",
          build_result({.run_id = r.id,
                        .product = "run_" + state,
                        .values = {static_cast<double>(r.frames_processed.load()),
                                   static_cast<double>(r.results_published.load())},
                        .produced_wall_ns = wall_ns()}));
}

}  // namespace edgeloop
