#include "edgeloop/sims/stop_on_signal.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace edgeloop::sims {
namespace {

using namespace std::chrono_literals;

bool stops_within(const std::stop_source& source, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!source.stop_requested()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Signals sent to the whole process, as systemd and Ctrl-C do.
TEST(StopOnSignal, SigtermAndSigintRequestAStop) {
  for (const int signo : {SIGTERM, SIGINT}) {
    std::stop_source source;
    StopOnSignal signals(source);
    EXPECT_EQ(signals.received(), 0);
    ASSERT_EQ(kill(getpid(), signo), 0);
    EXPECT_TRUE(stops_within(source, 2000ms)) << "signal " << signo;
    EXPECT_EQ(signals.received(), signo);
  }
}

TEST(StopOnSignal, ClosingWithoutASignalRequestsNothing) {
  std::stop_source source;
  const auto begin = std::chrono::steady_clock::now();
  { StopOnSignal signals(source); }
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  EXPECT_FALSE(source.stop_requested());
}

}  // namespace
}  // namespace edgeloop::sims
