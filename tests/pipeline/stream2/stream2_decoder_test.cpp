#include "edgeloop/pipeline/stream2/stream2_decoder.hpp"

#include <gtest/gtest.h>

#include "edgeloop/pipeline/stream2/stream2_payload_decoder.hpp"
#include "stream2_test_messages.hpp"

namespace edgeloop {
namespace {

using testing::CborWriter;
using testing::encode_stream2_end;
using testing::encode_stream2_image;
using testing::encode_stream2_start;
using testing::stream2_test_pixels;
using testing::TestImage;
using testing::TestSeries;

std::string reason_of(const Stream2Message& m) {
  return std::holds_alternative<WireError>(m) ? std::get<WireError>(m).reason : "accepted";
}

template <class T>
const T& as(const Stream2Message& m) {
  if (const auto* error = std::get_if<WireError>(&m)) {
    ADD_FAILURE() << error->reason << ": " << error->detail;
  }
  return std::get<T>(m);
}

bool lies_inside(std::span<const std::byte> part, std::span<const std::byte> whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

TEST(Stream2Decoder, DecodesEveryFieldOfAStartMessage) {
  TestSeries series;
  series.channels = {"threshold_1", "threshold_2"};
  const TestImage image;
  const auto bytes = encode_stream2_start(series, image);
  const auto message = decode_stream2_message(bytes);
  const auto& start = as<Stream2Start>(message);
  EXPECT_EQ(start.series_id, 7u);
  EXPECT_EQ(start.series_unique_id, "01HTESTSERIES7");
  EXPECT_EQ(start.arm_date, "2024-05-06T07:08:09.123456+02:00");
  // 2024-05-06T05:08:09.123456Z
  EXPECT_EQ(start.arm_date_ns, std::optional<std::int64_t>(1714972089123456000));
  EXPECT_EQ(start.beam_center_x, 512.5);
  EXPECT_EQ(start.beam_center_y, 500.25);
  EXPECT_EQ(start.channels, series.channels);
  EXPECT_EQ(start.count_time, 0.001);
  EXPECT_EQ(start.frame_time, 0.0011);
  EXPECT_EQ(start.detector_distance, 0.25);
  EXPECT_EQ(start.detector_translation, (std::vector<double>{0.0, 0.0, 0.25}));
  EXPECT_EQ(start.detector_description, "Test EIGER2 X 500K");
  EXPECT_EQ(start.detector_serial_number, "E-32-0000");
  EXPECT_EQ(start.incident_energy, 12400.0);
  EXPECT_EQ(start.incident_wavelength, 1.0);
  EXPECT_EQ(start.image_size_x, image.cols);
  EXPECT_EQ(start.image_size_y, image.rows);
  EXPECT_EQ(start.number_of_images, 3u);
  EXPECT_EQ(start.bit_depth_image, 16u);
  EXPECT_FALSE(start.bit_depth_readout.has_value());
  EXPECT_EQ(start.pixel_size_x, 75e-6);
  EXPECT_EQ(start.saturation_value, 65534);
  EXPECT_EQ(start.sensor_material, "Si");
  EXPECT_EQ(start.sensor_thickness, 0.0);
  EXPECT_EQ(start.countrate_correction_enabled, true);
  EXPECT_EQ(start.flatfield_enabled, false);
  EXPECT_EQ(start.pixel_mask_enabled, true);
  EXPECT_EQ(start.virtual_pixel_interpolation_enabled, false);
  ASSERT_EQ(start.threshold_energy.size(), 2u);
  EXPECT_EQ(start.threshold_energy[1].channel, "threshold_2");
  EXPECT_EQ(start.threshold_energy[1].value, 7000.0);
  ASSERT_EQ(start.goniometer.size(), 2u);
  EXPECT_EQ(start.goniometer[0].name, "omega");
  EXPECT_EQ(start.goniometer[0].start, -5.0);
  EXPECT_EQ(start.goniometer[0].increment, 0.1);
  EXPECT_EQ(start.goniometer[1].name, "kappa");
  EXPECT_FALSE(start.goniometer[1].increment.has_value());
  ASSERT_EQ(start.pixel_mask.size(), 1u);
  EXPECT_EQ(start.pixel_mask[0].name, "threshold_1");
  EXPECT_EQ(start.pixel_mask[0].array.dtype, wire::DType::U32);
  EXPECT_EQ(start.pixel_mask[0].array.shape, (std::array<std::uint32_t, 2>{12, 20}));
  EXPECT_TRUE(start.flatfield.empty());
  ASSERT_TRUE(start.user_data.has_value());
  // The raw CBOR of {"beamline": "test"}: decodable on its own.
  CborWriter user_data;
  user_data.map(1).key("beamline").text("test");
  const auto raw = start.user_data->in(bytes);
  EXPECT_TRUE(
      std::equal(raw.begin(), raw.end(), user_data.bytes().begin(), user_data.bytes().end()));
}

TEST(Stream2Decoder, DecodesAnEndMessage) {
  const auto bytes = encode_stream2_end(TestSeries{});
  const auto message = decode_stream2_message(bytes);
  const auto& end = as<Stream2End>(message);
  EXPECT_EQ(end.series_id, 7u);
  EXPECT_EQ(end.series_unique_id, "01HTESTSERIES7");
}

TEST(Stream2Decoder, ReportsUncompressedPixelsOfEveryTypeInPlace) {
  for (const wire::DType dtype : {wire::DType::U8, wire::DType::U16, wire::DType::U32,
                                  wire::DType::I32, wire::DType::F32, wire::DType::F64}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    TestImage spec;
    spec.dtype = dtype;
    spec.image_id = 41;
    spec.rows = 9;
    spec.cols = 13;
    const auto bytes = encode_stream2_image(TestSeries{}, spec);
    const auto message = decode_stream2_message(bytes);
    const auto& image = as<Stream2Image>(message);
    EXPECT_EQ(image.series_id, 7u);
    EXPECT_EQ(image.series_unique_id, "01HTESTSERIES7");
    EXPECT_EQ(image.image_id, 41u);
    ASSERT_TRUE(image.real_time.has_value());
    EXPECT_EQ(image.real_time->numerator, 100041u);
    EXPECT_EQ(image.real_time->denominator, 100000000u);
    EXPECT_EQ(image.start_time->numerator, 41u * 110000);
    EXPECT_EQ(image.series_date_ns, std::optional<std::int64_t>(1714972089500000000));
    ASSERT_EQ(image.data.size(), 1u);
    const Stream2Array& array = image.data[0].array;
    EXPECT_EQ(image.data[0].name, "threshold_1");
    EXPECT_EQ(array.dtype, dtype);
    EXPECT_EQ(array.element_size, dtype_size(dtype));
    EXPECT_EQ(array.shape, (std::array<std::uint32_t, 2>{9, 13}));
    EXPECT_EQ(array.compression, Stream2Compression::None);
    EXPECT_EQ(array.uncompressed_size, 9u * 13 * dtype_size(dtype));
    const auto pixels = array.data.in(bytes);
    EXPECT_TRUE(lies_inside(pixels, bytes));  // zero-copy: a range of the message itself
    const auto expected = stream2_test_pixels(dtype, 9, 13, 41, 0);
    EXPECT_TRUE(std::equal(pixels.begin(), pixels.end(), expected.begin(), expected.end()));
    ASSERT_TRUE(image.user_data.has_value());
  }
}

TEST(Stream2Decoder, ReportsCompressedPixelsThatDecompressToTheOriginals) {
  for (const auto compression : {Stream2Compression::Bslz4, Stream2Compression::Lz4}) {
    for (const wire::DType dtype : {wire::DType::U8, wire::DType::U16, wire::DType::U32}) {
      SCOPED_TRACE(std::string(stream2_compression_name(compression)) + " " +
                   std::string(dtype_name(dtype)));
      TestImage spec;
      spec.dtype = dtype;
      spec.compression = compression;
      spec.image_id = 3;
      spec.rows = 33;  // not a multiple of bitshuffle's 8-element blocks
      spec.cols = 31;
      const auto bytes = encode_stream2_image(TestSeries{}, spec);
      const auto message = decode_stream2_message(bytes);
      const auto& array = as<Stream2Image>(message).data.at(0).array;
      EXPECT_EQ(array.compression, compression);
      EXPECT_EQ(array.uncompressed_size, 33u * 31 * dtype_size(dtype));
      const auto compressed = array.data.in(bytes);
      EXPECT_TRUE(lies_inside(compressed, bytes));
      std::vector<std::byte> pixels(array.uncompressed_size);
      const auto codec =
          compression == Stream2Compression::Bslz4 ? wire::Codec::BitshuffleLz4 : wire::Codec::Lz4;
      const auto error = decompress_stream2_payload(compressed, codec, array.element_size, pixels);
      ASSERT_FALSE(error.has_value()) << error->reason << ": " << error->detail;
      EXPECT_EQ(pixels, stream2_test_pixels(dtype, 33, 31, 3, 0));
    }
  }
}

TEST(Stream2Decoder, KeepsEveryChannelInOrder) {
  TestSeries series;
  series.channels = {"threshold_1", "threshold_2", "difference"};
  TestImage spec;
  spec.compression = Stream2Compression::Bslz4;
  const auto bytes = encode_stream2_image(series, spec);
  const auto message = decode_stream2_message(bytes);
  const auto& image = as<Stream2Image>(message);
  ASSERT_EQ(image.data.size(), 3u);
  EXPECT_EQ(image.channel()->name, "threshold_1");
  EXPECT_EQ(image.channel("difference"), &image.data[2]);
  EXPECT_EQ(image.channel("threshold_9"), nullptr);
  // Channels differ, so their ranges do.
  EXPECT_NE(image.data[0].array.data.offset, image.data[1].array.data.offset);
}

TEST(Stream2Decoder, IgnoresUnknownKeysWhereverTheyAppear) {
  TestImage spec;
  spec.unknown_keys = true;
  spec.compression = Stream2Compression::Lz4;
  const auto image_bytes = encode_stream2_image(TestSeries{}, spec);
  EXPECT_EQ(reason_of(decode_stream2_message(image_bytes)), "accepted");
  const auto start_bytes = encode_stream2_start(TestSeries{}, spec, true);
  EXPECT_EQ(reason_of(decode_stream2_message(start_bytes)), "accepted");

  CborWriter end;
  end.map(6).key("type").text("end").key("series_id").uint(1);
  testing::write_unknown_entry(end, "x_new");
  end.key("series_unique_id").text("u").key("x_tagged_date").tag(0).text("not a date");
  end.key("x_float").float64(1.5);
  EXPECT_EQ(reason_of(decode_stream2_message(end.bytes())), "accepted");

  // Well-formed items libcbor 0.8 alone would refuse: a tag (6) in the initial byte and
  // unassigned simple values, one- and two-byte.
  const auto with_x = [](std::vector<std::byte> x) {
    CborWriter w;
    w.map(4).key("type").text("end").key("series_id").uint(1).key("series_unique_id").text("u");
    w.key("x").raw(x);
    return w.take();
  };
  EXPECT_EQ(reason_of(decode_stream2_message(
                with_x({std::byte{0x83}, std::byte{0xc6}, std::byte{0x01}, std::byte{0xe0},
                        std::byte{0xf8}, std::byte{0x40}}))),
            "accepted");
  EXPECT_EQ(reason_of(decode_stream2_message(with_x({std::byte{0xf8}, std::byte{0x10}}))),
            "malformed");
  EXPECT_EQ(reason_of(decode_stream2_message(with_x({std::byte{0xf8}}))), "truncated");
}

TEST(Stream2Decoder, TakesMessagesWithoutTheSelfDescribeTagAndIndefiniteMaps) {
  TestImage spec;
  spec.self_describe = false;
  EXPECT_EQ(reason_of(decode_stream2_message(encode_stream2_image(TestSeries{}, spec))),
            "accepted");
  CborWriter end;
  end.indefinite_map().key("type").text("end").key("series_unique_id").text("u");
  end.key("series_id").tag(2000).uint(9).end();  // a tag on a scalar is stepped over
  const auto message = decode_stream2_message(end.bytes());
  const auto& decoded = as<Stream2End>(message);
  EXPECT_EQ(decoded.series_id, 9u);
}

TEST(Stream2Decoder, ReadsDatesInEveryFormRfc3339Allows) {
  const auto date_of = [](auto&& write_date) {
    CborWriter w;
    w.map(4).key("type").text("start").key("series_id").uint(1);
    w.key("series_unique_id").text("u").key("arm_date");
    write_date(w);
    const auto m = decode_stream2_message(w.bytes());
    return std::holds_alternative<Stream2Start>(m) ? std::get<Stream2Start>(m).arm_date_ns
                                                   : std::optional<std::int64_t>(-1);
  };
  const auto text = [&](const char* s) {
    return date_of([s](CborWriter& w) { w.tag(0).text(s); });
  };
  EXPECT_EQ(text("1970-01-01T00:00:00Z"), std::optional<std::int64_t>(0));
  EXPECT_EQ(text("1970-01-01t01:00:00+01:00"), std::optional<std::int64_t>(0));
  EXPECT_EQ(text("1969-12-31 23:59:59.999999999-00:00"), std::optional<std::int64_t>(-1));
  EXPECT_EQ(text("2024-02-29T12:00:00.5Z"), std::optional<std::int64_t>(1709208000500000000));
  // Kept as text but without an instant: informational fields do not refuse images.
  EXPECT_EQ(text("2023-02-29T12:00:00Z"), std::nullopt);
  EXPECT_EQ(text("2024-05-06T07:08:09"), std::nullopt);
  EXPECT_EQ(text("2024-05-06T07:08:09.Z"), std::nullopt);
  EXPECT_EQ(text("yesterday"), std::nullopt);
  EXPECT_EQ(date_of([](CborWriter& w) { w.tag(1).uint(1700000000); }),
            std::optional<std::int64_t>(1700000000000000000));
  EXPECT_EQ(date_of([](CborWriter& w) { w.uint(5); }), std::optional<std::int64_t>(-1));
}

// --- refusals ---------------------------------------------------------------------------

// An image message with `array` written by the caller as the only channel's value.
template <class WriteArray>
std::vector<std::byte> image_with(WriteArray&& write_array) {
  CborWriter w;
  w.tag(55799).map(5).key("type").text("image").key("series_id").uint(1);
  w.key("series_unique_id").text("u").key("image_id").uint(0).key("data").map(1).key("c");
  write_array(w);
  return w.take();
}

std::vector<std::byte> raw_u16(std::size_t elements) {
  return std::vector<std::byte>(elements * 2, std::byte{1});
}

TEST(Stream2Decoder, RefusesMessagesThatAreNotStream2) {
  EXPECT_EQ(reason_of(decode_stream2_message({})), "truncated");
  CborWriter array;
  array.array(1).text("type");
  EXPECT_EQ(reason_of(decode_stream2_message(array.bytes())), "not_stream2");
  CborWriter late_type;
  late_type.map(2).key("series_id").uint(1).key("type").text("end");
  EXPECT_EQ(reason_of(decode_stream2_message(late_type.bytes())), "not_stream2");
  CborWriter empty;
  empty.map(0);
  EXPECT_EQ(reason_of(decode_stream2_message(empty.bytes())), "not_stream2");
  CborWriter unknown;
  unknown.map(1).key("type").text("calibration");
  EXPECT_EQ(reason_of(decode_stream2_message(unknown.bytes())), "unknown_type");
  CborWriter type_number;
  type_number.map(1).key("type").uint(1);
  EXPECT_EQ(reason_of(decode_stream2_message(type_number.bytes())), "bad_type");
  auto trailing = encode_stream2_end(TestSeries{});
  trailing.push_back(std::byte{0});
  EXPECT_EQ(reason_of(decode_stream2_message(trailing)), "trailing_bytes");
  const std::vector<std::byte> reserved{std::byte{0x1c}};
  EXPECT_EQ(reason_of(decode_stream2_message(reserved)), "malformed");
}

TEST(Stream2Decoder, RefusesMissingDuplicateAndMistypedFields) {
  CborWriter no_id;
  no_id.map(2).key("type").text("end").key("series_unique_id").text("u");
  EXPECT_EQ(reason_of(decode_stream2_message(no_id.bytes())), "missing_field");
  CborWriter no_data;
  no_data.map(4).key("type").text("image").key("series_id").uint(1);
  no_data.key("series_unique_id").text("u").key("image_id").uint(0);
  EXPECT_EQ(reason_of(decode_stream2_message(no_data.bytes())), "missing_field");
  CborWriter empty_data;
  empty_data.map(5).key("type").text("image").key("series_id").uint(1);
  empty_data.key("series_unique_id").text("u").key("image_id").uint(0).key("data").map(0);
  EXPECT_EQ(reason_of(decode_stream2_message(empty_data.bytes())), "missing_field");
  CborWriter twice;
  twice.map(4).key("type").text("end").key("series_id").uint(1).key("series_id").uint(2);
  twice.key("series_unique_id").text("u");
  EXPECT_EQ(reason_of(decode_stream2_message(twice.bytes())), "duplicate_field");
  CborWriter text_id;
  text_id.map(3).key("type").text("end").key("series_id").text("1");
  text_id.key("series_unique_id").text("u");
  const auto mistyped = decode_stream2_message(text_id.bytes());
  EXPECT_EQ(reason_of(mistyped), "bad_type");
  EXPECT_NE(std::get<WireError>(mistyped).detail.find("series_id"), std::string::npos);
  CborWriter negative_id;
  negative_id.map(3).key("type").text("end").key("series_id").negint(0);
  negative_id.key("series_unique_id").text("u");
  EXPECT_EQ(reason_of(decode_stream2_message(negative_id.bytes())), "bad_type");
  CborWriter zero_denominator;
  zero_denominator.map(6).key("type").text("image").key("series_id").uint(1);
  zero_denominator.key("series_unique_id").text("u").key("image_id").uint(0);
  zero_denominator.key("real_time").array(2).uint(1).uint(0).key("data").map(0);
  EXPECT_EQ(reason_of(decode_stream2_message(zero_denominator.bytes())), "bad_field");
  CborWriter long_text;
  long_text.map(3).key("type").text("end").key("series_id").uint(1);
  long_text.key("series_unique_id").text(std::string(5000, 'x'));
  EXPECT_EQ(reason_of(decode_stream2_message(long_text.bytes())), "too_large");
  CborWriter chunked_text;
  chunked_text.map(3).key("type").text("end").key("series_id").uint(1);
  chunked_text.key("series_unique_id").raw(std::vector<std::byte>{std::byte{0x7f}});
  chunked_text.text("u").end();
  EXPECT_EQ(reason_of(decode_stream2_message(chunked_text.bytes())), "bad_type");
}

TEST(Stream2Decoder, RefusesArraysItCannotHandOnAsFrames) {
  const auto u16_array = [](std::uint64_t tag, std::uint64_t rows, std::uint64_t cols,
                            std::size_t elements) {
    return image_with([&](CborWriter& w) {
      w.tag(40).array(2).array(2).uint(rows).uint(cols).tag(tag).bytes(raw_u16(elements));
    });
  };
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 3, 4, 12))), "accepted");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(65, 3, 4, 12))), "unsupported_dtype");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(84, 3, 4, 12))), "unsupported_dtype");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(76, 3, 4, 12))), "bad_tag");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(99, 3, 4, 12))), "bad_tag");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 3, 4, 11))), "payload_size");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 0, 4, 0))), "bad_shape");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 70000, 1, 70000))), "bad_shape");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 1ull << 40, 1, 1))), "bad_shape");

  const auto column_major = image_with([](CborWriter& w) {
    w.tag(1040).array(2).array(2).uint(3).uint(4).tag(69).bytes(raw_u16(12));
  });
  EXPECT_EQ(reason_of(decode_stream2_message(column_major)), "unsupported_layout");
  const auto rank3 = image_with([](CborWriter& w) {
    w.tag(40).array(2).array(3).uint(2).uint(3).uint(4).tag(69).bytes(raw_u16(24));
  });
  EXPECT_EQ(reason_of(decode_stream2_message(rank3)), "bad_shape");
  const auto untagged = image_with([](CborWriter& w) { w.bytes(raw_u16(12)); });
  EXPECT_EQ(reason_of(decode_stream2_message(untagged)), "bad_type");
  const auto wrong_outer = image_with([](CborWriter& w) {
    w.tag(41).array(2).array(2).uint(3).uint(4).tag(69).bytes(raw_u16(12));
  });
  EXPECT_EQ(reason_of(decode_stream2_message(wrong_outer)), "bad_tag");
  const auto untyped = image_with(
      [](CborWriter& w) { w.tag(40).array(2).array(2).uint(3).uint(4).bytes(raw_u16(12)); });
  EXPECT_EQ(reason_of(decode_stream2_message(untyped)), "bad_type");
  const auto chunked = image_with([](CborWriter& w) {
    w.tag(40).array(2).array(2).uint(3).uint(4).tag(69).indefinite_bytes();
    w.bytes(raw_u16(6)).bytes(raw_u16(6)).end();
  });
  EXPECT_EQ(reason_of(decode_stream2_message(chunked)), "unsupported_encoding");

  Stream2Limits small;
  small.max_array_bytes = 1000;
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 20, 25, 500), small)), "accepted");
  EXPECT_EQ(reason_of(decode_stream2_message(u16_array(69, 20, 26, 520), small)), "too_large");
  const auto huge = u16_array(69, 65536, 65536, 1);
  EXPECT_EQ(reason_of(decode_stream2_message(huge)), "too_large");
}

