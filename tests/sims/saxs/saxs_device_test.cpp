#include "edgeloop/sims/saxs_device.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "edgeloop/core/wire.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop::sims {
namespace {

SaxsConfig small_config(std::uint64_t seed = 7, std::uint32_t size = 256) {
  SaxsConfig c;
  c.common.seed = seed;
  c.detector.rows = size;
  c.detector.cols = size;
  c.detector.module_rows = size / 2 - 8;
  c.detector.module_cols = size / 2 - 8;
  c.geometry = default_saxs_geometry(c.detector);
  return c;
}

CommandOutcome command(SaxsDevice& device, std::string_view actuator, std::vector<double> target,
                       std::uint64_t seq = 1) {
  return device.execute(actuator, target, seq);
}

std::vector<std::byte> payload_of(const DataMessage& message) {
  const zmq::message_t& part = message.parts.at(1);
  const auto* begin = part.data<std::byte>();
  return {begin, begin + part.size()};
}

std::vector<std::uint32_t> pixels_of(const DataMessage& message) {
  const zmq::message_t& part = message.parts.at(1);
  std::vector<std::uint32_t> out(part.size() / 4);
  std::memcpy(out.data(), part.data(), part.size());
  return out;
}

DataMessage one_frame(SaxsDevice& device, std::uint64_t seq = 1) {
  EXPECT_EQ(command(device, "acquire", {1}, seq).status, wire::AckStatus::Done);
  return device.produce({});
}

TEST(SaxsDevice, IdentityAndInitialReadbacks) {
  SaxsConfig config = small_config();
  config.acquisition.start_x_mm = -3.0;
  config.acquisition.start_temperature_c = 40.0;
  const SaxsDevice device(config);
  EXPECT_EQ(device.modality(), wire::Modality::Saxs);
  EXPECT_EQ(device.stream(), "saxs/detector");
  EXPECT_FALSE(device.has_data());
  EXPECT_FALSE(device.data_owed());
  EXPECT_EQ(device.period(), std::chrono::nanoseconds{0});
  const auto readbacks = device.readbacks();
  ASSERT_EQ(readbacks.size(), 6U);
  const std::vector<std::pair<std::string, std::vector<double>>> expected = {
      {"stage_x", {-3.0}}, {"stage_y", {0.0}}, {"temperature", {40.0}},
      {"exposure", {1.0}}, {"shutter", {1.0}}, {"acquire", {0.0}}};
  EXPECT_EQ(readbacks, expected);
}

TEST(SaxsDevice, MovesWithinLimitsAreDoneWithTheirReadback) {
  SaxsDevice device(small_config());
  EXPECT_EQ(command(device, "stage_x", {12.5}).readback, std::vector<double>{12.5});
  EXPECT_EQ(command(device, "stage_y", {-10.0}).readback, std::vector<double>{-10.0});
  EXPECT_EQ(command(device, "temperature", {95.0}).readback, std::vector<double>{95.0});
  EXPECT_EQ(command(device, "exposure", {0.25}).readback, std::vector<double>{0.25});
  EXPECT_EQ(command(device, "shutter", {0}).readback, std::vector<double>{0.0});
  const CommandOutcome acquire = command(device, "acquire", {3});
  EXPECT_EQ(acquire.status, wire::AckStatus::Done);
  EXPECT_EQ(acquire.readback, std::vector<double>{3.0});
  EXPECT_EQ(device.state(), (SaxsDevice::State{12.5, -10.0, 95.0, 0.25, false}));
  EXPECT_TRUE(device.data_owed());
  EXPECT_EQ(device.readbacks().back().second, std::vector<double>{3.0});
}

TEST(SaxsDevice, OutOfLimitTargetsAreRejectedWithReasons) {
  SaxsDevice device(small_config());
  const auto reject = [&](std::string_view actuator, std::vector<double> target) {
    const CommandOutcome out = command(device, actuator, std::move(target));
    EXPECT_EQ(out.status, wire::AckStatus::Rejected) << actuator;
    return out;
  };
  CommandOutcome out = reject("stage_x", {25.0});
  EXPECT_EQ(out.reason, "stage_x: 25 mm is outside the limits -20..20 mm");
  EXPECT_EQ(out.readback, std::vector<double>{0.0});  // unchanged
  EXPECT_EQ(reject("stage_y", {-10.5}).reason,
            "stage_y: -10.5 mm is outside the limits -10..10 mm");
  EXPECT_EQ(reject("temperature", {120.0}).reason,
            "temperature: 120 °C is outside the limits 5..95 °C");
  EXPECT_EQ(reject("exposure", {0.0}).reason, "exposure: 0 s is outside the limits (0, 60] s");
  EXPECT_EQ(reject("exposure", {61.0}).reason, "exposure: 61 s is outside the limits (0, 60] s");
  EXPECT_EQ(reject("shutter", {0.5}).reason, "shutter: 0.5 is neither 0 (closed) nor 1 (open)");
  EXPECT_EQ(reject("acquire", {0.0}).reason, "acquire: 0 frames is outside the limits 1..1000");
  EXPECT_EQ(reject("acquire", {1001.0}).reason,
            "acquire: 1001 frames is outside the limits 1..1000");
  EXPECT_EQ(reject("acquire", {2.5}).reason, "acquire: 2.5 frames is not a whole number");
  EXPECT_EQ(reject("stage_x", {std::nan("")}).reason, "stage_x: target nan is not a finite number");
  EXPECT_EQ(reject("stage_x", {INFINITY}).reason, "stage_x: target inf is not a finite number");
  EXPECT_EQ(reject("stage_x", {1.0, 2.0}).reason, "stage_x: expects 1 value, got 2");
  EXPECT_EQ(reject("temperature", {}).reason, "temperature: expects 1 value, got 0");
  EXPECT_EQ(reject("scan_position", {1.0, 2.0}).reason,
            "unknown actuator 'scan_position' (SAXS actuators: stage_x, stage_y, temperature, "
            "exposure, shutter, acquire)");
  EXPECT_EQ(reject(std::string_view("x\0\n", 3), {1.0}).reason.substr(0, 22),
            "unknown actuator 'x?"
            "?'");
  // Nothing moved.
  EXPECT_EQ(device.state(), SaxsDevice::State{});
  EXPECT_FALSE(device.has_data());
}

TEST(SaxsDevice, FramesCarryTheHeaderOfTheirAcquisition) {
  SaxsDevice device(small_config());
  command(device, "stage_x", {-4.0});
  command(device, "exposure", {0.5});
  ASSERT_EQ(command(device, "acquire", {2}, 41).status, wire::AckStatus::Done);
  // A move after the acquire does not change the frames already owed.
  command(device, "stage_x", {3.0});
  MessageContext context;
  context.run = Uuid::random();
  context.sequence = 9;
  context.wall_ns = 123;
  context.mono_ns = 456;
  for (int k = 0; k < 2; ++k) {
    ASSERT_TRUE(device.has_data());
    const DataMessage message = device.produce(context);
    ASSERT_EQ(message.parts.size(), 2U);
    const zmq::message_t& head = message.parts[0];
    AlignedScratch scratch;
    const auto decoded = decode<wire::FrameHeader>(
        std::span<const std::byte>(head.data<std::byte>(), head.size()), scratch);
    ASSERT_TRUE(std::holds_alternative<const wire::FrameHeader*>(decoded));
    const wire::FrameHeader* h = std::get<const wire::FrameHeader*>(decoded);
    EXPECT_EQ(h->stream()->str(), "saxs/detector");
    EXPECT_EQ(h->modality(), wire::Modality::Saxs);
    EXPECT_EQ(h->sequence(), 9U);
    EXPECT_EQ(h->command_seq(), 41U);
    EXPECT_EQ(h->scan_index(), -1);
    ASSERT_EQ(h->scan_position()->size(), 2U);
    EXPECT_EQ(h->scan_position()->Get(0), -4.0);
    EXPECT_EQ(h->scan_position()->Get(1), 0.0);
    EXPECT_EQ(h->dtype(), wire::DType::U32);
    ASSERT_EQ(h->shape()->size(), 2U);
    EXPECT_EQ(h->shape()->Get(0), 256U);
    EXPECT_EQ(h->shape()->Get(1), 256U);
    EXPECT_EQ(h->codec(), wire::Codec::Raw);
    EXPECT_EQ(h->uncompressed_size(), 256U * 256U * 4U);
    EXPECT_EQ(message.parts[1].size(), 256U * 256U * 4U);
    EXPECT_EQ(h->exposure_s(), 0.5);
    EXPECT_EQ(h->acquired_wall_ns(), 123);
  }
  EXPECT_FALSE(device.has_data());
  EXPECT_EQ(device.frames_produced(), 2U);
  EXPECT_THROW(device.produce(context), std::logic_error);
}

TEST(SaxsDevice, SameSeedAndCommandsGiveByteIdenticalPayloads) {
  const auto run = [](std::uint64_t seed) {
    SaxsDevice device(small_config(seed));
    std::vector<std::vector<std::byte>> payloads;
    command(device, "stage_x", {-8.0});
    payloads.push_back(payload_of(one_frame(device)));
    payloads.push_back(payload_of(one_frame(device)));
    command(device, "temperature", {60.0});
    payloads.push_back(payload_of(one_frame(device)));
    return payloads;
  };
  const auto a = run(7);
  const auto b = run(7);
  const auto c = run(8);
  EXPECT_EQ(a, b);
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NE(a[k], c[k]);
  EXPECT_NE(a[0], a[1]);  // fresh noise in every frame of one state
}

TEST(SaxsDevice, ClosedShutterGivesDarkCountsOnly) {
  SaxsConfig config = small_config();
  config.detector.dark_counts_per_s = 0.01;
  SaxsDevice device(config);
  command(device, "shutter", {0});
  command(device, "exposure", {2.0});
  const std::vector<std::uint32_t> dark = pixels_of(one_frame(device));
  const auto mask = device.detector().mask();
  // Gaps and bad pixels read the masked value; every other pixel, those in the beamstop's
  // shadow included, is a working pixel that counts its dark counts.
  const std::uint32_t flagged = kMaskGap | kMaskDead | kMaskHot;
  double sum = 0.0;
  std::size_t live = 0;
  std::size_t shadowed = 0;
  for (std::size_t k = 0; k < dark.size(); ++k) {
    if ((mask[k] & flagged) != 0) {
      EXPECT_EQ(dark[k], 0xFFFFFFFFU);
      continue;
    }
    EXPECT_LE(dark[k], 3U);
    sum += dark[k];
    ++live;
    shadowed += mask[k] == kMaskBeamstop ? 1U : 0U;
  }
  EXPECT_GT(shadowed, 500U);
  const double mean = 0.02 * static_cast<double>(live);  // 0.01 /s for 2 s
  EXPECT_NEAR(sum, mean, 6.0 * std::sqrt(mean));
  // Opening the shutter brings the sample's scattering back: orders of magnitude more, except
  // in the beamstop's shadow, which still records dark counts only.
  command(device, "shutter", {1});
  const std::vector<std::uint32_t> lit = pixels_of(one_frame(device));
  double lit_sum = 0.0;
  double shadow_sum = 0.0;
  for (std::size_t k = 0; k < lit.size(); ++k) {
    if (mask[k] == 0) lit_sum += lit[k];
    if (mask[k] == kMaskBeamstop) {
      EXPECT_LE(lit[k], 3U);
      shadow_sum += lit[k];
    }
  }
  EXPECT_GT(lit_sum, 1000.0 * sum);
  const double shadow_mean = 0.02 * static_cast<double>(shadowed);
  EXPECT_NEAR(shadow_sum, shadow_mean, 6.0 * std::sqrt(shadow_mean));
}

TEST(SaxsDevice, ExposureScalesTheCountsAndTheNoiseIsPoisson) {
  SaxsConfig config = small_config();
  config.detector.dark_counts_per_s = 0.0;
  config.sample.background_per_cm = 0.0;
  SaxsDevice device(config);
  command(device, "stage_x", {-6.0});
  const SaxsDevice::State one_s = device.state();
  SaxsDevice::State four_s = one_s;
  four_s.exposure_s = 4.0;
  const std::vector<double> mu1 = device.expected_frame(one_s);
  const std::vector<double> mu4 = device.expected_frame(four_s);
  for (std::size_t k = 0; k < mu1.size(); k += 97) EXPECT_NEAR(mu4[k], 4.0 * mu1[k], 1e-9 * mu4[k]);

  command(device, "exposure", {4.0});
  const std::vector<std::uint32_t> counts = pixels_of(one_frame(device));
  // Standardised residuals of the bright pixels: mean 0 and variance 1 for Poisson counts.
  double z_sum = 0.0;
  double z2_sum = 0.0;
  double n = 0.0;
  double low_counts = 0.0;
  double low_mean = 0.0;
  double total = 0.0;
  double total_mean = 0.0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    if (device.detector().mask()[k] != 0) continue;
    total += counts[k];
    total_mean += mu4[k];
    if (mu4[k] > 20.0) {
      const double z = (counts[k] - mu4[k]) / std::sqrt(mu4[k]);
      z_sum += z;
      z2_sum += z * z;
      n += 1.0;
    } else {
      low_counts += counts[k];
      low_mean += mu4[k];
    }
  }
  ASSERT_GT(n, 10000.0);
  const double z_mean = z_sum / n;
  const double z_var = z2_sum / n - z_mean * z_mean;
  EXPECT_NEAR(z_mean, 0.0, 6.0 / std::sqrt(n));
  EXPECT_NEAR(z_var, 1.0, 6.0 * std::sqrt(2.0 / n));
  EXPECT_NEAR(low_counts, low_mean, 6.0 * std::sqrt(low_mean));
  EXPECT_NEAR(total, total_mean, 6.0 * std::sqrt(total_mean));
}

