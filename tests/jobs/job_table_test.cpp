#include "edgeloop/jobs/job_table.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "edgeloop/core/logging.hpp"
#include "edgeloop/core/provenance_reader.hpp"
#include "edgeloop/jobs/job_json.hpp"
#include "edgeloop/jobs/job_status_queue.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::jobs {
namespace {

using namespace std::chrono_literals;

struct Table {
  Counters counters;
  std::shared_ptr<spdlog::logger> log = make_logger("jobs-test", LogConfig{"off", "text", ""});
  JobStatusQueue statuses{100};
  JobTable table{"local", counters, *log, RunnerHooks{statuses.sink(), nullptr}};

  Uuid add(std::uint32_t max_retries = 0) {
    JobSpec spec;
    spec.job_id = Uuid::random();
    spec.program = "/bin/true";
    spec.max_retries = max_retries;
    spec.runner = "local";
    table.add(spec, "/tmp/x", "queued");
    return spec.job_id;
  }

  std::vector<JobState> published() {
    std::vector<JobState> states;
    for (const auto& s : statuses.drain()) states.push_back(s.state);
    return states;
  }
};

TEST(JobTable, AJobGoesThroughItsStatesAndEachIsPublished) {
  Table t;
  const Uuid id = t.add();
  ASSERT_TRUE(t.table.start(id, "123", "started"));
  const auto end =
      t.table.finish(id, {JobState::Completed, 0, "done", {{"r.txt", Sha256::of("r"), 1}}, true});
  ASSERT_TRUE(end);
  EXPECT_EQ(end->state, JobState::Completed);
  EXPECT_EQ(end->scheduler_id, "123");
  EXPECT_EQ(end->outputs.size(), 1u);
  EXPECT_EQ(end->sequence, 3u);
  EXPECT_EQ(end->runner, "local");
  EXPECT_EQ(t.published(),
            (std::vector<JobState>{JobState::Queued, JobState::Running, JobState::Completed}));
  EXPECT_EQ(t.counters.value("jobs.local.completed"), 1u);
}

TEST(JobTable, IllegalTransitionsAreRefusedAndCounted) {
  Table t;
  const Uuid id = t.add();
  ASSERT_TRUE(t.table.start(id, "1", ""));
  ASSERT_TRUE(t.table.finish(id, {JobState::Completed, 0, "", {}, true}));
  EXPECT_FALSE(t.table.start(id, "2", "again"));
  EXPECT_FALSE(t.table.finish(id, {JobState::Failed, 1, "late", {}, true}));
  EXPECT_FALSE(t.table.update(id, "3", "news"));
  EXPECT_EQ(t.table.status(id)->state, JobState::Completed);
  EXPECT_EQ(t.table.status(id)->scheduler_id, "1");
  EXPECT_EQ(t.counters.value("jobs.local.illegal_transition"), 2u);
  EXPECT_FALSE(t.table.finish(Uuid::random(), {JobState::Completed, 0, "", {}, true}));
  EXPECT_THROW(t.table.add(t.table.record(id)->spec, "/tmp/y", "again"), std::invalid_argument);
}

TEST(JobTable, FailedAttemptsAreRetriedUpToTheLimit) {
  Table t;
  const Uuid id = t.add(2);
  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(t.table.start(id, std::to_string(100 + attempt), ""));
    EXPECT_EQ(t.table.status(id)->attempt, attempt);
    const auto after = t.table.finish(id, {JobState::Failed, 3, "exited with code 3", {}, true});
    ASSERT_TRUE(after);
    if (attempt < 3) {
      EXPECT_EQ(after->state, JobState::Queued);
      EXPECT_EQ(after->attempt, attempt + 1);
      EXPECT_EQ(after->exit_code, 3);
      EXPECT_TRUE(after->scheduler_id.empty());
      EXPECT_NE(after->message.find("(" + std::to_string(100 + attempt) + ") failed"),
                std::string::npos)
          << after->message;
    } else {
      EXPECT_EQ(after->state, JobState::Failed);
    }
  }
  EXPECT_EQ(t.counters.value("jobs.local.retried"), 2u);
}

TEST(JobTable, AFailureBeforeTheStartIsFinal) {
  Table t;
  const Uuid id = t.add(5);
  const auto after = t.table.finish(id, {JobState::Failed, 127, "not found", {}, false});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->state, JobState::Failed);
  EXPECT_EQ(t.published(), (std::vector<JobState>{JobState::Queued, JobState::Failed}));
}

