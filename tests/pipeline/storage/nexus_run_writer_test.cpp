#include "edgeloop/pipeline/storage/nexus_run_writer.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::storage {
namespace {

using testing::TempDir;

constexpr std::uint32_t kRows = 16;
constexpr std::uint32_t kCols = 24;

std::vector<std::uint16_t> pixels(std::uint64_t frame) {
  std::vector<std::uint16_t> out(std::size_t{kRows} * kCols);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint16_t>((frame * 4099 + i * 7) % 65536);
  }
  return out;
}

FrameMeta meta_for(std::uint64_t frame) {
  FrameMeta meta;
  meta.sequence = frame;
  meta.scan_index = static_cast<std::int64_t>(frame) * 2;
  meta.scan_position = {static_cast<double>(frame), -1.0};
  meta.command_seq = frame + 100;
  meta.acquired_wall_ns = 1'000'000 + static_cast<std::int64_t>(frame);
  meta.exposure_s = 0.5;
  return meta;
}

NexusRunSpec image_spec(const TempDir& dir, ChunkCodec codec,
                        ApplicationDefinition definition = ApplicationDefinition::NXem) {
  NexusRunSpec spec;
  spec.path = dir / "run.nxs";
  spec.run.run_id = Uuid::random();
  spec.run.modality = "4dstem";
  spec.run.definition = definition;
  spec.run.title = "a test run";
  spec.run.instrument_name = "sim-stem";
  spec.run.sample_name = "gold on carbon";
  spec.run.sample_description = "islands";
  spec.run.start_time = "2026-01-02T03:04:05.000000Z";
  spec.run.program_version = "1.2.3";
  spec.run.config = {{"runs", {{"data_dir", "runs"}}}};
  spec.stages.push_back(
      {"frame_sum", "2", {{"backend", "cpu"}, {"limit", 7}, {"scale", 0.5}, {"on", true}}});
  spec.stages.push_back({"virtual_detector", "1", {{"inner", 3}}});
  spec.images =
      ImageLayout{.dtype = wire::DType::U16, .rows = kRows, .cols = kCols, .codec = codec};
  return spec;
}

std::vector<std::byte> encode(const std::vector<std::uint16_t>& frame, ChunkCodec codec) {
  const auto bytes = std::as_bytes(std::span(frame));
  if (codec == ChunkCodec::Raw) return {bytes.begin(), bytes.end()};
  return formats::bslz4_compress(bytes, sizeof(std::uint16_t));
}

std::vector<std::string> string_array_attribute(const std::filesystem::path& file,
                                                const std::string& object,
                                                const std::string& name) {
  const h5::Handle f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  const h5::Handle o(H5Oopen(f.get(), object.c_str(), H5P_DEFAULT));
  const h5::Handle a(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT));
  const h5::Handle space(H5Aget_space(a.get()));
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  h5::Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<char*> raw(n, nullptr);
  EXPECT_GE(H5Aread(a.get(), type.get(), raw.data()), 0);
  std::vector<std::string> out;
  for (char* p : raw) {
    out.emplace_back(p == nullptr ? "" : p);
    H5free_memory(p);
  }
  return out;
}

std::string text(const h5::File& f, const std::string& object) {
  const auto values = f.read_strings(object);
  return values.empty() ? "" : values.front();
}

std::vector<Product> frame_products(std::uint64_t frame) {
  Product total{.name = "total", .values = {static_cast<double>(frame) + 0.5}, .units = "counts"};
  const auto v = static_cast<double>(frame);
  Product profile{.name = "profile", .values = {1.0 * v, 2.0 * v, 3.0 * v}};
  profile.errors = {0.1, 0.2, 0.3};
  profile.axes = {{.name = "q", .units = "1/nm", .values = {0.1, 0.2, 0.3}}};
  return {total, profile};
}

class NexusRunWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { formats::register_bitshuffle_hdf5_filter(); }
};

