// Helpers shared by the simulator tests: playing the daemon's side of the sockets and
// summarising frames.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <spdlog/logger.h>
#include <memory>
#include <thread>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/sims/instrument_loop.hpp"

namespace edgeloop::sims::test {

inline std::span<const std::byte> bytes_of(const zmq::message_t& message) {
  return {message.data<std::byte>(), message.size()};
}

// One multipart message, or nullopt if none arrives in time.
inline std::optional<std::vector<zmq::message_t>> receive(zmq::socket_t& socket,
                                                          std::chrono::milliseconds timeout) {
  std::array<zmq::pollitem_t, 1> items{{{socket.handle(), 0, ZMQ_POLLIN, 0}}};
  if (zmq::poll(items.data(), items.size(), timeout) == 0) return std::nullopt;
  std::vector<zmq::message_t> parts;
  if (!zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
    return std::nullopt;
  }
  return parts;
}

// The daemon's end of the command socket: a ROUTER that tells acks from status messages.
class FakeDaemonCommands {
 public:
  FakeDaemonCommands(zmq::context_t& context, const std::string& endpoint)
      : socket_(context, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::linger, 0);
    // As edgeloopd does: an instrument that reconnects under its name takes over at once.
    socket_.set(zmq::sockopt::router_handover, 1);
    socket_.bind(endpoint);
  }

  // Next InstrumentStatus from `identity` (the copy is kept in `last_status_bytes`).
  const wire::InstrumentStatus* next_status(std::chrono::milliseconds timeout) {
    return next<wire::InstrumentStatus>(timeout, status_bytes_);
  }
  // Next Ack, skipping the heartbeats in between; nullptr if none arrives in time.
  const wire::Ack* next_ack(std::chrono::milliseconds timeout) {
    return next<wire::Ack>(timeout, ack_bytes_);
  }
  const std::vector<std::byte>& last_ack_bytes() const { return ack_bytes_; }
  const std::string& identity() const { return identity_; }
  std::vector<wire::InstrumentState> states_seen() const { return states_; }

  void send(std::span<const std::byte> bytes) {
    socket_.send(zmq::buffer(identity_), zmq::send_flags::sndmore);
    socket_.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  }
  void send_command(const CommandFields& fields) {
    const auto buffer = build_command(fields);
    send(std::as_bytes(std::span(buffer.data(), buffer.size())));
  }
  zmq::socket_t& socket() { return socket_; }

 private:
  template <class Root>
  const Root* next(std::chrono::milliseconds timeout, std::vector<std::byte>& keep) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nullptr;
      auto parts = receive(socket_, left);
      if (!parts) return nullptr;
      EXPECT_EQ(parts->size(), 2U) << "instrument messages are single-part";
      if (parts->size() != 2) continue;
      identity_ = (*parts)[0].to_string();
      // Decoded from a copy: libzmq may hand over a TCP message at any address inside its
      // receive buffer, and FlatBuffers reads fields in place, assuming natural alignment.
      const auto body = bytes_of((*parts)[1]);
      std::vector<std::byte> copy(body.begin(), body.end());
      if (const auto status = decode<wire::InstrumentStatus>(copy);
          std::holds_alternative<const wire::InstrumentStatus*>(status)) {
        states_.push_back(std::get<const wire::InstrumentStatus*>(status)->state());
        status_bytes_ = std::move(copy);
        if constexpr (std::is_same_v<Root, wire::InstrumentStatus>) {
          return std::get<const wire::InstrumentStatus*>(decode<Root>(status_bytes_));
        }
        continue;
      }
      keep = std::move(copy);
      const auto decoded = decode<Root>(keep);
      EXPECT_TRUE(std::holds_alternative<const Root*>(decoded))
          << "unexpected message of " << body.size() << " bytes";
      if (std::holds_alternative<const Root*>(decoded)) return std::get<const Root*>(decoded);
    }
  }

  zmq::socket_t socket_;
  std::string identity_;
  std::vector<std::byte> status_bytes_;
  std::vector<std::byte> ack_bytes_;
  std::vector<wire::InstrumentState> states_;
};

