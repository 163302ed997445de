#include "edgeloop/jobs/job_provenance.hpp"

#include "edgeloop/jobs/job_json.hpp"

namespace edgeloop::jobs {

ProvenanceEntry job_provenance_entry(const JobRecord& record,
                                     std::optional<JobState> previous_state) {
  const JobSpec& spec = record.spec;
  const JobStatus& status = record.status;
  ProvenanceEntry entry;
  entry.kind = wire::RecordKind::Job;
  entry.subject = "job/" + status.job_id.str();
  entry.sha256 = spec_digest(spec);
  for (const auto& input : spec.inputs) {
    entry.inputs.push_back({"input", "file/" + input.name, input.sha256});
  }
  for (const auto& output : status.outputs) {
    entry.inputs.push_back({"output", "file/out/" + output.name, output.sha256});
  }
  nlohmann::json attributes = {
      {"state", to_string(status.state)},
      {"attempt", status.attempt},
      {"exit_code", status.exit_code},
      {"scheduler_id", status.scheduler_id},
      {"runner", status.runner},
      {"message", status.message},
      {"sequence", status.sequence},
      {"run_id", spec.run_id.str()},
      {"program", spec.program},
      {"program_version", spec.program_version},
      {"args", spec.args},
      {"resources",
       {{"cpus", spec.cpus},
        {"mpi_ranks", spec.mpi_ranks},
        {"memory_mb", spec.memory_mb},
        {"time_limit_s", spec.time_limit_s},
        {"max_retries", spec.max_retries}}},
      {"directory", record.dir.string()},
  };
  if (previous_state) attributes["previous_state"] = to_string(*previous_state);
  entry.attributes = std::move(attributes);
  return entry;
}

}  // namespace edgeloop::jobs
