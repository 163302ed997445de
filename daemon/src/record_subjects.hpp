// The subjects under which a run's provenance log records frames and commands. Records written
// by either thread name them as inputs, so one spelling keeps the references resolvable.
#pragma once

#include <cstdint>
#include <string>

#include "edgeloop/pipeline/frame.hpp"

namespace edgeloop {

inline std::string frame_subject(const FrameMeta& meta) {
  return "frame/" + meta.stream + "/" + std::to_string(meta.sequence);
}

inline std::string command_subject(std::uint64_t seq) {
  return "command/" + std::to_string(seq);
}

}  // namespace edgeloop
