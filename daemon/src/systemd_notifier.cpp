#include "edgeloop/daemon/systemd_notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace edgeloop {
namespace {

std::optional<std::uint64_t> parse_unsigned(const char* text) {
  if (text == nullptr) return std::nullopt;
  const std::string_view s(text);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (error != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

SystemdNotifier SystemdNotifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::optional<std::chrono::microseconds> watchdog;
  const auto usec = parse_unsigned(std::getenv("WATCHDOG_USEC"));
  const auto pid = parse_unsigned(std::getenv("WATCHDOG_PID"));
  if (usec && *usec > 0 && (!pid || *pid == static_cast<std::uint64_t>(getpid()))) {
    watchdog = std::chrono::microseconds(static_cast<std::int64_t>(*usec));
  }
  return SystemdNotifier(socket == nullptr ? "" : socket, watchdog);
}

SystemdNotifier::SystemdNotifier(std::string socket,
                                 std::optional<std::chrono::microseconds> watchdog)
    : socket_(std::move(socket)), watchdog_(watchdog) {
  sockaddr_un address{};
  if (socket_.empty() || socket_.size() >= sizeof(address.sun_path)) return;
  if (socket_[0] != '/' && socket_[0] != '@') return;  // not a socket systemd would give
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

SystemdNotifier::SystemdNotifier(SystemdNotifier&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      socket_(std::move(other.socket_)),
      watchdog_(other.watchdog_),
      last_keepalive_ns_(other.last_keepalive_ns_) {}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

bool SystemdNotifier::notify(std::string_view assignments) {
  if (fd_ < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') address.sun_path[0] = '\0';  // the abstract namespace
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  const ssize_t sent = ::sendto(fd_, assignments.data(), assignments.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  return sent == static_cast<ssize_t>(assignments.size());
}

void SystemdNotifier::watchdog_tick(std::int64_t now_mono_ns) {
  if (!watchdog_ || fd_ < 0) return;
  const std::int64_t half_ns = watchdog_->count() * 500;
  if (last_keepalive_ns_ != 0 && now_mono_ns - last_keepalive_ns_ < half_ns) return;
  last_keepalive_ns_ = now_mono_ns;
  notify("WATCHDOG=1");
}

}  // namespace edgeloop
