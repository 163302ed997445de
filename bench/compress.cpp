// Lossless compression of detector frames as edgeloop stores them: compression ratio and
// single-thread MB/s of plain LZ4, zstd (levels 1 and 3), bitshuffle+LZ4 on each backend
// (cpu-sse2, the baseline; kokkos; cuda when a device exists), bitshuffle+zstd, and the
// bitshuffle library as Python users run it (Debian's `bitshuffle` module and h5py +
// hdf5plugin writing a filtered dataset), all on the same frames in the same run: 4D-STEM
// diffraction patterns and SAXS images rendered by the simulated instruments, in u8/u16/u32.
// It also splits the CPU bitshuffle+LZ4 time into transposition and LZ4, which is what decides
// where a GPU could help (docs/benchmarks.md, "Compression").
//
// Usage: bench_compress [seconds per measurement, default 0.5] [--no-python]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "edgeloop/formats/bitshuffle_chunk.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/lz4_hdf5.hpp"
#include "edgeloop/formats/zstd_hdf5.hpp"
#include "edgeloop/pipeline/compress/bitshuffle_lz4_encoder.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/sims/diffraction_model.hpp"
#include "edgeloop/sims/saxs_device.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fmts = edgeloop::formats;
namespace sims = edgeloop::sims;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct FrameSet {
  std::string name;
  std::string dtype;  // numpy's: u1, u2, u4
  std::size_t element_size = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::vector<std::byte>> frames;

  std::size_t frame_bytes() const { return rows * cols * element_size; }
  std::size_t total_bytes() const { return frames.size() * frame_bytes(); }
};

