// The worker thread's side of offloaded jobs: publishes every job status the runners queued
// on job/<id>/status, and when a SISSO job ends, reads its models, publishes them on
// run/<run-id>/sisso/model and records them in the active run's log.
#pragma once

#include <flatbuffers/flatbuffers.h>
#include <spdlog/logger.h>

#include <functional>
#include <string>

#include "edgeloop/core/counters.hpp"
#include "edgeloop/jobs/job_status.hpp"
#include "job_runners.hpp"
#include "sisso_jobs.hpp"

namespace edgeloop {

class JobStatusPublisher {
 public:
  // Sends one [topic][message] on the PUB socket; only the worker thread may call it.
  using Publish = std::function<void(const std::string&, const flatbuffers::DetachedBuffer&)>;

  JobStatusPublisher(JobRunners& runners, SissoJobs& sisso, Counters& counters,
                     spdlog::logger& log);

  // Publishes the statuses waiting in the runners' queue, without waiting for more.
  void drain(const Publish& publish);

 private:
  void on_sisso_end(const jobs::JobStatus& status, const Publish& publish);
  void publish_models(const jobs::JobStatus& status, const SissoJobInfo& info,
                      const jobs::OutputFile& output, const Publish& publish);

  JobRunners& runners_;
  SissoJobs& sisso_;
  Counters& counters_;
  spdlog::logger& log_;
};

}  // namespace edgeloop
