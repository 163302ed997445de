#include "edgeloop/jobs/job_wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace edgeloop::jobs {

namespace {

std::uint64_t as_u64(std::int64_t v) {
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

std::string text(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

}  // namespace

flatbuffers::DetachedBuffer build_job_status(const JobStatus& status) {
  flatbuffers::FlatBufferBuilder fbb(256 + 96 * status.outputs.size());
  std::vector<flatbuffers::Offset<wire::JobFile>> outputs;
  outputs.reserve(status.outputs.size());
  for (const auto& output : status.outputs) {
    const auto name = fbb.CreateString("out/" + output.name);
    const auto digest = fbb.CreateVector(output.sha256.data(), output.sha256.size());
    outputs.push_back(wire::CreateJobFile(fbb, name, digest, output.size));
  }
  const auto outputs_vector = fbb.CreateVector(outputs);
  const auto scheduler_id = fbb.CreateString(status.scheduler_id);
  const auto message = fbb.CreateString(status.message);
  const wire::Uuid job = to_wire(status.job_id);
  wire::JobStatusBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_job_id(&job);
  b.add_state(to_wire(status.state));
  b.add_scheduler_id(scheduler_id);
  b.add_attempt(status.attempt);
  b.add_exit_code(status.exit_code);
  b.add_message(message);
  b.add_outputs(outputs_vector);
  b.add_updated_wall_ns(as_u64(status.updated_wall_ns));
  fbb.Finish(b.Finish(), wire::JobStatusIdentifier());
  return fbb.Release();
}

flatbuffers::DetachedBuffer build_job_spec(const JobSpec& spec) {
  flatbuffers::FlatBufferBuilder fbb(512);
  std::vector<flatbuffers::Offset<flatbuffers::String>> args;
  args.reserve(spec.args.size());
  for (const auto& arg : spec.args) args.push_back(fbb.CreateString(arg));
  std::vector<flatbuffers::Offset<wire::JobFile>> inputs;
  inputs.reserve(spec.inputs.size());
  for (const auto& input : spec.inputs) {
    const auto name = fbb.CreateString(input.name);
    const auto digest = fbb.CreateVector(input.sha256.data(), input.sha256.size());
    inputs.push_back(wire::CreateJobFile(fbb, name, digest, input.size));
  }
  const auto args_vector = fbb.CreateVector(args);
  const auto inputs_vector = fbb.CreateVector(inputs);
  const auto program = fbb.CreateString(spec.program);
  const auto version = fbb.CreateString(spec.program_version);
  const auto runner = fbb.CreateString(spec.runner);
  const wire::Uuid job = to_wire(spec.job_id);
  const wire::Uuid run = to_wire(spec.run_id);
  wire::JobSpecBuilder b(fbb);
  b.add_schema_version(kSchemaVersion);
  b.add_job_id(&job);
  b.add_run_id(&run);
  b.add_program(program);
  b.add_program_version(version);
  b.add_args(args_vector);
  b.add_inputs(inputs_vector);
  b.add_cpus(spec.cpus);
  b.add_memory_mb(spec.memory_mb);
  b.add_time_limit_s(spec.time_limit_s);
  b.add_max_retries(spec.max_retries);
  b.add_runner(runner);
  fbb.Finish(b.Finish(), wire::JobSpecIdentifier());
  return fbb.Release();
}

JobSpec job_spec_from_wire(const wire::JobSpec& in) {
  JobSpec spec;
  spec.job_id = from_wire(in.job_id());
  spec.run_id = from_wire(in.run_id());
  spec.program = text(in.program());
  spec.program_version = text(in.program_version());
  if (in.args() != nullptr) {
    if (in.args()->size() > kMaxArgs) {
      throw JobSpecError(fmt::format("{} args, more than {}", in.args()->size(), kMaxArgs));
    }
    for (const auto* arg : *in.args()) spec.args.push_back(text(arg));
  }
  if (in.inputs() != nullptr) {
    if (in.inputs()->size() > kMaxInputs) {
      throw JobSpecError(fmt::format("{} inputs, more than {}", in.inputs()->size(), kMaxInputs));
    }
    for (const auto* file : *in.inputs()) {
      if (file == nullptr) throw JobSpecError("an input entry is null");
      InputFile input;
      input.name = text(file->name());
      const auto* digest = file->sha256();
      if (digest == nullptr || digest->size() != input.sha256.size()) {
        throw JobSpecError(fmt::format("input '{}': sha256 must be 32 bytes, got {}", input.name,
                                       digest == nullptr ? 0 : digest->size()));
      }
      std::copy(digest->begin(), digest->end(), input.sha256.begin());
      input.size = file->size();
      spec.inputs.push_back(std::move(input));
    }
  }
  spec.cpus = in.cpus();
  spec.memory_mb = in.memory_mb();
  spec.time_limit_s = in.time_limit_s();
  spec.max_retries = in.max_retries();
  spec.runner = text(in.runner());
  validate(spec);
  return spec;
}

}  // namespace edgeloop::jobs
