#include "edgeloop/formats/epos_file.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#include "big_endian.hpp"
#include "edgeloop/formats/apt_file_error.hpp"
#include "file_bytes.hpp"

namespace edgeloop::formats {
namespace {

constexpr std::size_t kFloatFields = 9;
constexpr std::array<const char*, kFloatFields> kFloatNames{
    "x", "y", "z", "mass_to_charge", "tof_ns", "v_dc", "v_pulse", "det_x", "det_y"};
constexpr std::size_t kWriteBufferBytes = 64 * 1024;

std::string record_name(std::uint64_t index) {
  return "record " + std::to_string(index + 1);
}

std::array<float, kFloatFields> floats_of(const EposRecord& r) {
  return {r.x, r.y, r.z, r.mass_to_charge, r.tof_ns, r.v_dc, r.v_pulse, r.det_x, r.det_y};
}

void check_finite(const EposRecord& r, std::string_view source, std::uint64_t index) {
  const auto values = floats_of(r);
  for (std::size_t f = 0; f < values.size(); ++f) {
    if (!std::isfinite(values[f])) {
      throw AptFileError(std::string(source), record_name(index),
                         std::string(kFloatNames[f]) + " is not finite");
    }
  }
}

EposRecord decode(const std::byte* p) {
  EposRecord r;
  r.x = detail::load_be_float(p);
  r.y = detail::load_be_float(p + 4);
  r.z = detail::load_be_float(p + 8);
  r.mass_to_charge = detail::load_be_float(p + 12);
  r.tof_ns = detail::load_be_float(p + 16);
  r.v_dc = detail::load_be_float(p + 20);
  r.v_pulse = detail::load_be_float(p + 24);
  r.det_x = detail::load_be_float(p + 28);
  r.det_y = detail::load_be_float(p + 32);
  r.delta_pulse = detail::load_be32(p + 36);
  r.multiplicity = detail::load_be32(p + 40);
  return r;
}

void encode(const EposRecord& r, std::byte* p) {
  const auto values = floats_of(r);
  for (std::size_t f = 0; f < values.size(); ++f) detail::store_be_float(p + 4 * f, values[f]);
  detail::store_be32(p + 36, r.delta_pulse);
  detail::store_be32(p + 40, r.multiplicity);
}

void check_size(std::uint64_t size, std::string_view source) {
  if (size % kEposRecordBytes != 0) {
    throw AptFileError(std::string(source), "",
                       "size of " + std::to_string(size) +
                           " bytes is not a multiple of the 44-byte .epos record (" +
                           std::to_string(size % kEposRecordBytes) + " bytes left over)");
  }
}

std::string os_reason() {
  return errno != 0 ? std::string(std::strerror(errno)) : std::string("I/O error");
}

}  // namespace

namespace detail {

void MultiHitCheck::next(const EposRecord& r, std::string_view source, std::uint64_t index) {
  if (remaining_ > 0) {
    if (r.multiplicity != 0 || r.delta_pulse != 0) {
      throw AptFileError(std::string(source), record_name(index),
                         "expected a later hit of a multiple hit (multiplicity 0, delta_pulse "
                         "0), " +
                             std::to_string(remaining_) + " still owed; got multiplicity " +
                             std::to_string(r.multiplicity) + ", delta_pulse " +
                             std::to_string(r.delta_pulse));
    }
    --remaining_;
    return;
  }
  if (r.multiplicity == 0) {
    throw AptFileError(std::string(source), record_name(index),
                       "multiplicity 0 outside a multiple hit");
  }
  remaining_ = r.multiplicity - 1;
}

void MultiHitCheck::finish(std::string_view source, std::uint64_t record_count) const {
  if (remaining_ > 0) {
    throw AptFileError(
        std::string(source), record_name(record_count - 1),
        "ends inside a multiple hit: " + std::to_string(remaining_) + " more hit(s) expected");
  }
}

}  // namespace detail

std::vector<EposRecord> parse_epos(std::span<const std::byte> bytes, std::string_view source) {
  check_size(bytes.size(), source);
  const std::size_t count = bytes.size() / kEposRecordBytes;
  std::vector<EposRecord> records(count);
  detail::MultiHitCheck check;
  for (std::size_t i = 0; i < count; ++i) {
    records[i] = decode(bytes.data() + i * kEposRecordBytes);
    check_finite(records[i], source, i);
    check.next(records[i], source, i);
  }
  check.finish(source, count);
  return records;
}

std::vector<EposRecord> read_epos(const std::filesystem::path& file) {
  return parse_epos(detail::read_file_bytes(file), file.string());
}

std::vector<std::byte> encode_epos(std::span<const EposRecord> records, std::string_view source) {
  std::vector<std::byte> bytes(records.size() * kEposRecordBytes);
  detail::MultiHitCheck check;
  for (std::size_t i = 0; i < records.size(); ++i) {
    check_finite(records[i], source, i);
    check.next(records[i], source, i);
    encode(records[i], bytes.data() + i * kEposRecordBytes);
  }
  check.finish(source, records.size());
  return bytes;
}

void write_epos(const std::filesystem::path& file, std::span<const EposRecord> records) {
  detail::write_file_bytes(file, encode_epos(records, file.string()));
}

EposReader::EposReader(const std::filesystem::path& file) : path_(file) {
  errno = 0;
  in_.open(file, std::ios::binary);
  if (!in_) throw AptFileError(file.string(), "", "cannot open for reading: " + os_reason());
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw AptFileError(file.string(), "", "cannot get its size: " + ec.message());
  check_size(size, file.string());
  count_ = size / kEposRecordBytes;
}

std::size_t EposReader::read(std::span<EposRecord> out) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), count_ - read_));
  if (n == 0) return 0;
  buffer_.resize(n * kEposRecordBytes);
  in_.read(reinterpret_cast<char*>(buffer_.data()), static_cast<std::streamsize>(buffer_.size()));
  if (static_cast<std::size_t>(in_.gcount()) != buffer_.size()) {
    throw AptFileError(path_.string(), record_name(read_), "cannot read: " + os_reason());
  }
  const std::string source = path_.string();
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = decode(buffer_.data() + i * kEposRecordBytes);
    check_finite(out[i], source, read_ + i);
    check_.next(out[i], source, read_ + i);
  }
  read_ += n;
  if (read_ == count_) check_.finish(source, count_);
  return n;
}

