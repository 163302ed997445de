// The decoder against what a broken or hostile sender could put on the data socket: every
// truncation, random corruption and absurd declared sizes give a refusal, never a crash or a
// read outside the message (run under ASan/UBSan with EDGELOOP_SANITIZE=ON to see the latter).
#include <gtest/gtest.h>

#include <random>

#include "edgeloop/pipeline/stream2/stream2_decoder.hpp"
#include "edgeloop/pipeline/stream2/stream2_payload_decoder.hpp"
#include "stream2_test_messages.hpp"

namespace edgeloop {
namespace {

using testing::CborWriter;
using testing::TestImage;
using testing::TestSeries;

std::string reason_of(const Stream2Message& m) {
  return std::holds_alternative<WireError>(m) ? std::get<WireError>(m).reason : "accepted";
}

std::vector<std::vector<std::byte>> valid_messages() {
  TestSeries series;
  series.channels = {"threshold_1", "threshold_2"};
  std::vector<std::vector<std::byte>> messages;
  TestImage spec;
  spec.rows = 6;
  spec.cols = 10;
  messages.push_back(testing::encode_stream2_start(series, spec, true));
  spec.unknown_keys = true;
  messages.push_back(testing::encode_stream2_image(series, spec));
  spec.compression = Stream2Compression::Bslz4;
  spec.dtype = wire::DType::U32;
  messages.push_back(testing::encode_stream2_image(series, spec));
  spec.compression = Stream2Compression::Lz4;
  spec.dtype = wire::DType::U8;
  messages.push_back(testing::encode_stream2_image(series, spec));
  messages.push_back(testing::encode_stream2_end(series));
  return messages;
}

// Whatever the decoder accepted must be usable without further checks: every range inside the
// message, every compressed payload safe to hand to the decompressors.
void check_accepted(const Stream2Message& message, std::span<const std::byte> bytes) {
  const auto check_array = [&](const Stream2Array& array) {
    ASSERT_LE(array.data.offset, bytes.size());
    ASSERT_LE(array.data.length, bytes.size() - array.data.offset);
    ASSERT_EQ(array.uncompressed_size,
              std::uint64_t{array.shape[0]} * array.shape[1] * array.element_size);
    if (array.compression == Stream2Compression::None) {
      ASSERT_EQ(array.data.length, array.uncompressed_size);
      return;
    }
    std::vector<std::byte> out(array.uncompressed_size);
    const auto codec = array.compression == Stream2Compression::Bslz4 ? wire::Codec::BitshuffleLz4
                                                                      : wire::Codec::Lz4;
    // Either result is fine; what matters is that corrupt streams are refused safely.
    (void)decompress_stream2_payload(array.data.in(bytes), codec, array.element_size, out);
  };
  if (const auto* image = std::get_if<Stream2Image>(&message)) {
    ASSERT_FALSE(image->data.empty());
    for (const auto& channel : image->data) check_array(channel.array);
    if (image->user_data) {
      ASSERT_FALSE(image->user_data->in(bytes).empty());
    }
  } else if (const auto* start = std::get_if<Stream2Start>(&message)) {
    for (const auto& channel : start->pixel_mask) check_array(channel.array);
    for (const auto& channel : start->flatfield) check_array(channel.array);
  }
}

TEST(Stream2HostileInput, EveryTruncationIsRefusedAsTruncated) {
  for (const auto& message : valid_messages()) {
    ASSERT_EQ(reason_of(decode_stream2_message(message)), "accepted");
    for (std::size_t cut = 0; cut < message.size(); ++cut) {
      // A copy of exactly `cut` bytes, so ASan sees any read past the end.
      const std::vector<std::byte> prefix(message.begin(),
                                          message.begin() + static_cast<std::ptrdiff_t>(cut));
      const auto result = decode_stream2_message(prefix);
      ASSERT_EQ(reason_of(result), "truncated") << "cut at " << cut << " of " << message.size()
                                                << ": " << std::get<WireError>(result).detail;
    }
  }
}

TEST(Stream2HostileInput, RandomCorruptionIsRefusedOrDecodedSafely) {
  const auto messages = valid_messages();
  std::size_t refused = 0, accepted = 0;
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    std::mt19937_64 rng(seed);
    auto bytes = messages[seed % messages.size()];
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      bytes[rng() % bytes.size()] = static_cast<std::byte>(rng() & 0xffu);
    }
    const auto result = decode_stream2_message(bytes);
    if (std::holds_alternative<WireError>(result)) {
      ++refused;
      EXPECT_FALSE(std::get<WireError>(result).reason.empty());
      EXPECT_FALSE(std::get<WireError>(result).detail.empty());
    } else {
      ++accepted;
      check_accepted(result, bytes);
    }
  }
  // Flips in pixel bytes leave a message valid; flips in structure do not.
  EXPECT_GT(refused, 100u);
  EXPECT_GT(accepted, 100u);
}

