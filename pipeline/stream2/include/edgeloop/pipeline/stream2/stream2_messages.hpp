// The three messages of DECTRIS SIMPLON stream2 (start, image, end) as decode_stream2_message
// hands them over: series metadata as values, and every array's bytes as a range of the message
// they arrived in, so the pixels are never copied out of the ZeroMQ message.
//
// Sources (public descriptions by DECTRIS and the IETF; nothing copied from them):
// - github.com/dectris/documentation stream_v2/README.md: messages, fields and their types
// - github.com/dectris/documentation cbor/dectris-compression-tag.md: tag 56500
// - github.com/dectris/documentation stream_v2/examples/stream2.c, stream2.h, client.py
// - github.com/dectris/compression src/compression.c: "bslz4" and "lz4" framing
// - RFC 8746 (typed and multi-dimensional arrays), RFC 8949 section 3.4.6 (self-described CBOR)
// Facts relied on:
// - one CBOR map per ZeroMQ message, optionally behind tag 55799; its first key is "type", whose
//   value is "start", "image" or "end"; unknown keys must be ignored;
// - an array is tag 40 [[rows, cols], typed array]: RFC 8746 row-major, dims outermost first;
// - a typed array is a tag 64..87 (RFC 8746: 64 u8, 69 u16 LE, 70 u32 LE, 85 f32 LE, ...) around
//   a byte string, or around tag 56500 ["bslz4" | "lz4", element size | 0, byte string];
// - both compressed forms keep HDF5 filter framing: a 12-byte header (big-endian u64 uncompressed
//   bytes, big-endian u32 block bytes) then blocks each prefixed by a big-endian u32 length;
//   "bslz4" is filter 32008 (bitshuffle + LZ4), "lz4" is filter 32004 (LZ4; a block whose length
//   equals its uncompressed size is stored as is).
#pragma once

#include <edgeloop/wire/common_generated.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop {

// A byte range of the message an item was decoded from.
struct Stream2Span {
  std::size_t offset = 0;
  std::size_t length = 0;

  // The range inside `message`; empty when `message` is too short to hold it.
  std::span<const std::byte> in(std::span<const std::byte> message) const;
};

enum class Stream2Compression : std::uint8_t { None, Bslz4, Lz4 };

// "none", "bslz4", "lz4": the names stream2 uses.
std::string_view stream2_compression_name(Stream2Compression compression);

// A 2-D typed array (pixels, pixel mask, flatfield) whose bytes stay in the message.
struct Stream2Array {
  wire::DType dtype = wire::DType::Unknown;
  std::uint64_t typed_array_tag = 0;     // RFC 8746 tag, kept for diagnostics
  std::array<std::uint32_t, 2> shape{};  // rows, columns (row-major)
  std::uint32_t element_size = 0;        // bytes per element
  Stream2Compression compression = Stream2Compression::None;
  std::uint64_t uncompressed_size = 0;  // rows * columns * element_size
  // The bytes as sent: raw little-endian elements, or the compressed stream with its header.
  Stream2Span data;
};

struct Stream2Channel {
  std::string name;
  Stream2Array array;
};

// A time in seconds as numerator / denominator (the denominator is the series' time base).
struct Stream2Rational {
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 1;

  double seconds() const;
  // Rounded down to whole nanoseconds; nullopt when it does not fit an int64.
  std::optional<std::int64_t> nanoseconds() const;
};

struct Stream2GoniometerAxis {
  std::string name;
  std::optional<double> start;
  std::optional<double> increment;
};

struct Stream2ChannelValue {
  std::string channel;
  double value = 0.0;
};

// Sent once per series, at arm. Only the series identity is required; every other field is
// optional on the wire (header_detail "basic" leaves the large ones out).
struct Stream2Start {
  std::uint64_t series_id = 0;
  std::string series_unique_id;
  std::string arm_date;                     // RFC 3339 text as sent ("" when absent or numeric)
  std::optional<std::int64_t> arm_date_ns;  // the same instant, ns since the UNIX epoch (UTC)
  std::optional<double> beam_center_x;      // pixels
  std::optional<double> beam_center_y;
  std::vector<std::string> channels;  // image data is sent in this order
  std::optional<double> count_time;   // s, exposure per image
  std::optional<double> frame_time;   // s, between image starts
  std::optional<double> detector_distance;
  std::vector<double> detector_translation;  // m
  std::string detector_description;
  std::string detector_serial_number;
  std::optional<double> incident_energy;      // eV
  std::optional<double> incident_wavelength;  // angstrom
  std::optional<std::uint64_t> image_size_x;  // columns
  std::optional<std::uint64_t> image_size_y;  // rows
  std::optional<std::uint64_t> number_of_images;
  std::optional<std::uint64_t> bit_depth_image;
  std::optional<std::uint64_t> bit_depth_readout;
  std::optional<double> pixel_size_x;
  std::optional<double> pixel_size_y;
  std::optional<std::int64_t> saturation_value;
  std::string sensor_material;
  std::optional<double> sensor_thickness;
  std::optional<bool> countrate_correction_enabled;
  std::optional<bool> flatfield_enabled;
  std::optional<bool> pixel_mask_enabled;
  std::optional<bool> virtual_pixel_interpolation_enabled;
  std::vector<Stream2ChannelValue> threshold_energy;  // eV per channel
  std::vector<Stream2GoniometerAxis> goniometer;
  std::vector<Stream2Channel> flatfield;   // per channel (header_detail "all")
  std::vector<Stream2Channel> pixel_mask;  // per channel (header_detail "all")
  std::optional<Stream2Span> user_data;    // the value's CBOR encoding, undecoded
};

// Sent once per exposure, with one array per active channel.
struct Stream2Image {
  std::uint64_t series_id = 0;
  std::string series_unique_id;
  std::uint64_t image_id = 0;
  std::optional<Stream2Rational> real_time;   // s, exposure actually counted
  std::optional<Stream2Rational> start_time;  // s after series_date
  std::optional<Stream2Rational> stop_time;   // s after series_date
  std::string series_date;
  std::optional<std::int64_t> series_date_ns;
  std::vector<Stream2Channel> data;
  std::optional<Stream2Span> user_data;

  // The channel called `name`, or the first one when `name` is empty; nullptr when absent.
  const Stream2Channel* channel(std::string_view name = {}) const;
};

// Sent at disarm: the series is over.
struct Stream2End {
  std::uint64_t series_id = 0;
  std::string series_unique_id;
};

}  // namespace edgeloop
