#include "edgeloop/formats/bitshuffle_chunk.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "edgeloop/formats/bitshuffle_lz4.hpp"

namespace edgeloop::formats {
namespace {

std::vector<std::byte> detector_bytes(std::size_t elements, std::size_t element_size,
                                      std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int> counts(2.0);
  std::vector<std::byte> bytes(elements * element_size);
  for (std::size_t i = 0; i < elements; ++i) {
    const std::uint64_t v = rng() % 40 == 0 ? rng() : static_cast<std::uint64_t>(counts(rng));
    for (std::size_t b = 0; b < element_size; ++b) {
      bytes[i * element_size + b] = static_cast<std::byte>(v >> (8U * (b % 8)));
    }
  }
  return bytes;
}

// What a kernel elsewhere does: every block transposed in place, the tail left as it was.
std::vector<std::byte> shuffle(std::span<const std::byte> frame, const BitshuffleLayout& layout) {
  std::vector<std::byte> out(frame.begin(), frame.end());
  for (std::size_t i = 0; i < layout.block_count(); ++i) {
    bitshuffle_transpose(frame.subspan(layout.block_offset(i), layout.block_bytes(i)),
                         layout.element_size,
                         std::span(out).subspan(layout.block_offset(i), layout.block_bytes(i)));
  }
  return out;
}

TEST(BitshuffleLayout, SplitsLikeTheFilter) {
  const auto l = bitshuffle_layout(2 * (3 * 4096 + 100), 2);
  EXPECT_EQ(l.block, 4096U);
  EXPECT_EQ(l.full_blocks, 3U);
  EXPECT_EQ(l.last_block, 96U);
  EXPECT_EQ(l.verbatim, 4U);
  EXPECT_EQ(l.block_count(), 4U);
  EXPECT_EQ(l.block_offset(3), 3U * 4096U * 2U);
  EXPECT_EQ(l.block_bytes(3), 96U * 2U);
  EXPECT_EQ(l.frame_bytes(), 2U * (3 * 4096 + 100));
  EXPECT_EQ(bitshuffle_layout(5, 1).verbatim, 5U);
  EXPECT_EQ(bitshuffle_layout(5, 1).block_count(), 0U);
  EXPECT_THROW((void)bitshuffle_layout(5, 2), BitshuffleError);
  EXPECT_THROW((void)bitshuffle_layout(8, 0), BitshuffleError);
  EXPECT_THROW((void)bitshuffle_layout(64, 1, 12), BitshuffleError);
}

TEST(BitshuffleChunk, AssemblyEqualsTheCodec) {
  for (const std::size_t s : {1U, 2U, 4U, 8U}) {
    for (const std::size_t elements : {0U, 5U, 8U, 1000U, 4099U, 70001U}) {
      for (const std::size_t block : {0U, 8U, 264U}) {
        SCOPED_TRACE(std::to_string(s) + "-byte x " + std::to_string(elements) + ", block " +
                     std::to_string(block));
        const auto frame = detector_bytes(elements, s, elements + s);
        const auto layout = bitshuffle_layout(frame.size(), s, block);
        std::vector<std::byte> chunk(bitshuffle_chunk_max_size(layout, BitshuffleBlockCodec::kLz4));
        chunk.resize(bitshuffle_assemble_chunk(shuffle(frame, layout), layout, chunk));
        EXPECT_EQ(chunk, bslz4_compress(frame, s, block));
      }
    }
  }
}

TEST(BitshuffleChunk, ZstdBlocksRoundTrip) {
  for (const std::size_t s : {1U, 2U, 4U}) {
    for (const std::size_t elements : {0U, 5U, 4099U, 70001U}) {
      const auto frame = detector_bytes(elements, s, 3 * elements + s);
      const auto chunk = bszstd_compress(frame, s, 3);
      EXPECT_EQ(bslz4_uncompressed_size(chunk), frame.size());
      std::vector<std::byte> back(frame.size());
      bszstd_decompress(chunk, s, back);
      EXPECT_EQ(back, frame) << s << " x " << elements;
      if (elements > 1000) {
        EXPECT_LT(chunk.size(), frame.size() / 2);
      }
    }
  }
}

TEST(BitshuffleChunk, CorruptZstdChunksGiveErrors) {
  const auto frame = detector_bytes(5000, 2, 1);
  const auto chunk = bszstd_compress(frame, 2);
  std::vector<std::byte> out(frame.size());
  EXPECT_THROW(bszstd_decompress(std::span(chunk).first(8), 2, out), BitshuffleError);
  EXPECT_THROW(bszstd_decompress(std::span(chunk).first(chunk.size() - 3), 2, out),
               BitshuffleError);
  std::vector<std::byte> wrong(frame.size() + 2);
  EXPECT_THROW(bszstd_decompress(chunk, 2, wrong), BitshuffleError);
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 500; ++trial) {
    auto bad = chunk;
    bad[rng() % bad.size()] = static_cast<std::byte>(rng());
    try {
      bszstd_decompress(bad, 2, out);
    } catch (const BitshuffleError&) {
    }
  }
  std::vector<std::byte> small(10);
  const auto layout = bitshuffle_layout(frame.size(), 2);
  EXPECT_THROW((void)bitshuffle_assemble_chunk(frame, layout, small), BitshuffleError);
}

}  // namespace
}  // namespace edgeloop::formats
