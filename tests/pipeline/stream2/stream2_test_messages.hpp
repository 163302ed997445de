// A stream2 sender's side for the C++ tests: the start, image and end messages a DECTRIS
// detector sends (written from the public description cited in stream2_messages.hpp), with
// pixels that are a known function of (image, channel, row, column) so any receiver can check
// them. stream2_sender.py computes the same pixels.
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cbor_writer.hpp"
#include "edgeloop/core/dtype.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/lz4_hdf5.hpp"
#include "edgeloop/pipeline/stream2/stream2_messages.hpp"

namespace edgeloop::testing {

// The pixel value stream2_sender.py sends too: integers wrap to the element width, u32 is
// spread over all 32 bits, i32 straddles zero, floats are exact halves.
inline std::uint64_t stream2_test_value(std::uint64_t image_id, std::uint64_t channel,
                                        std::uint64_t row, std::uint64_t col) {
  // Runs of four equal values give LZ4 something to match, so "lz4" is really compressed.
  return image_id * 1000003 + channel * 7777 + row * 7919 + (col / 4) * 131;
}

inline std::vector<std::byte> stream2_test_pixels(wire::DType dtype, std::uint32_t rows,
                                                  std::uint32_t cols, std::uint64_t image_id,
                                                  std::uint64_t channel) {
  const std::size_t element = dtype_size(dtype);
  std::vector<std::byte> out(std::size_t{rows} * cols * element);
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) {
      const std::uint64_t v = stream2_test_value(image_id, channel, r, c);
      std::byte* at = out.data() + (std::size_t{r} * cols + c) * element;
      auto put = [at](auto value) { std::memcpy(at, &value, sizeof value); };
      switch (dtype) {
        case wire::DType::U8:
          put(static_cast<std::uint8_t>(v & 0xffu));
          break;
        case wire::DType::U16:
          put(static_cast<std::uint16_t>(v & 0xffffu));
          break;
        case wire::DType::U32:
          put(static_cast<std::uint32_t>((v * 2654435761u) & 0xffffffffu));
          break;
        case wire::DType::I32:
          put(static_cast<std::int32_t>(static_cast<std::int64_t>(v % 100000) - 50000));
          break;
        case wire::DType::F32:
          put(static_cast<float>(v % 65536) * 0.5f);
          break;
        case wire::DType::F64:
          put(static_cast<double>(v % 65536) * 0.5);
          break;
        default:
          break;
      }
    }
  }
  return out;
}

// RFC 8746 little-endian typed-array tags of edgeloop's element types.
inline std::uint64_t stream2_typed_array_tag(wire::DType dtype) {
  switch (dtype) {
    case wire::DType::U8:
      return 64;
    case wire::DType::U16:
      return 69;
    case wire::DType::U32:
      return 70;
    case wire::DType::I32:
      return 78;
    case wire::DType::F32:
      return 85;
    case wire::DType::F64:
      return 86;
    default:
      return 0;
  }
}

// The bytes stream2 sends for `raw` under `compression` (HDF5 filter framing).
inline std::vector<std::byte> stream2_compress(const std::vector<std::byte>& raw,
                                               Stream2Compression compression,
                                               std::size_t element_size) {
  switch (compression) {
    case Stream2Compression::Bslz4:
      return formats::bslz4_compress(raw, element_size);
    case Stream2Compression::Lz4:
      return formats::lz4_hdf5_compress(raw);
    case Stream2Compression::None:
      break;
  }
  return raw;
}

// Writes tag 40 [[rows, cols], typed array] for `raw` elements of `dtype`.
inline void write_stream2_array(CborWriter& w, wire::DType dtype, std::uint32_t rows,
                                std::uint32_t cols, const std::vector<std::byte>& raw,
                                Stream2Compression compression) {
  w.tag(40).array(2).array(2).uint(rows).uint(cols).tag(stream2_typed_array_tag(dtype));
  if (compression == Stream2Compression::None) {
    w.bytes(raw);
    return;
  }
  const std::size_t element = dtype_size(dtype);
  w.tag(56500).array(3).text(stream2_compression_name(compression));
  w.uint(compression == Stream2Compression::Bslz4 ? element : 0);
  w.bytes(stream2_compress(raw, compression, element));
}

struct TestSeries {
  std::uint64_t series_id = 7;
  std::string series_unique_id = "01HTESTSERIES7";
  std::vector<std::string> channels = {"threshold_1"};
};

struct TestImage {
  std::uint64_t image_id = 0;
  wire::DType dtype = wire::DType::U16;
  std::uint32_t rows = 12;
  std::uint32_t cols = 20;
  Stream2Compression compression = Stream2Compression::None;
  bool self_describe = true;
  bool unknown_keys = false;
};

