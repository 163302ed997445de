// A live Bayesian optimisation against the simulated SAXS instrument through edgeloopd: each
// evaluation moves the stage and the temperature cell and acquires a frame, the azimuthal
// integration's I(q) comes back to the plan, and the optimiser proposes the next point. The
// run's log holds every decision linked to its commands, acks and frames, and a replay from
// the log reproduces every decision.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon_session.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/provenance_reader.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using testing::read_file;
using testing::run_program;
using testing::wait_until;

const std::string kSaxsSafety = R"(
[safety]
require_envelope = true
[safety.instruments."sim-saxs".actuators.stage_x]
min = -20.0
max = 20.0
[safety.instruments."sim-saxs".actuators.stage_y]
min = -10.0
max = 10.0
[safety.instruments."sim-saxs".actuators.temperature]
min = 10.0
max = 90.0
[safety.instruments."sim-saxs".actuators.acquire]
min = 1
max = 4
[safety.instruments."sim-saxs".actuators.shutter]
min = 0
max = 1
[safety.instruments."sim-saxs".safe_state]
shutter = [0]
)";

class BayesianLoop : public testing::DaemonSession {};

// I(q) at q, linearly interpolated, as the plan's objective reads it.
double intensity_at(const json& observation, double q) {
  const json& iq = observation["products"]["iq"];
  const json& axis = observation["axes"]["iq"];
  for (std::size_t i = 0; i + 1 < axis.size(); ++i) {
    const double a = axis[i].get<double>();
    const double b = axis[i + 1].get<double>();
    if (a <= q && q <= b && iq[i].is_number() && iq[i + 1].is_number()) {
      const double t = (q - a) / (b - a);
      return iq[i].get<double>() + t * (iq[i + 1].get<double>() - iq[i].get<double>());
    }
  }
  return std::nan("");
}

