// The .pos file of atom probe tomography: reconstructed ion positions and mass-to-charge
// ratios, four big-endian float32 per ion and no header.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace edgeloop::formats {

struct PosRecord {
  float x = 0.0F;  // reconstructed position, nm
  float y = 0.0F;
  float z = 0.0F;
  float mass_to_charge = 0.0F;  // Da
};

inline constexpr std::size_t kPosRecordBytes = 16;

// Decodes a whole file's contents; `source` names it in errors. AptFileError when the size is
// not a multiple of 16 bytes or a value is not finite (naming the 1-based record).
std::vector<PosRecord> parse_pos(std::span<const std::byte> bytes, std::string_view source);
std::vector<PosRecord> read_pos(const std::filesystem::path& file);

// AptFileError naming the record for a non-finite value (nothing is written then).
std::vector<std::byte> encode_pos(std::span<const PosRecord> records, std::string_view source);
void write_pos(const std::filesystem::path& file, std::span<const PosRecord> records);

}  // namespace edgeloop::formats
