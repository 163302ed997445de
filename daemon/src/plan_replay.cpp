#include "plan_replay.hpp"

#include <map>
#include <optional>
#include <stdexcept>

#include "edgeloop/controllers/plan_record.hpp"
#include "edgeloop/core/wire_builders.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

// Through the text form, as the log holds it, so numbers compare as the log has them.
json normalised(const json& value) {
  return json::parse(value.dump());
}

struct RecordedStep {
  std::string actuator;
  json target;
  json scan_index;
};

class Replayer {
 public:
  Replayer(const std::vector<ProvenanceRecordView>& records, const PlanRegistry& registry)
      : records_(records), registry_(registry) {}

  ReplayReport run() {
    try {
      start();
      for (std::size_t i = 1; i < records_.size(); ++i) feed(records_[i]);
      report_.ok = true;
    } catch (const std::exception& e) {
      report_.error = e.what();
    }
    return report_;
  }

 private:
  [[noreturn]] void fail(const ProvenanceRecordView& r, const std::string& what) const {
    throw std::runtime_error("record " + std::to_string(r.index) + " (" + r.subject + "): " + what);
  }

  void start() {
    if (records_.empty() || records_.front().kind != wire::RecordKind::RunStarted) {
      throw std::runtime_error("the log does not start with RunStarted");
    }
    const json& a = records_.front().attributes;
    if (!a.contains("plan") || !a["plan"].is_object() || !a["plan"].contains("kind")) {
      throw std::runtime_error("RunStarted records no plan");
    }
    report_.plan = a["plan"]["kind"].get<std::string>();
    const wire::Modality modality = modality_from_name(a.value("modality", std::string()));
    plan_ = registry_.make(report_.plan, {.modality = modality, .spec = a["plan"]}).plan;
    for (const auto& r : records_) frames_ += r.kind == wire::RecordKind::Frame ? 1 : 0;
  }

  static bool from_watchdog(const json& a) {
    return a.value("origin", std::string("plan")) != "plan";
  }

  // The plan's next step must be the one the run recorded (with its decision, if any).
  void compare_next(const ProvenanceRecordView& r, const RecordedStep& recorded) {
    const auto step = plan_->next({.frames_received = frames_, .commands_in_flight = 0});
    if (!step) fail(r, "the replayed plan has no step here; the run sent " + recorded.actuator);
    ++report_.steps;
    if (step->actuator != recorded.actuator || normalised(step->target) != recorded.target ||
        json(step->scan_index) != recorded.scan_index) {
      fail(r, "the replayed plan chose " + step->actuator + " " + json(step->target).dump() +
                  " (point " + std::to_string(step->scan_index) + "), the run " +
                  recorded.actuator + " " + recorded.target.dump() + " (point " +
                  recorded.scan_index.dump() + ")");
    }
    if (step->decision.is_null()) {
      if (pending_decision_) fail(r, "the run recorded a decision the replayed plan did not make");
      return;
    }
    if (!pending_decision_) fail(r, "the replayed plan made a decision the run did not record");
    if (normalised(step->decision) != *pending_decision_) {
      fail(r, "decision differs: replayed " + normalised(step->decision).dump() + " recorded " +
                  pending_decision_->dump());
    }
    ++report_.decisions;
    pending_decision_.reset();
  }

  void feed(const ProvenanceRecordView& r) {
    const json& a = r.attributes;
    switch (r.kind) {
      case wire::RecordKind::Observation: {
        const PlanObservation o = observation_from_json(a);
        if (!r.sha256 || to_hex(*r.sha256) != observation_hash(o)) {
          fail(r, "the observation's content does not match its recorded hash");
        }
        plan_->observe(o);
        ++report_.observations;
        break;
      }
      case wire::RecordKind::Decision:
        if (pending_decision_) fail(r, "two decisions without a step between them");
        pending_decision_ = a.at("decision");
        break;
      case wire::RecordKind::Command:
        commands_[r.subject] = a;
        if (from_watchdog(a)) break;
        compare_next(r, {a.at("actuator").get<std::string>(), a.at("target"), a.at("scan_index")});
        break;
      case wire::RecordKind::Refusal: {
        if (a.value("cause", std::string()).rfind("watchdog", 0) == 0) break;
        compare_next(r, {a.at("actuator").get<std::string>(), a.at("target"), a.at("scan_index")});
        plan_->refused(refusal_from_json(a));
        ++report_.refusals;
        break;
      }
      case wire::RecordKind::Ack: {
        if (from_watchdog(a) || a.value("status", std::string("Done")) == "Done") break;
        std::string command;
        for (const ProvenanceRef& ref : r.inputs) {
          if (ref.role == "acknowledges") command = ref.id;
        }
        const auto found = commands_.find(command);
        if (found == commands_.end()) fail(r, "acknowledges a command the log does not hold");
        const json& c = found->second;
        PlanRefusal refusal;
        refusal.source = "instrument";
        refusal.actuator = c.at("actuator").get<std::string>();
        refusal.target = c.at("target").get<std::vector<double>>();
        refusal.scan_index = c.at("scan_index").get<std::int64_t>();
        refusal.reason = a.at("status").get<std::string>();
        refusal.detail = a.value("reason", std::string());
        plan_->refused(refusal);
        ++report_.refusals;
        break;
      }
      default:
        break;
    }
  }

  const std::vector<ProvenanceRecordView>& records_;
  const PlanRegistry& registry_;
  std::unique_ptr<RunPlan> plan_;
  std::uint64_t frames_ = 0;
  std::optional<json> pending_decision_;
  std::map<std::string, json> commands_;  // by subject, for failed acks
  ReplayReport report_;
};

}  // namespace

ReplayReport replay_plan(const std::vector<ProvenanceRecordView>& records,
                         const PlanRegistry& registry) {
  return Replayer(records, registry).run();
}

}  // namespace edgeloop
