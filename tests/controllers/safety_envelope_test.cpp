#include "edgeloop/controllers/safety_envelope.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace edgeloop {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

SafetyEnvelope microscope(std::optional<double> dose_budget = std::nullopt) {
  return SafetyEnvelope(
      {{"scan_position", {.min = {0.0}, .max = {63.0}, .max_step = 8.0, .max_rate_per_s = 4000.0}},
       {"defocus", {.min = {-500.0}, .max = {500.0}, .max_step = 50.0}},
       {"dwell", {.min = {1e-6}, .max = {1e-2}, .dose_per_unit = 1.0}},
       {"beam_blank", {.min = {0.0}, .max = {1.0}, .allowed_during_interlock = true}}},
      dose_budget);
}

TEST(SafetyEnvelope, AllowsWhatIsInsideAndSaysWhyItRefusesTheRest) {
  SafetyEnvelope e = microscope();
  EXPECT_TRUE(e.admit("scan_position", {3, 4}, 0).allowed);
  EXPECT_EQ(e.check("scan_position", {64, 4}, kSecond).reason, "range");
  EXPECT_EQ(e.check("scan_position", {20, 4}, kSecond).reason, "step");
  EXPECT_EQ(e.check("scan_position", {10, 4}, kSecond / 1'000'000).reason, "rate");
  EXPECT_EQ(e.check("stage_z", {0}, kSecond).reason, "unknown_actuator");
  EXPECT_EQ(e.check("defocus", {}, kSecond).reason, "bad_target");
  EXPECT_EQ(e.check("defocus", {std::nan("")}, kSecond).reason, "bad_target");
  EXPECT_TRUE(e.check("scan_position", {10, 4}, kSecond).allowed);
}

// A readback is input from the instrument: one that is not a position cannot switch the step
// and rate limits off.
TEST(SafetyEnvelope, ABadReadbackNeverLoosensTheStepAndRateLimits) {
  SafetyEnvelope e = microscope();
  e.set_position("scan_position", {3, 4}, 0);
  e.set_position("scan_position", {std::nan(""), 4}, 0);  // ignored: the last good one stands
  EXPECT_EQ(e.check("scan_position", {20, 4}, kSecond).reason, "step");
  e.set_position("defocus", {0, 0}, 0);  // the wrong shape: step limits fail closed
  EXPECT_EQ(e.check("defocus", {10}, kSecond).reason, "step");
  e.set_position("defocus", {0}, 0);
  EXPECT_TRUE(e.check("defocus", {10}, kSecond).allowed);
  e.set_position("stage_z", {1}, 0);  // no limits: not tracked, still unknown
  EXPECT_EQ(e.check("stage_z", {1}, kSecond).reason, "unknown_actuator");
}

TEST(SafetyEnvelope, AnInterlockStopsEverythingButTheSafeActions) {
  SafetyEnvelope e = microscope();
  e.set_interlock(true);
  EXPECT_EQ(e.check("scan_position", {1, 1}, 0).reason, "interlock");
  EXPECT_TRUE(e.check("beam_blank", {1}, 0).allowed);
  e.set_interlock(false);
  EXPECT_TRUE(e.check("scan_position", {1, 1}, 0).allowed);
}

TEST(SafetyEnvelope, StepsAreMeasuredFromTheReadback) {
  SafetyEnvelope e = microscope();
  e.set_position("defocus", {400}, 0);
  EXPECT_EQ(e.check("defocus", {0}, kSecond).reason, "step");
  EXPECT_TRUE(e.check("defocus", {360}, kSecond).allowed);
}

TEST(SafetyEnvelope, TheDoseBudgetIsSpentOnlyByAdmittedCommands) {
  SafetyEnvelope e = microscope(2.5e-2);
  EXPECT_TRUE(e.admit("dwell", {1e-2}, 0).allowed);
  EXPECT_TRUE(e.check("dwell", {1e-2}, 0).allowed);  // checking spends nothing
  EXPECT_TRUE(e.admit("dwell", {1e-2}, 0).allowed);
  EXPECT_EQ(e.admit("dwell", {1e-2}, 0).reason, "dose");
  EXPECT_TRUE(e.admit("dwell", {5e-3}, 0).allowed);
  EXPECT_NEAR(e.dose_spent(), 2.5e-2, 1e-12);
}

TEST(SafetyEnvelope, RejectsLimitsThatMakeNoSense) {
  EXPECT_THROW(SafetyEnvelope({{"x", {.min = {1.0}, .max = {0.0}}}}, std::nullopt),
               std::invalid_argument);
  EXPECT_THROW(SafetyEnvelope({{"x", {.min = {0.0}, .max = {1.0}, .max_step = 0.0}}}, std::nullopt),
               std::invalid_argument);
  EXPECT_THROW(SafetyEnvelope({{"x", {.min = {}, .max = {}}}}, std::nullopt),
               std::invalid_argument);
}

