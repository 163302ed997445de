#include "edgeloop/formats/pos_file.hpp"

#include <array>
#include <cmath>
#include <string>

#include "big_endian.hpp"
#include "edgeloop/formats/apt_file_error.hpp"
#include "file_bytes.hpp"

namespace edgeloop::formats {
namespace {

constexpr std::array<const char*, 4> kFieldNames{"x", "y", "z", "mass_to_charge"};

std::string record_name(std::size_t index) {
  return "record " + std::to_string(index + 1);
}

void check_finite(const std::array<float, 4>& values, std::string_view source, std::size_t index) {
  for (std::size_t f = 0; f < values.size(); ++f) {
    if (!std::isfinite(values[f])) {
      throw AptFileError(std::string(source), record_name(index),
                         std::string(kFieldNames[f]) + " is not finite");
    }
  }
}

}  // namespace

std::vector<PosRecord> parse_pos(std::span<const std::byte> bytes, std::string_view source) {
  if (bytes.size() % kPosRecordBytes != 0) {
    throw AptFileError(std::string(source), "",
                       "size of " + std::to_string(bytes.size()) +
                           " bytes is not a multiple of the 16-byte .pos record (" +
                           std::to_string(bytes.size() % kPosRecordBytes) + " bytes left over)");
  }
  const std::size_t count = bytes.size() / kPosRecordBytes;
  std::vector<PosRecord> records(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::byte* p = bytes.data() + i * kPosRecordBytes;
    const std::array<float, 4> v{detail::load_be_float(p), detail::load_be_float(p + 4),
                                 detail::load_be_float(p + 8), detail::load_be_float(p + 12)};
    check_finite(v, source, i);
    records[i] = {v[0], v[1], v[2], v[3]};
  }
  return records;
}

std::vector<PosRecord> read_pos(const std::filesystem::path& file) {
  return parse_pos(detail::read_file_bytes(file), file.string());
}

std::vector<std::byte> encode_pos(std::span<const PosRecord> records, std::string_view source) {
  std::vector<std::byte> bytes(records.size() * kPosRecordBytes);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const PosRecord& r = records[i];
    const std::array<float, 4> v{r.x, r.y, r.z, r.mass_to_charge};
    check_finite(v, source, i);
    std::byte* p = bytes.data() + i * kPosRecordBytes;
    for (std::size_t f = 0; f < v.size(); ++f) detail::store_be_float(p + 4 * f, v[f]);
  }
  return bytes;
}

void write_pos(const std::filesystem::path& file, std::span<const PosRecord> records) {
  detail::write_file_bytes(file, encode_pos(records, file.string()));
}

}  // namespace edgeloop::formats
