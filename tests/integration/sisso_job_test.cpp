// Offloading from a run: edgeloopd and the simulated 4D-STEM instrument as separate processes,
// a 16x16 raster scan, and a SISSO job on the run's (scan x, scan y) → frame_sum samples,
// submitted through the admin API to the local runner. The job's statuses and its models come
// back on the results socket, the models are in the job_status reply, and the run's
// provenance log still verifies with the job's records in it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "daemon_session.hpp"
#include "edgeloop/core/provenance_reader.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/free_port.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::ChildProcess;

using testing::read_file;
using testing::wait_until;

class SissoJob : public testing::DaemonSession {
 protected:
  // The detector is paced (20 ms a position, about 5 s a run) so the job is submitted while
  // the run is still active; SISSO runs on the local runner.
  std::unique_ptr<ChildProcess> start_daemon() {
    return DaemonSession::start_daemon(
        "[timing]\nrealtime = true\n[scan]\ndwell_us = 20000\n",
        std::string("[jobs.local]\nmax_cpus = 1\n[jobs.sisso]\nprogram = \"") +
            EDGELOOP_SISSO_BINARY + "\"\ntime_limit_s = 60\n");
  }

  // Waits until the run is last_run, i.e. its log is sealed.
  json wait_for_end(const std::string& run_id) {
    json last;
    wait_until(
        [&] {
          const auto s = admin({{"cmd", "status"}});
          if (!s || (*s)["last_run"].is_null() || (*s)["last_run"]["id"] != run_id) return false;
          last = (*s)["last_run"];
          return true;
        },
        20s);
    return last;
  }
};