// The unknown key a future firmware might send, with a value of every awkward kind.
inline void write_unknown_entry(CborWriter& w, std::string_view key) {
  w.key(key).map(4);
  w.key("nested").indefinite_array().uint(1).negint(5).array(1).map(0).end();
  w.key("tagged").tag(12345).bytes(std::vector<std::byte>(5, std::byte{0xab}));
  w.uint(42).text("a non-text key");  // stream2 keys are text; others must be skipped
  w.key("chunked").indefinite_bytes().bytes(std::vector<std::byte>(3)).end();
}

inline std::vector<std::byte> encode_stream2_start(const TestSeries& series, const TestImage& image,
                                                   bool unknown_keys = false) {
  CborWriter w;
  w.tag(55799).map(33 + (unknown_keys ? 1 : 0));
  w.key("type").text("start");
  if (unknown_keys) write_unknown_entry(w, "x_future_start_field");
  w.key("series_id").uint(series.series_id);
  w.key("series_unique_id").text(series.series_unique_id);
  w.key("arm_date").tag(0).text("2024-05-06T07:08:09.123456+02:00");
  w.key("beam_center_x").float64(512.5);
  w.key("beam_center_y").float32(500.25f);
  w.key("channels").array(series.channels.size());
  for (const std::string& c : series.channels) w.text(c);
  w.key("count_time").float64(0.001);
  w.key("frame_time").float64(0.0011);
  w.key("detector_distance").float64(0.25);
  w.key("detector_translation").array(3).float64(0.0).float64(0.0).float64(0.25);
  w.key("detector_description").text("Test EIGER2 X 500K");
  w.key("detector_serial_number").text("E-32-0000");
  w.key("incident_energy").float64(12400.0);
  w.key("incident_wavelength").float64(1.0);
  w.key("image_size_x").uint(image.cols);
  w.key("image_size_y").uint(image.rows);
  w.key("number_of_images").uint(3);
  w.key("bit_depth_image").uint(8 * dtype_size(image.dtype));
  w.key("pixel_size_x").float64(75e-6);
  w.key("pixel_size_y").float64(75e-6);
  w.key("saturation_value").uint(65534);
  w.key("sensor_material").text("Si");
  w.key("sensor_thickness").uint(0);  // an integer where a float is expected: accepted
  w.key("countrate_correction_enabled").boolean(true);
  w.key("flatfield_enabled").boolean(false);
  w.key("pixel_mask_enabled").boolean(true);
  w.key("virtual_pixel_interpolation_enabled").boolean(false);
  w.key("threshold_energy").map(series.channels.size());
  for (std::size_t i = 0; i < series.channels.size(); ++i) {
    w.key(series.channels[i]).float64(6000.0 + 1000.0 * static_cast<double>(i));
  }
  w.key("goniometer").map(2);
  w.key("omega").map(2).key("increment").float64(0.1).key("start").float64(-5.0);
  w.key("kappa").map(1).key("start").float64(30.0);
  w.key("pixel_mask").map(1).key(series.channels.front());
  write_stream2_array(w, wire::DType::U32, image.rows, image.cols,
                      std::vector<std::byte>(std::size_t{image.rows} * image.cols * 4),
                      Stream2Compression::None);
  w.key("flatfield").map(0);
  w.key("user_data").map(1).key("beamline").text("test");
  return w.take();
}

inline std::vector<std::byte> encode_stream2_image(const TestSeries& series,
                                                   const TestImage& image) {
  CborWriter w;
  if (image.self_describe) w.tag(55799);
  w.map(10 + (image.unknown_keys ? 1 : 0));
  w.key("type").text("image");
  w.key("series_id").uint(series.series_id);
  w.key("series_unique_id").text(series.series_unique_id);
  w.key("image_id").uint(image.image_id);
  if (image.unknown_keys) write_unknown_entry(w, "x_future_image_field");
  w.key("real_time").array(2).uint(100000 + image.image_id).uint(100000000);
  w.key("start_time").array(2).uint(image.image_id * 110000).uint(100000000);
  w.key("stop_time").array(2).uint(image.image_id * 110000 + 100000).uint(100000000);
  w.key("series_date").tag(0).text("2024-05-06T05:08:09.5Z");
  w.key("data").map(series.channels.size());
  for (std::size_t c = 0; c < series.channels.size(); ++c) {
    w.key(series.channels[c]);
    write_stream2_array(w, image.dtype, image.rows, image.cols,
                        stream2_test_pixels(image.dtype, image.rows, image.cols, image.image_id, c),
                        image.compression);
  }
  w.key("user_data").text("image appendix");
  return w.take();
}

inline std::vector<std::byte> encode_stream2_end(const TestSeries& series) {
  CborWriter w;
  w.tag(55799).map(3);
  w.key("type").text("end");
  w.key("series_id").uint(series.series_id);
  w.key("series_unique_id").text(series.series_unique_id);
  return w.take();
}

}  // namespace edgeloop::testing
