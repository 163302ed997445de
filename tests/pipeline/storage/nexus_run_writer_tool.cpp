// Writes a small NeXus run file with deterministic contents for the h5py tests
// (nexus_h5py_test.py), optionally slowly so a SWMR reader can follow it.
//
// usage: nexus_run_writer_tool OUT.h5 [--definition NXem|NXsas|NXapm] [--frames N]
//                              [--rows R] [--cols C] [--codec bslz4|raw] [--slow MS]
//                              [--provenance FILE]
// Pixel (f, r, c) of frame f is (f * 1000 + r * 37 + c * 11) mod 65536 (u16). NXapm runs
// write N event chunks instead: chunk k has 100 + k events, event i with pulse k * 1000 + i,
// x = 0.01 i, y = -0.01 i, tof_ns = 100 + i, weight 1.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/pipeline/storage/nexus_run_writer.hpp"

namespace {

using edgeloop::Product;
using edgeloop::ProductAxis;
using namespace edgeloop::storage;

struct Options {
  std::filesystem::path out;
  ApplicationDefinition definition = ApplicationDefinition::NXem;
  std::uint64_t frames = 6;
  std::uint32_t rows = 32;
  std::uint32_t cols = 48;
  ChunkCodec codec = ChunkCodec::BitshuffleLz4;
  int slow_ms = 0;
  std::filesystem::path provenance;
};

Options parse(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.h5 [options]\n", argv[0]);
    std::exit(2);
  }
  Options o;
  o.out = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--definition") {
      o.definition = value == "NXsas"   ? ApplicationDefinition::NXsas
                     : value == "NXapm" ? ApplicationDefinition::NXapm
                                        : ApplicationDefinition::NXem;
    } else if (key == "--frames") {
      o.frames = std::stoull(value);
    } else if (key == "--rows") {
      o.rows = static_cast<std::uint32_t>(std::stoul(value));
    } else if (key == "--cols") {
      o.cols = static_cast<std::uint32_t>(std::stoul(value));
    } else if (key == "--codec") {
      o.codec = value == "raw" ? ChunkCodec::Raw : ChunkCodec::BitshuffleLz4;
    } else if (key == "--slow") {
      o.slow_ms = std::stoi(value);
    } else if (key == "--provenance") {
      o.provenance = value;
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return o;
}

std::vector<std::uint16_t> frame_pixels(std::uint64_t f, std::uint32_t rows, std::uint32_t cols) {
  std::vector<std::uint16_t> pixels(std::size_t{rows} * cols);
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) {
      pixels[std::size_t{r} * cols + c] = static_cast<std::uint16_t>(
          (f * 1000 + std::uint64_t{r} * 37 + std::uint64_t{c} * 11) % 65536);
    }
  }
  return pixels;
}

// Per-frame products: a scalar and a spectrum with errors and a q axis.
std::vector<Product> frame_products(std::uint64_t f) {
  const double base = static_cast<double>(f);
  Product total{.name = "total", .values = {base * 10.0 + 0.5}, .units = "counts"};
  Product radial{.name = "radial", .shape = {8}, .units = "counts"};
  ProductAxis q{.name = "q", .units = "1/nm"};
  for (int i = 0; i < 8; ++i) {
    radial.values.push_back(base + 0.25 * i);
    radial.errors.push_back(0.1 * (i + 1));
    q.values.push_back(0.1 * i);
  }
  radial.axes.push_back(q);
  return {total, radial};
}