TEST_F(SissoJob, FitsAFormulaToARunsSamplesAndPublishesIt) {
  auto daemon = start_daemon();
  ASSERT_TRUE(daemon);
  auto sim = start_sim();
  ASSERT_TRUE(sim);

  zmq::socket_t sub(ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "job/");
  sub.set(zmq::sockopt::subscribe, "run/");
  sub.set(zmq::sockopt::subscribe, "daemon/heartbeat");
  sub.set(zmq::sockopt::rcvhwm, 100000);
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.connect(results_);
  zmq::message_t topic;
  zmq::message_t body;
  ASSERT_TRUE(sub.recv(topic, zmq::recv_flags::none));  // a heartbeat: the subscription is live
  ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));

  // Nothing to fit before any run.
  const auto early = admin({{"cmd", "submit_sisso"}});
  ASSERT_TRUE(early);
  EXPECT_FALSE((*early)["ok"].get<bool>());
  EXPECT_NE((*early)["error"].get<std::string>().find("no run"), std::string::npos);

  const auto started = admin({{"cmd", "start_run"}, {"nx", 16}, {"ny", 16}});
  ASSERT_TRUE(started && (*started)["ok"].get<bool>()) << started->dump();
  const std::string run_id = (*started)["run_id"];
  ASSERT_TRUE(wait_until(
      [&] {
        const auto s = admin({{"cmd", "status"}});
        return s && !(*s)["run"].is_null() && (*s)["run"].value("frames_processed", 0) >= 64;
      },
      20s));

  // Refusals name the problem.
  const auto slurm = admin({{"cmd", "submit_sisso"}, {"runner", "slurm"}});
  ASSERT_TRUE(slurm);
  EXPECT_NE(slurm->value("error", "").find("not configured"), std::string::npos) << slurm->dump();
  const auto bad_op = admin({{"cmd", "submit_sisso"}, {"ops", "(+)(tan)"}});
  ASSERT_TRUE(bad_op);
  EXPECT_NE(bad_op->value("error", "").find("unknown operator"), std::string::npos);

  // Submitted while the run is active: its statuses are recorded in the run's log.
  const auto submitted = admin({{"cmd", "submit_sisso"},
                                {"run", run_id},
                                {"runner", "local"},
                                {"fcomplexity", 2},
                                {"desc_dim", 2},
                                {"time_limit_s", 60}});
  ASSERT_TRUE(submitted);
  ASSERT_TRUE((*submitted)["ok"].get<bool>()) << submitted->dump();
  const std::string job_id = (*submitted)["job_id"];
  EXPECT_EQ((*submitted)["run_id"], run_id);
  EXPECT_GE((*submitted)["rows"].get<int>(), 64);
  EXPECT_EQ((*submitted)["inputs"].size(), 2u);

  json job;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto r = admin({{"cmd", "job_status"}, {"job", job_id}});
        if (!r || !(*r)["ok"].get<bool>()) return false;
        job = *r;
        const std::string state = job["state"];
        return (state != "queued" && state != "running" && job["sisso"]["result"] != "pending");
      },
      15s))
      << job.dump(2) << read_file(dir_ / "edgeloopd.log");
  ASSERT_EQ(job["state"], "completed") << job.dump(2);
  ASSERT_EQ(job["sisso"]["result"], "models") << job.dump(2);
  const json& models = job["sisso"]["models"];
  ASSERT_EQ(models.size(), 2u);
  for (const json& m : models) {
    EXPECT_TRUE(std::isfinite(m["rmse"].get<double>()));
    EXPECT_EQ(m["descriptors"].size(), m["coefficients"].size());
    EXPECT_EQ(m["formula"].get<std::string>().rfind("frame_sum = ", 0), 0u) << m.dump();
  }
  bool has_sisso_json = false;
  for (const json& o : job["outputs"]) has_sisso_json |= o["name"] == "out/sisso.json";
  EXPECT_TRUE(has_sisso_json) << job.dump(2);

  // On the results socket: the job's statuses in order, and one model per dimension.
  std::vector<wire::JobState> states;
  std::map<int, double> rmse_by_dimension;
  AlignedScratch scratch;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while ((rmse_by_dimension.size() < 2 || states.empty() ||
          states.back() != wire::JobState::Completed) &&
         std::chrono::steady_clock::now() < until && sub.recv(topic, zmq::recv_flags::none)) {
    ASSERT_TRUE(sub.recv(body, zmq::recv_flags::none));
    const auto bytes = std::span(static_cast<const std::byte*>(body.data()), body.size());
    if (topic.to_string() == "job/" + job_id + "/status") {
      auto decoded = decode<wire::JobStatus>(bytes, scratch);
      ASSERT_TRUE(std::holds_alternative<const wire::JobStatus*>(decoded));
      states.push_back(std::get<const wire::JobStatus*>(decoded)->state());
    } else if (topic.to_string() == "run/" + run_id + "/sisso/model") {
      auto decoded = decode<wire::Result>(bytes, scratch);
      ASSERT_TRUE(std::holds_alternative<const wire::Result*>(decoded));
      const wire::Result& r = *std::get<const wire::Result*>(decoded);
      EXPECT_EQ(r.product()->str(), "sisso_model");
      ASSERT_GE(r.values()->size(), 4u);
      const int dimension = static_cast<int>(r.values()->Get(0));
      EXPECT_EQ(r.values()->size(), 3u + static_cast<unsigned>(dimension));
      rmse_by_dimension[dimension] = r.values()->Get(1);
    }
  }
  ASSERT_FALSE(states.empty());
  EXPECT_EQ(states.front(), wire::JobState::Queued);
  EXPECT_EQ(states.back(), wire::JobState::Completed);
  ASSERT_EQ(rmse_by_dimension.size(), 2u);
  EXPECT_DOUBLE_EQ(rmse_by_dimension[1], models[0]["rmse"].get<double>());
  EXPECT_DOUBLE_EQ(rmse_by_dimension[2], models[1]["rmse"].get<double>());

  // The run still ends and its log verifies, with the job's records in it.
  const json last = wait_for_end(run_id);
  ASSERT_FALSE(last.is_null()) << admin({{"cmd", "status"}})->dump(2)
                               << read_file(dir_ / "edgeloopd.log");
  EXPECT_EQ(last["state"], "completed");
  const auto verified = cli({"provenance", "verify", run_id});
  EXPECT_EQ(verified.status, 0) << verified.output;
  std::size_t job_records = 0;
  for (const auto& r : read_provenance(runs_ / run_id / "provenance.elp")) {
    if (r.kind == wire::RecordKind::Job && r.subject == "job/" + job_id) ++job_records;
  }
  EXPECT_GE(job_records, 1u);

  // The CLI lists the job, and a second job defaults to the last run.
  const auto listed = cli({"jobs"});
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find(job_id), std::string::npos) << listed.output;
  const auto waited = cli({"submit-sisso", "--runner", "local", "--desc-dim", "1", "--wait"});
  EXPECT_EQ(waited.status, 0) << waited.output;
  EXPECT_NE(waited.output.find("frame_sum = "), std::string::npos) << waited.output;

  // A run with fewer than three frames is refused with a clear error.
  const auto tiny = admin({{"cmd", "start_run"}, {"nx", 1}, {"ny", 2}});
  ASSERT_TRUE(tiny && (*tiny)["ok"].get<bool>());
  ASSERT_FALSE(wait_for_end((*tiny)["run_id"]).is_null())
      << admin({{"cmd", "status"}})->dump(2) << read_file(dir_ / "edgeloopd.log");
  const auto refused = admin({{"cmd", "submit_sisso"}});
  ASSERT_TRUE(refused);
  EXPECT_FALSE((*refused)["ok"].get<bool>());
  EXPECT_NE(refused->value("error", "").find("needs at least 3"), std::string::npos)
      << refused->dump();

  EXPECT_EQ(sim->stop(), 0);
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

}  // namespace
}  // namespace edgeloop
