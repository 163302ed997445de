// The decoder against a stream2 sender that is not edgeloop's own C++: stream2_sender.py
// (cbor2, and h5py + hdf5plugin's bitshuffle filter for bslz4) pushes a series over ZeroMQ to
// a PULL socket here, and every pixel that arrives is checked.
#include <gtest/gtest.h>

#include <zmq.hpp>

#include <filesystem>
#include <optional>
#include <set>

#include "edgeloop/pipeline/stream2/stream2_decoder.hpp"
#include "edgeloop/pipeline/stream2/stream2_frame.hpp"
#include "edgeloop/pipeline/stream2/stream2_payload_decoder.hpp"
#include "edgeloop/testing/child_process.hpp"
#include "stream2_test_messages.hpp"

namespace edgeloop {
namespace {

constexpr int kModulesMissing = 77;
const std::filesystem::path kPython = EDGELOOP_DEBIAN_PYTHON;
const std::filesystem::path kSender = EDGELOOP_STREAM2_SENDER;

struct SenderRun {
  std::string dtype;
  wire::DType wire_dtype;
  std::string compression;
  int channels;
};

void PrintTo(const SenderRun& run, std::ostream* os) {
  *os << run.dtype << " " << run.compression << " x" << run.channels;
}

class Stream2PythonSender : public ::testing::TestWithParam<SenderRun> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kPython)) GTEST_SKIP() << "no " << kPython;
    const auto check = testing::run_program(kPython, {kSender.string(), "--check"});
    if (check.status == kModulesMissing) GTEST_SKIP() << check.output;
    ASSERT_EQ(check.status, 0) << check.output;
  }
};

TEST_P(Stream2PythonSender, EveryPixelSentArrivesIntact) {
  const SenderRun run = GetParam();
  constexpr int kImages = 6;
  constexpr std::uint32_t kRows = 37;
  constexpr std::uint32_t kCols = 53;
  zmq::context_t context;
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.set(zmq::sockopt::linger, 0);
  pull.set(zmq::sockopt::rcvtimeo, 30000);
  pull.bind("tcp://127.0.0.1:*");  // the kernel's port: no race with other tests
  const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);

  testing::ChildProcess sender(
      kPython, {kSender.string(), "--connect", endpoint, "--images", std::to_string(kImages),
                "--rows", std::to_string(kRows), "--cols", std::to_string(kCols), "--dtype",
                run.dtype, "--compression", run.compression, "--channels",
                std::to_string(run.channels), "--series-id", "12"});

  std::optional<Stream2Start> start;
  int images = 0;
  bool ended = false;
  std::set<std::string> compressions;
  while (!ended) {
    zmq::message_t message;
    ASSERT_TRUE(pull.recv(message)) << "no message within 30 s after " << images << " images";
    const std::span<const std::byte> bytes(static_cast<const std::byte*>(message.data()),
                                           message.size());
    const Stream2Message decoded = decode_stream2_message(bytes);
    if (const auto* error = std::get_if<WireError>(&decoded)) {
      FAIL() << error->reason << ": " << error->detail;
    }
    if (const auto* s = std::get_if<Stream2Start>(&decoded)) {
      ASSERT_FALSE(start.has_value());
      start = *s;
      EXPECT_EQ(s->series_id, 12u);
      EXPECT_EQ(s->number_of_images, std::uint64_t{kImages});
      EXPECT_EQ(s->image_size_x, kCols);
      EXPECT_EQ(s->image_size_y, kRows);
      EXPECT_EQ(s->channels.size(), static_cast<std::size_t>(run.channels));
      EXPECT_TRUE(s->arm_date_ns.has_value());
      EXPECT_EQ(s->goniometer.size(), 1u);
      continue;
    }
    if (const auto* end = std::get_if<Stream2End>(&decoded)) {
      EXPECT_EQ(end->series_id, 12u);
      ended = true;
      continue;
    }
    ASSERT_TRUE(start.has_value()) << "image before start";
    const Stream2Image image = std::get<Stream2Image>(decoded);
    EXPECT_EQ(image.image_id, static_cast<std::uint64_t>(images));
    ASSERT_EQ(image.data.size(), static_cast<std::size_t>(run.channels));
    for (std::size_t c = 0; c < image.data.size(); ++c) {
      SCOPED_TRACE("image " + std::to_string(image.image_id) + " channel " + image.data[c].name);
      const Stream2Array& array = image.data[c].array;
      compressions.insert(std::string(stream2_compression_name(array.compression)));
      if (array.compression != Stream2Compression::None) {
        // Really compressed (the sender's LZ4 found matches), so decompression is exercised.
        EXPECT_LT(array.data.length, array.uncompressed_size);
      }
      // Through the daemon's path: a Frame over the message, decoded when compressed.
      zmq::message_t copy(message.data(), message.size());
      Stream2FrameOptions options{.stream = "test/stream2",
                                  .modality = wire::Modality::Saxs,
                                  .channel = image.data[c].name};
      auto converted = stream2_image_to_frame(image, &*start, std::move(copy), options);
      ASSERT_TRUE(std::holds_alternative<Frame>(converted));
      Frame& frame = std::get<Frame>(converted);
      EXPECT_EQ(frame.meta.dtype, run.wire_dtype);
      EXPECT_EQ(frame.meta.shape, (std::vector<std::uint32_t>{kRows, kCols}));
      EXPECT_EQ(frame.meta.sequence, image.image_id);
      const auto error = decode_frame_pixels(frame);
      ASSERT_FALSE(error.has_value()) << error->reason << ": " << error->detail;
      const auto pixels = frame.pixels();
      const auto expected =
          testing::stream2_test_pixels(run.wire_dtype, kRows, kCols, image.image_id, c);
      ASSERT_TRUE(std::equal(pixels.begin(), pixels.end(), expected.begin(), expected.end()));
    }
    ++images;
  }
  EXPECT_EQ(images, kImages);
  if (run.compression == "cycle") {
    EXPECT_EQ(compressions, (std::set<std::string>{"none", "bslz4", "lz4"}));
  }
  EXPECT_EQ(sender.wait_for(std::chrono::seconds(30)), std::optional<int>(0));
}

INSTANTIATE_TEST_SUITE_P(Runs, Stream2PythonSender,
                         ::testing::Values(SenderRun{"u8", wire::DType::U8, "cycle", 1},
                                           SenderRun{"u16", wire::DType::U16, "cycle", 2},
                                           SenderRun{"u32", wire::DType::U32, "cycle", 1},
                                           SenderRun{"u16", wire::DType::U16, "bslz4", 1}),
                         [](const auto& param_info) {
                           return param_info.param.dtype + "_" + param_info.param.compression;
                         });

}  // namespace
}  // namespace edgeloop
