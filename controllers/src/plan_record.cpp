#include "edgeloop/controllers/plan_record.hpp"

#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include "edgeloop/core/sha256.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

json numbers_to_json(const std::vector<double>& values) {
  json out = json::array();
  for (const double v : values) out.push_back(std::isfinite(v) ? json(v) : json(nullptr));
  return out;
}

std::vector<double> numbers_from_json(const json& values, const char* what) {
  if (!values.is_array()) throw std::invalid_argument(std::string(what) + " is not an array");
  std::vector<double> out;
  out.reserve(values.size());
  for (const json& v : values) {
    if (v.is_null()) {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
    } else if (v.is_number()) {
      out.push_back(v.get<double>());
    } else {
      throw std::invalid_argument(std::string(what) + " holds something other than numbers");
    }
  }
  return out;
}

void hash_text(Sha256& h, const std::string& text) {
  const std::uint64_t size = text.size();
  h.update(std::as_bytes(std::span{&size, 1}));
  h.update(std::as_bytes(std::span{text.data(), text.size()}));
}

void hash_numbers(Sha256& h, const std::vector<double>& values) {
  const std::uint64_t size = values.size();
  h.update(std::as_bytes(std::span{&size, 1}));
  h.update(std::as_bytes(std::span{values.data(), values.size()}));
}

std::map<std::string, std::vector<double>> named_numbers(const json& object, const char* what) {
  std::map<std::string, std::vector<double>> out;
  if (object.is_null()) return out;
  if (!object.is_object()) throw std::invalid_argument(std::string(what) + " is not an object");
  for (const auto& [name, values] : object.items()) out[name] = numbers_from_json(values, what);
  return out;
}

}  // namespace

std::string observation_hash(const PlanObservation& o) {
  Sha256 h;
  h.update(std::as_bytes(std::span{&o.scan_index, 1}));
  h.update(std::as_bytes(std::span{&o.command_seq, 1}));
  hash_numbers(h, o.position);
  hash_text(h, o.payload_sha256);
  // std::map: names in a fixed order, so the hash does not depend on insertion order.
  for (const auto& [name, values] : o.products) {
    hash_text(h, "product:" + name);
    hash_numbers(h, values);
  }
  for (const auto& [name, values] : o.axes) {
    hash_text(h, "axis:" + name);
    hash_numbers(h, values);
  }
  return to_hex(h.finish());
}

json observation_to_json(const PlanObservation& o) {
  json products = json::object();
  for (const auto& [name, values] : o.products) products[name] = numbers_to_json(values);
  json axes = json::object();
  for (const auto& [name, values] : o.axes) axes[name] = numbers_to_json(values);
  return {{"scan_index", o.scan_index},
          {"command_seq", o.command_seq},
          {"position", numbers_to_json(o.position)},
          {"payload_sha256", o.payload_sha256},
          {"products", products},
          {"axes", axes}};
}

PlanObservation observation_from_json(const json& a) {
  if (!a.is_object()) throw std::invalid_argument("an observation is a JSON object");
  PlanObservation o;
  try {
    o.scan_index = a.at("scan_index").get<std::int64_t>();
    o.command_seq = a.at("command_seq").get<std::uint64_t>();
    o.position = numbers_from_json(a.at("position"), "position");
    o.payload_sha256 = a.at("payload_sha256").get<std::string>();
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("observation: ") + e.what());
  }
  o.products = named_numbers(a.value("products", json::object()), "products");
  o.axes = named_numbers(a.value("axes", json::object()), "axes");
  return o;
}

json refusal_to_json(const PlanRefusal& r) {
  return {
      {"source", r.source},         {"actuator", r.actuator}, {"target", numbers_to_json(r.target)},
      {"scan_index", r.scan_index}, {"reason", r.reason},     {"detail", r.detail}};
}

PlanRefusal refusal_from_json(const json& a) {
  if (!a.is_object()) throw std::invalid_argument("a refusal is a JSON object");
  PlanRefusal r;
  try {
    r.source = a.at("source").get<std::string>();
    r.actuator = a.at("actuator").get<std::string>();
    r.target = numbers_from_json(a.at("target"), "target");
    r.scan_index = a.at("scan_index").get<std::int64_t>();
    r.reason = a.at("reason").get<std::string>();
    r.detail = a.value("detail", std::string());
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("refusal: ") + e.what());
  }
  return r;
}

}  // namespace edgeloop
