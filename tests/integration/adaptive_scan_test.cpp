// A learned adaptive 4D-STEM scan against the simulated microscope through edgeloopd: the
// policy picks each probe position from the virtual ADF values of the frames measured so far,
// every choice is a Decision linked to its command, ack and frame, no position is visited
// twice, a replay from the log makes the same choices, and the log exports as PROV-JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "daemon_session.hpp"
#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/provenance_reader.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;
using testing::read_file;

class AdaptiveScan : public testing::DaemonSession {};

TEST_F(AdaptiveScan, ALearnedScanIsRecordedLinkedAndReplaysExactly) {
  const std::string repo = EDGELOOP_SOURCE_DIR;
  auto daemon = start_daemon(
      {}, "[pipeline.4dstem]\nstages = [\"stem_virtual_detectors\"]\n[storage]\nenabled = false\n");
  ASSERT_TRUE(daemon);
  auto sim = start_sim("4dstem",
                       "[detector]\nsize = 96\ndtype = \"u16\"\n[optics]\nmodel = \"kinematic\"\n"
                       "[timing]\nrealtime = false\nheartbeat_ms = 50\n");
  ASSERT_TRUE(sim);

  constexpr int kN = 32;
  const json spec = {{"nx", kN},
                     {"ny", kN},
                     {"fraction", 0.1},
                     {"seed", 3},
                     {"policy", repo + "/models/scan-policy.pt"}};
  const auto started = cli(
      {"start-run", "--modality", "4dstem", "--plan", "learned", "--spec", spec.dump(), "--wait"});
  ASSERT_EQ(started.status, 0) << started.output << read_file(dir_ / "edgeloopd.log");
  const std::string run_id = started.output.substr(0, 36);
  const auto records = read_provenance(runs_ / run_id / "provenance.elp");

  std::map<std::string, std::string> command_of_decision;
  std::map<std::string, std::string> ack_of_command;
  std::map<std::string, int> frames_of_command;
  std::set<std::pair<double, double>> positions;
  std::size_t decisions = 0;
  std::size_t policy_decisions = 0;
  for (const auto& r : records) {
    for (const auto& in : r.inputs) {
      if (r.kind == wire::RecordKind::Command && in.role == "decided_by") {
        command_of_decision[in.id] = r.subject;
      }
      if (r.kind == wire::RecordKind::Ack && in.role == "acknowledges") {
        ack_of_command[in.id] = r.attributes["status"];
      }
      if (r.kind == wire::RecordKind::Frame && in.role == "caused_by") ++frames_of_command[in.id];
    }
    if (r.kind == wire::RecordKind::Command) {
      const json& target = r.attributes["target"];
      EXPECT_TRUE(positions.insert({target[0].get<double>(), target[1].get<double>()}).second)
          << "position visited twice: " << target.dump();
    }
    if (r.kind == wire::RecordKind::Decision) {
      ++decisions;
      const json& d = r.attributes["decision"];
      EXPECT_EQ(d["model"]["weights_sha256"].get<std::string>().size(), 64u) << d.dump();
      // The policy's decisions (after a seed grid) name the positions they passed over.
      if (d["rule"] == "policy") {
        ++policy_decisions;
        EXPECT_FALSE(d["alternatives"].empty()) << d.dump();
      }
    }
  }
  const std::size_t budget = static_cast<std::size_t>(0.1 * kN * kN + 0.5);
  EXPECT_EQ(decisions, budget);
  EXPECT_GT(policy_decisions, budget / 2);
  EXPECT_EQ(positions.size(), budget);
  ASSERT_EQ(command_of_decision.size(), budget);
  for (const auto& [decision, command] : command_of_decision) {
    EXPECT_EQ(ack_of_command[command], "Done") << command;
    EXPECT_EQ(frames_of_command[command], 1) << command;
  }

  const auto replayed = cli({"provenance", "replay", (runs_ / run_id).string()});
  EXPECT_EQ(replayed.status, 0) << replayed.output;
  EXPECT_NE(replayed.output.find("REPRODUCED"), std::string::npos) << replayed.output;

  // The same log as W3C PROV-JSON: every decision, command and stage is an activity, and
  // every relation names things the document defines.
  const auto exported =
      cli({"provenance", "export", (runs_ / run_id).string(), "--format", "prov-json"});
  ASSERT_EQ(exported.status, 0) << exported.output;
  const json prov = json::parse(exported.output);
  const std::set<std::string> sections = {"prefix",        "entity",         "activity",
                                          "agent",         "wasGeneratedBy", "used",
                                          "wasInformedBy", "wasDerivedFrom", "wasAssociatedWith"};
  for (const auto& [key, value] : prov.items()) {
    EXPECT_TRUE(sections.contains(key)) << key;
    EXPECT_TRUE(value.is_object()) << key;
  }
  std::size_t decision_activities = 0;
  std::size_t command_activities = 0;
  for (const auto& r : records) {
    if (r.kind == wire::RecordKind::Decision || r.kind == wire::RecordKind::Command ||
        r.kind == wire::RecordKind::Stage) {
      EXPECT_TRUE(prov["activity"].contains("run:" + r.subject)) << r.subject;
      decision_activities += r.kind == wire::RecordKind::Decision ? 1 : 0;
      command_activities += r.kind == wire::RecordKind::Command ? 1 : 0;
    }
    if (r.kind == wire::RecordKind::Frame) {
      EXPECT_TRUE(prov["entity"].contains("run:" + r.subject)) << r.subject;
    }
  }
  EXPECT_EQ(decision_activities, budget);
  EXPECT_EQ(command_activities, budget);
  auto defined = [&](const json& id) {
    return prov["entity"].contains(id.get<std::string>()) ||
           prov["activity"].contains(id.get<std::string>()) ||
           prov["agent"].contains(id.get<std::string>());
  };
  std::size_t relations = 0;
  for (const char* relation :
       {"wasGeneratedBy", "used", "wasInformedBy", "wasDerivedFrom", "wasAssociatedWith"}) {
    if (!prov.contains(relation)) continue;
    for (const auto& [id, body] : prov[relation].items()) {
      ++relations;
      for (const auto& [role, value] : body.items()) {
        if (role != "prov:role") {
          EXPECT_TRUE(defined(value)) << relation << " " << body.dump();
        }
      }
    }
  }
  EXPECT_GT(relations, 3 * budget);  // decided_by, acknowledges, caused_by at least

  EXPECT_EQ(sim->stop(), 0) << read_file(dir_ / "sim-4dstem.log");
  EXPECT_EQ(daemon->stop(), 0) << read_file(dir_ / "edgeloopd.log");
}

}  // namespace
}  // namespace edgeloop
