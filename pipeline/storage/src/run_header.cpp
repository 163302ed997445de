#include "run_header.hpp"

#include <fmt/format.h>

#include <hdf5.h>

#include <string>

#include "edgeloop/core/sha256.hpp"

namespace edgeloop::storage::detail {
namespace {

std::string library_version() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  return fmt::format("{}.{}.{}", major, minor, release);
}

void write_configuration(const NexusNode& entry, const RunInfo& run) {
  const std::string text = run.config.dump(2);
  const std::string sha256 =
      run.config_sha256.empty() ? to_hex(Sha256::of(run.config.dump())) : run.config_sha256;
  const NexusNode note = entry.create_group("configuration", "NXnote");
  note.write_text("type", "application/json");
  note.write_text("description", fmt::format("effective configuration of {}", run.program_name));
  note.write_text("data", text);
  note.write_text("sha256", sha256);
}

}  // namespace

void write_stage_process(const NexusNode& entry, const StageDescription& stage, int index,
                         std::string_view date) {
  std::string name = fmt::format("process_{}", sanitized_name(stage.name));
  // Two stages of one name keep both records.
  for (int n = 2; entry.contains(name); ++n) {
    name = fmt::format("process_{}_{}", sanitized_name(stage.name), n);
  }
  const NexusNode process = entry.create_group(name, "NXprocess");
  process.write_text("program", stage.name);
  process.write_text("version", stage.version);
  process.write_scalar<std::int32_t>("sequence_index", index);
  process.write_text("date", date);
  const NexusNode parameters = process.write_text("parameters", stage.parameters.dump());
  parameters.set_attribute("type", std::string_view("application/json"));
  if (!stage.parameters.is_object()) return;
  for (const auto& [key, value] : stage.parameters.items()) {
    const std::string attribute = sanitized_name(key);
    if (attribute == "type") continue;
    if (value.is_string()) {
      parameters.set_attribute(attribute, value.get_ref<const std::string&>());
    } else if (value.is_boolean()) {
      parameters.set_attribute(attribute, std::int64_t{value.get<bool>() ? 1 : 0});
    } else if (value.is_number_integer()) {
      parameters.set_attribute(attribute, value.get<std::int64_t>());
    } else if (value.is_number()) {
      parameters.set_attribute(attribute, value.get<double>());
    }
  }
}

NexusNode write_run_header(const NexusNode& root, const NexusRunSpec& spec,
                           std::string_view start_time) {
  const RunInfo& run = spec.run;
  root.set_attribute("NX_class", std::string_view("NXroot"));
  root.set_attribute("default", std::string_view("entry"));
  root.set_attribute("file_name", spec.path.filename().string());
  root.set_attribute("file_time", start_time);
  root.set_attribute("creator", run.program_name);
  root.set_attribute("creator_version", run.program_version);
  root.set_attribute("HDF5_Version", library_version());

  NexusNode entry = root.create_group("entry", "NXentry");
  const std::string_view definition = application_definition_name(run.definition);
  entry.write_text("definition", definition);
  entry.write_text("title", run.title);
  entry.write_text("entry_identifier", run.run_id.str());
  entry.write_text("experiment_description",
                   fmt::format("edgeloop {} run {}", run.modality, run.run_id.str()));
  entry.write_text("start_time", start_time);
  entry.write_text("program_name", run.program_name)
      .set_attribute("version", run.program_version)
      .set_attribute("configuration", std::string_view("/entry/configuration"));
  entry.set_attribute("modality", run.modality);
  write_configuration(entry, run);

  const NexusNode instrument = entry.create_group("instrument", "NXinstrument");
  instrument.write_text("name", run.instrument_name);
  if (spec.images) {
    const NexusNode detector = instrument.create_group("detector", "NXdetector");
    detector.write_text("description",
                        fmt::format("{} detector of {}", run.modality, run.instrument_name));
  }

  const NexusNode sample = entry.create_group("sample", "NXsample");
  sample.write_text("name", run.sample_name);
  sample.write_text("description", run.sample_description);

  for (std::size_t i = 0; i < spec.stages.size(); ++i) {
    write_stage_process(entry, spec.stages[i], static_cast<int>(i) + 1, start_time);
  }
  entry.create_group("results", "NXcollection")
      .set_attribute("description",
                     std::string_view("per-frame products, one row per frame (or event chunk)"));
  return entry;
}

}  // namespace edgeloop::storage::detail