// A received data message, kept whole so the header can be read while the test runs.
struct ReceivedFrame {
  std::vector<std::byte> header_bytes;
  std::vector<std::byte> payload;
  std::size_t parts = 0;
  const wire::FrameHeader* header() const {
    const auto decoded = decode<wire::FrameHeader>(header_bytes);
    return std::holds_alternative<const wire::FrameHeader*>(decoded)
               ? std::get<const wire::FrameHeader*>(decoded)
               : nullptr;
  }
};

inline std::optional<ReceivedFrame> receive_frame(zmq::socket_t& pull,
                                                  std::chrono::milliseconds timeout) {
  auto parts = receive(pull, timeout);
  if (!parts) return std::nullopt;
  ReceivedFrame frame;
  frame.parts = parts->size();
  if (!parts->empty()) {
    const auto header = bytes_of(parts->front());
    frame.header_bytes.assign(header.begin(), header.end());
  }
  if (parts->size() >= 2) {
    const auto payload = bytes_of((*parts)[1]);
    frame.payload.assign(payload.begin(), payload.end());
  }
  return frame;
}

// Little-endian u16 payload to counts.
inline std::vector<std::uint16_t> u16_pixels(std::span<const std::byte> payload) {
  std::vector<std::uint16_t> out(payload.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint16_t>(std::to_integer<unsigned>(payload[2 * i]) |
                                        (std::to_integer<unsigned>(payload[2 * i + 1]) << 8U));
  }
  return out;
}

template <class T>
double total(std::span<const T> pixels) {
  double sum = 0.0;
  for (const T value : pixels) sum += static_cast<double>(value);
  return sum;
}

// Plays the daemon over inproc:// against an InstrumentLoop running a device on a thread, as
// edgeloopd would over TCP. The device must outlive the harness (declare it first), since the
// loop runs until the harness stops it.
class LoopHarness {
 public:
  static constexpr std::chrono::seconds kWait{5};  // for what must arrive

  LoopHarness() {
    const std::string suffix = Uuid::random().str();
    config.name = "sim-test";
    config.seed = 7;
    config.data_endpoint = "inproc://sim-data-" + suffix;
    config.commands_endpoint = "inproc://sim-commands-" + suffix;
    config.heartbeat = std::chrono::milliseconds(100);
  }
  LoopHarness(const LoopHarness&) = delete;
  LoopHarness& operator=(const LoopHarness&) = delete;
  ~LoopHarness() { stop(); }

  // Binds the daemon's sockets, starts the loop and returns the hello (nullptr if none came).
  const wire::InstrumentStatus* start(SimDevice& device, int pull_hwm = 1000) {
    commands = std::make_unique<FakeDaemonCommands>(context, config.commands_endpoint);
    pull = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pull);
    pull->set(zmq::sockopt::rcvhwm, pull_hwm);
    pull->set(zmq::sockopt::linger, 0);
    pull->bind(config.data_endpoint);
    loop = std::make_unique<InstrumentLoop>(config, device, context,
                                            std::make_shared<spdlog::logger>("sim-test"));
    thread = std::jthread([this](std::stop_token token) { loop->run(token); });
    return commands->next_status(kWait);
  }

  void stop() {
    if (thread.joinable()) {
      thread.request_stop();
      thread.join();
    }
  }

  CommandFields command(std::uint64_t seq, std::string actuator, std::vector<double> target) const {
    CommandFields c;
    c.run_id = run;
    c.seq = seq;
    c.actuator = std::move(actuator);
    c.target = std::move(target);
    c.issued_wall_ns = wall_ns();
    c.deadline_wall_ns = wall_ns() + 10'000'000'000;
    c.cause = "test";
    return c;
  }

  const wire::Ack* send_and_ack(const CommandFields& c) {
    commands->send_command(c);
    return commands->next_ack(kWait);
  }

  zmq::context_t context{1};
  SimCommonConfig config;
  Uuid run = Uuid::random();
  std::unique_ptr<FakeDaemonCommands> commands;
  std::unique_ptr<zmq::socket_t> pull;
  std::unique_ptr<InstrumentLoop> loop;
  std::jthread thread;
};

}  // namespace edgeloop::sims::test