TEST_F(BayesianLoop, ALiveSaxsOptimisationIsRecordedLinkedAndReplaysExactly) {
  const std::string repo = EDGELOOP_SOURCE_DIR;
  auto daemon =
      start_daemon({}, kSaxsSafety +
                           "[pipeline.saxs]\nstages = [\"saxs_azimuthal_integration\"]\n"
                           "[pipeline.saxs.saxs_azimuthal_integration]\nponi = \"" +
                           repo + "/config/sim-saxs.poni\"\nmask = \"" + repo +
                           "/config/sim-saxs-mask.h5:/mask\"\nbins = 300\nunit = \"q_nm^-1\"\n"
                           "[storage]\nenabled = false\n");
  ASSERT_TRUE(daemon);
  const auto truth = dir_ / "saxs-truth.h5";
  auto sim = start_sim("saxs",
                       "[acquisition]\nexposure_s = 0.05\n[timing]\nrealtime = false\n"
                       "heartbeat_ms = 50\n[truth]\nfile = \"" +
                           truth.string() + "\"\n");
  ASSERT_TRUE(sim);

  constexpr int kBudget = 10;
  const json spec = {
      {"budget", kBudget},
      {"seed", 5},
      {"bounds",
       {{"stage_x", {-20.0, 20.0}}, {"stage_y", {-10.0, 10.0}}, {"temperature", {10.0, 90.0}}}},
      {"objective", {{"product", "iq"}, {"at", 0.22}}}};
  // Through the CLI, as an operator would start it.
  const auto started =
      cli({"start-run", "--modality", "saxs", "--plan", "bayes", "--spec", spec.dump(), "--wait"});
  ASSERT_EQ(started.status, 0) << started.output << read_file(dir_ / "edgeloopd.log");
  const std::string run_id = started.output.substr(0, 36);
  const auto file = runs_ / run_id / "provenance.elp";
  const auto records = read_provenance(file);

  // decision -> command -> ack -> frames, through explicit links.
  std::map<std::string, std::vector<std::string>> commands_of_decision;
  std::map<std::string, std::string> ack_of_command;
  std::map<std::string, int> frames_of_command;
  std::vector<json> decisions;
  std::vector<json> observations;
  for (const auto& r : records) {
    for (const auto& in : r.inputs) {
      if (r.kind == wire::RecordKind::Command && in.role == "decided_by") {
        commands_of_decision[in.id].push_back(r.subject);
      }
      if (r.kind == wire::RecordKind::Ack && in.role == "acknowledges") {
        ack_of_command[in.id] = r.attributes["status"];
      }
      if (r.kind == wire::RecordKind::Frame && in.role == "caused_by") ++frames_of_command[in.id];
    }
    if (r.kind == wire::RecordKind::Decision) {
      decisions.push_back(r.attributes);
      decisions.back()["subject"] = r.subject;
    }
    if (r.kind == wire::RecordKind::Observation) observations.push_back(r.attributes);
    if (r.kind == wire::RecordKind::Command) {
      const double v = r.attributes["target"][0];
      const std::string a = r.attributes["actuator"];
      const bool inside = (a == "stage_x" && v >= -20 && v <= 20) ||
                          (a == "stage_y" && v >= -10 && v <= 10) ||
                          (a == "temperature" && v >= 10 && v <= 90) || a == "acquire";
      EXPECT_TRUE(inside) << a << " " << v;
    }
  }
  ASSERT_EQ(decisions.size(), static_cast<std::size_t>(kBudget));
  ASSERT_EQ(observations.size(), static_cast<std::size_t>(kBudget));
  for (const json& d : decisions) {
    const auto& commands = commands_of_decision[d["subject"].get<std::string>()];
    ASSERT_EQ(commands.size(), 4u) << d.dump();  // stage_x, stage_y, temperature, acquire
    EXPECT_EQ("command/" + d["command_seq"].dump(), commands.front());
    for (const auto& c : commands) EXPECT_EQ(ack_of_command[c], "Done") << c;
    EXPECT_EQ(frames_of_command[commands.back()], 1) << "the acquire's frame";
    EXPECT_EQ(d["decision"]["model_state_hash"].get<std::string>().size(), 64u);
    EXPECT_EQ(d["decision"]["seed"], 5);
  }
  EXPECT_TRUE(decisions.back()["decision"]["hyperparameters"].is_object());
  EXPECT_EQ(decisions.back()["decision"]["reason"], "acquisition");

  // The model's points beat the Sobol design's.
  std::vector<double> objective;
  for (const json& o : observations) objective.push_back(intensity_at(o, 0.22));
  const double sobol_best = *std::max_element(objective.begin(), objective.begin() + 5);
  const double best = *std::max_element(objective.begin(), objective.end());
  std::cout << "objective per evaluation:";
  for (const double v : objective) std::cout << " " << v;
  std::cout << "\n";
  EXPECT_GT(best, sobol_best);

  // Against the simulator's ground truth: where the best measured point lies on the true
  // landscape, compared with the landscape's top.
  json points = json::array();
  for (const json& d : decisions) points.push_back(d["decision"]["x"]);
  std::ofstream(dir_ / "points.json") << points.dump();
  const auto truth_at =
      run_program(EDGELOOP_DEBIAN_PYTHON, {EDGELOOP_TEST_SOURCE_DIR "/saxs_truth_at.py",
                                           truth.string(), (dir_ / "points.json").string()});
  ASSERT_EQ(truth_at.status, 0) << truth_at.output;
  const json t = json::parse(truth_at.output);
  const auto best_index = static_cast<std::size_t>(
      std::max_element(objective.begin(), objective.end()) - objective.begin());
  const double truth_best = t["values"][best_index];
  const double truth_sobol = *std::max_element(t["values"].begin(), t["values"].begin() + 5);
  std::cout << "truth at the evaluated points: " << t["values"].dump() << "; top "
            << t["max"].dump() << " at " << t["argmax"].dump() << "\n";
  EXPECT_GT(truth_best, truth_sobol);
  EXPECT_GT(truth_best, 0.7 * t["max"].get<double>());

  // Replay from the log reproduces every decision.
  const auto replayed = cli({"provenance", "replay", (runs_ / run_id).string()});
  EXPECT_EQ(replayed.status, 0) << replayed.output;
  EXPECT_NE(replayed.output.find("REPRODUCED"), std::string::npos) << replayed.output;
  EXPECT_NE(replayed.output.find(std::to_string(kBudget) + " decisions"), std::string::npos)
      << replayed.output;

  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-saxs.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

// The envelope limits how far the temperature may jump per command: the optimiser's points that
// need a larger jump are refused, the plan learns of it (the point is told as the worst value
// so far) and goes on within its budget, and the replay reproduces that too.
TEST_F(BayesianLoop, RefusedEvaluationsAreLearnedFromAndReplayed) {
  const std::string repo = EDGELOOP_SOURCE_DIR;
  std::string safety = kSaxsSafety;
  const std::string temperature = "[safety.instruments.\"sim-saxs\".actuators.temperature]\n";
  safety.replace(safety.find(temperature), temperature.size(), temperature + "max_step = 15.0\n");
  auto daemon =
      start_daemon({}, safety +
                           "[pipeline.saxs]\nstages = [\"saxs_azimuthal_integration\"]\n"
                           "[pipeline.saxs.saxs_azimuthal_integration]\nponi = \"" +
                           repo + "/config/sim-saxs.poni\"\nmask = \"" + repo +
                           "/config/sim-saxs-mask.h5:/mask\"\nbins = 300\nunit = \"q_nm^-1\"\n"
                           "[storage]\nenabled = false\n");
  ASSERT_TRUE(daemon);
  auto sim = start_sim("saxs",
                       "[acquisition]\nexposure_s = 0.05\n[timing]\nrealtime = false\n"
                       "heartbeat_ms = 50\n[temperature]\nstart_c = 50.0\n");
  ASSERT_TRUE(sim);
  const json request = {
      {"cmd", "start_run"},
      {"modality", "saxs"},
      {"plan", "bayes"},
      {"budget", 7},
      {"seed", 11},
      {"bounds",
       {{"stage_x", {-20.0, 20.0}}, {"stage_y", {-10.0, 10.0}}, {"temperature", {10.0, 90.0}}}},
      {"objective", {{"product", "iq"}, {"at", 0.22}}}};
  const auto reply = admin(request);
  ASSERT_TRUE(reply && reply->value("ok", false)) << (reply ? reply->dump() : "no reply");
  const std::string run_id = (*reply)["run_id"];
  json last;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto st = admin({{"cmd", "status"}});
        if (!st || (*st)["last_run"].is_null()) return false;
        last = (*st)["last_run"];
        return true;
      },
      30s));
  EXPECT_EQ(last["state"], "completed_with_errors") << last.dump(2);
  EXPECT_GT(last["refused_by_reason"].value("step", 0), 0) << last.dump(2);
  EXPECT_EQ(last["decisions"], 7);
  const auto replayed = cli({"provenance", "replay", run_id});
  EXPECT_EQ(replayed.status, 0) << replayed.output;
  EXPECT_NE(replayed.output.find("REPRODUCED"), std::string::npos) << replayed.output;
  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-saxs.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

