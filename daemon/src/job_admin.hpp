// The admin API's job commands: submit_sisso, job_status, cancel_job and jobs. Runs on the
// I/O thread; never waits for a job or a scheduler.
#pragma once

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "edgeloop/daemon/admin_request.hpp"
#include "edgeloop/daemon/daemon_config.hpp"
#include "job_runners.hpp"
#include "sample_table.hpp"
#include "sisso_jobs.hpp"

namespace edgeloop {

class JobAdmin {
 public:
  JobAdmin(JobRunners& runners, SissoJobs& sisso, SissoJobConfig config, spdlog::logger& log);

  // Builds train.dat from `samples` (the run the request chose), stages it and submits
  // edgeloop-sisso. AdminError for a refused request (too few rows, no such runner, a spec
  // the runner refuses).
  nlohmann::json submit_sisso(const AdminRequest& request, const SampleTable& samples);
  nlohmann::json job_status(const Uuid& job) const;
  nlohmann::json cancel_job(const Uuid& job);
  nlohmann::json list() const;

  const SissoJobConfig& config() const { return config_; }

 private:
  JobRunners& runners_;
  SissoJobs& sisso_;
  SissoJobConfig config_;
  spdlog::logger& log_;
};

nlohmann::json to_json(const jobs::JobStatus& status);

}  // namespace edgeloop
