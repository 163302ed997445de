#include "edgeloop/core/prov_json.hpp"

#include <map>
#include <set>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/sha256.hpp"

namespace edgeloop {
namespace {

using nlohmann::json;

bool is_activity(wire::RecordKind kind) {
  switch (kind) {
    case wire::RecordKind::RunStarted:
    case wire::RecordKind::Command:
    case wire::RecordKind::Decision:
    case wire::RecordKind::Stage:
    case wire::RecordKind::Job:
    case wire::RecordKind::Refusal:
      return true;
    default:
      return false;
  }
}

}  // namespace

json to_prov_json(const std::vector<ProvenanceRecordView>& records, const std::string& run_id) {
  json doc = {
      {"prefix", {{"edgeloop", "urn:edgeloop:"}, {"run", "urn:edgeloop:run:" + run_id + "/"}}},
      {"entity", json::object()},
      {"activity", json::object()},
      {"agent", json::object()}};
  std::map<std::string, int> relation_counts;
  auto relate = [&](const char* relation, json body) {
    const std::string id =
        "_:" + std::string(relation) + std::to_string(++relation_counts[relation]);
    doc[relation][id] = std::move(body);
  };
  // A record's PROV id; the run itself is its RunStarted record (and ends with RunEnded).
  auto id_of = [](const std::string& subject) { return "run:" + subject; };
  std::map<std::string, bool> activity_of;  // PROV id -> activity (true) or entity
  for (const ProvenanceRecordView& r : records) {
    if (r.kind == wire::RecordKind::RunEnded) continue;
    const std::string id = id_of(r.kind == wire::RecordKind::RunStarted ? "run" : r.subject);
    activity_of[id] = is_activity(r.kind);
  }
  std::string run_activity = id_of("run");
  for (const ProvenanceRecordView& r : records) {
    const std::string kind(record_kind_name(r.kind));
    if (r.kind == wire::RecordKind::RunEnded) {
      if (doc["activity"].contains(run_activity)) {
        doc["activity"][run_activity]["prov:endTime"] = iso8601_utc(r.wall_ns);
      }
      continue;
    }
    const std::string id = id_of(r.kind == wire::RecordKind::RunStarted ? "run" : r.subject);
    json item = {
        {"prov:type", "edgeloop:" + kind},
        {"edgeloop:record", r.index},
        {"edgeloop:attributes", r.attributes.dump(-1, ' ', false, json::error_handler_t::replace)}};
    if (r.sha256) item["edgeloop:sha256"] = to_hex(*r.sha256);
    if (is_activity(r.kind)) {
      item["prov:startTime"] = iso8601_utc(r.wall_ns);
      doc["activity"][id] = std::move(item);
      if (!r.agent.empty()) {
        const std::string agent = "edgeloop:" + r.agent;
        doc["agent"][agent] = {{"prov:type", "prov:SoftwareAgent"}, {"prov:label", r.agent}};
        relate("wasAssociatedWith", {{"prov:activity", id}, {"prov:agent", agent}});
      }
      if (id != run_activity) {
        relate("wasInformedBy", {{"prov:informed", id}, {"prov:informant", run_activity}});
      }
    } else {
      item["prov:generatedAtTime"] = iso8601_utc(r.wall_ns);
      doc["entity"][id] = std::move(item);
    }
    for (const ProvenanceRef& ref : r.inputs) {
      std::string other = ref.id.rfind("sha256:", 0) == 0 ? "edgeloop:" + ref.id : id_of(ref.id);
      const auto known = activity_of.find(other);
      if (known == activity_of.end() && !doc["entity"].contains(other)) {
        // Content named only by its hash (a payload): an entity of its own.
        doc["entity"][other] = {{"prov:type", "edgeloop:content"}};
        activity_of[other] = false;
      }
      const bool other_is_activity = activity_of[other];
      const json role = ref.role;
      if (is_activity(r.kind) && other_is_activity) {
        relate("wasInformedBy",
               {{"prov:informed", id}, {"prov:informant", other}, {"prov:role", role}});
      } else if (is_activity(r.kind)) {
        relate("used", {{"prov:activity", id}, {"prov:entity", other}, {"prov:role", role}});
      } else if (other_is_activity) {
        relate("wasGeneratedBy",
               {{"prov:entity", id}, {"prov:activity", other}, {"prov:role", role}});
      } else {
        relate("wasDerivedFrom",
               {{"prov:generatedEntity", id}, {"prov:usedEntity", other}, {"prov:role", role}});
      }
    }
  }
  return doc;
}

}  // namespace edgeloop
