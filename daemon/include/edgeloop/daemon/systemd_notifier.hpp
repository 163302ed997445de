// systemd's service notifications (sd_notify(3)) without libsystemd: READY, STATUS, STOPPING
// and the watchdog keep-alive as datagrams to $NOTIFY_SOCKET. Does nothing when systemd did
// not start the process, so the daemon runs the same by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgeloop {

class SystemdNotifier {
 public:
  // From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog applies only when
  // WATCHDOG_PID is unset or names this process), as systemd sets them.
  static SystemdNotifier from_environment();
  // `socket`: a path, or "@name" for the abstract namespace; empty disables notifications.
  SystemdNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog);
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;
  SystemdNotifier(SystemdNotifier&& other) noexcept;
  SystemdNotifier& operator=(SystemdNotifier&&) = delete;
  ~SystemdNotifier();

  bool enabled() const { return fd_ >= 0; }
  // Sends newline-separated assignments such as "READY=1\nSTATUS=running"; false when
  // disabled or the send failed (never throws: a service must not die of its supervisor).
  bool notify(std::string_view assignments);
  // The interval systemd expects keep-alives within, when it asked for them.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }
  // Called from the loop that must prove it is alive: sends WATCHDOG=1 once half the interval
  // has passed since the last one, so a loop that hangs is restarted by systemd.
  void watchdog_tick(std::int64_t now_mono_ns);

 private:
  int fd_ = -1;
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
  std::int64_t last_keepalive_ns_ = 0;
};

}  // namespace edgeloop