TEST(SaxsDevice, RealtimePacesFramesByTheirExposure) {
  SaxsConfig config = small_config();
  config.acquisition.realtime = true;
  SaxsDevice device(config);
  command(device, "exposure", {0.2});
  EXPECT_EQ(device.period(), std::chrono::milliseconds(200));
  command(device, "acquire", {1});
  command(device, "exposure", {0.5});
  EXPECT_EQ(device.period(), std::chrono::milliseconds(200));  // the owed frame's exposure
}

TEST(SaxsDevice, SixteenBitFramesAndQueuedAcquisitions) {
  SaxsConfig config = small_config();
  config.detector.dtype = wire::DType::U16;
  config.acquisition.max_frames = 2;
  SaxsDevice device(config);
  for (std::uint64_t seq = 1; seq <= 256; ++seq) {
    ASSERT_EQ(command(device, "acquire", {1}, seq).status, wire::AckStatus::Done);
  }
  const CommandOutcome full = command(device, "acquire", {1}, 257);
  EXPECT_EQ(full.status, wire::AckStatus::Rejected);
  EXPECT_EQ(full.reason, "acquire: 256 acquisitions are already queued (the limit)");
  EXPECT_EQ(full.readback, std::vector<double>{256.0});
  const DataMessage m = device.produce({});
  EXPECT_EQ(m.parts[1].size(), 256U * 256U * 2U);
  std::vector<std::uint16_t> px(256 * 256);
  std::memcpy(px.data(), m.parts[1].data(), m.parts[1].size());
  // The masked value marks exactly the gaps and bad pixels; the beamstop's pixels read their
  // dark counts (1e-3 /s for 1 s: nearly all zero).
  const auto mask = device.detector().mask();
  std::size_t marked = 0;
  std::size_t shadowed = 0;
  for (std::size_t k = 0; k < px.size(); ++k) {
    if (px[k] == 0xFFFFU) ++marked;
    if ((mask[k] & (kMaskGap | kMaskDead | kMaskHot)) != 0) {
      EXPECT_EQ(px[k], 0xFFFFU);
    } else if (mask[k] == kMaskBeamstop) {
      EXPECT_LE(px[k], 2U);
      ++shadowed;
    }
  }
  EXPECT_EQ(marked, device.detector().count_masked(kMaskGap | kMaskDead | kMaskHot));
  EXPECT_GT(marked, 3000U);  // the gaps
  EXPECT_GT(shadowed, 500U);
  EXPECT_EQ(device.frames_owed(), 255U);
}

