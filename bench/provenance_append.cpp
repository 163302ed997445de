// Cost of the provenance log on the hot path: every frame adds a Frame and a Result record
// (plus Command and Ack records). Measures appends/s of frame-like records against a baseline
// that writes the same number of bytes with plain write() calls in the same run, and prints
// the ratio. Usage: bench_provenance_append [records] [directory]
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "edgeloop/core/provenance_log.hpp"
#include "edgeloop/core/sha256.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

edgeloop::ProvenanceEntry frame_entry(std::uint64_t i, const edgeloop::Sha256Digest& payload) {
  edgeloop::ProvenanceEntry entry;
  entry.kind = edgeloop::wire::RecordKind::Frame;
  entry.subject = "frame/4dstem/detector/" + std::to_string(i);
  entry.sha256 = payload;
  entry.inputs.push_back({"caused_by", "command/" + std::to_string(i + 1), {}});
  entry.attributes = {
      {"stream", "4dstem/detector"},
      {"sequence", i},
      {"scan_index", i},
      {"scan_position", {static_cast<double>(i % 256), static_cast<double>(i / 256)}},
      {"shape", {96, 96}},
      {"dtype", "u16"},
      {"acquired_wall_ns", 1764068746000000000ull + i}};
  return entry;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t records = argc > 1 ? std::stoull(argv[1]) : 50000;
  const std::filesystem::path dir = argc > 2 ? argv[2] : std::filesystem::temp_directory_path();
  const auto log_file = dir / "bench-provenance.elp";
  const auto raw_file = dir / "bench-raw.bin";
  std::filesystem::remove(log_file);
  std::filesystem::remove(raw_file);

  const edgeloop::Sha256Digest payload = edgeloop::Sha256::of(std::string_view("payload"));
  edgeloop::ProvenanceOptions options;
  options.fsync = edgeloop::FsyncPolicy::OnClose;  // measure the CPU path, not the disk
  options.agent = "bench";

  const auto start = Clock::now();
  {
    auto log = edgeloop::ProvenanceLog::create(log_file, edgeloop::Uuid::random(), options, {});
    for (std::uint64_t i = 0; i < records; ++i) log->append(frame_entry(i, payload));
    log->close({});
  }
  const double log_s = seconds_since(start);
  const auto bytes = std::filesystem::file_size(log_file);

  // Baseline: the same bytes in the same number of write() calls, nothing built or hashed.
  const std::vector<char> chunk(bytes / records, 'x');
  const auto raw_start = Clock::now();
  const int fd = ::open(raw_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  for (std::uint64_t i = 0; i < records; ++i) {
    if (::write(fd, chunk.data(), chunk.size()) < 0) return 1;
  }
  ::fdatasync(fd);
  ::close(fd);
  const double raw_s = seconds_since(raw_start);

  std::printf("records: %llu, log bytes: %llu (%.0f bytes/record)\n",
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes),
              static_cast<double>(bytes) / static_cast<double>(records));
  std::printf("provenance log: %.0f records/s (%.2f us/record)\n",
              static_cast<double>(records) / log_s, log_s * 1e6 / static_cast<double>(records));
  std::printf("raw write():    %.0f records/s (%.2f us/record)\n",
              static_cast<double>(records) / raw_s, raw_s * 1e6 / static_cast<double>(records));
  std::printf("ratio (log / raw throughput): %.3f\n", raw_s / log_s);
  std::filesystem::remove(log_file);
  std::filesystem::remove(raw_file);
  return 0;
}
