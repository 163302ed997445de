#include "edgeloop/pipeline/stream2/stream2_frame.hpp"

#include <gtest/gtest.h>

#include "edgeloop/core/sha256.hpp"
#include "edgeloop/pipeline/stream2/stream2_decoder.hpp"
#include "edgeloop/pipeline/stream2/stream2_payload_decoder.hpp"
#include "edgeloop/pipeline/stream2/zmq_subspan_payload.hpp"
#include "stream2_test_messages.hpp"

namespace edgeloop {
namespace {

using testing::TestImage;
using testing::TestSeries;

zmq::message_t message_of(const std::vector<std::byte>& bytes) {
  return zmq::message_t(bytes.data(), bytes.size());
}

std::span<const std::byte> span_of(const zmq::message_t& m) {
  return {static_cast<const std::byte*>(m.data()), m.size()};
}

// A received message and what the decoder made of it, as the daemon's I/O thread holds them.
struct Received {
  zmq::message_t message;
  Stream2Message decoded;
};

Received receive(const std::vector<std::byte>& bytes) {
  Received r{message_of(bytes), {}};
  r.decoded = decode_stream2_message(span_of(r.message));
  return r;
}

Stream2Start start_of(const TestSeries& series, const TestImage& spec) {
  auto decoded = decode_stream2_message(testing::encode_stream2_start(series, spec));
  return std::get<Stream2Start>(decoded);
}

Stream2FrameOptions options() {
  return {.stream = "saxs/eiger", .modality = wire::Modality::Saxs, .channel = {}};
}

TEST(Stream2Frame, KeepsRawPixelsInsideTheMessage) {
  TestImage spec;
  spec.image_id = 5;
  spec.dtype = wire::DType::U32;
  const TestSeries series;
  const Stream2Start start = start_of(series, spec);
  Received r = receive(testing::encode_stream2_image(series, spec));
  const auto& image = std::get<Stream2Image>(r.decoded);
  const std::byte* message_begin = static_cast<const std::byte*>(r.message.data());
  const std::size_t message_size = r.message.size();

  auto result = stream2_image_to_frame(image, &start, std::move(r.message), options());
  ASSERT_TRUE(std::holds_alternative<Frame>(result)) << std::get<WireError>(result).detail;
  Frame& frame = std::get<Frame>(result);
  EXPECT_EQ(frame.meta.kind, FrameKind::Image);
  EXPECT_EQ(frame.meta.stream, "saxs/eiger");
  EXPECT_EQ(frame.meta.modality, wire::Modality::Saxs);
  EXPECT_EQ(frame.meta.sequence, 5u);
  EXPECT_EQ(frame.meta.dtype, wire::DType::U32);
  EXPECT_EQ(frame.meta.shape, (std::vector<std::uint32_t>{12, 20}));
  EXPECT_EQ(frame.meta.codec, wire::Codec::Raw);
  EXPECT_EQ(frame.meta.uncompressed_size, 12u * 20 * 4);
  EXPECT_DOUBLE_EQ(frame.meta.exposure_s, 100005.0 / 1e8);  // real_time wins over count_time
  // series_date 2024-05-06T05:08:09.5Z plus start_time 5 * 1.1 ms.
  EXPECT_EQ(frame.meta.acquired_wall_ns, 1714972089500000000 + 5'500'000);
  EXPECT_GT(frame.meta.received_mono_ns, 0);
  // Zero-copy: the payload is the range of the very message that arrived.
  const auto payload = frame.bytes();
  EXPECT_GE(payload.data(), message_begin);
  EXPECT_LE(payload.data() + payload.size(), message_begin + message_size);
  EXPECT_EQ(frame.pixels().data(), payload.data());
  const auto expected = testing::stream2_test_pixels(wire::DType::U32, 12, 20, 5, 0);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), expected.begin(), expected.end()));
  EXPECT_TRUE(frame.meta.payload_hashed);
  EXPECT_EQ(frame.meta.payload_sha256, Sha256::of(payload));
  EXPECT_FALSE(decode_frame_pixels(frame).has_value());
  EXPECT_EQ(frame.decoded, nullptr);
}

TEST(Stream2Frame, DecodesCompressedPayloadsIntoRawPixels) {
  for (const auto compression : {Stream2Compression::Bslz4, Stream2Compression::Lz4}) {
    for (const auto dtype : {wire::DType::U8, wire::DType::U16, wire::DType::U32}) {
      SCOPED_TRACE(std::string(stream2_compression_name(compression)) + " " +
                   std::string(dtype_name(dtype)));
      TestImage spec;
      spec.image_id = 2;
      spec.dtype = dtype;
      spec.compression = compression;
      spec.rows = 17;
      spec.cols = 23;
      const TestSeries series;
      Received r = receive(testing::encode_stream2_image(series, spec));
      const auto& image = std::get<Stream2Image>(r.decoded);
      auto result = stream2_image_to_frame(image, nullptr, std::move(r.message), options());
      ASSERT_TRUE(std::holds_alternative<Frame>(result));
      Frame& frame = std::get<Frame>(result);
      EXPECT_EQ(frame.meta.codec, compression == Stream2Compression::Bslz4
                                      ? wire::Codec::BitshuffleLz4
                                      : wire::Codec::Lz4);
      EXPECT_TRUE(frame.pixels().empty());  // not decoded yet
      const auto error = decode_frame_pixels(frame);
      ASSERT_FALSE(error.has_value()) << error->reason << ": " << error->detail;
      const auto pixels = frame.pixels();
      const auto expected = testing::stream2_test_pixels(dtype, 17, 23, 2, 0);
      EXPECT_TRUE(std::equal(pixels.begin(), pixels.end(), expected.begin(), expected.end()));
    }
  }
}