TEST(SaxsDevice, RejectsInconsistentConfigs) {
  SaxsConfig config = small_config();
  config.acquisition.start_x_mm = 30.0;
  EXPECT_THROW(SaxsDevice{config}, std::invalid_argument);
  config = small_config();
  config.geometry = default_saxs_geometry(SaxsDetectorSettings{});  // 1024², not 256²
  EXPECT_THROW(SaxsDevice{config}, std::invalid_argument);
}

// Throughput of produce() for the report; run with --gtest_also_run_disabled_tests.
TEST(SaxsDevice, DISABLED_Throughput) {
  for (const std::uint32_t size : {256U, 512U, 1024U}) {
    SaxsConfig config = small_config(1, size);
    config.detector.module_rows = 0;
    const auto build_start = std::chrono::steady_clock::now();
    SaxsDevice device(config);
    const double build_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
    command(device, "stage_x", {-5.0});
    command(device, "acquire", {1});
    const auto first_start = std::chrono::steady_clock::now();
    (void)device.produce({});  // computes the curve and the expected image
    const double first_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - first_start).count();
    const int frames = size >= 1024 ? 20 : 50;
    command(device, "acquire", {static_cast<double>(frames)});
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < frames; ++k) (void)device.produce({});
    const double same_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Moving between frames: a new curve and expected image every time.
    const auto move_start = std::chrono::steady_clock::now();
    for (int k = 0; k < 10; ++k) {
      command(device, "stage_x", {-5.0 + 0.1 * (k + 1)});
      command(device, "acquire", {1});
      (void)device.produce({});
    }
    const double move_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - move_start).count();
    const testing::TempDir dir;
    const auto truth_start = std::chrono::steady_clock::now();
    device.write_truth(dir / "truth.h5");
    const double truth_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - truth_start).count();
    std::printf(
        "%4u^2 u32: construct %.3f s, first frame %.3f s, %.1f frames/s same state, "
        "%.1f frames/s moving, truth file %.2f s\n",
        size, build_s, first_s, frames / same_s, 10 / move_s, truth_s);
  }
}

}  // namespace
}  // namespace edgeloop::sims
