#include "edgeloop/pipeline/compress/kokkos_bitshuffle.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "compress_test_frames.hpp"
#include "edgeloop/formats/bitshuffle_chunk.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/pipeline/compress/bitshuffle_lz4_encoder.hpp"
#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace edgeloop {
namespace {

using testing::detector_frame;
using testing::for_each_pixel_type;
using testing::kCompressBlocks;
using testing::kCompressShapes;

class KokkosBitshuffle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { runtime_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { runtime_.reset(); }

 private:
  static inline std::unique_ptr<KokkosRuntime> runtime_;
};

// The reference: the formats codec, byte-identical to the bitshuffle library itself.
TEST_F(KokkosBitshuffle, ChunksAreByteIdenticalToTheCpuCodec) {
  std::mt19937_64 rng(32008);
  auto kokkos = make_bitshuffle_lz4_encoder("kokkos");
  for_each_pixel_type([&](auto type) {
    using T = typename decltype(type)::type;
    for (const auto& [rows, cols] : kCompressShapes) {
      const auto frame = detector_frame<T>(rows * cols, rng);
      for (const std::size_t block : kCompressBlocks) {
        SCOPED_TRACE(::testing::Message()
                     << sizeof(T) << "-byte " << rows << "x" << cols << " blocks of " << block);
        const auto expected = formats::bslz4_compress(frame, sizeof(T), block);
        const auto chunk = kokkos->encode(frame, sizeof(T), block);
        ASSERT_EQ(chunk, expected);
        std::vector<std::byte> back(frame.size());
        formats::bslz4_decompress(chunk, sizeof(T), back);
        EXPECT_EQ(back, frame);
      }
    }
  });
  EXPECT_GT(kokkos->times().chunks, 0U);
  EXPECT_GT(kokkos->times().transpose_s, 0.0);
  EXPECT_GE(kokkos->times().total_s, kokkos->times().transpose_s);
}

// Each block transposed as bitshuffle_transpose does it; the tail stays as it was.
TEST_F(KokkosBitshuffle, TransposesEveryBlockAndCopiesTheTail) {
  std::mt19937_64 rng(7);
  for (const std::size_t s : {1U, 2U, 3U, 4U, 8U, 12U}) {
    const std::size_t elements = 3 * 1024 + 8 * 5 + 7;
    std::vector<std::byte> frame(elements * s);
    for (auto& b : frame) b = static_cast<std::byte>(rng());
    const auto layout = formats::bitshuffle_layout(frame.size(), s, 1024);
    ASSERT_EQ(layout.full_blocks, 3U);
    ASSERT_EQ(layout.last_block, 40U);
    ASSERT_EQ(layout.verbatim, 7U);
    std::vector<std::byte> shuffled(frame.size());
    bitshuffle_blocks_kokkos(frame, layout, shuffled);
    std::vector<std::byte> expected(frame);
    for (std::size_t i = 0; i < layout.block_count(); ++i) {
      const std::span<const std::byte> in(frame.data() + layout.block_offset(i),
                                          layout.block_bytes(i));
      formats::bitshuffle_transpose(in, s,
                                    std::span(expected).subspan(layout.block_offset(i), in.size()),
                                    formats::BitshuffleKernel::kPortable);
    }
    EXPECT_EQ(shuffled, expected) << s << "-byte elements";
  }
}

TEST_F(KokkosBitshuffle, ReadsMisalignedFrames) {
  std::mt19937_64 rng(3);
  const auto frame = detector_frame<std::uint32_t>(1000 * 3 + 5, rng);
  std::vector<std::byte> storage(frame.size() + 1);
  std::memcpy(storage.data() + 1, frame.data(), frame.size());
  const std::span<const std::byte> shifted(storage.data() + 1, frame.size());
  EXPECT_EQ(make_bitshuffle_lz4_encoder("kokkos")->encode(shifted, 4),
            formats::bslz4_compress(frame, 4));
}

TEST_F(KokkosBitshuffle, EmptyFramesGiveTheHeaderOnly) {
  auto kokkos = make_bitshuffle_lz4_encoder("kokkos");
  const std::vector<std::byte> none;
  EXPECT_EQ(kokkos->encode(none, 2), formats::bslz4_compress(none, 2));
  EXPECT_EQ(kokkos->encode(none, 2).size(), 12U);
}

TEST_F(KokkosBitshuffle, RefusesWhatTheFormatCannotHold) {
  auto kokkos = make_bitshuffle_lz4_encoder("kokkos");
  const std::vector<std::byte> frame(10);
  EXPECT_THROW(kokkos->encode(frame, 4), formats::BitshuffleError);      // 2.5 elements
  EXPECT_THROW(kokkos->encode(frame, 0), formats::BitshuffleError);      // no element size
  EXPECT_THROW(kokkos->encode(frame, 2, 12), formats::BitshuffleError);  // block not 8k
  std::vector<std::byte> small(4);
  EXPECT_THROW(kokkos->encode(frame, 2, small), formats::BitshuffleError);
  const auto layout = formats::bitshuffle_layout(16, 2);
  std::vector<std::byte> out(8);
  EXPECT_THROW(bitshuffle_blocks_kokkos(std::span(frame), layout, out), std::invalid_argument);
}

TEST_F(KokkosBitshuffle, EncodersAreChosenByName) {
  EXPECT_EQ(bitshuffle_lz4_backends(), (std::vector<std::string>{"cpu-sse2", "kokkos", "cuda"}));
  EXPECT_EQ(make_bitshuffle_lz4_encoder("cpu-sse2")->backend(), "cpu-sse2");
  EXPECT_EQ(make_bitshuffle_lz4_encoder("kokkos")->backend(), "kokkos");
  EXPECT_EQ(bitshuffle_lz4_backend_unavailable_reason("kokkos"), "");
  EXPECT_THROW(make_bitshuffle_lz4_encoder("gpu"), std::invalid_argument);
  EXPECT_THROW((void)bitshuffle_lz4_backend_unavailable_reason("lz4"), std::invalid_argument);
  if (cuda_device_available()) {
    EXPECT_EQ(make_bitshuffle_lz4_encoder("cuda")->backend(), "cuda");
  } else {
    // Says why, in the words cuda_unavailable_reason() uses.
    try {
      (void)make_bitshuffle_lz4_encoder("cuda");
      ADD_FAILURE() << "the cuda backend was built without a device";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(cuda_unavailable_reason()), std::string::npos)
          << e.what();
    }
  }
}

TEST_F(KokkosBitshuffle, CpuBackendIsTheFormatsCodec) {
  std::mt19937_64 rng(11);
  auto cpu = make_bitshuffle_lz4_encoder("cpu-sse2");
  const auto frame = detector_frame<std::uint16_t>(257 * 259, rng);
  EXPECT_EQ(cpu->encode(frame, 2), formats::bslz4_compress(frame, 2));
  EXPECT_EQ(cpu->times().chunks, 1U);
  EXPECT_EQ(cpu->times().bytes_in, frame.size());
  EXPECT_DOUBLE_EQ(cpu->times().transpose_s, 0.0);
}

}  // namespace
}  // namespace edgeloop