void write_image_run(const NexusRunSpec& spec, std::uint64_t frames,
                     const std::filesystem::path& log) {
  NexusRunWriter writer(spec);
  for (std::uint64_t f = 0; f < frames; ++f) {
    const auto row = writer.append_frame(meta_for(f), encode(pixels(f), spec.images->codec));
    EXPECT_EQ(row, f);
    // Row 2 has no products: it must read as NaN.
    if (f != 2) writer.append_products(row, frame_products(f));
  }
  RunEnd end;
  Product bf{.name = "virtual_bf", .values = {1, 2, 3, 4, 5, 6}, .shape = {2, 3}};
  bf.errors = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  bf.axes = {{.name = "y", .units = "nm", .values = {0, 10}},
             {.name = "x", .units = "nm", .values = {0, 10, 20}}};
  Product spectrum{.name = "spectrum", .values = {4, 5, 6, 7}};
  spectrum.axes = {{.name = "energy", .units = "eV", .values = {0, 1, 2, 3, 4}}};  // bin edges
  Product clash{.name = "data", .values = {1}};  // must not overwrite /entry/data
  end.products = {bf, spectrum, clash};
  end.summary = {{"state", "completed"}};
  end.end_time = "2026-01-02T03:05:00.000000Z";
  end.provenance_log = log;
  writer.finish(end);
  EXPECT_TRUE(writer.stats().finished);
  EXPECT_EQ(writer.stats().frames, frames);
  EXPECT_EQ(writer.stats().products_refused, 0u);
}

std::filesystem::path fake_log(const TempDir& dir) {
  const auto path = dir / "provenance.elp";
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 1000; ++i) out << "record " << i << '\n';
  return path;
}