TEST(Stream2Decoder, RefusesCompressionItCannotUndo) {
  const auto compressed = [](std::string_view algorithm, std::uint64_t modifier,
                             std::vector<std::byte> data) {
    return image_with([&](CborWriter& w) {
      w.tag(40).array(2).array(2).uint(3).uint(4).tag(69);
      w.tag(56500).array(3).text(algorithm).uint(modifier).bytes(data);
    });
  };
  const auto good = formats::bslz4_compress(raw_u16(12), 2);
  EXPECT_EQ(reason_of(decode_stream2_message(compressed("bslz4", 2, good))), "accepted");
  EXPECT_EQ(reason_of(decode_stream2_message(compressed("bslz4", 4, good))), "bad_field");
  EXPECT_EQ(reason_of(decode_stream2_message(compressed("zstd", 2, good))),
            "unsupported_compression");
  EXPECT_EQ(
      reason_of(decode_stream2_message(compressed("bslz4", 2, {good.begin(), good.begin() + 11}))),
      "payload_size");
  const auto other = formats::bslz4_compress(raw_u16(13), 2);
  EXPECT_EQ(reason_of(decode_stream2_message(compressed("bslz4", 2, other))), "payload_size");
  const auto lz4 = formats::lz4_hdf5_compress(raw_u16(12));
  EXPECT_EQ(reason_of(decode_stream2_message(compressed("lz4", 0, lz4))), "accepted");
  const auto wrong_tag = image_with([](CborWriter& w) {
    w.tag(40).array(2).array(2).uint(3).uint(4).tag(69).tag(56501).array(3).text("lz4");
    w.uint(0).bytes(raw_u16(12));
  });
  EXPECT_EQ(reason_of(decode_stream2_message(wrong_tag)), "bad_tag");
  const auto pair = image_with([](CborWriter& w) {
    w.tag(40).array(2).array(2).uint(3).uint(4).tag(69).tag(56500).array(2).text("lz4");
    w.bytes(raw_u16(12));
  });
  EXPECT_EQ(reason_of(decode_stream2_message(pair)), "bad_type");
}

