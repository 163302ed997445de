#include "edgeloop/jobs/job_json.hpp"

#include <fmt/format.h>

#include <limits>
#include <string>

namespace edgeloop::jobs {

namespace {

using nlohmann::json;

// Errors of both parsers carry the field; the caller's exception type says which document.
template <class Error>
const json& field(const json& object, const char* key) {
  if (!object.is_object()) throw Error("expected a JSON object");
  const auto it = object.find(key);
  if (it == object.end()) throw Error(fmt::format("'{}' is missing", key));
  return *it;
}

template <class Error>
std::string get_string(const json& object, const char* key) {
  const json& value = field<Error>(object, key);
  if (!value.is_string()) throw Error(fmt::format("'{}' is not a string", key));
  return value.get<std::string>();
}

template <class Error, class T>
T get_unsigned(const json& object, const char* key) {
  const json& value = field<Error>(object, key);
  if (!value.is_number_unsigned()) {
    throw Error(fmt::format("'{}' is not a non-negative integer", key));
  }
  const auto v = value.get<std::uint64_t>();
  if (v > std::numeric_limits<T>::max()) throw Error(fmt::format("'{}' is too large", key));
  return static_cast<T>(v);
}

template <class Error>
std::int64_t get_signed(const json& object, const char* key) {
  const json& value = field<Error>(object, key);
  if (!value.is_number_integer()) throw Error(fmt::format("'{}' is not an integer", key));
  return value.get<std::int64_t>();
}

template <class Error>
Uuid get_uuid(const json& object, const char* key) {
  const std::string text = get_string<Error>(object, key);
  const auto id = Uuid::parse(text);
  if (!id) throw Error(fmt::format("'{}' = '{}' is not a UUID", key, text));
  return *id;
}

template <class Error>
Sha256Digest get_digest(const json& object, const char* key) {
  const std::string text = get_string<Error>(object, key);
  const auto digest = sha256_from_hex(text);
  if (!digest) throw Error(fmt::format("'{}' is not 64 hex digits", key));
  return *digest;
}

template <class Error>
const json& get_array(const json& object, const char* key) {
  const json& value = field<Error>(object, key);
  if (!value.is_array()) throw Error(fmt::format("'{}' is not an array", key));
  return value;
}

// Wraps a std::invalid_argument subclass so that messages say where in the document.
struct StatusError : std::invalid_argument {
  explicit StatusError(const std::string& what) : std::invalid_argument("job status: " + what) {}
};

}  // namespace

json spec_to_json(const JobSpec& spec) {
  json inputs = json::array();
  for (const auto& input : spec.inputs) {
    inputs.push_back(
        {{"name", input.name}, {"sha256", to_hex(input.sha256)}, {"size", input.size}});
  }
  json environment = json::object();
  for (const auto& [key, value] : spec.environment) environment[key] = value;
  return {{"job_id", spec.job_id.str()},
          {"run_id", spec.run_id.str()},
          {"program", spec.program},
          {"program_version", spec.program_version},
          {"args", spec.args},
          {"inputs", std::move(inputs)},
          {"environment", std::move(environment)},
          {"cpus", spec.cpus},
          {"mpi_ranks", spec.mpi_ranks},
          {"memory_mb", spec.memory_mb},
          {"time_limit_s", spec.time_limit_s},
          {"max_retries", spec.max_retries},
          {"runner", spec.runner}};
}

JobSpec spec_from_json(const json& j) {
  using E = JobSpecError;
  JobSpec spec;
  spec.job_id = get_uuid<E>(j, "job_id");
  spec.run_id = get_uuid<E>(j, "run_id");
  spec.program = get_string<E>(j, "program");
  spec.program_version = get_string<E>(j, "program_version");
  for (const auto& arg : get_array<E>(j, "args")) {
    if (!arg.is_string()) throw E("'args' holds a value that is not a string");
    spec.args.push_back(arg.get<std::string>());
  }
  for (const auto& input : get_array<E>(j, "inputs")) {
    spec.inputs.push_back({get_string<E>(input, "name"), get_digest<E>(input, "sha256"),
                           get_unsigned<E, std::uint64_t>(input, "size")});
  }
  const json& environment = field<E>(j, "environment");
  if (!environment.is_object()) throw E("'environment' is not an object");
  for (const auto& [key, value] : environment.items()) {
    if (!value.is_string()) throw E(fmt::format("environment '{}' is not a string", key));
    spec.environment[key] = value.get<std::string>();
  }
  spec.cpus = get_unsigned<E, std::uint32_t>(j, "cpus");
  spec.mpi_ranks = get_unsigned<E, std::uint32_t>(j, "mpi_ranks");
  spec.memory_mb = get_unsigned<E, std::uint64_t>(j, "memory_mb");
  spec.time_limit_s = get_unsigned<E, std::uint32_t>(j, "time_limit_s");
  spec.max_retries = get_unsigned<E, std::uint32_t>(j, "max_retries");
  spec.runner = get_string<E>(j, "runner");
  return spec;
}

json status_to_json(const JobStatus& status) {
  json outputs = json::array();
  for (const auto& output : status.outputs) {
    outputs.push_back(
        {{"name", output.name}, {"sha256", to_hex(output.sha256)}, {"size", output.size}});
  }
  return {{"job_id", status.job_id.str()},
          {"run_id", status.run_id.str()},
          {"runner", status.runner},
          {"state", to_string(status.state)},
          {"scheduler_id", status.scheduler_id},
          {"attempt", status.attempt},
          {"exit_code", status.exit_code},
          {"message", status.message},
          {"outputs", std::move(outputs)},
          {"updated_wall_ns", status.updated_wall_ns},
          {"sequence", status.sequence}};
}

JobStatus status_from_json(const json& j) {
  using E = StatusError;
  JobStatus status;
  status.job_id = get_uuid<E>(j, "job_id");
  status.run_id = get_uuid<E>(j, "run_id");
  status.runner = get_string<E>(j, "runner");
  const std::string state = get_string<E>(j, "state");
  const auto parsed = job_state_from_string(state);
  if (!parsed) throw E(fmt::format("'state' = '{}' is not a job state", state));
  status.state = *parsed;
  status.scheduler_id = get_string<E>(j, "scheduler_id");
  status.attempt = get_unsigned<E, std::uint32_t>(j, "attempt");
  const std::int64_t exit_code = get_signed<E>(j, "exit_code");
  if (exit_code < std::numeric_limits<int>::min() || exit_code > std::numeric_limits<int>::max()) {
    throw E("'exit_code' is out of range");
  }
  status.exit_code = static_cast<int>(exit_code);
  status.message = get_string<E>(j, "message");
  for (const auto& output : get_array<E>(j, "outputs")) {
    status.outputs.push_back({get_string<E>(output, "name"), get_digest<E>(output, "sha256"),
                              get_unsigned<E, std::uint64_t>(output, "size")});
  }
  status.updated_wall_ns = get_signed<E>(j, "updated_wall_ns");
  status.sequence = get_unsigned<E, std::uint64_t>(j, "sequence");
  return status;
}

Sha256Digest spec_digest(const JobSpec& spec) {
  // nlohmann::json objects are ordered by key, so dump() is canonical for our documents.
  return Sha256::of(spec_to_json(spec).dump());
}

}  // namespace edgeloop::jobs