template <typename T>
std::vector<std::byte> as_bytes(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// Diffraction patterns along a line across the simulated specimen (vacuum, film, crystals).
template <typename T>
FrameSet stem_frames(std::uint32_t side, std::size_t count, double electrons) {
  constexpr std::uint64_t kSeed = 17;
  const sims::Stem4DSpecimen specimen(kSeed, 1024, 1024);
  sims::DetectorSettings detector;
  detector.size = side;
  sims::DiffractionModel model(specimen, detector, kSeed);
  sims::ProbeState probe;
  probe.electrons = electrons;
  const char* dtype = sizeof(T) == 1 ? "u1" : sizeof(T) == 2 ? "u2" : "u4";
  FrameSet set{"4D-STEM " + std::to_string(side) + "^2 " + dtype, dtype, sizeof(T), side, side, {}};
  std::vector<T> pixels(model.pixel_count());
  for (std::size_t i = 0; i < count; ++i) {
    const double x = 1024.0 * static_cast<double>(i) / static_cast<double>(count);
    model.render(x, 0.5 * x + 200.0, probe, std::span(pixels));
    set.frames.push_back(as_bytes(pixels));
  }
  return set;
}

// SAXS images of the default sample and detector (1024^2, module gaps, beamstop).
template <typename T>
FrameSet saxs_frames(std::size_t count) {
  const sims::SaxsConfig config;
  const sims::SaxsDevice device(config);
  const sims::SaxsDetector& detector = device.detector();
  const std::vector<double> expected = device.expected_frame(device.state());
  const char* dtype = sizeof(T) == 2 ? "u2" : "u4";
  FrameSet set{
      std::string("SAXS 1024^2 ") + dtype, dtype, sizeof(T), detector.rows(), detector.cols(), {}};
  std::vector<T> pixels(detector.pixel_count());
  for (std::size_t i = 0; i < count; ++i) {
    detector.render<T>(expected, 1000 + i, std::span(pixels));
    set.frames.push_back(as_bytes(pixels));
  }
  return set;
}

struct Result {
  std::string codec;
  double ratio = 0.0;
  double encode_mb_s = 0.0;
  double decode_mb_s = 0.0;  // 0: not measured
  std::string note;
};

using Encode = std::function<std::size_t(const std::vector<std::byte>& frame)>;
using Decode = std::function<void(std::size_t frame_index, std::span<std::byte> out)>;

// Runs `encode` over every frame, pass after pass, for at least `min_s` seconds; then `decode`
// likewise when given. Ratio is uncompressed over compressed bytes of one pass.
Result measure(const FrameSet& set, const std::string& codec, double min_s, const Encode& encode,
               const Decode& decode = {}) {
  Result r{codec, 0, 0, 0, {}};
  std::size_t compressed = 0;
  std::size_t passes = 0;
  const auto start = Clock::now();
  do {
    std::size_t pass_bytes = 0;
    for (const auto& frame : set.frames) pass_bytes += encode(frame);
    compressed = pass_bytes;
    ++passes;
  } while (seconds_since(start) < min_s);
  const double elapsed = seconds_since(start);
  r.ratio = static_cast<double>(set.total_bytes()) / static_cast<double>(compressed);
  r.encode_mb_s = static_cast<double>(set.total_bytes() * passes) / elapsed / 1e6;
  if (decode) {
    std::vector<std::byte> out(set.frame_bytes());
    std::size_t decode_passes = 0;
    const auto decode_start = Clock::now();
    do {
      for (std::size_t i = 0; i < set.frames.size(); ++i) decode(i, out);
      ++decode_passes;
    } while (seconds_since(decode_start) < min_s);
    r.decode_mb_s =
        static_cast<double>(set.total_bytes() * decode_passes) / seconds_since(decode_start) / 1e6;
  }
  return r;
}

// The chunks of one pass, kept for the decode measurement.
std::vector<std::vector<std::byte>> chunks_of(
    const FrameSet& set,
    const std::function<std::vector<std::byte>(const std::vector<std::byte>&)>& encode) {
  std::vector<std::vector<std::byte>> chunks;
  for (const auto& frame : set.frames) chunks.push_back(encode(frame));
  return chunks;
}

// The CPU bitshuffle+LZ4 time split in its two halves on the same frames: the whole codec
// (formats::bslz4_compress), and LZ4 alone on blocks transposed beforehand
// (bitshuffle_assemble_chunk); the transposition is the difference. Timing the transposition
// on its own through bitshuffle_transpose would add its per-call scratch allocation.
struct Split {
  double total_s = 0;
  double lz4_s = 0;
  double transpose_s() const { return total_s - lz4_s; }
};

template <typename Fn>
double seconds_per_pass(double min_s, Fn&& pass) {
  std::size_t passes = 0;
  const auto start = Clock::now();
  do {
    pass();
    ++passes;
  } while (seconds_since(start) < min_s);
  return seconds_since(start) / static_cast<double>(passes);
}

Split cpu_split(const FrameSet& set, double min_s) {
  std::vector<fmts::BitshuffleLayout> layouts;
  std::vector<std::vector<std::byte>> shuffled;
  for (const auto& frame : set.frames) {
    const auto& l = layouts.emplace_back(fmts::bitshuffle_layout(frame.size(), set.element_size));
    auto& out = shuffled.emplace_back(frame);
    for (std::size_t b = 0; b < l.block_count(); ++b) {
      fmts::bitshuffle_transpose(std::span(frame).subspan(l.block_offset(b), l.block_bytes(b)),
                                 set.element_size,
                                 std::span(out).subspan(l.block_offset(b), l.block_bytes(b)));
    }
  }
  std::vector<std::byte> out(fmts::bslz4_max_compressed_size(set.frame_bytes(), set.element_size));
  Split split;
  split.total_s = seconds_per_pass(min_s, [&] {
    for (const auto& frame : set.frames) (void)fmts::bslz4_compress(frame, set.element_size, out);
  });
  split.lz4_s = seconds_per_pass(min_s, [&] {
    for (std::size_t f = 0; f < set.frames.size(); ++f) {
      (void)fmts::bitshuffle_assemble_chunk(shuffled[f], layouts[f], out);
    }
  });
  return split;
}

// The Python side: Debian's bitshuffle module (bitshuffle.compress_lz4, the library's own
// SIMD code) per frame, and h5py writing the frames through hdf5plugin.Bitshuffle into an
// in-memory file (the filter plugin plus HDF5's chunk pipeline). Prints one line per codec:
// RESULT <codec> <compressed bytes of one pass> <MB/s>.
constexpr const char* kPythonScript = R"PY(
import sys, time
import numpy as np
path, dtype, frames, rows, cols, min_s = sys.argv[1:7]
frames, rows, cols, min_s = int(frames), int(rows), int(cols), float(min_s)
data = np.fromfile(path, dtype=dtype).reshape(frames, rows, cols)
try:
    import bitshuffle
    passes, start = 0, time.perf_counter()
    while True:
        size = sum(bitshuffle.compress_lz4(frame, 0).nbytes + 12 for frame in data)
        passes += 1
        if time.perf_counter() - start >= min_s:
            break
    rate = data.nbytes * passes / (time.perf_counter() - start) / 1e6
    simd = "AVX2" if bitshuffle.using_AVX2() else ("SSE2" if bitshuffle.using_SSE2() else "scalar")
    print(f"RESULT python-bitshuffle({simd}) {size} {rate}")
except ImportError as error:
    print(f"NOTE bitshuffle module missing: {error}")
try:
    import h5py, hdf5plugin
    passes, start, size = 0, time.perf_counter(), 0
    while True:
        with h5py.File(f"bench{passes}.h5", "w", driver="core", backing_store=False) as f:
            d = f.create_dataset("data", data=data, chunks=(1, rows, cols),
                                 **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
            f.flush()
            size = d.id.get_storage_size()
        passes += 1
        if time.perf_counter() - start >= min_s:
            break
    rate = data.nbytes * passes / (time.perf_counter() - start) / 1e6
    print(f"RESULT h5py+hdf5plugin {size} {rate}")
except Exception as error:
    print(f"NOTE h5py+hdf5plugin failed: {error}")
)PY";

std::vector<Result> python_results(const FrameSet& set, double min_s,
                                   const std::filesystem::path& dir) {
  std::vector<Result> results;
  const auto script = dir / "bench_compress.py";
  const auto raw = dir / "frames.raw";
  {
    std::ofstream(script) << kPythonScript;
    std::ofstream out(raw, std::ios::binary);
    for (const auto& frame : set.frames) {
      out.write(reinterpret_cast<const char*>(frame.data()),
                static_cast<std::streamsize>(frame.size()));
    }
  }
  std::ostringstream command;
  // One OpenMP thread: the bitshuffle module parallelises over blocks, the other codecs here
  // run on one core.
  command << "OMP_NUM_THREADS=1 /usr/bin/python3 " << script << ' ' << raw << ' ' << set.dtype
          << ' ' << set.frames.size() << ' ' << set.rows << ' ' << set.cols << ' ' << min_s
          << " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.str().c_str(), "r"), pclose);
  if (!pipe) return results;
  char line[512];
  while (std::fgets(line, sizeof line, pipe.get()) != nullptr) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "RESULT") {
      Result r;
      double size = 0;
      in >> r.codec >> size >> r.encode_mb_s;
      r.ratio = static_cast<double>(set.total_bytes()) / size;
      results.push_back(r);
    } else {
      std::printf("  python: %s", line);
    }
  }
  return results;
}

