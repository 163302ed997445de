#include "job_status_publisher.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/jobs/job_state.hpp"
#include "edgeloop/jobs/job_wire.hpp"

namespace edgeloop {

JobStatusPublisher::JobStatusPublisher(JobRunners& runners, SissoJobs& sisso, Counters& counters,
                                       spdlog::logger& log)
    : runners_(runners), sisso_(sisso), counters_(counters), log_(log) {}

void JobStatusPublisher::drain(const Publish& publish) {
  // Bounded per call so a burst of statuses cannot keep frames waiting; the rest follow on
  // the next pass of the worker loop, 20 ms later at most.
  for (int i = 0; i < 256; ++i) {
    auto status = runners_.queue().pop(std::chrono::milliseconds(0));
    if (!status) break;
    publish("job/" + status->job_id.str() + "/status", jobs::build_job_status(*status));
    counters_.add("jobs.statuses_published");
    if (jobs::is_terminal(status->state)) on_sisso_end(*status, publish);
  }
}

void JobStatusPublisher::on_sisso_end(const jobs::JobStatus& status, const Publish& publish) {
  const auto info = sisso_.find(status.job_id);
  if (!info) return;  // not a SISSO job of this daemon
  if (status.state != jobs::JobState::Completed) {
    sisso_.set_error(status.job_id,
                     "job " + std::string(jobs::to_string(status.state)) + ": " + status.message);
    return;
  }
  // Only an output the runner hashed is read: the models published are then exactly the
  // bytes the job's provenance names.
  const std::string json_name = std::filesystem::path(kSissoJsonOutput).filename().string();
  const auto output = std::find_if(status.outputs.begin(), status.outputs.end(),
                                   [&](const jobs::OutputFile& f) { return f.name == json_name; });
  if (output == status.outputs.end()) {
    sisso_.set_error(status.job_id, "the job completed without " + std::string(kSissoJsonOutput));
    counters_.add("jobs.sisso.no_output");
    return;
  }
  try {
    publish_models(status, *info, *output, publish);
  } catch (const std::exception& e) {
    counters_.add("jobs.sisso.bad_output");
    log_.error("SISSO job {}: {}", status.job_id.str(), e.what());
    sisso_.set_error(status.job_id, e.what());
  }
}

void JobStatusPublisher::publish_models(const jobs::JobStatus& status, const SissoJobInfo& info,
                                        const jobs::OutputFile& output, const Publish& publish) {
  jobs::Runner* runner = runners_.find(status.runner);
  if (runner == nullptr) throw std::runtime_error("runner '" + status.runner + "' is gone");
  const auto file = runner->workspace(status.job_id).dir() / kSissoJsonOutput;
  // The file is hashed again: a job directory changed after the runner hashed it must not
  // pass off other models under the recorded hash.
  if (jobs::hash_file(file).first != output.sha256) {
    throw std::runtime_error(file.string() + " changed after the job ended");
  }
  std::vector<SissoModel> models = read_sisso_models(file);
  const std::string topic = "run/" + info.run.str() + "/sisso/model";
  const std::shared_ptr<ProvenanceLog> log = runners_.provenance();
  for (const SissoModel& m : models) {
    std::vector<double> values = {static_cast<double>(m.dimension), m.rmse, m.intercept};
    values.insert(values.end(), m.coefficients.begin(), m.coefficients.end());
    const auto message = build_result({.run_id = info.run,
                                       .stream = "job/" + status.job_id.str(),
                                       .product = "sisso_model",
                                       .source_sequence = static_cast<std::uint64_t>(m.dimension),
                                       .stage = "edgeloop-sisso",
                                       .values = values,
                                       .input_sha256 = {output.sha256.begin(), output.sha256.end()},
                                       .produced_wall_ns = wall_ns()});
    publish(topic, message);
    counters_.add("jobs.sisso.models_published");
    if (!log) continue;  // no run is active: the job's own directory keeps the models
    ProvenanceEntry entry;
    entry.kind = wire::RecordKind::Result;
    entry.subject = "result/sisso/" + status.job_id.str() + "/" + std::to_string(m.dimension);
    entry.sha256 = Sha256::of(bytes_of(message));
    entry.inputs.push_back({"job_output",
                            "job/" + status.job_id.str() + "/file/" + std::string(kSissoJsonOutput),
                            output.sha256});
    entry.attributes = {{"topic", topic},
                        {"values", values},
                        {"formula", m.formula},
                        {"descriptors", m.descriptors},
                        {"job_id", status.job_id.str()},
                        {"run_id", info.run.str()}};
    try {
      log->append(entry);
    } catch (const std::exception& e) {
      counters_.add("jobs.sisso.provenance_failed");
      log_.warn("SISSO job {}: model record not written: {}", status.job_id.str(), e.what());
    }
  }
  log_.info("SISSO job {} (run {}): {}", status.job_id.str(), info.run.str(),
            models.empty() ? std::string("no models") : models.back().formula);
  sisso_.set_models(status.job_id, std::move(models));
}

}  // namespace edgeloop