TEST(Stream2HostileInput, RandomBytesAreRefused) {
  for (std::uint64_t seed = 0; seed < 2000; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::byte> bytes(rng() % 300);
    for (auto& b : bytes) b = static_cast<std::byte>(rng() & 0xffu);
    if (seed % 2 == 0 && bytes.size() > 3) {  // start like a stream2 message, then garbage
      bytes[0] = std::byte{0xd9};
      bytes[1] = std::byte{0xd9};
      bytes[2] = std::byte{0xf7};
      bytes[3] = std::byte{0xbf};
    }
    EXPECT_TRUE(std::holds_alternative<WireError>(decode_stream2_message(bytes)));
  }
}

TEST(Stream2HostileInput, AbsurdDeclaredSizesAreRefusedWithoutAllocating) {
  const auto with_head = [](std::vector<std::byte> head) {
    CborWriter w;
    w.map(4).key("type").text("end").key("series_id").uint(1).key("series_unique_id").text("u");
    w.key("x").raw(head);
    return w.take();
  };
  const auto ff = std::byte{0xff};
  // Byte string, text, array and map heads claiming 2^64-1 entries or bytes.
  for (const auto major : {std::byte{0x5b}, std::byte{0x7b}, std::byte{0x9b}, std::byte{0xbb}}) {
    const auto message = with_head({major, ff, ff, ff, ff, ff, ff, ff, ff});
    EXPECT_EQ(reason_of(decode_stream2_message(message)), "truncated");
  }
  // The same sizes in the map of the message itself and in a multi-dimensional array.
  const std::vector<std::byte> top{std::byte{0xbb}, ff, ff, ff, ff, ff, ff, ff, ff};
  EXPECT_EQ(reason_of(decode_stream2_message(top)), "truncated");
  CborWriter dims;
  dims.map(5).key("type").text("image").key("series_id").uint(1).key("series_unique_id").text("u");
  dims.key("image_id").uint(0).key("data").map(1).key("c").tag(40).array(2).array(2);
  dims.uint(std::numeric_limits<std::uint64_t>::max()).uint(1).tag(64).bytes({});
  EXPECT_EQ(reason_of(decode_stream2_message(dims.bytes())), "bad_shape");
  CborWriter length;
  length.map(5).key("type").text("image").key("series_id").uint(1);
  length.key("series_unique_id").text("u").key("image_id").uint(0).key("data").map(1).key("c");
  length.tag(40).array(2).array(2).uint(4).uint(4).tag(64);
  length.raw(std::vector<std::byte>{std::byte{0x5b}, ff, ff, ff, ff, ff, ff, ff, std::byte{0}});
  EXPECT_EQ(reason_of(decode_stream2_message(length.bytes())), "truncated");
}

TEST(Stream2HostileInput, WrongTagsAnywhereInAnArrayAreRefused) {
  TestImage spec;
  spec.compression = Stream2Compression::Bslz4;
  const auto good = testing::encode_stream2_image(TestSeries{}, spec);
  const auto decoded = decode_stream2_message(good);
  ASSERT_TRUE(std::holds_alternative<Stream2Image>(decoded));
  // Every 2-byte tag head (0xd8 NN) before the pixels: tag 40, the typed array tag (69).
  const std::size_t pixels = std::get<Stream2Image>(decoded).data.at(0).array.data.offset;
  std::size_t tried = 0;
  for (std::size_t i = 0; i + 1 < pixels; ++i) {
    if (good[i] != std::byte{0xd8} ||
        (good[i + 1] != std::byte{40} && good[i + 1] != std::byte{69})) {
      continue;
    }
    for (const int replacement : {0, 1, 2, 39, 41, 63, 76, 88, 200}) {
      auto bad = good;
      bad[i + 1] = static_cast<std::byte>(replacement);
      const auto reason = reason_of(decode_stream2_message(bad));
      EXPECT_TRUE(reason == "bad_tag" || reason == "unsupported_dtype" ||
                  reason == "payload_size" || reason == "bad_field")
          << "tag " << replacement << " at " << i << ": " << reason;
      ++tried;
    }
  }
  EXPECT_GE(tried, 18u);
}

}  // namespace
}  // namespace edgeloop
