#include "edgeloop/sims/stem4d_instrument.hpp"

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/dtype.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include "edgeloop/core/clock.hpp"

namespace edgeloop::sims {
namespace {

using Clock = std::chrono::steady_clock;

// Reasons echo what the peer sent; bounded, because they are logged and kept in the ack cache.
std::string echo_values(const std::vector<double>& values) {
  constexpr std::size_t kShown = 4;
  const std::span shown(values.data(), std::min(values.size(), kShown));
  return fmt::format("[{}{}]", fmt::join(shown, ", "), values.size() > kShown ? ", ..." : "");
}

std::string echo_name(const std::string& name) {
  constexpr std::size_t kShown = 64;
  return name.size() <= kShown ? name : name.substr(0, kShown) + "...";
}

std::uint64_t wall_now() {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, wall_ns()));
}

std::string_view status_name(wire::AckStatus status) {
  switch (status) {
    case wire::AckStatus::Done:
      return "done";
    case wire::AckStatus::Rejected:
      return "rejected";
    case wire::AckStatus::Failed:
      return "failed";
    case wire::AckStatus::Expired:
      return "expired";
    default:
      return "unknown";
  }
}

// Copies pixels into the payload in the wire's little-endian order.
template <class T>
void store_little_endian(std::span<const T> pixels, std::byte* out) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out, pixels.data(), pixels.size_bytes());
  } else {
    for (const T value : pixels) {
      for (std::size_t b = 0; b < sizeof(T); ++b) {
        *out++ = static_cast<std::byte>((value >> (8U * b)) & 0xFFU);
      }
    }
  }
}

}  // namespace

struct Stem4DInstrument::Sockets {
  zmq::socket_t data;
  zmq::socket_t commands;
};

Stem4DInstrument::Stem4DInstrument(Stem4DConfig config, zmq::context_t& context,
                                   std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      context_(context),
      logger_(std::move(logger)),
      model_(Stem4DSpecimen(config_.seed, config_.max_x + 1.0, config_.max_y + 1.0),
             DetectorSettings{.size = config_.detector_size,
                              .electrons_per_position = config_.electrons_per_position},
             config_.seed),
      frames_sent_(counters_.counter("frames.sent")),
      commands_received_(counters_.counter("commands.received")),
      position_{0.5 * config_.max_x, 0.5 * config_.max_y} {
  if (config_.dtype != wire::DType::U8 && config_.dtype != wire::DType::U16 &&
      config_.dtype != wire::DType::U32) {
    throw std::invalid_argument("the simulator sends u8, u16 or u32 pixels only, not " +
                                std::string(dtype_name(config_.dtype)));
  }
}

void Stem4DInstrument::run(const std::stop_token& stop) {
  Sockets sockets{zmq::socket_t(context_, zmq::socket_type::push),
                  zmq::socket_t(context_, zmq::socket_type::dealer)};
  // A full data queue blocks the sender (lossless), but only for kPollInterval at a time so
  // heartbeats continue and a stop request is noticed.
  sockets.data.set(zmq::sockopt::sndhwm, 100);
  sockets.data.set(zmq::sockopt::sndtimeo, static_cast<int>(kPollInterval.count()));
  sockets.data.set(zmq::sockopt::linger, 2000);
  sockets.data.connect(config_.data_endpoint);
  sockets.commands.set(zmq::sockopt::routing_id, config_.name);
  // A command is a few hundred bytes; ZeroMQ drops anything absurd before it is buffered.
  sockets.commands.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
  // Long enough to deliver the last ack and the goodbye to a connected daemon, short enough
  // that heartbeats queued for an absent one do not hold up the exit.
  sockets.commands.set(zmq::sockopt::linger, 500);
  sockets.commands.connect(config_.commands_endpoint);
  logger_->info("{} up: {}x{} {} frames to {}, commands from {}, scan field {}x{}, seed {}",
                config_.name, config_.detector_size, config_.detector_size,
                dtype_name(config_.dtype), config_.data_endpoint, config_.commands_endpoint,
                config_.max_x + 1, config_.max_y + 1, config_.seed);

  send_status(sockets, wire::InstrumentState::Idle, "hello");
  next_heartbeat_ = Clock::now() + config_.heartbeat;
  while (!stop.stop_requested()) {
    heartbeat_if_due(sockets, wire::InstrumentState::Idle);
    const auto until_heartbeat =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat_ - Clock::now());
    const auto wait = std::clamp(until_heartbeat, std::chrono::milliseconds(0), kPollInterval);
    std::array<zmq::pollitem_t, 1> items{{{sockets.commands.handle(), 0, ZMQ_POLLIN, 0}}};
    zmq::poll(items.data(), items.size(), wait);
    if ((items[0].revents & ZMQ_POLLIN) != 0) serve_pending(sockets, stop);
  }
  send_status(sockets, wire::InstrumentState::Idle, "stopping");
  logger_->info("{} stopping after {} frames", config_.name, frames_sent());
}