std::vector<Product> run_products(ApplicationDefinition definition) {
  std::vector<Product> out;
  if (definition == ApplicationDefinition::NXsas) {
    Product iq{.name = "iq_mean", .shape = {16}, .units = "1/cm"};
    ProductAxis q{.name = "q", .units = "1/nm"};
    for (int i = 0; i < 16; ++i) {
      q.values.push_back(0.05 * (i + 1));
      iq.values.push_back(100.0 / (1.0 + i));
      iq.errors.push_back(1.0 / (1.0 + i));
    }
    iq.axes.push_back(q);
    out.push_back(iq);
  } else if (definition == ApplicationDefinition::NXem) {
    Product bf{.name = "virtual_bf", .shape = {3, 4}};
    ProductAxis y{.name = "y", .units = "scan step", .values = {0, 1, 2}};
    ProductAxis x{.name = "x", .units = "scan step", .values = {0, 1, 2, 3}};
    for (int i = 0; i < 12; ++i) bf.values.push_back(i * 1.5);
    bf.axes = {y, x};
    out.push_back(bf);
  } else {
    Product spectrum{.name = "mass_spectrum", .shape = {10}};
    ProductAxis mass{.name = "mass_to_charge", .units = "Da"};
    for (int i = 0; i < 10; ++i) {
      spectrum.values.push_back(i % 3);
      mass.values.push_back(0.5 * i);
    }
    spectrum.axes.push_back(mass);
    out.push_back(spectrum);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  NexusRunSpec spec;
  spec.path = o.out;
  spec.run.run_id = edgeloop::Uuid::random();
  spec.run.definition = o.definition;
  spec.run.modality = o.definition == ApplicationDefinition::NXsas   ? "saxs"
                      : o.definition == ApplicationDefinition::NXapm ? "apt"
                                                                     : "4dstem";
  spec.run.title = "h5py test run";
  spec.run.instrument_name = "sim";
  spec.run.sample_name = "test sample";
  spec.run.program_version = "test";
  spec.run.config = {{"ingest", {{"queue_capacity", 64}}}};
  spec.stages.push_back({"frame_sum", "1.0", {{"backend", "cpu"}, {"threshold", 2.5}}});
  const bool events = o.definition == ApplicationDefinition::NXapm;
  if (events) {
    spec.events = EventsLayout{};
  } else {
    spec.images = ImageLayout{
        .dtype = edgeloop::wire::DType::U16, .rows = o.rows, .cols = o.cols, .codec = o.codec};
  }
  NexusRunWriter writer(spec);
  for (std::uint64_t f = 0; f < o.frames; ++f) {
    edgeloop::FrameMeta meta;
    meta.sequence = f;
    meta.scan_index = static_cast<std::int64_t>(f);
    meta.scan_position = {static_cast<double>(f % 4), static_cast<double>(f / 4)};
    meta.command_seq = f + 1;
    meta.acquired_wall_ns = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(f);
    meta.exposure_s = 0.001;
    std::uint64_t row = 0;
    if (events) {
      std::vector<edgeloop::wire::Event> chunk;
      for (std::uint64_t i = 0; i < 100 + f; ++i) {
        const auto v = static_cast<float>(i);
        chunk.emplace_back(f * 1000 + i, 0.01f * v, -0.01f * v, 100.0f + v, 1.0f);
      }
      meta.first_pulse = f * 1000;
      meta.pulses = 1000;
      meta.voltage_v = 5000.0 + static_cast<double>(f);
      row = writer.append_events(meta, chunk);
    } else {
      const auto pixels = frame_pixels(f, o.rows, o.cols);
      const auto bytes = std::as_bytes(std::span(pixels));
      if (o.codec == ChunkCodec::Raw) {
        row = writer.append_frame(meta, bytes);
      } else {
        row = writer.append_frame(meta, edgeloop::formats::bslz4_compress(bytes, 2));
      }
    }
    writer.append_products(row, frame_products(f));
    if (o.slow_ms > 0) {
      writer.flush();
      std::printf("row %llu\n", static_cast<unsigned long long>(row));
      std::fflush(stdout);
      std::this_thread::sleep_for(std::chrono::milliseconds(o.slow_ms));
    }
  }
  RunEnd end;
  end.products = run_products(o.definition);
  end.summary = {{"state", "completed"}, {"frames", o.frames}};
  if (!o.provenance.empty()) end.provenance_log = o.provenance;
  writer.finish(end);
  std::printf("finished\n");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "nexus_run_writer_tool: %s\n", e.what());
  return 1;
}
