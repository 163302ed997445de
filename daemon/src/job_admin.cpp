#include "job_admin.hpp"

#include <unistd.h>

#include <filesystem>

#include "edgeloop/core/build_info.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/jobs/job_json.hpp"
#include "edgeloop/jobs/job_state.hpp"
#include "sisso_job.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

// edgeloop-sisso is built with edgeloopd and installed beside it.
std::filesystem::path sibling_program(const char* name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(name) : self.parent_path() / name;
}

}  // namespace

JobAdmin::JobAdmin(JobRunners& runners, SissoJobs& sisso, SissoJobConfig config,
                   spdlog::logger& log)
    : runners_(runners), sisso_(sisso), config_(std::move(config)), log_(log) {
  if (config_.program.empty()) config_.program = sibling_program("edgeloop-sisso");
}

json JobAdmin::submit_sisso(const AdminRequest& request, const SampleTable& samples) {
  const std::string runner_name =
      request.runner.empty() ? runners_.default_runner() : request.runner;
  jobs::Runner* runner = runners_.find(runner_name);
  if (runner == nullptr) {
    throw AdminError("submit_sisso: runner '" + runner_name +
                     "' is not configured (jobs.slurm.enabled is false)");
  }
  // Checked here so the client hears of a missing program now, not from a failed job later.
  if (::access(config_.program.c_str(), X_OK) != 0) {
    throw AdminError("submit_sisso: the SISSO program " + config_.program.string() +
                     " is not an executable file (jobs.sisso.program)");
  }
  const SampleSnapshot snapshot = samples.snapshot();
  if (snapshot.row_count() < kMinSissoRows) {
    throw AdminError("submit_sisso: run " + snapshot.run_id.str() + " has " +
                         std::to_string(snapshot.row_count()) +
                         " sample row(s) (processed frame_sum results); SISSO needs at least " +
                         std::to_string(kMinSissoRows),
                     "too_few_samples");
  }
  jobs::JobSpec spec =
      sisso_job_spec(snapshot, request.sisso, runners_.store(), config_, runner_name,
                     request.time_limit_s.value_or(config_.time_limit_s));
  if (config_.program == sibling_program("edgeloop-sisso")) {
    spec.program_version =
        std::string(build_info::kVersion) + " (git " + build_info::kGitDescribe + ")";
  }
  const Uuid job = spec.job_id;
  const std::vector<jobs::InputFile> inputs = spec.inputs;
  // Registered before the runner can start it: a job that ends at once still finds its entry.
  sisso_.add({.job = job,
              .run = snapshot.run_id,
              .runner = runner_name,
              .rows = snapshot.row_count(),
              .target = snapshot.target_name});
  try {
    runner->submit(std::move(spec));
  } catch (const std::exception& e) {
    sisso_.remove(job);
    throw AdminError(std::string("submit_sisso: ") + e.what(), "job_refused");
  }
  log_.info("SISSO job {} submitted to {} on {} rows of run {}", job.str(), runner_name,
            snapshot.row_count(), snapshot.run_id.str());
  json staged = json::array();
  for (const auto& in : inputs) {
    staged.push_back({{"name", in.name}, {"sha256", to_hex(in.sha256)}, {"size", in.size}});
  }
  return {{"job_id", job.str()},
          {"run_id", snapshot.run_id.str()},
          {"runner", runner_name},
          {"rows", snapshot.row_count()},
          {"rows_dropped", snapshot.dropped},
          {"inputs", std::move(staged)}};
}

json JobAdmin::job_status(const Uuid& job) const {
  jobs::Runner* runner = runners_.runner_of(job);
  const auto status = runner != nullptr ? runner->status(job) : std::nullopt;
  if (!status) throw AdminError("job_status: no job " + job.str(), "no_job");
  json reply = to_json(*status);
  if (const auto info = sisso_.find(job)) reply["sisso"] = to_json(*info);
  return reply;
}

json JobAdmin::cancel_job(const Uuid& job) {
  jobs::Runner* runner = runners_.runner_of(job);
  if (runner == nullptr) throw AdminError("cancel_job: no job " + job.str(), "no_job");
  const bool cancelling = runner->cancel(job);
  if (!cancelling) {
    const auto status = runner->status(job);
    throw AdminError("cancel_job: job " + job.str() + " has already ended (" +
                         std::string(status ? jobs::to_string(status->state) : "unknown") + ")",
                     "job_ended");
  }
  return {{"job_id", job.str()}, {"cancelling", true}};
}

json JobAdmin::list() const {
  json out = json::array();
  for (const auto& status : runners_.statuses()) {
    json j = to_json(status);
    if (const auto info = sisso_.find(status.job_id)) j["sisso"] = to_json(*info);
    out.push_back(std::move(j));
  }
  return {{"jobs", std::move(out)},
          {"runners", runners_.names()},
          {"default_runner", runners_.default_runner()},
          {"statuses_dropped", runners_.queue().dropped()}};
}

json to_json(const jobs::JobStatus& status) {
  // The runners' own form, shown to people: no nil run id, outputs by their path in the job
  // directory.
  json j = jobs::status_to_json(status);
  if (status.run_id.is_nil()) j["run_id"] = nullptr;
  for (auto& output : j["outputs"]) output["name"] = "out/" + output["name"].get<std::string>();
  return j;
}

}  // namespace edgeloop