// The acceptance test: 10^5 random proposals, and nothing outside the envelope is
// let through, whatever the sequence. Each admitted command is checked independently here.
TEST(SafetyEnvelope, NoneOfAHundredThousandRandomProposalsOutsideItIsAdmitted) {
  SafetyEnvelope e = microscope(1.0);
  std::mt19937_64 rng(20261125);
  std::uniform_real_distribution<double> wide(-200.0, 200.0);
  std::uniform_int_distribution<int> pick(0, 3);
  std::bernoulli_distribution interlock(0.05);
  const char* actuators[] = {"scan_position", "defocus", "dwell", "beam_blank"};
  std::map<std::string, std::pair<std::vector<double>, std::int64_t>> last;
  std::int64_t now = 0;
  double dose = 0.0;
  int admitted = 0;
  for (int i = 0; i < 100000; ++i) {
    now += static_cast<std::int64_t>(std::uniform_int_distribution<int>(0, 5'000'000)(rng));
    const bool locked = interlock(rng);
    e.set_interlock(locked);
    const std::string a = actuators[pick(rng)];
    std::vector<double> target = {wide(rng)};
    if (a == "scan_position") target = {std::abs(wide(rng)) / 3.0, std::abs(wide(rng)) / 3.0};
    if (a == "dwell") target = {std::abs(wide(rng)) * 1e-4};
    if (a == "beam_blank") target = {std::round(std::abs(wide(rng)) / 150.0)};
    if (!e.admit(a, target, now).allowed) continue;
    ++admitted;
    // Independently of the envelope's code: what was admitted obeys every limit.
    for (double v : target) ASSERT_TRUE(std::isfinite(v));
    if (a == "scan_position") {
      for (double v : target) ASSERT_TRUE(v >= 0.0 && v <= 63.0);
      ASSERT_FALSE(locked);
      if (auto it = last.find(a); it != last.end()) {
        const double dt = static_cast<double>(now - it->second.second) * 1e-9;
        for (std::size_t k = 0; k < 2; ++k) {
          const double step = std::abs(target[k] - it->second.first[k]);
          ASSERT_LE(step, 8.0);
          ASSERT_LE(step, 4000.0 * dt + 1e-12);
        }
      }
    } else if (a == "defocus") {
      ASSERT_TRUE(target[0] >= -500.0 && target[0] <= 500.0);
      ASSERT_FALSE(locked);
      if (auto it = last.find(a); it != last.end()) {
        ASSERT_LE(std::abs(target[0] - it->second.first[0]), 50.0);
      }
    } else if (a == "dwell") {
      ASSERT_TRUE(target[0] >= 1e-6 && target[0] <= 1e-2);
      ASSERT_FALSE(locked);
      dose += target[0];
      ASSERT_LE(dose, 1.0 + 1e-12);
    } else {
      ASSERT_TRUE(target[0] == 0.0 || target[0] == 1.0);
    }
    last[a] = {target, now};
  }
  EXPECT_GT(admitted, 1000);  // the test exercised admissions, not only refusals
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST(SafetyEnvelope, ACommandCanCostDoseByItselfAndTheRangeAloneCanBeChecked) {
  SafetyEnvelope e({{"scan_position", {.min = {0.0}, .max = {10.0}, .dose_per_command = 1.0}},
                    {"beam_blank", {.min = {0.0}, .max = {1.0}}}},
                   2.0);
  EXPECT_TRUE(e.admit("scan_position", {1, 1}, 0).allowed);
  EXPECT_TRUE(e.admit("scan_position", {2, 1}, kSecond).allowed);
  EXPECT_EQ(e.check("scan_position", {3, 1}, 2 * kSecond).reason, "dose");
  e.set_interlock(true);
  // The safe state's check ignores interlock and dose, never the range.
  EXPECT_TRUE(e.check_range("beam_blank", {1}).allowed);
  EXPECT_EQ(e.check_range("beam_blank", {2}).reason, "range");
  EXPECT_EQ(e.check_range("shutter", {0}).reason, "unknown_actuator");
  EXPECT_NE(e.limits("beam_blank"), nullptr);
  EXPECT_EQ(e.limits("shutter"), nullptr);
}

}  // namespace
}  // namespace edgeloop

namespace edgeloop {
namespace {

TEST(SafetyEnvelope, ARepeatedReadbackDoesNotRestartTheRateClock) {
  SafetyEnvelope e({{"temperature", {.min = {0.0}, .max = {100.0}, .max_rate_per_s = 10.0}}},
                   std::nullopt);
  e.set_position("temperature", {20}, 0);
  // Heartbeats keep reporting 20: the cell has been there since t = 0.
  e.set_position("temperature", {20}, 5 * kSecond);
  EXPECT_TRUE(e.check("temperature", {60}, 5 * kSecond).allowed);  // 40 in 5 s: 8/s
  e.set_position("temperature", {25}, 5 * kSecond);                // it moved just now
  EXPECT_EQ(e.check("temperature", {60}, 6 * kSecond).reason, "rate");
}

}  // namespace
}  // namespace edgeloop