EposWriter::EposWriter(const std::filesystem::path& file, Mode mode) : path_(file) {
  if (mode == Mode::Append) {
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
      const auto size = std::filesystem::file_size(file, ec);
      if (ec) throw AptFileError(file.string(), "", "cannot get its size: " + ec.message());
      check_size(size, file.string());
      records_ = size / kEposRecordBytes;
    }
  }
  errno = 0;
  out_.open(file, std::ios::binary |
                      (mode == Mode::Append ? std::ios::app : std::ios::out | std::ios::trunc));
  if (!out_) throw AptFileError(file.string(), "", "cannot open for writing: " + os_reason());
  buffer_.reserve(kWriteBufferBytes);
}

EposWriter::~EposWriter() {
  if (!out_.is_open()) return;
  try {
    flush();
  } catch (const AptFileError&) {
    // Nothing can report it from a destructor; close() is the way to see it.
  }
}

void EposWriter::append(const EposRecord& record) {
  const std::string source = path_.string();
  check_finite(record, source, records_);
  check_.next(record, source, records_);
  const std::size_t at = buffer_.size();
  buffer_.resize(at + kEposRecordBytes);
  encode(record, buffer_.data() + at);
  ++records_;
  if (buffer_.size() >= kWriteBufferBytes) flush();
}

void EposWriter::append(std::span<const EposRecord> records) {
  for (const EposRecord& r : records) append(r);
}

void EposWriter::flush() {
  if (!out_.is_open()) throw AptFileError(path_.string(), "", "writer is closed");
  if (buffer_.empty()) return;
  errno = 0;
  out_.write(reinterpret_cast<const char*>(buffer_.data()),
             static_cast<std::streamsize>(buffer_.size()));
  out_.flush();
  if (!out_) throw AptFileError(path_.string(), "", "cannot write: " + os_reason());
  buffer_.clear();
}

void EposWriter::close() {
  if (!out_.is_open()) return;
  flush();
  out_.close();
  check_.finish(path_.string(), records_);
}

}  // namespace edgeloop::formats
