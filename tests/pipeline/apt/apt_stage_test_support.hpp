// Helpers shared by the APT data-plane tests: a Kokkos fixture, event chunks as Frames, events
// with a chosen mass-to-charge, and range files written to disk.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgeloop/formats/apt_time_of_flight.hpp"
#include "edgeloop/pipeline/frame.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"

namespace edgeloop::test {

class KokkosTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { kokkos_ = std::make_unique<KokkosRuntime>(); }
  static void TearDownTestSuite() { kokkos_.reset(); }
  inline static std::unique_ptr<KokkosRuntime> kokkos_;
};

// Owns a chunk's events, as a ZeroMQ message would.
class EventsPayload final : public PayloadOwner {
 public:
  explicit EventsPayload(std::vector<wire::Event> events) : events_(std::move(events)) {}
  std::span<const std::byte> bytes() const override { return std::as_bytes(std::span(events_)); }

 private:
  std::vector<wire::Event> events_;
};

inline Frame events_frame(std::vector<wire::Event> events, double voltage_v,
                          std::uint64_t sequence = 0) {
  Frame f;
  f.meta.kind = FrameKind::Events;
  f.meta.modality = wire::Modality::Apt;
  f.meta.stream = "apt/events";
  f.meta.sequence = sequence;
  f.meta.dtype = wire::DType::U8;
  f.meta.voltage_v = voltage_v;
  f.meta.first_pulse = events.empty() ? 0 : events.front().pulse();
  f.meta.pulses = events.empty() ? 0 : events.back().pulse() - events.front().pulse() + 1;
  f.meta.shape = {static_cast<std::uint32_t>(events.size() * sizeof(wire::Event))};
  f.payload = std::make_unique<EventsPayload>(std::move(events));
  return f;
}

// A hit at (x, y) mm whose time of flight gives exactly mass_to_charge at voltage_v for a
// flight length of flight_length_mm and t0 (the simulator's forward conversion).
inline wire::Event event_at(double mass_to_charge, double voltage_v, float x = 0.0F, float y = 0.0F,
                            std::uint64_t pulse = 0, float rank = 1.0F,
                            double flight_length_mm = 100.0, double t0_ns = 0.0) {
  const double path = formats::flight_path_mm(flight_length_mm, x, y);
  const double tof = formats::time_of_flight_ns(mass_to_charge, voltage_v, path, t0_ns);
  return wire::Event(pulse, x, y, static_cast<float>(tof), rank);
}

inline void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

}  // namespace edgeloop::test