void print_table(const FrameSet& set, const std::vector<Result>& results) {
  double baseline = 0;
  for (const auto& r : results) {
    if (r.codec == "bslz4 cpu-sse2") baseline = r.encode_mb_s;
  }
  std::printf("\n%s: %zu frames of %zux%zu, %.1f MB\n", set.name.c_str(), set.frames.size(),
              set.rows, set.cols, static_cast<double>(set.total_bytes()) / 1e6);
  std::printf("  %-32s %7s %11s %12s %13s\n", "codec", "ratio", "enc MB/s", "vs cpu-sse2",
              "dec MB/s");
  for (const auto& r : results) {
    char decode[32] = "-";
    if (r.decode_mb_s > 0) std::snprintf(decode, sizeof decode, "%.0f", r.decode_mb_s);
    std::printf("  %-32s %7.2f %11.0f %11.2fx %13s %s\n", r.codec.c_str(), r.ratio, r.encode_mb_s,
                baseline > 0 ? r.encode_mb_s / baseline : 0.0, decode, r.note.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  double min_s = 0.5;
  bool python = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-python") {
      python = false;
    } else {
      min_s = std::stod(arg);
    }
  }
  const edgeloop::KokkosRuntime kokkos;
  const std::string cuda_reason = edgeloop::bitshuffle_lz4_backend_unavailable_reason("cuda");
  std::printf("bench_compress: %.2f s per measurement, one thread; cuda: %s\n", min_s,
              cuda_reason.empty() ? "available" : cuda_reason.c_str());

  std::vector<FrameSet> sets;
  sets.push_back(stem_frames<std::uint8_t>(256, 32, 5e4));
  sets.push_back(stem_frames<std::uint16_t>(256, 32, 5e4));
  sets.push_back(stem_frames<std::uint32_t>(256, 32, 5e4));
  sets.push_back(saxs_frames<std::uint16_t>(4));
  sets.push_back(saxs_frames<std::uint32_t>(4));

  const auto temp = std::filesystem::temp_directory_path() /
                    ("edgeloop_bench_compress_" + std::to_string(::getpid()));
  std::filesystem::create_directories(temp);

  for (const FrameSet& set : sets) {
    const std::size_t s = set.element_size;
    std::vector<std::byte> out(std::max({fmts::bslz4_max_compressed_size(set.frame_bytes(), s),
                                         fmts::zstd_hdf5_max_compressed_size(set.frame_bytes()),
                                         2 * set.frame_bytes() + 64}));
    std::vector<Result> results;

    const auto lz4_chunks =
        chunks_of(set, [](const auto& f) { return fmts::lz4_hdf5_compress(f); });
    results.push_back(measure(
        set, "lz4 (one block per frame)", min_s,
        [&](const auto& f) { return fmts::lz4_hdf5_compress(f).size(); },
        [&](std::size_t i, std::span<std::byte> o) {
          fmts::lz4_hdf5_decompress(lz4_chunks[i], o);
        }));
    for (const int level : {1, 3}) {
      const auto chunks =
          chunks_of(set, [&](const auto& f) { return fmts::zstd_hdf5_compress(f, level); });
      results.push_back(measure(
          set, "zstd-" + std::to_string(level), min_s,
          [&](const auto& f) { return fmts::zstd_hdf5_compress(f, out, level); },
          [&](std::size_t i, std::span<std::byte> o) {
            fmts::zstd_hdf5_decompress(chunks[i], o);
          }));
    }
    const auto bslz4_chunks =
        chunks_of(set, [&](const auto& f) { return fmts::bslz4_compress(f, s); });
    for (const std::string& backend : edgeloop::bitshuffle_lz4_backends()) {
      const std::string reason = edgeloop::bitshuffle_lz4_backend_unavailable_reason(backend);
      if (!reason.empty()) {
        results.push_back({"bslz4 " + backend, 0, 0, 0, "(not run: " + reason + ")"});
        continue;
      }
      auto encoder = edgeloop::make_bitshuffle_lz4_encoder(backend);
      Decode decode;
      if (backend == "cpu-sse2") {
        decode = [&](std::size_t i, std::span<std::byte> o) {
          fmts::bslz4_decompress(bslz4_chunks[i], s, o);
        };
      }
      Result r = measure(
          set, "bslz4 " + backend, min_s, [&](const auto& f) { return encoder->encode(f, s, out); },
          decode);
      const auto& t = encoder->times();
      if (t.transpose_s > 0) {
        char note[64];
        std::snprintf(note, sizeof note, "(transpose %.0f%% of the time)",
                      100.0 * t.transpose_s / t.total_s);
        r.note = note;
      }
      results.push_back(r);
    }
    const auto bszstd_chunks =
        chunks_of(set, [&](const auto& f) { return fmts::bszstd_compress(f, s, 3); });
    results.push_back(measure(
        set, "bitshuffle+zstd-3", min_s,
        [&](const auto& f) { return fmts::bszstd_compress(f, s, 3).size(); },
        [&](std::size_t i, std::span<std::byte> o) {
          fmts::bszstd_decompress(bszstd_chunks[i], s, o);
        }));
    if (python) {
      for (auto& r : python_results(set, min_s, temp)) {
        r.codec = "bslz4 " + r.codec;
        results.push_back(r);
      }
    }
    print_table(set, results);
    const Split split = cpu_split(set, min_s);
    std::printf(
        "  cpu-sse2 bitshuffle+LZ4 per pass: %.2f ms = transpose %.2f ms (%.0f%%) + "
        "LZ4 %.2f ms (%.0f%%)\n",
        split.total_s * 1e3, split.transpose_s() * 1e3, 100.0 * split.transpose_s() / split.total_s,
        split.lz4_s * 1e3, 100.0 * split.lz4_s / split.total_s);
  }
  std::filesystem::remove_all(temp);
  return 0;
}