TEST(JobTable, AnEndSeenWhileQueuedPublishesTheRunFirst) {
  Table t;
  const Uuid id = t.add();
  ASSERT_TRUE(t.table.finish(id, {JobState::TimedOut, 143, "", {}, true}));
  EXPECT_EQ(t.published(),
            (std::vector<JobState>{JobState::Queued, JobState::Running, JobState::TimedOut}));
  const Uuid cancelled = t.add();
  ASSERT_TRUE(t.table.finish(cancelled, {JobState::Cancelled, 0, "", {}, true}));
  EXPECT_EQ(t.published(), (std::vector<JobState>{JobState::Queued, JobState::Cancelled}));
}

TEST(JobTable, WaitReturnsAtTheEnd) {
  Table t;
  const Uuid id = t.add();
  std::thread ender([&] {
    std::this_thread::sleep_for(50ms);
    t.table.start(id, "1", "");
    t.table.finish(id, {JobState::Completed, 0, "", {}, true});
  });
  const auto status = t.table.wait_terminal(id, 5s);
  ender.join();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, JobState::Completed);
  EXPECT_FALSE(t.table.wait_terminal(Uuid::random(), 1ms));
}

TEST(JobTable, RestoredJobsKeepTheirStateAndPruningDropsOldEnds) {
  Table t;
  JobRecord record;
  record.spec.job_id = Uuid::random();
  record.spec.program = "/bin/true";
  record.status.job_id = record.spec.job_id;
  record.status.state = JobState::Running;
  record.status.attempt = 2;
  record.status.scheduler_id = "77";
  t.table.restore(record, "re-attached");
  EXPECT_EQ(t.table.status(record.spec.job_id)->state, JobState::Running);
  EXPECT_EQ(t.statuses.drain().back().message, "re-attached");
  ASSERT_TRUE(t.table.finish(record.spec.job_id, {JobState::Completed, 0, "", {}, true}));
  for (int i = 0; i < 3; ++i) {
    const Uuid id = t.add();
    t.table.finish(id, {JobState::Cancelled, 0, "", {}, false});
  }
  t.table.add(JobSpec{.job_id = Uuid::random(), .program = "/bin/true"}, "/tmp/q", "queued");
  t.table.prune_terminal(2);
  EXPECT_EQ(t.table.statuses().size(), 3u);  // two ends and the queued job
  EXPECT_FALSE(t.table.status(record.spec.job_id));
}

TEST(JobTable, EveryChangeIsRecordedInTheProvenanceLog) {
  edgeloop::testing::TempDir dir;
  Table t;
  const Uuid run = Uuid::random();
  auto log = std::shared_ptr<ProvenanceLog>(
      ProvenanceLog::create(dir / "run.prov", run, ProvenanceOptions{}, {}));
  t.table.set_provenance(log);
  JobSpec spec;
  spec.job_id = Uuid::random();
  spec.run_id = run;
  spec.program = "pw.x";
  spec.program_version = "6.7";
  spec.inputs = {{"pw.in", Sha256::of("in"), 2}};
  t.table.add(spec, dir / "job", "queued");
  t.table.start(spec.job_id, "42", "running as Slurm job 42");
  const OutputFile output{"energy.txt", Sha256::of("-15.8"), 5};
  t.table.finish(spec.job_id, {JobState::Completed, 0, "done", {output}, true});
  log->close({});
  const auto records = read_provenance(dir / "run.prov");
  ASSERT_EQ(records.size(), 5u);  // run started, three job records, run ended
  for (std::size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(records[i].kind, wire::RecordKind::Job);
    EXPECT_EQ(records[i].subject, "job/" + spec.job_id.str());
    EXPECT_EQ(records[i].sha256, spec_digest(spec));
    EXPECT_EQ(records[i].attributes["program_version"], "6.7");
    EXPECT_EQ(records[i].inputs.front(), (ProvenanceRef{"input", "file/pw.in", Sha256::of("in")}));
  }
  EXPECT_EQ(records[1].attributes["state"], "queued");
  EXPECT_FALSE(records[1].attributes.contains("previous_state"));
  EXPECT_EQ(records[2].attributes["state"], "running");
  EXPECT_EQ(records[2].attributes["previous_state"], "queued");
  EXPECT_EQ(records[2].attributes["scheduler_id"], "42");
  EXPECT_EQ(records[3].attributes["state"], "completed");
  EXPECT_EQ(records[3].inputs.back(),
            (ProvenanceRef{"output", "file/out/energy.txt", Sha256::of("-15.8")}));
  // A closed log costs a counter, not the job.
  const Uuid later = t.add();
  EXPECT_EQ(t.table.status(later)->state, JobState::Queued);
  EXPECT_EQ(t.counters.value("jobs.local.provenance_failed"), 1u);
}

}  // namespace
}  // namespace edgeloop::jobs