TEST(Stream2Decoder, RefusesTooManyChannelsAndTooDeepNesting) {
  CborWriter many;
  many.map(5).key("type").text("image").key("series_id").uint(1);
  many.key("series_unique_id").text("u").key("image_id").uint(0).key("data").map(17);
  for (int i = 0; i < 17; ++i) {
    many.key("c" + std::to_string(i)).tag(40).array(2).array(2).uint(1).uint(1).tag(64);
    many.bytes(std::vector<std::byte>(1));
  }
  EXPECT_EQ(reason_of(decode_stream2_message(many.bytes())), "too_large");

  CborWriter deep;
  deep.map(4).key("type").text("end").key("series_id").uint(1).key("series_unique_id").text("u");
  deep.key("x_deep");
  for (int i = 0; i < 100000; ++i) deep.array(1);
  deep.uint(0);
  EXPECT_EQ(reason_of(decode_stream2_message(deep.bytes())), "too_deep");
  CborWriter tags;
  tags.map(3).key("type").text("end").key("series_unique_id").text("u").key("series_id");
  for (int i = 0; i < 100000; ++i) tags.tag(7000);
  tags.uint(0);
  EXPECT_EQ(reason_of(decode_stream2_message(tags.bytes())), "too_deep");
}

}  // namespace
}  // namespace edgeloop
