#include "edgeloop/daemon/systemd_notifier.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "edgeloop/daemon/daemon.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/testing/child_process.hpp"
#include "edgeloop/testing/temp_dir.hpp"

namespace edgeloop {
namespace {

using namespace std::chrono_literals;

// What systemd would be: a datagram socket the notifications arrive on.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      ADD_FAILURE() << "cannot bind " << path;
    }
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~FakeSystemd() { ::close(fd_); }
  FakeSystemd(const FakeSystemd&) = delete;
  FakeSystemd& operator=(const FakeSystemd&) = delete;

  std::string receive() {
    std::vector<char> buffer(4096);
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    return n < 0 ? std::string() : std::string(buffer.data(), static_cast<std::size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(SystemdNotifier, SendsNotificationsAndKeepAlivesAtHalfTheInterval) {
  testing::TempDir dir;
  const std::string path = (dir / "notify").string();
  FakeSystemd systemd(path);
  SystemdNotifier notifier(path, std::chrono::microseconds(200'000));
  ASSERT_TRUE(notifier.enabled());
  EXPECT_TRUE(notifier.notify("READY=1\nSTATUS=up"));
  EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=up");

  const std::int64_t t0 = 1'000'000'000;
  notifier.watchdog_tick(t0);  // the first tick always sends
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
  notifier.watchdog_tick(t0 + 50'000'000);   // 50 ms: too soon
  notifier.watchdog_tick(t0 + 100'000'000);  // 100 ms: half of 200 ms
  notifier.notify("STATUS=marker");
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
  EXPECT_EQ(systemd.receive(), "STATUS=marker");  // only one keep-alive in between
}

TEST(SystemdNotifier, OffWithoutSystemdAndForTheWrongProcess) {
  SystemdNotifier none("", std::nullopt);
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(none.notify("READY=1"));
  none.watchdog_tick(1);                             // harmless
  SystemdNotifier relative("notify", std::nullopt);  // not a path systemd would give
  EXPECT_FALSE(relative.enabled());

  ::setenv("NOTIFY_SOCKET", "/run/nothing-here", 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_FALSE(SystemdNotifier::from_environment().watchdog_interval().has_value());
  ::setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(SystemdNotifier::from_environment().watchdog_interval(), std::chrono::seconds(3));
  ::setenv("WATCHDOG_USEC", "3s", 1);  // not a number: no watchdog
  EXPECT_FALSE(SystemdNotifier::from_environment().watchdog_interval().has_value());
  // A socket nobody listens on: the send fails quietly.
  EXPECT_FALSE(SystemdNotifier::from_environment().notify("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

// edgeloopd under systemd: READY once it serves, keep-alives from its I/O loop, STOPPING when
// asked to stop.
TEST(SystemdNotifier, TheDaemonSaysReadyKeepsAliveAndSaysStopping) {
  testing::TempDir dir;
  const std::string path = (dir / "notify").string();
  FakeSystemd systemd(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "100000", 1);
  ::unsetenv("WATCHDOG_PID");
  DaemonConfig config;
  const std::string base = "ipc://" + dir.path().string() + "/";
  config.endpoints = {base + "data", base + "results", base + "commands", base + "admin"};
  config.data_dir = dir / "runs";
  config.logging.level = "warn";
  config.logging.file = (dir / "daemon.log").string();
  KokkosRuntime kokkos;
  Daemon daemon(config, make_logger("systemd-test", config.logging));
  std::thread io([&] { daemon.run(); });
  EXPECT_EQ(systemd.receive().rfind("READY=1", 0), 0u);
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");  // again, within the interval
  daemon.request_stop();
  std::string message;
  while ((message = systemd.receive()) == "WATCHDOG=1") {
  }
  EXPECT_EQ(message.rfind("STOPPING=1", 0), 0u) << message;
  io.join();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
}

// The shipped unit file passes systemd's own checks (with the binaries where the build put
// them, since verify also checks that ExecStart exists).
TEST(SystemdUnit, VerifiesWithSystemdAnalyze) {
  if (::access("/usr/bin/systemd-analyze", X_OK) != 0) GTEST_SKIP() << "no systemd-analyze";
  testing::TempDir dir;
  std::ifstream in(std::string(EDGELOOP_SOURCE_DIR) + "/systemd/edgeloopd.service");
  std::string unit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(unit.empty());
  EXPECT_NE(unit.find("Type=notify"), std::string::npos);
  EXPECT_NE(unit.find("WatchdogSec="), std::string::npos);
  for (std::size_t at; (at = unit.find("/usr/local/bin/edgeloopd")) != std::string::npos;) {
    unit.replace(at, std::strlen("/usr/local/bin/edgeloopd"), EDGELOOPD_BINARY);
  }
  std::ofstream(dir / "edgeloopd.service") << unit;
  const auto result = testing::run_program("/usr/bin/systemd-analyze",
                                           {"verify", (dir / "edgeloopd.service").string()});
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "") << "systemd-analyze found problems";
}

}  // namespace
}  // namespace edgeloop
