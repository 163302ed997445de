// The SAXS device behind the real protocol loop, played against over inproc:// as edgeloopd
// would over TCP: what the daemon sees of actuators, acks, frames and the truth file.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "edgeloop/formats/h5_file.hpp"
#include "edgeloop/sims/saxs_device.hpp"
#include "edgeloop/testing/temp_dir.hpp"
#include "sim_test_helpers.hpp"

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;

SaxsConfig small_config() {
  SaxsConfig c;
  c.detector.rows = 128;
  c.detector.cols = 128;
  c.detector.module_rows = 60;
  c.detector.module_cols = 60;
  c.detector.gap_rows = 4;
  c.detector.gap_cols = 4;
  c.geometry = default_saxs_geometry(c.detector);
  c.geometry.dist = 1.0;
  return c;
}

std::vector<double> values(const flatbuffers::Vector<double>* v) {
  return v == nullptr ? std::vector<double>{} : std::vector<double>(v->begin(), v->end());
}

class SaxsInstrumentTest : public ::testing::Test {
 protected:
  ~SaxsInstrumentTest() override { harness_.stop(); }

  const wire::InstrumentStatus* start() {
    config_.common = harness_.config;
    device_ = std::make_unique<SaxsDevice>(config_);
    return harness_.start(*device_);
  }

  test::LoopHarness harness_;
  SaxsConfig config_ = small_config();
  std::unique_ptr<SaxsDevice> device_;
};

TEST_F(SaxsInstrumentTest, HelloListsEveryActuator) {
  const wire::InstrumentStatus* hello = start();
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->modality(), wire::Modality::Saxs);
  ASSERT_NE(hello->actuators(), nullptr);
  ASSERT_EQ(hello->actuators()->size(), 6U);
  const std::vector<std::string> names = {"stage_x",  "stage_y", "temperature",
                                          "exposure", "shutter", "acquire"};
  for (std::size_t k = 0; k < names.size(); ++k) {
    EXPECT_EQ(hello->actuators()->Get(static_cast<flatbuffers::uoffset_t>(k))->name()->str(),
              names[k]);
  }
  EXPECT_EQ(values(hello->actuators()->Get(2)->value()), std::vector<double>{25.0});
}

TEST_F(SaxsInstrumentTest, AcquireGivesOneAckAndItsFramesBitForBit) {
  ASSERT_NE(start(), nullptr);
  // A second device of the same configuration and commands gives the reference payloads.
  SaxsDevice reference(config_);
  const auto both = [&](std::uint64_t seq, const std::string& actuator, double value) {
    const wire::Ack* ack = harness_.send_and_ack(harness_.command(seq, actuator, {value}));
    EXPECT_NE(ack, nullptr);
    (void)reference.execute(actuator, std::vector<double>{value}, seq);
    return ack;
  };
  const wire::Ack* moved = both(1, "stage_x", -7.5);
  ASSERT_NE(moved, nullptr);
  EXPECT_EQ(moved->status(), wire::AckStatus::Done);
  EXPECT_EQ(values(moved->readback()), std::vector<double>{-7.5});

  const wire::Ack* refused = harness_.send_and_ack(harness_.command(2, "temperature", {300.0}));
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->status(), wire::AckStatus::Rejected);
  EXPECT_EQ(refused->reason()->str(), "temperature: 300 °C is outside the limits 5..95 °C");
  EXPECT_EQ(values(refused->readback()), std::vector<double>{25.0});

  const wire::Ack* acquired = both(3, "acquire", 3.0);
  ASSERT_NE(acquired, nullptr);
  EXPECT_EQ(acquired->status(), wire::AckStatus::Done);
  EXPECT_EQ(values(acquired->readback()), std::vector<double>{3.0});
  for (std::uint64_t k = 0; k < 3; ++k) {
    const auto frame = test::receive_frame(*harness_.pull, 5s);
    ASSERT_TRUE(frame);
    ASSERT_EQ(frame->parts, 2U);
    const wire::FrameHeader* header = frame->header();
    ASSERT_NE(header, nullptr);
    EXPECT_EQ(header->stream()->str(), "saxs/detector");
    EXPECT_EQ(header->sequence(), k);
    EXPECT_EQ(header->command_seq(), 3U);
    EXPECT_EQ(values(header->scan_position()), (std::vector<double>{-7.5, 0.0}));
    const DataMessage expected = reference.produce({});
    const zmq::message_t& payload = expected.parts.at(1);
    ASSERT_EQ(frame->payload.size(), payload.size());
    EXPECT_EQ(std::memcmp(frame->payload.data(), payload.data(), payload.size()), 0);
  }
  EXPECT_FALSE(test::receive_frame(*harness_.pull, 200ms));
}

TEST_F(SaxsInstrumentTest, WritesTheTruthFileAtStartUp) {
  const testing::TempDir dir;
  harness_.config.truth_file = dir / "truth.h5";
  ASSERT_NE(start(), nullptr);
  const h5::File f = h5::File::open_read_only(dir / "truth.h5");
  EXPECT_EQ(f.string_attribute("/", "modality"), "saxs");
  EXPECT_EQ(f.shape("/detector/pixel_mask"), (std::vector<std::size_t>{128, 128}));
}

}  // namespace
}  // namespace edgeloop::sims
