// Embeds a run's provenance log in its run file: the log's bytes unchanged, so a copy taken
// from the file verifies exactly like the original, and their SHA-256 to check that copy.
#pragma once

#include <filesystem>

#include "nexus_node.hpp"

namespace edgeloop::storage::detail {

// Writes `entry`/provenance (NXnote): data (u8, the log byte for byte), sha256 (hex), file_name,
// type, description. Reads the log in blocks, so its size is not limited by memory.
// std::runtime_error when the log cannot be read (the group then says why).
void write_provenance_note(const NexusNode& entry, const std::filesystem::path& log);

}  // namespace edgeloop::storage::detail
