// Zstd payloads through the frame codec: decoded for the stages, encoded for storage, and
// refused with a clear error when they are not what the header promises.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/formats/zstd_hdf5.hpp"
#include "edgeloop/pipeline/runtime/frame_codec.hpp"

namespace edgeloop {
namespace {

constexpr std::chrono::milliseconds kWait{1};

class Bytes final : public PayloadOwner {
 public:
  explicit Bytes(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::byte> bytes() const override { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

std::vector<std::byte> pixels(std::size_t count) {
  std::vector<std::byte> out(count * 2);
  for (std::size_t i = 0; i < count; ++i) {
    const auto v = static_cast<std::uint16_t>((i * 7) % 23 + (i % 97 == 0 ? 40000 : 0));
    out[2 * i] = static_cast<std::byte>(v);
    out[2 * i + 1] = static_cast<std::byte>(v >> 8U);
  }
  return out;
}

Frame image(std::vector<std::byte> payload, wire::Codec codec, std::size_t raw_bytes) {
  Frame f;
  f.meta.kind = FrameKind::Image;
  f.meta.dtype = wire::DType::U16;
  f.meta.shape = {static_cast<std::uint32_t>(raw_bytes / 2), 1};
  f.meta.codec = codec;
  f.meta.uncompressed_size = raw_bytes;
  f.payload = std::make_unique<Bytes>(std::move(payload));
  return f;
}

TEST(FrameCodecZstd, DecodesZstdPayloads) {
  BufferPool pool(2, 1 << 20);
  const auto raw = pixels(5000);
  Frame f = image(formats::zstd_hdf5_compress(raw, 3), wire::Codec::Zstd, raw.size());
  EXPECT_TRUE(decode_frame_pixels(f, pool, kWait));
  const auto decoded = f.pixels();
  EXPECT_EQ(std::vector<std::byte>(decoded.begin(), decoded.end()), raw);
}

TEST(FrameCodecZstd, RefusesPayloadsThatBreakTheirHeader) {
  BufferPool pool(2, 1 << 20);
  const auto raw = pixels(5000);
  Frame wrong_size = image(formats::zstd_hdf5_compress(raw), wire::Codec::Zstd, raw.size() + 2);
  EXPECT_THROW(decode_frame_pixels(wrong_size, pool, kWait), std::runtime_error);
  auto chunk = formats::zstd_hdf5_compress(raw);
  chunk.resize(chunk.size() - 5);
  Frame truncated = image(chunk, wire::Codec::Zstd, raw.size());
  EXPECT_THROW(decode_frame_pixels(truncated, pool, kWait), formats::ZstdHdf5Error);
  Frame garbage = image(std::vector<std::byte>(64, std::byte{7}), wire::Codec::Zstd, raw.size());
  EXPECT_THROW(decode_frame_pixels(garbage, pool, kWait), formats::ZstdHdf5Error);
}

TEST(FrameCodecZstd, EncodesStorageChunksFromAnyPayload) {
  BufferPool pool(2, 1 << 20);
  const auto raw = pixels(70000);
  // Raw in, zstd out (pooled), at the level asked for.
  Frame from_raw = image(raw, wire::Codec::Raw, raw.size());
  const EncodedChunk a = encode_frame_chunk(from_raw, wire::Codec::Zstd, pool, kWait, 1);
  ASSERT_TRUE(a.owner);
  EXPECT_EQ(std::vector<std::byte>(a.bytes.begin(), a.bytes.end()),
            formats::zstd_hdf5_compress(raw, 1));
  // Bitshuffle+LZ4 in, decoded, then zstd out.
  Frame from_bslz4 = image(formats::bslz4_compress(raw, 2), wire::Codec::BitshuffleLz4, raw.size());
  decode_frame_pixels(from_bslz4, pool, kWait);
  const EncodedChunk b = encode_frame_chunk(from_bslz4, wire::Codec::Zstd, pool, kWait);
  std::vector<std::byte> back(raw.size());
  formats::zstd_hdf5_decompress(b.bytes, back);
  EXPECT_EQ(back, raw);
  // Zstd in is stored as it came, without a copy.
  Frame from_zstd = image(formats::zstd_hdf5_compress(raw), wire::Codec::Zstd, raw.size());
  const EncodedChunk c = encode_frame_chunk(from_zstd, wire::Codec::Zstd, pool, kWait);
  EXPECT_FALSE(c.owner);
  EXPECT_EQ(c.bytes.data(), from_zstd.bytes().data());
  // And a zstd payload can be stored as bslz4 once decoded.
  decode_frame_pixels(from_zstd, pool, kWait);
  const EncodedChunk d = encode_frame_chunk(from_zstd, wire::Codec::BitshuffleLz4, pool, kWait);
  EXPECT_EQ(std::vector<std::byte>(d.bytes.begin(), d.bytes.end()),
            formats::bslz4_compress(raw, 2));
}

TEST(FrameCodecZstd, LargeFramesFallBackToTheHeap) {
  BufferPool pool(1, 1024);
  const auto raw = pixels(10000);
  Frame f = image(raw, wire::Codec::Raw, raw.size());
  const EncodedChunk chunk = encode_frame_chunk(f, wire::Codec::Zstd, pool, kWait);
  std::vector<std::byte> back(raw.size());
  formats::zstd_hdf5_decompress(chunk.bytes, back);
  EXPECT_EQ(back, raw);
}

}  // namespace
}  // namespace edgeloop
