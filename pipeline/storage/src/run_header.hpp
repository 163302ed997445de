// The parts of a run file known when the run starts: root attributes, /entry with its
// identification and the effective configuration, instrument, sample, and one NXprocess per
// stage of the pipeline.
#pragma once

#include <string_view>

#include "edgeloop/pipeline/storage/nexus_run_spec.hpp"
#include "nexus_node.hpp"

namespace edgeloop::storage::detail {

// Writes everything above under `root` (the file's "/"); returns /entry.
NexusNode write_run_header(const NexusNode& root, const NexusRunSpec& spec,
                           std::string_view start_time);

// Scalar parameters become attributes of /entry/process_<name>/parameters beside the JSON.
void write_stage_process(const NexusNode& entry, const StageDescription& stage, int index,
                         std::string_view date);

}  // namespace edgeloop::storage::detail
