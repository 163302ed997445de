#include "metrics_http.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace edgeloop {
namespace {

using nlohmann::json;

// Metric names allow [a-zA-Z0-9_:]; label values are escaped.
std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void metric(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, const std::string& labels, double value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  char number[64];
  std::snprintf(number, sizeof(number), " %.17g\n", value);
  out += number;
}

double number_or(const json& j, const char* key, double fallback = 0.0) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

}  // namespace

std::string prometheus_text(const json& status) {
  std::string out;
  metric(out, "edgeloop_up", "gauge", "1 while the daemon serves.");
  sample(out, "edgeloop_up", "", 1.0);
  if (const auto d = status.find("daemon"); d != status.end()) {
    metric(out, "edgeloop_uptime_seconds", "gauge", "Seconds since the daemon started.");
    sample(out, "edgeloop_uptime_seconds", "", number_or(*d, "uptime_s"));
  }
  // Every counter of `status` (frames, drops, refusals by reason, command outcomes, jobs...).
  metric(out, "edgeloop_events_total", "counter",
         "The daemon's counters, by name (as `edgeloop status` shows them).");
  if (const auto c = status.find("counters"); c != status.end() && c->is_object()) {
    for (const auto& [name, value] : c->items()) {
      if (value.is_number()) {
        sample(out, "edgeloop_events_total", "name=\"" + escape_label(name) + "\"",
               value.get<double>());
      }
    }
  }
  metric(out, "edgeloop_queue_depth", "gauge", "Items waiting in a pipeline queue.");
  metric(out, "edgeloop_queue_capacity", "gauge", "Capacity of a pipeline queue.");
  if (const auto q = status.find("queues"); q != status.end() && q->is_object()) {
    for (const auto& [name, value] : q->items()) {
      const std::string labels = "queue=\"" + escape_label(name) + "\"";
      sample(out, "edgeloop_queue_depth", labels, number_or(value, "depth"));
      sample(out, "edgeloop_queue_capacity", labels, number_or(value, "capacity"));
    }
  }
  metric(out, "edgeloop_stage_processed_total", "counter", "Frames a stage of the run processed.");
  metric(out, "edgeloop_stage_failed_total", "counter", "Frames a stage of the run failed on.");
  metric(out, "edgeloop_stage_rate_hz", "gauge", "Frames per second through a stage this run.");
  metric(out, "edgeloop_stage_latency_seconds", "gauge",
         "A stage's per-call latency quantiles this run.");
  if (const auto st = status.find("stages"); st != status.end() && st->is_array()) {
    for (const json& stage : *st) {
      const std::string labels = "stage=\"" + escape_label(stage.value("name", "")) + "\"";
      sample(out, "edgeloop_stage_processed_total", labels, number_or(stage, "processed"));
      sample(out, "edgeloop_stage_failed_total", labels, number_or(stage, "failed"));
      sample(out, "edgeloop_stage_rate_hz", labels, number_or(stage, "rate_hz"));
      sample(out, "edgeloop_stage_latency_seconds", labels + ",quantile=\"0.5\"",
             number_or(stage, "p50_us") * 1e-6);
      sample(out, "edgeloop_stage_latency_seconds", labels + ",quantile=\"0.99\"",
             number_or(stage, "p99_us") * 1e-6);
    }
  }
  metric(out, "edgeloop_instrument_connected", "gauge", "1 while an instrument is connected.");
  if (const auto in = status.find("instruments"); in != status.end() && in->is_array()) {
    for (const json& instrument : *in) {
      sample(out, "edgeloop_instrument_connected",
             "instrument=\"" + escape_label(instrument.value("name", "")) + "\"",
             instrument.value("connected", false) ? 1.0 : 0.0);
    }
  }
  metric(out, "edgeloop_run_active", "gauge", "1 while a run is active.");
  const auto run = status.find("run");
  sample(out, "edgeloop_run_active", "", run != status.end() && !run->is_null() ? 1.0 : 0.0);
  return out;
}

MetricsHttpServer::MetricsHttpServer(const std::string& host, std::uint16_t port) {
  if (port == 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("metrics: '" + host + "' is not an IPv4 address");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    throw std::runtime_error("metrics: cannot listen on " + host + ":" + std::to_string(port) +
                             ": " + why);
  }
  port_ = port;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void MetricsHttpServer::serve_one(const std::function<std::string()>& body) {
  if (listen_fd_ < 0) return;
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  // The request line is all that matters; wait briefly for it so a silent client cannot hold
  // the I/O thread.
  std::string request;
  char buffer[1024];
  while (request.size() < 8192 && request.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  std::string status = "404 Not Found";
  std::string content = "not found; metrics are at /metrics\n";
  const std::string line = request.substr(0, request.find("\r\n"));
  if (line.rfind("GET /metrics ", 0) == 0 || line == "GET /metrics") {
    status = "200 OK";
    content = body();
  } else if (!line.empty() && line.rfind("GET ", 0) != 0) {
    status = "405 Method Not Allowed";
    content = "only GET\n";
  }
  const std::string reply =
      "HTTP/1.0 " + status + "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
      std::to_string(content.size()) + "\r\nConnection: close\r\n\r\n" + content;
  std::size_t sent = 0;
  while (sent < reply.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 200) <= 0) break;
    const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace edgeloop
