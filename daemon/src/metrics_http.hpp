// Prometheus metrics over HTTP on a loopback port: the daemon's status (counters, queue
// depths, stage rates and latencies, run and instrument state) in the text exposition format,
// served from the I/O thread's poll loop (one short request per connection, no threads).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace edgeloop {

// The status reply as Prometheus text exposition (version 0.0.4).
std::string prometheus_text(const nlohmann::json& status);

class MetricsHttpServer {
 public:
  // Listens on `host:port` (port 0: off). Throws std::runtime_error when it cannot listen.
  MetricsHttpServer(const std::string& host, std::uint16_t port);
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;
  ~MetricsHttpServer();

  // The listening socket for zmq::poll; -1 when off.
  int fd() const { return listen_fd_; }
  std::uint16_t port() const { return port_; }
  // Accepts one connection, reads its request (at most 8 KiB, 200 ms) and answers GET
  // /metrics with `body()`, anything else with 404 or 405. Never throws.
  void serve_one(const std::function<std::string()>& body);

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace edgeloop
