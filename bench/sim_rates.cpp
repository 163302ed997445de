// How fast each simulated instrument produces data, against the transport it feeds: the same
// messages pushed over ZeroMQ tcp loopback (PUSH -> PULL) in the same run. A ratio above 1
// means the simulator outpaces the wire, so benchmarks driven by it measure the receiver.
// Usage: bench_sim_rates [seconds per case, default 1.5]
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/sims/apt_config.hpp"
#include "edgeloop/sims/apt_device.hpp"
#include "edgeloop/sims/saxs_config.hpp"
#include "edgeloop/sims/saxs_device.hpp"
#include "edgeloop/sims/stem4d_config.hpp"
#include "edgeloop/sims/stem4d_device.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using edgeloop::sims::DataMessage;
using edgeloop::sims::MessageContext;
using edgeloop::sims::SimDevice;

struct Case {
  std::string name;
  std::function<std::unique_ptr<SimDevice>()> make;
  // Executes whatever command makes the device owe its next message.
  std::function<void(SimDevice&, std::uint64_t)> trigger;
  std::string unit = "frames";
  // Items per message (ions per chunk for APT), filled in from the messages produced.
  std::function<double(const DataMessage&)> items = [](const DataMessage&) { return 1.0; };
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Messages and items per second the device produces; `sample` gets the last message, for the
// transport run.
std::pair<double, double> produce_rate(const Case& c, double budget_s, DataMessage& sample) {
  auto device = c.make();
  std::uint64_t n = 0;
  double items = 0.0;
  const auto start = Clock::now();
  while (seconds_since(start) < budget_s || n < 3) {
    c.trigger(*device, n);
    if (!device->has_data()) break;  // an APT specimen used up
    MessageContext context;
    context.sequence = n;
    DataMessage message = device->produce(context);
    items += c.items(message);
    sample = std::move(message);  // the last one: an APT stream's first chunks are sparse
    ++n;
  }
  const double elapsed = seconds_since(start);
  return {static_cast<double>(n) / elapsed, items / elapsed};
}

// Messages per second the same message crosses ZeroMQ tcp loopback, receiver draining.
double transport_rate(const DataMessage& sample, double budget_s) {
  zmq::context_t context(1);
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);
  std::uint64_t received = 0;
  std::jthread receiver([&](std::stop_token stop) {
    pull.set(zmq::sockopt::rcvtimeo, 100);
    zmq::message_t part;
    while (!stop.stop_requested()) {
      if (!pull.recv(part)) continue;
      if (!part.more()) ++received;
    }
  });
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::sndhwm, 100);
  push.connect(endpoint);
  std::uint64_t sent = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < budget_s) {
    for (std::size_t i = 0; i < sample.parts.size(); ++i) {
      const auto flags =
          i + 1 < sample.parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      push.send(zmq::const_buffer(sample.parts[i].data(), sample.parts[i].size()), flags);
    }
    ++sent;
  }
  while (received < sent && seconds_since(start) < budget_s + 5.0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double elapsed = seconds_since(start);
  receiver.request_stop();
  return static_cast<double>(received) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace edgeloop::sims;
  const double budget_s = argc > 1 ? std::stod(argv[1]) : 1.5;
  std::vector<Case> cases;
  for (const auto model : {PatternModelKind::PhaseObject, PatternModelKind::Kinematic}) {
    for (const std::uint32_t size : {96U, 128U, 256U}) {
      Stem4DConfig config;
      config.detector_size = size;
      config.model = model;
      const char* model_name = model == PatternModelKind::Kinematic ? "kinematic" : "phase-object";
      cases.push_back({"4dstem " + std::to_string(size) + "^2 u16 " + model_name,
                       [config] { return std::make_unique<Stem4DDevice>(config); },
                       [](SimDevice& device, std::uint64_t i) {
                         const std::vector<double> position{static_cast<double>(i % 1024),
                                                            static_cast<double>((i / 1024) % 1024)};
                         device.execute("scan_position", position, i + 1);
                       }});
    }
  }

  for (const std::uint32_t side : {256U, 512U, 1024U}) {
    SaxsConfig config;
    config.detector.rows = side;
    config.detector.cols = side;
    config.geometry = default_saxs_geometry(config.detector);
    cases.push_back({"saxs " + std::to_string(side) + "^2 u32",
                     [config] { return std::make_unique<SaxsDevice>(config); },
                     [](SimDevice& device, std::uint64_t i) {
                       // A new stage position every frame: I(q) is recomputed each time.
                       const std::vector<double> x{-10.0 + static_cast<double>(i % 200) * 0.1};
                       device.execute("stage_x", x, 2 * i + 1);
                       device.execute("acquire", std::vector<double>{1.0}, 2 * i + 2);
                     }});
  }
  {
    Case apt{"apt (default specimen)", [] { return std::make_unique<AptDevice>(AptConfig{}); },
             [](SimDevice& device, std::uint64_t i) {
               if (i == 0) device.execute("pause", std::vector<double>{0.0}, 1);
             },
             "ions"};
    apt.items = [](const DataMessage& message) {
      const auto& part = message.parts.front();
      std::vector<std::byte> copy(part.data<std::byte>(), part.data<std::byte>() + part.size());
      const auto decoded = edgeloop::decode<edgeloop::wire::EventChunk>(copy);
      const auto* chunk = std::get_if<const edgeloop::wire::EventChunk*>(&decoded);
      return chunk != nullptr && (*chunk)->events() != nullptr
                 ? static_cast<double>((*chunk)->events()->size())
                 : 0.0;
    };
    cases.push_back(apt);
  }

  std::printf("%-34s %12s %12s %14s %8s\n", "simulator", "produce/s", "items/s", "tcp PUSH/PULL/s",
              "ratio");
  for (const Case& c : cases) {
    DataMessage sample;
    const auto [messages_per_s, items_per_s] = produce_rate(c, budget_s, sample);
    const double wire_per_s = transport_rate(sample, budget_s);
    std::size_t bytes = 0;
    for (const auto& part : sample.parts) bytes += part.size();
    std::printf("%-34s %12.0f %12.0f %14.0f %8.2f   (%zu bytes/message, %s)\n", c.name.c_str(),
                messages_per_s, items_per_s, wire_per_s, messages_per_s / wire_per_s, bytes,
                c.unit.c_str());
  }
  return 0;
}
