#include "edgeloop/pipeline/frame_sum_stage.hpp"

#include <gtest/gtest.h>

#include "edgeloop/pipeline/frame_sum_kernel.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace edgeloop {
namespace {

class SpanPayload final : public PayloadOwner {
 public:
  explicit SpanPayload(std::vector<std::uint16_t> pixels) : pixels_(std::move(pixels)) {}
  std::span<const std::byte> bytes() const override { return std::as_bytes(std::span(pixels_)); }

 private:
  std::vector<std::uint16_t> pixels_;
};

class FrameSumStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kokkos_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { kokkos_.reset(); }
  inline static std::unique_ptr<KokkosRuntime> kokkos_;
};

Frame frame_of(std::vector<std::uint16_t> pixels) {
  Frame f;
  f.meta.dtype = wire::DType::U16;
  f.meta.shape = {static_cast<std::uint32_t>(pixels.size())};
  f.payload = std::make_unique<SpanPayload>(std::move(pixels));
  return f;
}

TEST_F(FrameSumStageTest, SumsFramesAndCountsThem) {
  FrameSumStage stage;
  stage.configure({{"backend", "cpu"}});
  std::vector<Product> out;
  stage.process(frame_of({1, 2, 3, 65535}), out);
  stage.process(frame_of({7}), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "frame_sum");
  EXPECT_EQ(out[0].values, (std::vector<double>{65541}));
  EXPECT_EQ(out[1].values, (std::vector<double>{7}));
  EXPECT_EQ(stage.metrics().processed, 2u);
  const StageDescription d = stage.describe();
  EXPECT_EQ(d.name, "frame_sum");
  EXPECT_EQ(d.parameters["resolved_backend"], "kokkos");
}

TEST_F(FrameSumStageTest, AutoPicksCudaOnlyWhenADeviceIsPresent) {
  FrameSumStage stage;
  stage.configure(nlohmann::json::object());
  EXPECT_EQ(stage.backend() == FrameSumStage::Backend::Cuda, cuda_device_available());
}

TEST_F(FrameSumStageTest, RefusesBadParameters) {
  FrameSumStage stage;
  EXPECT_THROW(stage.configure({{"backend", "fpga"}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"backnd", "cpu"}}), std::invalid_argument);
  EXPECT_THROW(stage.configure({{"backend", 3}}), std::invalid_argument);
  if (!cuda_device_available()) {
    EXPECT_THROW(stage.configure({{"backend", "cuda"}}), std::invalid_argument);
  }
}

TEST_F(FrameSumStageTest, CountsFailuresAndRethrows) {
  FrameSumStage stage;
  stage.configure({{"backend", "cpu"}});
  Frame bad = frame_of({1, 2});
  bad.meta.dtype = wire::DType::Unknown;
  std::vector<Product> out;
  EXPECT_THROW(stage.process(bad, out), std::invalid_argument);
  EXPECT_EQ(stage.metrics().failed, 1u);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST(StageBatch, OutputsAreClearedSoTheyCanBeReusedAcrossStages) {
  KokkosRuntime kokkos;
  FrameSumStage stage;
  stage.configure({{"backend", "cpu"}});
  std::vector<std::uint16_t> pixels(16, 2);
  Frame frame;
  frame.meta.dtype = wire::DType::U16;
  frame.meta.shape = {4, 4};
  frame.meta.uncompressed_size = 32;
  struct Span final : PayloadOwner {
    std::span<const std::byte> b;
    std::span<const std::byte> bytes() const override { return b; }
  };
  auto payload = std::make_unique<Span>();
  payload->b = std::as_bytes(std::span(pixels));
  frame.payload = std::move(payload);
  const Frame* frames[] = {&frame, &frame};
  std::vector<std::vector<Product>> out(2, std::vector<Product>(3));  // left over from before
  stage.process_batch(frames, out);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[1].size(), 1u);
  EXPECT_EQ(out[1][0].name, "frame_sum");
  EXPECT_EQ(out[1][0].values, (std::vector<double>{32.0}));
  EXPECT_EQ(stage.metrics().processed, 2u);
}

}  // namespace
}  // namespace edgeloop