void Stem4DInstrument::serve_pending(Sockets& sockets, const std::stop_token& stop) {
  // Drains what has arrived, one command at a time, checking for a stop between commands.
  while (!stop.stop_requested()) {
    zmq::message_t message;
    if (!sockets.commands.recv(message, zmq::recv_flags::dontwait)) return;
    if (message.more()) {
      // A command is one part; drop the whole multipart message.
      while (message.more()) {
        if (!sockets.commands.recv(message, zmq::recv_flags::dontwait)) break;
      }
      counters_.add("commands.invalid.multipart");
      logger_->warn("dropped a multipart message on the command socket");
      continue;
    }
    handle_command(sockets, bytes_of(message), stop);
    // A daemon that keeps the queue full must still hear that the instrument is alive.
    heartbeat_if_due(sockets, wire::InstrumentState::Busy);
  }
}

void Stem4DInstrument::handle_command(Sockets& sockets, std::span<const std::byte> bytes,
                                      const std::stop_token& stop) {
  commands_received_.fetch_add(1, std::memory_order_relaxed);
  // libzmq may hand over a message at any address; decode copies it when misaligned.
  const auto decoded = decode<wire::Command>(bytes, command_scratch_);
  if (const auto* error = std::get_if<WireError>(&decoded)) {
    counters_.add("commands.invalid." + error->reason);
    logger_->warn("ignored an invalid command ({} bytes): {}", bytes.size(), error->detail);
    return;
  }
  const wire::Command& command = *std::get<const wire::Command*>(decoded);
  const Uuid run = from_wire(command.run_id());
  const std::uint64_t seq = command.seq();

  if (const auto* cached = acks_.find(run, seq)) {
    counters_.add("commands.duplicate");
    logger_->debug("command {} of run {} again (attempt {}): resending its ack", seq, run.str(),
                   command.attempt());
    send_on_dealer(sockets, *cached);
    return;
  }

  Acquisition acquisition;
  AckFields ack = execute(command, acquisition);
  ack.run_id = run;
  ack.seq = seq;
  ack.completed_wall_ns = wall_ns();
  const auto encoded = build_ack(ack);
  acks_.insert(run, seq, bytes_of(encoded));
  counters_.add(fmt::format("acks.{}", status_name(ack.status)));
  if (ack.status == wire::AckStatus::Done) {
    logger_->debug("command {} of run {}: {} done", seq, run.str(),
                   command.actuator() == nullptr ? "" : command.actuator()->str());
  } else {
    logger_->info("command {} of run {}: {} ({})", seq, run.str(), status_name(ack.status),
                  ack.reason);
  }
  send_on_dealer(sockets, bytes_of(encoded));
  if (acquisition.wanted) acquire(sockets, run, seq, acquisition.x, acquisition.y, stop);
}

AckFields Stem4DInstrument::execute(const wire::Command& command, Acquisition& acquisition) {
  AckFields ack;
  const std::uint64_t deadline = command.deadline_wall_ns();
  if (deadline != 0 && wall_now() > deadline) {
    ack.status = wire::AckStatus::Expired;
    ack.reason = "deadline passed";
    return ack;
  }
  const std::string actuator = command.actuator() == nullptr ? "" : command.actuator()->str();
  std::vector<double> target;
  if (command.target() != nullptr)
    target.assign(command.target()->begin(), command.target()->end());

  ack.status = wire::AckStatus::Rejected;
  if (actuator == "scan_position") {
    if (target.size() != 2 || !std::isfinite(target[0]) || !std::isfinite(target[1])) {
      ack.reason =
          fmt::format("scan_position needs 2 finite values [x, y], got {}", echo_values(target));
      return ack;
    }
    const std::array<std::pair<char, std::uint32_t>, 2> axes{
        {{'x', config_.max_x}, {'y', config_.max_y}}};
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const auto [axis, limit] = axes[a];
      if (target[a] < 0.0 || target[a] > limit) {
        ack.reason = fmt::format("scan_position {}={} is outside the scan coils' range 0..{}", axis,
                                 target[a], limit);
        return ack;
      }
    }
    position_ = {target[0], target[1]};
    acquisition = {true, target[0], target[1]};
    ack.status = wire::AckStatus::Done;
    ack.readback = {position_[0], position_[1]};
    return ack;
  }
  if (actuator == "beam_blank") {
    if (target.size() != 1 || (target[0] != 0.0 && target[0] != 1.0)) {
      ack.reason = fmt::format("beam_blank needs [0] or [1], got {}", echo_values(target));
      return ack;
    }
    blanked_ = target[0] == 1.0;
    ack.status = wire::AckStatus::Done;
    ack.readback = {blanked_ ? 1.0 : 0.0};
    return ack;
  }
  ack.reason = fmt::format("unknown actuator '{}'", echo_name(actuator));
  return ack;
}

