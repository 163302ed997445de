// The .epos file of atom probe tomography: per ion the .pos fields plus the raw detector data
// (time of flight, voltages, hit position, pulse gap, multiplicity), 44 big-endian bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string_view>
#include <vector>

namespace edgeloop::formats {

struct EposRecord {
  float x = 0.0F;  // reconstructed position, nm
  float y = 0.0F;
  float z = 0.0F;
  float mass_to_charge = 0.0F;  // Da
  float tof_ns = 0.0F;          // raw time of flight
  float v_dc = 0.0F;            // standing voltage, V
  float v_pulse = 0.0F;         // pulse voltage, V (0 for laser pulsing)
  float det_x = 0.0F;           // hit position on the detector, mm
  float det_y = 0.0F;
  // Pulses since the previous ion's pulse (the acquisition's first pulse, number 0, stands in
  // for the previous ion of the first one). 0 for the second and later hits of one pulse.
  std::uint32_t delta_pulse = 0;
  // Hits recorded on this pulse, on the first hit of the pulse; 0 on the later ones.
  std::uint32_t multiplicity = 1;
};

inline constexpr std::size_t kEposRecordBytes = 44;

// Every reader checks, naming the file and the 1-based record: the size is a multiple of 44
// bytes, every float is finite, and the multiple hits are well formed (a record of multiplicity
// k > 1 is followed by k - 1 records of multiplicity 0 and delta_pulse 0; multiplicity 0
// appears nowhere else; the file does not end inside such a group).
std::vector<EposRecord> parse_epos(std::span<const std::byte> bytes, std::string_view source);
std::vector<EposRecord> read_epos(const std::filesystem::path& file);

// The same checks on what is written; AptFileError naming the record (nothing is written).
std::vector<std::byte> encode_epos(std::span<const EposRecord> records, std::string_view source);
void write_epos(const std::filesystem::path& file, std::span<const EposRecord> records);

namespace detail {
// Follows the multiple-hit groups of a record sequence (shared by the readers and the writer).
class MultiHitCheck {
 public:
  // AptFileError naming source and record when `r` breaks the group structure.
  void next(const EposRecord& r, std::string_view source, std::uint64_t index);
  // AptFileError when the sequence ends inside a group.
  void finish(std::string_view source, std::uint64_t record_count) const;

 private:
  std::uint32_t remaining_ = 0;  // later hits still owed to the current group
};
}  // namespace detail

// Streams a large .epos file in batches instead of holding it all in memory (a replay).
// Not thread-safe.
class EposReader {
 public:
  // AptFileError when the file cannot be opened or its size is not a multiple of 44 bytes.
  explicit EposReader(const std::filesystem::path& file);

  std::uint64_t record_count() const { return count_; }
  std::uint64_t records_read() const { return read_; }
  bool at_end() const { return read_ == count_; }
  // Fills up to out.size() records and returns how many; 0 at the end. AptFileError naming the
  // record for a bad value or an I/O failure.
  std::size_t read(std::span<EposRecord> out);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::ifstream in_;
  std::uint64_t count_ = 0;
  std::uint64_t read_ = 0;
  detail::MultiHitCheck check_;
  std::vector<std::byte> buffer_;
};

// Appends records to an .epos file as they come (recording a live acquisition), buffering up to
// 64 KiB between writes. Not thread-safe.
class EposWriter {
 public:
  enum class Mode {
    Truncate,  // start a new file
    Append,    // continue an existing one (created when missing); it must end on a whole record
  };

  explicit EposWriter(const std::filesystem::path& file, Mode mode = Mode::Truncate);
  // Flushes; an error then is lost, so call close() where it matters.
  ~EposWriter();
  EposWriter(const EposWriter&) = delete;
  EposWriter& operator=(const EposWriter&) = delete;
  EposWriter(EposWriter&&) = default;
  EposWriter& operator=(EposWriter&&) = default;

  // AptFileError naming the record (counted from the start of the file) for a non-finite value
  // or a broken multiple-hit group; the record is not written then.
  void append(const EposRecord& record);
  void append(std::span<const EposRecord> records);
  // Writes what is buffered; AptFileError on an I/O failure.
  void flush();
  // Flushes and closes; AptFileError if the last group of multiple hits is incomplete.
  void close();

  const std::filesystem::path& path() const { return path_; }
  // Records in the file, buffered ones and those there before an Append included.
  std::uint64_t records_written() const { return records_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  std::vector<std::byte> buffer_;
  std::uint64_t records_ = 0;
  detail::MultiHitCheck check_;
};

}  // namespace edgeloop::formats