// A log whose decision the plan would not make: replay says so and exits non-zero.
TEST(BayesianReplay, ADecisionThePlanWouldNotMakeIsAMismatch) {
  testing::TempDir dir;
  const json plan = {{"kind", "bayes"},
                     {"budget", 4},
                     {"batch", 1},
                     {"acquisition", "log_ei"},
                     {"seed", 1},
                     {"initial_points", 0},
                     {"frames_per_point", 1},
                     {"bounds", {{"stage_x", {-1.0, 1.0}}, {"stage_y", {-1.0, 1.0}}}},
                     {"objective", {{"product", "iq"}, {"at", 0.2}}}};
  const auto file = dir / "provenance.elp";
  {
    auto log =
        ProvenanceLog::create(file, Uuid::random(), {}, {{"plan", plan}, {"modality", "saxs"}});
    ProvenanceEntry decision;
    decision.kind = wire::RecordKind::Decision;
    decision.subject = "decision/0";
    decision.attributes = {{"decision", {{"x", {0.0, 0.0}}}},
                           {"actuator", "stage_x"},
                           {"target", {0.0}},
                           {"scan_index", 0},
                           {"command_seq", 1}};
    log->append(decision);
    ProvenanceEntry command;
    command.kind = wire::RecordKind::Command;
    command.subject = "command/1";
    command.inputs.push_back({"decided_by", "decision/0", {}});
    command.attributes = {
        {"actuator", "stage_x"}, {"target", {0.0}}, {"scan_index", 0}, {"origin", "plan"}};
    log->append(command);
    log->close({{"state", "aborted"}});
  }
  const auto replayed = run_program(EDGELOOP_CLI_BINARY, {"provenance", "replay", file.string()});
  EXPECT_EQ(replayed.status, 1) << replayed.output;
  EXPECT_NE(replayed.output.find("MISMATCH"), std::string::npos) << replayed.output;
  EXPECT_NE(replayed.output.find("record 2"), std::string::npos) << replayed.output;
}

}  // namespace
}  // namespace edgeloop
