// Whole-file reads and writes for the formats' readers and writers, failing with an
// AptFileError that names the file and the operating system's reason.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace edgeloop::formats::detail {

std::vector<std::byte> read_file_bytes(const std::filesystem::path& file);
// Creates or truncates the file.
void write_file_bytes(const std::filesystem::path& file, std::span<const std::byte> bytes);

}  // namespace edgeloop::formats::detail