template <class T>
void Stem4DInstrument::render_payload(std::vector<T>& pixels, double x, double y,
                                      zmq::message_t& payload) {
  pixels.resize(model_.pixel_count());
  model_.render(x, y, std::span<T>(pixels), blanked_ ? 0.0 : 1.0);
  payload.rebuild(pixels.size() * sizeof(T));
  store_little_endian(std::span<const T>(pixels), payload.data<std::byte>());
}

void Stem4DInstrument::acquire(Sockets& sockets, const Uuid& run, std::uint64_t seq, double x,
                               double y, const std::stop_token& stop) {
  pace(stop);
  if (run != current_run_) {
    current_run_ = run;
    next_sequence_ = 0;
  }
  FrameHeaderFields header;
  header.acquired_wall_ns = wall_ns();
  header.acquired_mono_ns = monotonic_ns();
  zmq::message_t payload;
  switch (config_.dtype) {
    case wire::DType::U8:
      render_payload(pixels_u8_, x, y, payload);
      break;
    case wire::DType::U32:
      render_payload(pixels_u32_, x, y, payload);
      break;
    default:
      render_payload(pixels_u16_, x, y, payload);
      break;
  }
  header.run_id = run;
  header.stream = std::string(kStream);
  header.modality = wire::Modality::Stem4D;
  header.sequence = next_sequence_;
  header.scan_index = -1;  // the daemon maps command_seq to its scan plan
  header.scan_position = {x, y};
  header.command_seq = seq;
  header.dtype = config_.dtype;
  header.shape = {config_.detector_size, config_.detector_size};
  header.codec = wire::Codec::Raw;
  header.uncompressed_size = payload.size();
  // The dwell is the frame period when paced; unpaced frames have no physical exposure.
  header.exposure_s = config_.frame_rate_hz > 0.0 ? 1.0 / config_.frame_rate_hz : 0.0;
  const auto encoded = build_frame_header(header);
  if (push_frame(sockets, bytes_of(encoded), payload, stop)) {
    ++next_sequence_;
    frames_sent_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool Stem4DInstrument::push_frame(Sockets& sockets, std::span<const std::byte> header,
                                  const zmq::message_t& payload, const std::stop_token& stop) {
  for (;;) {
    // Each part waits at most kPollInterval. If libzmq refuses the second part it has rolled
    // back the first, so a retry sends the whole message again.
    if (sockets.data.send(zmq::const_buffer(header.data(), header.size()),
                          zmq::send_flags::sndmore) &&
        sockets.data.send(zmq::const_buffer(payload.data(), payload.size()),
                          zmq::send_flags::none)) {
      return true;
    }
    heartbeat_if_due(sockets, wire::InstrumentState::Busy);
    if (stop.stop_requested()) {
      counters_.add("frames.dropped");
      logger_->warn("stopping with the data receiver full: frame {} dropped", next_sequence_);
      return false;
    }
  }
}

void Stem4DInstrument::pace(const std::stop_token& stop) {
  if (config_.frame_rate_hz <= 0.0) return;
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / config_.frame_rate_hz));
  const auto due = last_frame_ + period;
  // Sleeps in short steps so a stop request cuts a long frame period short.
  while (!stop.stop_requested()) {
    const auto now = Clock::now();
    if (now >= due) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(due - now, kPollInterval));
  }
  last_frame_ = Clock::now();
}

void Stem4DInstrument::heartbeat_if_due(Sockets& sockets, wire::InstrumentState state) {
  const auto now = Clock::now();
  if (now < next_heartbeat_) return;
  send_status(sockets, state, "");
  // Scheduled from now, not from the missed time, so a stall does not cause a burst.
  next_heartbeat_ = now + config_.heartbeat;
}

void Stem4DInstrument::send_status(Sockets& sockets, wire::InstrumentState state,
                                   std::string message) {
  InstrumentStatusFields status;
  status.instrument = config_.name;
  status.modality = wire::Modality::Stem4D;
  status.state = state;
  status.interlock = false;
  status.actuators = {{"scan_position", {position_[0], position_[1]}},
                      {"beam_blank", {blanked_ ? 1.0 : 0.0}}};
  status.frames_sent = frames_sent();
  status.message = std::move(message);
  status.wall_ns = wall_ns();
  const auto encoded = build_instrument_status(status);
  send_on_dealer(sockets, bytes_of(encoded));
  counters_.add("status.sent");
}

void Stem4DInstrument::send_on_dealer(Sockets& sockets, std::span<const std::byte> bytes) {
  // Never blocks: with no daemon the DEALER queues up to its high-water mark, and past that
  // an ack or heartbeat is worthless by the time anyone could read it.
  if (!sockets.commands.send(zmq::const_buffer(bytes.data(), bytes.size()),
                             zmq::send_flags::dontwait)) {
    counters_.add("dealer.dropped");
  }
}

}  // namespace edgeloop::sims