TEST_F(NexusRunWriterTest, ImageRunReadsBackBitIdenticalWithNexusStructure) {
  const TempDir dir;
  const auto spec = image_spec(dir, ChunkCodec::BitshuffleLz4);
  const auto log = fake_log(dir);
  write_image_run(spec, 5, log);

  const auto f = h5::File::open_read_only(spec.path);
  EXPECT_EQ(f.string_attribute("/", "default"), "entry");
  EXPECT_EQ(f.string_attribute("/entry", "NX_class"), "NXentry");
  EXPECT_EQ(text(f, "/entry/definition"), "NXem");
  EXPECT_EQ(text(f, "/entry/title"), "a test run");
  EXPECT_EQ(text(f, "/entry/entry_identifier"), spec.run.run_id.str());
  EXPECT_EQ(text(f, "/entry/start_time"), spec.run.start_time);
  EXPECT_EQ(text(f, "/entry/end_time"), "2026-01-02T03:05:00.000000Z");
  EXPECT_EQ(text(f, "/entry/program_name"), "edgeloopd");
  EXPECT_EQ(f.string_attribute("/entry/program_name", "version"), "1.2.3");
  EXPECT_EQ(f.string_attribute("/entry/instrument", "NX_class"), "NXinstrument");
  EXPECT_EQ(text(f, "/entry/instrument/name"), "sim-stem");
  EXPECT_EQ(f.string_attribute("/entry/instrument/detector", "NX_class"), "NXdetector");
  EXPECT_EQ(f.string_attribute("/entry/sample", "NX_class"), "NXsample");
  EXPECT_EQ(text(f, "/entry/sample/name"), "gold on carbon");
  EXPECT_EQ(f.string_attribute("/entry/data", "NX_class"), "NXdata");
  EXPECT_EQ(f.string_attribute("/entry/data", "signal"), "data");

  // Configuration: the JSON and the hash of its compact form.
  EXPECT_EQ(nlohmann::json::parse(text(f, "/entry/configuration/data")), spec.run.config);
  EXPECT_EQ(text(f, "/entry/configuration/sha256"), to_hex(Sha256::of(spec.run.config.dump())));

  // One NXprocess per stage, in order, parameters as JSON and scalar attributes.
  EXPECT_EQ(f.string_attribute("/entry/process_frame_sum", "NX_class"), "NXprocess");
  EXPECT_EQ(text(f, "/entry/process_frame_sum/program"), "frame_sum");
  EXPECT_EQ(text(f, "/entry/process_frame_sum/version"), "2");
  EXPECT_EQ(f.read<std::int32_t>("/entry/process_frame_sum/sequence_index").at(0), 1);
  EXPECT_EQ(f.read<std::int32_t>("/entry/process_virtual_detector/sequence_index").at(0), 2);
  EXPECT_EQ(nlohmann::json::parse(text(f, "/entry/process_frame_sum/parameters")),
            spec.stages[0].parameters);
  EXPECT_EQ(f.string_attribute("/entry/process_frame_sum/parameters", "backend"), "cpu");
  EXPECT_EQ(f.int_attribute("/entry/process_frame_sum/parameters", "limit"), 7);
  EXPECT_EQ(f.double_attribute("/entry/process_frame_sum/parameters", "scale"), 0.5);
  EXPECT_EQ(f.int_attribute("/entry/process_frame_sum/parameters", "on"), 1);

  // Frames through H5Dread and the registered filter, bit for bit.
  ASSERT_EQ(f.shape("/entry/data/data"), (std::vector<std::size_t>{5, kRows, kCols}));
  const auto stored = f.read<std::uint16_t>("/entry/data/data");
  for (std::uint64_t frame = 0; frame < 5; ++frame) {
    const auto expected = pixels(frame);
    ASSERT_TRUE(std::equal(expected.begin(), expected.end(),
                           stored.begin() + static_cast<std::ptrdiff_t>(frame * expected.size())))
        << "frame " << frame;
  }
  // The detector's data is the same dataset.
  EXPECT_EQ(f.read<std::uint16_t>("/entry/instrument/detector/data"), stored);
  EXPECT_EQ(f.read<double>("/entry/instrument/detector/count_time").size(), 5u);

  // Per-frame columns.
  EXPECT_EQ(f.read<std::uint64_t>("/entry/data/sequence"),
            (std::vector<std::uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(f.read<std::int64_t>("/entry/data/scan_index"),
            (std::vector<std::int64_t>{0, 2, 4, 6, 8}));
  EXPECT_EQ(f.read<std::uint64_t>("/entry/data/command_seq"),
            (std::vector<std::uint64_t>{100, 101, 102, 103, 104}));
  EXPECT_EQ(f.read<std::int64_t>("/entry/data/acquired_wall_ns").at(3), 1'000'003);
  EXPECT_EQ(f.read<double>("/entry/data/exposure_s").at(4), 0.5);
  ASSERT_EQ(f.shape("/entry/data/scan_position"), (std::vector<std::size_t>{5, 2}));
  const auto position = f.read<double>("/entry/data/scan_position");
  EXPECT_EQ(position[6], 3.0);
  EXPECT_EQ(position[7], -1.0);

  // Per-frame products: a scalar column and a [n, 3] table with errors and an axis.
  const auto total = f.read<double>("/entry/results/total");
  ASSERT_EQ(total.size(), 5u);
  EXPECT_EQ(total[1], 1.5);
  EXPECT_TRUE(std::isnan(total[2]));
  EXPECT_EQ(total[4], 4.5);
  EXPECT_EQ(f.string_attribute("/entry/results/total", "units"), "counts");
  ASSERT_EQ(f.shape("/entry/results/profile"), (std::vector<std::size_t>{5, 3}));
  EXPECT_EQ(f.read<double>("/entry/results/profile").at(3 * 3 + 2), 9.0);
  EXPECT_EQ(f.read<double>("/entry/results/profile_errors").at(1), 0.2);
  EXPECT_EQ(f.read<double>("/entry/results/profile_q"), (std::vector<double>{0.1, 0.2, 0.3}));
  EXPECT_EQ(string_array_attribute(spec.path, "/entry/results/profile", "axes"),
            (std::vector<std::string>{".", "profile_q"}));

  // Run-level products as NXdata with axes.
  EXPECT_EQ(f.string_attribute("/entry/virtual_bf", "NX_class"), "NXdata");
  EXPECT_EQ(f.string_attribute("/entry/virtual_bf", "signal"), "data");
  EXPECT_EQ(string_array_attribute(spec.path, "/entry/virtual_bf", "axes"),
            (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(f.int_attribute("/entry/virtual_bf", "y_indices"), 0);
  EXPECT_EQ(f.int_attribute("/entry/virtual_bf", "x_indices"), 1);
  EXPECT_EQ(f.shape("/entry/virtual_bf/data"), (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(f.read<double>("/entry/virtual_bf/errors").size(), 6u);
  EXPECT_EQ(f.string_attribute("/entry/virtual_bf/x", "units"), "nm");
  EXPECT_EQ(f.read<double>("/entry/spectrum/energy").size(), 5u);  // edges kept
  EXPECT_EQ(f.string_attribute("/entry/spectrum/energy", "units"), "eV");
  EXPECT_EQ(f.read<double>("/entry/product_data/data"), (std::vector<double>{1}));
  // NXem: the virtual images, and the entry shows the first of them.
  EXPECT_EQ(f.read<double>("/entry/measurement/virtual_images/virtual_bf/data").size(), 6u);
  EXPECT_EQ(f.string_attribute("/entry", "default"), "virtual_bf");

  // Summary and provenance.
  EXPECT_EQ(nlohmann::json::parse(text(f, "/entry/summary/data"))["state"], "completed");
  EXPECT_EQ(f.string_attribute("/entry/provenance", "NX_class"), "NXnote");
  std::ifstream in(log, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), {});
  const auto embedded = f.read<std::uint8_t>("/entry/provenance/data");
  ASSERT_EQ(embedded.size(), original.size());
  EXPECT_TRUE(std::equal(embedded.begin(), embedded.end(), original.begin(),
                         [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }));
  EXPECT_EQ(text(f, "/entry/provenance/sha256"), to_hex(Sha256::of(std::string_view(original))));
}

TEST_F(NexusRunWriterTest, FrameDatasetDeclaresOptionalBitshuffleFilter) {
  const TempDir dir;
  const auto spec = image_spec(dir, ChunkCodec::BitshuffleLz4);
  write_image_run(spec, 2, fake_log(dir));
  const h5::Handle file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  const h5::Handle dataset(H5Dopen2(file.get(), "/entry/data/data", H5P_DEFAULT));
  const h5::Handle dcpl(H5Dget_create_plist(dataset.get()));
  ASSERT_EQ(H5Pget_nfilters(dcpl.get()), 1);
  unsigned flags = 0;
  std::size_t n = 8;
  std::array<unsigned, 8> cd{};
  unsigned config = 0;
  EXPECT_EQ(H5Pget_filter2(dcpl.get(), 0, &flags, &n, cd.data(), 0, nullptr, &config),
            formats::kBitshuffleFilterId);
  EXPECT_EQ(flags & H5Z_FLAG_OPTIONAL, H5Z_FLAG_OPTIONAL);
  const auto expected = formats::bitshuffle_hdf5_cd_values(2);
  ASSERT_GE(n, expected.size());
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), cd.begin()));
  std::array<hsize_t, 3> chunk{};
  ASSERT_EQ(H5Pget_chunk(dcpl.get(), 3, chunk.data()), 3);
  EXPECT_EQ(chunk, (std::array<hsize_t, 3>{1, kRows, kCols}));
}

TEST_F(NexusRunWriterTest, RawCodecStoresPixelsUnfiltered) {
  const TempDir dir;
  const auto spec = image_spec(dir, ChunkCodec::Raw);
  write_image_run(spec, 3, fake_log(dir));
  const h5::Handle file(H5Fopen(spec.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  const h5::Handle dataset(H5Dopen2(file.get(), "/entry/data/data", H5P_DEFAULT));
  const h5::Handle dcpl(H5Dget_create_plist(dataset.get()));
  EXPECT_EQ(H5Pget_nfilters(dcpl.get()), 0);
  std::vector<std::uint16_t> stored(3 * kRows * kCols);
  ASSERT_GE(H5Dread(dataset.get(), H5T_NATIVE_UINT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.data()),
            0);
  for (std::uint64_t frame = 0; frame < 3; ++frame) {
    const auto expected = pixels(frame);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(),
                           stored.begin() + static_cast<std::ptrdiff_t>(frame * expected.size())));
  }
}

TEST_F(NexusRunWriterTest, EventRunStoresEventAndChunkTablesWithApmViews) {
  const TempDir dir;
  NexusRunSpec spec;
  spec.path = dir / "apt.nxs";
  spec.run.run_id = Uuid::random();
  spec.run.modality = "apt";
  spec.run.definition = ApplicationDefinition::NXapm;
  spec.events = EventsLayout{.chunk_rows = 16};
  {
    NexusRunWriter writer(spec);
    for (std::uint64_t k = 0; k < 4; ++k) {
      std::vector<wire::Event> events;
      for (std::uint64_t i = 0; i < 10 + k; ++i) {
        events.emplace_back(k * 100 + i, 1.0f * static_cast<float>(i), -1.0f,
                            200.0f + static_cast<float>(k), 1.0f);
      }
      FrameMeta meta;
      meta.kind = FrameKind::Events;
      meta.sequence = k;
      meta.first_pulse = k * 100;
      meta.pulses = 100;
      meta.voltage_v = 4000.0 + static_cast<double>(k);
      const auto row = writer.append_events(meta, events);
      EXPECT_EQ(row, k);
      writer.append_products(
          row, {{Product{.name = "ions", .values = {10.0 + static_cast<double>(k)}}}});
    }
    EXPECT_EQ(writer.stats().events, 10u + 11 + 12 + 13);
    RunEnd end;
    Product spectrum{.name = "mass_spectrum", .values = {0, 3, 1}};
    spectrum.axes = {{.name = "mass_to_charge", .units = "Da", .values = {1, 2, 3}}};
    Product composition{.name = "composition", .values = {0.25, 0.75}};
    end.products = {spectrum, composition};
    writer.finish(end);
  }
  const auto f = h5::File::open_read_only(spec.path);
  EXPECT_EQ(text(f, "/entry/definition"), "NXapm");
  EXPECT_EQ(f.string_attribute("/entry/events", "NX_class"), "NXdata");
  const auto pulse = f.read<std::uint64_t>("/entry/events/pulse");
  ASSERT_EQ(pulse.size(), 46u);
  EXPECT_EQ(pulse[10], 100u);  // first event of chunk 1
  EXPECT_EQ(f.read<float>("/entry/events/tof_ns").at(45), 203.0f);
  EXPECT_EQ(f.read<std::uint64_t>("/entry/events/chunk_sequence").at(45), 3u);
  EXPECT_EQ(f.string_attribute("/entry/events/tof_ns", "units"), "ns");
  EXPECT_EQ(f.read<std::uint64_t>("/entry/event_chunks/event_offset"),
            (std::vector<std::uint64_t>{0, 10, 21, 33}));
  EXPECT_EQ(f.read<std::uint64_t>("/entry/event_chunks/event_count"),
            (std::vector<std::uint64_t>{10, 11, 12, 13}));
  EXPECT_EQ(f.read<double>("/entry/event_chunks/voltage_v").at(2), 4002.0);
  EXPECT_EQ(f.read<double>("/entry/results/ions"), (std::vector<double>{10, 11, 12, 13}));
  // NXapm-style views link to the same data.
  EXPECT_EQ(f.read<float>("/entry/atom_probe/ion_detector/tof_ns").size(), 46u);
  EXPECT_EQ(f.read<std::uint64_t>("/entry/atom_probe/pulser/pulse_number"), pulse);
  EXPECT_EQ(
      f.read<double>("/entry/atom_probe/ranging/mass_to_charge_distribution/mass_spectrum/data"),
      (std::vector<double>{0, 3, 1}));
  EXPECT_EQ(f.read<double>("/entry/atom_probe/ranging/composition/data").size(), 2u);
  EXPECT_EQ(f.string_attribute("/entry", "default"), "mass_spectrum");
}

TEST_F(NexusRunWriterTest, SasRunHasCanSasView) {
  const TempDir dir;
  auto spec = image_spec(dir, ChunkCodec::BitshuffleLz4, ApplicationDefinition::NXsas);
  {
    NexusRunWriter writer(spec);
    writer.append_frame(meta_for(0), encode(pixels(0), ChunkCodec::BitshuffleLz4));
    RunEnd end;
    Product iq{.name = "iq_mean", .values = {9, 8, 7}, .units = "1/cm"};
    iq.errors = {0.3, 0.2, 0.1};
    iq.axes = {{.name = "q", .units = "1/nm", .values = {0.1, 0.2, 0.3}}};
    end.products = {iq};
    writer.finish(end);
  }
  const auto f = h5::File::open_read_only(spec.path);
  EXPECT_EQ(text(f, "/entry/definition"), "NXsas");
  EXPECT_EQ(f.string_attribute("/entry", "default"), "iq_mean");
  EXPECT_EQ(f.string_attribute("/sasentry01", "canSAS_class"), "SASentry");
  EXPECT_EQ(text(f, "/sasentry01/definition"), "NXcanSAS");
  EXPECT_EQ(f.string_attribute("/sasentry01/sasdata01", "canSAS_class"), "SASdata");
  EXPECT_EQ(f.string_attribute("/sasentry01/sasdata01", "signal"), "I");
  EXPECT_EQ(f.string_attribute("/sasentry01/sasdata01", "I_axes"), "Q");
  EXPECT_EQ(f.read<double>("/sasentry01/sasdata01/I"), (std::vector<double>{9, 8, 7}));
  EXPECT_EQ(f.read<double>("/sasentry01/sasdata01/Q"), (std::vector<double>{0.1, 0.2, 0.3}));
  EXPECT_EQ(f.read<double>("/sasentry01/sasdata01/Idev"), (std::vector<double>{0.3, 0.2, 0.1}));
  EXPECT_EQ(f.string_attribute("/sasentry01/sasdata01/I", "uncertainties"), "Idev");
  EXPECT_EQ(f.string_attribute("/sasentry01/sasdata01/Q", "units"), "1/nm");
  EXPECT_EQ(f.read<double>("/entry/sasdata/I").size(), 3u);
}

TEST_F(NexusRunWriterTest, ProductsNewAfterSwmrStartedOrReshapedAreRefusedNotFatal) {
  const TempDir dir;
  const auto spec = image_spec(dir, ChunkCodec::Raw);
  NexusRunWriter writer(spec);
  writer.append_frame(meta_for(0), encode(pixels(0), ChunkCodec::Raw));
  writer.append_products(0, {{Product{.name = "a", .values = {1}},
                              Product{.name = "b", .values = {1}, .errors = {0.1}},
                              Product{.name = "b_errors", .values = {5}}}});
  EXPECT_FALSE(writer.stats().swmr);
  writer.append_frame(meta_for(1), encode(pixels(1), ChunkCodec::Raw));
  EXPECT_TRUE(writer.stats().swmr);
  writer.append_products(
      1, {{Product{.name = "a", .values = {2}}, Product{.name = "late", .values = {3}},
           Product{.name = "a", .values = {1, 2}}}});
  EXPECT_EQ(writer.stats().product_rows, 3u);
  EXPECT_EQ(writer.stats().products_refused, 3u);
  EXPECT_EQ(writer.stats().refused_products, (std::vector<std::string>{"b_errors", "late", "a"}));
  writer.finish({});
  const auto f = h5::File::open_read_only(spec.path);
  EXPECT_EQ(f.read<double>("/entry/results/a"), (std::vector<double>{1, 2}));
  EXPECT_FALSE(f.exists("/entry/results/late"));
  EXPECT_EQ(string_array_attribute(spec.path, "/entry/results", "refused_products"),
            (std::vector<std::string>{"b_errors", "late", "a"}));
  const auto b_errors = f.read<double>("/entry/results/b_errors");
  ASSERT_EQ(b_errors.size(), 2u);
  EXPECT_EQ(b_errors[0], 0.1);
  EXPECT_TRUE(std::isnan(b_errors[1]));
}

TEST_F(NexusRunWriterTest, BadArgumentsAreRejectedBeforeAnythingIsWritten) {
  const TempDir dir;
  NexusRunWriter writer(image_spec(dir, ChunkCodec::BitshuffleLz4));
  const std::vector<std::byte> short_chunk(7);
  EXPECT_THROW(writer.append_frame(meta_for(0), short_chunk), std::invalid_argument);
  // A valid bslz4 chunk of another frame size.
  const std::vector<std::uint16_t> small(10, 1);
  EXPECT_THROW(
      writer.append_frame(meta_for(0), formats::bslz4_compress(std::as_bytes(std::span(small)), 2)),
      std::invalid_argument);
  EXPECT_EQ(writer.stats().frames, 0u);
  EXPECT_THROW(writer.append_products(0, {}), std::invalid_argument);
  EXPECT_THROW(writer.append_events(meta_for(0), {}), std::logic_error);
  writer.finish({});
  EXPECT_THROW(writer.append_frame(meta_for(0), short_chunk), std::logic_error);
  EXPECT_THROW(writer.finish({}), std::logic_error);
}

TEST_F(NexusRunWriterTest, UnfinishedRunStillHoldsItsRows) {
  const TempDir dir;
  const auto spec = image_spec(dir, ChunkCodec::BitshuffleLz4);
  {
    NexusRunWriter writer(spec);
    for (std::uint64_t f = 0; f < 3; ++f) {
      writer.append_frame(meta_for(f), encode(pixels(f), ChunkCodec::BitshuffleLz4));
    }
  }  // no finish(): as when the daemon stops on an error
  const auto f = h5::File::open_read_only(spec.path);
  EXPECT_EQ(f.shape("/entry/data/data")[0], 3u);
  EXPECT_EQ(f.read<std::uint64_t>("/entry/data/sequence").size(), 3u);
  EXPECT_FALSE(f.exists("/entry/end_time"));
}

TEST_F(NexusRunWriterTest, UnwritableDirectoryGivesAClearError) {
  const TempDir dir;
  const auto locked = dir / "locked";
  std::filesystem::create_directory(locked);
  std::filesystem::permissions(
      locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto spec = image_spec(dir, ChunkCodec::Raw);
  // Root ignores permission bits; /proc refuses new files to everyone.
  spec.path = access(locked.c_str(), W_OK) == 0 ? std::filesystem::path("/proc/edgeloop-run.nxs")
                                                : locked / "run.nxs";
  try {
    NexusRunWriter writer(spec);
    FAIL() << "created " << spec.path;
  } catch (const StorageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(spec.path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("cannot create the run file"), std::string::npos) << message;
    EXPECT_FALSE(e.disk_full());
  }
  std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
}

TEST_F(NexusRunWriterTest, FullDiskMidRunIsAClearErrorNotACrash) {
  const TempDir dir;
  auto spec = image_spec(dir, ChunkCodec::Raw);
  NexusRunWriter writer(spec);
  writer.append_frame(meta_for(0), encode(pixels(0), ChunkCodec::Raw));
  writer.flush();
  // The file size limit stands in for a full disk: writes past it fail with EFBIG.
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = std::filesystem::file_size(spec.path) + 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  bool failed = false;
  try {
    for (std::uint64_t f = 1; f < 100; ++f) {
      writer.append_frame(meta_for(f), encode(pixels(f), ChunkCodec::Raw));
      writer.flush();
    }
  } catch (const StorageError& e) {
    failed = true;
    EXPECT_TRUE(e.disk_full()) << e.what();
    EXPECT_NE(std::string(e.what()).find("disk full"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(spec.path.string()), std::string::npos) << e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace edgeloop::storage