TEST(Stream2Frame, TakesSeriesMetadataFromTheStartWhenTheImageLacksIt) {
  const TestSeries series;
  TestImage spec;
  spec.image_id = 3;
  const Stream2Start start = start_of(series, spec);
  Received r = receive(testing::encode_stream2_image(series, spec));
  auto image = std::get<Stream2Image>(r.decoded);
  image.real_time.reset();
  image.series_date_ns.reset();
  auto result = stream2_image_to_frame(image, &start, std::move(r.message), options());
  const Frame& frame = std::get<Frame>(result);
  EXPECT_DOUBLE_EQ(frame.meta.exposure_s, 0.001);  // count_time
  // arm_date 2024-05-06T05:08:09.123456Z plus start_time 3 * 1.1 ms.
  EXPECT_EQ(frame.meta.acquired_wall_ns, 1714972089123456000 + 3'300'000);

  Received again = receive(testing::encode_stream2_image(series, spec));
  auto bare = std::get<Stream2Image>(again.decoded);
  bare.real_time.reset();
  bare.series_date_ns.reset();
  auto unknown = stream2_image_to_frame(bare, nullptr, std::move(again.message), options());
  EXPECT_EQ(std::get<Frame>(unknown).meta.exposure_s, 0.0);
  EXPECT_EQ(std::get<Frame>(unknown).meta.acquired_wall_ns, 0);
}

TEST(Stream2Frame, PicksTheConfiguredChannel) {
  TestSeries series;
  series.channels = {"threshold_1", "threshold_2"};
  TestImage spec;
  Received r = receive(testing::encode_stream2_image(series, spec));
  const auto& image = std::get<Stream2Image>(r.decoded);
  auto opts = options();
  opts.channel = "threshold_2";
  opts.hash_payload = false;
  auto result = stream2_image_to_frame(image, nullptr, std::move(r.message), opts);
  const Frame& frame = std::get<Frame>(result);
  const auto expected = testing::stream2_test_pixels(wire::DType::U16, 12, 20, 0, 1);
  const auto payload = frame.bytes();
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), expected.begin(), expected.end()));
  EXPECT_FALSE(frame.meta.payload_hashed);

  Received other = receive(testing::encode_stream2_image(series, spec));
  opts.channel = "threshold_3";
  auto missing = stream2_image_to_frame(std::get<Stream2Image>(other.decoded), nullptr,
                                        std::move(other.message), opts);
  EXPECT_EQ(std::get<WireError>(missing).reason, "no_channel");
}

TEST(Stream2Frame, RefusesImagesOfAnotherSeries) {
  TestSeries series;
  const TestImage spec;
  const Stream2Start start = start_of(series, spec);
  series.series_unique_id = "01HOTHERSERIES";
  Received r = receive(testing::encode_stream2_image(series, spec));
  auto result = stream2_image_to_frame(std::get<Stream2Image>(r.decoded), &start,
                                       std::move(r.message), options());
  EXPECT_EQ(std::get<WireError>(result).reason, "series_mismatch");
}

TEST(Stream2Frame, RefusesAnImageDecodedFromAnotherMessage) {
  const TestSeries series;
  Received r = receive(testing::encode_stream2_image(series, TestImage{}));
  auto result = stream2_image_to_frame(std::get<Stream2Image>(r.decoded), nullptr,
                                       zmq::message_t(16), options());
  EXPECT_EQ(std::get<WireError>(result).reason, "bad_field");
}

TEST(Stream2Frame, SubspanPayloadFollowsSmallMessagesThatMove) {
  // libzmq stores messages of up to 33 bytes inside the message object, so their bytes move
  // with it; the payload must be computed from the message, not remembered.
  const std::string text = "0123456789";
  ZmqSubspanPayload payload(zmq::message_t(text.data(), text.size()), 2, 5);
  auto moved = std::make_unique<ZmqSubspanPayload>(std::move(payload));
  const auto bytes = moved->bytes();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "23456");
  EXPECT_THROW(ZmqSubspanPayload(zmq::message_t(4), 2, 3), std::out_of_range);
  EXPECT_THROW(ZmqSubspanPayload(zmq::message_t(4), 5, 0), std::out_of_range);
  EXPECT_NO_THROW(ZmqSubspanPayload(zmq::message_t(4), 4, 0));
}

TEST(Stream2Frame, RefusesPayloadsThatDoNotDecompress) {
  std::vector<std::byte> raw(4000);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::byte>(i * 7 % 251);
  std::vector<std::byte> out(raw.size());
  for (const auto codec : {wire::Codec::BitshuffleLz4, wire::Codec::Lz4}) {
    auto compressed = codec == wire::Codec::Lz4 ? formats::lz4_hdf5_compress(raw)
                                                : formats::bslz4_compress(raw, 2);
    ASSERT_FALSE(decompress_stream2_payload(compressed, codec, 2, out).has_value());
    EXPECT_EQ(out, raw);
    std::vector<std::byte> short_out(raw.size() - 2);
    EXPECT_EQ(decompress_stream2_payload(compressed, codec, 2, short_out)->reason, "payload_size");
    compressed.erase(compressed.end() - 5, compressed.end());
    EXPECT_EQ(decompress_stream2_payload(compressed, codec, 2, out)->reason, "corrupt_payload");
    EXPECT_EQ(decompress_stream2_payload({}, codec, 2, out)->reason, "corrupt_payload");
  }
  EXPECT_EQ(decompress_stream2_payload(raw, wire::Codec::Zstd, 2, out)->reason,
            "unsupported_codec");
  EXPECT_FALSE(decompress_stream2_payload(raw, wire::Codec::Raw, 2, out).has_value());
}

}  // namespace
}  // namespace edgeloop
