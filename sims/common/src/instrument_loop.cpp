#include "edgeloop/sims/instrument_loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <thread>
#include <utility>

#include "edgeloop/core/bytes.hpp"
#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/sims/echo.hpp"

namespace edgeloop::sims {
namespace {

using Clock = std::chrono::steady_clock;

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

std::uint64_t wall_now() {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, wall_ns()));
}

}  // namespace

struct InstrumentLoop::Sockets {
  zmq::socket_t data;
  zmq::socket_t commands;
};

InstrumentLoop::InstrumentLoop(SimCommonConfig config, SimDevice& device, zmq::context_t& context,
                               std::shared_ptr<spdlog::logger> logger)
    : config_(std::move(config)),
      device_(device),
      context_(context),
      logger_(std::move(logger)),
      faults_(config_.faults, config_.seed),
      data_sent_(counters_.counter("data.sent")),
      commands_received_(counters_.counter("commands.received")) {}

InstrumentLoop::~InstrumentLoop() = default;

void InstrumentLoop::open_sockets() {
  auto sockets =
      std::make_unique<Sockets>(Sockets{zmq::socket_t(context_, zmq::socket_type::push),
                                        zmq::socket_t(context_, zmq::socket_type::dealer)});
  // A full data queue blocks the sender (lossless), but only for kPollInterval at a time so
  // heartbeats continue and a stop request is noticed.
  sockets->data.set(zmq::sockopt::sndhwm, 100);
  sockets->data.set(zmq::sockopt::sndtimeo, static_cast<int>(kPollInterval.count()));
  sockets->data.set(zmq::sockopt::linger, 2000);
  sockets->data.connect(config_.data_endpoint);
  sockets->commands.set(zmq::sockopt::routing_id, config_.name);
  // A command is a few hundred bytes; ZeroMQ drops anything absurd before it is buffered.
  sockets->commands.set(zmq::sockopt::maxmsgsize, std::int64_t{64 * 1024});
  // Long enough to deliver the last ack and the goodbye to a connected daemon, short enough
  // that heartbeats queued for an absent one do not hold up the exit.
  sockets->commands.set(zmq::sockopt::linger, 500);
  sockets->commands.connect(config_.commands_endpoint);
  sockets_ = std::move(sockets);
}

void InstrumentLoop::close_sockets() {
  if (!sockets_) return;
  // An injected disconnect loses what is queued, as a pulled cable would.
  sockets_->data.set(zmq::sockopt::linger, 0);
  sockets_->commands.set(zmq::sockopt::linger, 0);
  sockets_.reset();
}

void InstrumentLoop::run(const std::stop_token& stop) {
  stop_ = &stop;
  if (!config_.truth_file.empty()) {
    device_.write_truth(config_.truth_file);
    logger_->info("{} ground truth written to {}", config_.name, config_.truth_file.string());
  }
  open_sockets();
  logger_->info("{} up: {} stream '{}' to {}, commands from {}, seed {}{}", config_.name,
                modality_name(device_.modality()), device_.stream(), config_.data_endpoint,
                config_.commands_endpoint, config_.seed,
                faults_.enabled() ? ", injecting faults" : "");
  send_status("hello");
  next_heartbeat_ = Clock::now() + config_.heartbeat;

  while (!stop.stop_requested()) {
    heartbeat_if_due();
    const auto now = Clock::now();
    auto until = std::min(next_heartbeat_, now + kPollInterval);
    if (device_.has_data()) until = std::min(until, next_data_due());
    // Never negative: zmq::poll would take that as "wait forever".
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::max(until, now) - now);
    // While it owes data to a command (a scan position's frame, an acquire's frames) the
    // instrument is busy acquiring, as a scan engine or detector would: new commands wait in
    // arrival order, so an ack means the hardware has started on its command and the daemon's
    // window of commands in flight is a window of real acquisitions. Retries and `abort` are
    // answered at once even then. A free-running stream (APT) keeps nothing waiting.
    // Otherwise: one command, then one data message if one is due.
    std::array<zmq::pollitem_t, 1> items{{{sockets_->commands.handle(), 0, ZMQ_POLLIN, 0}}};
    zmq::poll(items.data(), items.size(), wait);
    if ((items[0].revents & ZMQ_POLLIN) != 0) receive_command();
    if (!device_.data_owed() && !deferred_.empty()) {
      const zmq::message_t next = std::move(deferred_.front());
      deferred_.pop_front();
      handle_command(bytes_of(next));
    }
    if (!stop.stop_requested() && device_.has_data() && Clock::now() >= next_data_due()) {
      send_data();
    }
  }

  // The acquisition in hand finishes, as on a real detector, within a bounded grace.
  const auto give_up = Clock::now() + kStopGrace;
  while (device_.has_data() && device_.data_owed() && Clock::now() < give_up) send_data();
  send_status("stopping");
  logger_->info("{} stopping after {} data messages", config_.name, data_sent());
  sockets_.reset();
  stop_ = nullptr;
}

void InstrumentLoop::receive_command() {
  zmq::message_t message;
  if (!sockets_->commands.recv(message, zmq::recv_flags::dontwait)) return;
  if (message.more()) {
    // A command is one part; drop the whole multipart message.
    while (message.more()) {
      if (!sockets_->commands.recv(message, zmq::recv_flags::dontwait)) break;
    }
    counters_.add("commands.invalid.multipart");
    logger_->warn("dropped a multipart message on the command socket");
    return;
  }
  if (!device_.data_owed() && deferred_.empty()) {
    handle_command(bytes_of(message));
    return;
  }
  // Busy: invalid messages, retries of answered commands and `abort` are dealt with now; the
  // rest wait their turn, a bounded number of them.
  const auto decoded = decode<wire::Command>(bytes_of(message), command_scratch_);
  const auto* const* command = std::get_if<const wire::Command*>(&decoded);
  if (command == nullptr ||
      acks_.find(from_wire((*command)->run_id()), (*command)->seq()) != nullptr ||
      ((*command)->actuator() != nullptr && (*command)->actuator()->string_view() == kAbort)) {
    handle_command(bytes_of(message));
    return;
  }
  if (deferred_.size() >= kMaxWaitingCommands) {
    commands_received_.fetch_add(1, std::memory_order_relaxed);
    counters_.add("commands.busy");
    // Not remembered as the command's answer: a retry once the queue has room is executed.
    const auto* actuator = (*command)->actuator();
    answer(from_wire((*command)->run_id()), (*command)->seq(),
           actuator == nullptr ? std::string_view() : actuator->string_view(),
           CommandOutcome::rejected(fmt::format(
               "instrument busy: {} commands are already waiting; send abort or retry later",
               deferred_.size())),
           /*remember=*/false);
    return;
  }
  deferred_.push_back(std::move(message));
}

void InstrumentLoop::handle_command(std::span<const std::byte> bytes) {
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
    send_on_dealer(*cached);
    return;
  }

  const std::string actuator = command.actuator() == nullptr ? "" : command.actuator()->str();
  std::vector<double> target;
  if (command.target() != nullptr)
    target.assign(command.target()->begin(), command.target()->end());

  CommandOutcome outcome;
  const std::uint64_t deadline = command.deadline_wall_ns();
  if (deadline != 0 && wall_now() > deadline) {
    outcome = {wire::AckStatus::Expired, "deadline passed", {}};
  } else if (actuator == kAbort) {
    if (target.empty()) {
      const std::uint64_t dropped = device_.abort();
      logger_->info("abort: {} data messages owed were dropped", dropped);
      outcome = CommandOutcome::done({static_cast<double>(dropped)});
    } else {
      outcome = CommandOutcome::rejected("abort takes no target");
    }
  } else {
    // Frames of this command belong to its run; numbering restarts with each new run.
    if (run != current_run_) {
      current_run_ = run;
      next_sequence_ = 0;
    }
    outcome = device_.execute(actuator, target, seq);
  }
  answer(run, seq, actuator, std::move(outcome));
}

void InstrumentLoop::answer(const Uuid& run, std::uint64_t seq, std::string_view actuator,
                            CommandOutcome outcome, bool remember) {
  AckFields ack;
  ack.status = outcome.status;
  ack.reason = std::move(outcome.reason);
  ack.readback = std::move(outcome.readback);
  ack.run_id = run;
  ack.seq = seq;
  ack.completed_wall_ns = wall_ns();
  const auto encoded = build_ack(ack);
  if (remember) acks_.insert(run, seq, bytes_of(encoded));
  counters_.add(fmt::format("acks.{}", status_name(ack.status)));
  if (ack.status == wire::AckStatus::Done) {
    logger_->debug("command {} of run {}: {} done", seq, run.str(), echo(actuator));
  } else {
    logger_->info("command {} of run {}: {} {} ({})", seq, run.str(), echo(actuator),
                  status_name(ack.status), ack.reason);
  }
  if (config_.faults.ack_delay.count() > 0) {
    counters_.add("faults.ack_delay");
    pause_everything(config_.faults.ack_delay);
  }
  if (faults_.drop_next_ack()) {
    counters_.add("faults.drop_ack");
    logger_->debug("fault: ack of command {} not sent", seq);
    return;
  }
  send_on_dealer(bytes_of(encoded));
}

Clock::time_point InstrumentLoop::next_data_due() const {
  const auto period = device_.period();
  if (period.count() <= 0 || !last_data_) return Clock::time_point::min();
  return *last_data_ + std::chrono::duration_cast<Clock::duration>(period);
}

void InstrumentLoop::send_data() {
  const DataFault fault = faults_.next_data();
  if (fault.stall_before) {
    counters_.add("faults.stall");
    logger_->info("fault: stalling for {} ms", config_.faults.stall.count());
    pause_everything(config_.faults.stall);
  }
  if (fault.disconnect_before) {
    counters_.add("faults.disconnect");
    logger_->info("fault: disconnecting for {} ms", config_.faults.reconnect_after.count());
    close_sockets();
    pause_everything(config_.faults.reconnect_after);
    open_sockets();
    send_status("reconnected");
  }

  MessageContext context;
  context.run = current_run_;
  context.sequence = next_sequence_++;
  context.wall_ns = wall_ns();
  context.mono_ns = monotonic_ns();
  const auto period = device_.period();
  last_data_ = Clock::now();
  DataMessage message;
  try {
    message = device_.produce(context);
  } catch (const std::exception& error) {
    // A device that cannot make its data (a damaged replay file) stops acquiring; the
    // instrument stays up and keeps answering commands, as hardware with a fault would.
    counters_.add("data.failed");
    const std::uint64_t dropped = device_.abort();
    logger_->error("cannot produce data message {}: {}; acquisition stopped ({} owed dropped)",
                   context.sequence, error.what(), dropped);
    return;
  }
  // In real time, a message that takes longer to make than its period (a dwell shorter than a
  // frame takes to render) means the simulator cannot keep the pace it claims: counted.
  if (period.count() > 0 && Clock::now() - *last_data_ > period) counters_.add("data.late");

  if (fault.drop) {
    counters_.add("faults.drop");
    logger_->debug("fault: data message {} not sent", context.sequence);
    return;
  }
  if (fault.corrupt) {
    counters_.add("faults.corrupt");
    faults_.corrupt(message.parts);
  }
  if (!push(message.parts)) return;
  data_sent_.fetch_add(1, std::memory_order_relaxed);
  if (fault.duplicate) {
    counters_.add("faults.duplicate");
    if (push(message.parts)) data_sent_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool InstrumentLoop::push(std::vector<zmq::message_t>& parts) {
  for (;;) {
    // Each part waits at most kPollInterval. If libzmq refuses a later part it has rolled back
    // the earlier ones, so a retry sends the whole message again. What is handed over is a
    // reference-counted copy of each part (no bytes copied), so the parts stay whole for that.
    bool sent = true;
    for (std::size_t i = 0; i < parts.size() && sent; ++i) {
      const auto flags = i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      zmq::message_t shared;
      shared.copy(parts[i]);
      sent = sockets_->data.send(shared, flags).has_value();
    }
    if (sent) {
      pushing_ = false;
      return true;
    }
    pushing_ = true;  // heartbeats say Busy while the receiver is full
    heartbeat_if_due();
    if (stop_ != nullptr && stop_->stop_requested()) {
      pushing_ = false;
      counters_.add("data.dropped");
      logger_->warn("stopping with the data receiver full: a data message was not sent");
      return false;
    }
  }
}

void InstrumentLoop::pause_everything(std::chrono::milliseconds duration) {
  // Sleeps in short steps so a stop request cuts an injected stall short.
  const auto until = Clock::now() + duration;
  while (stop_ == nullptr || !stop_->stop_requested()) {
    const auto now = Clock::now();
    if (now >= until) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, kPollInterval));
  }
}

wire::InstrumentState InstrumentLoop::state() const {
  return pushing_ || device_.has_data() ? wire::InstrumentState::Busy : wire::InstrumentState::Idle;
}

void InstrumentLoop::heartbeat_if_due() {
  const auto now = Clock::now();
  if (now < next_heartbeat_) return;
  send_status("");
  // Scheduled from now, not from the missed time, so a stall does not cause a burst.
  next_heartbeat_ = now + config_.heartbeat;
}

void InstrumentLoop::send_status(std::string message) {
  InstrumentStatusFields status;
  status.instrument = config_.name;
  status.modality = device_.modality();
  status.state = state();
  status.interlock = device_.interlock();
  status.actuators = device_.readbacks();
  status.frames_sent = data_sent();
  status.message = std::move(message);
  status.wall_ns = wall_ns();
  const auto encoded = build_instrument_status(status);
  send_on_dealer(bytes_of(encoded));
  counters_.add("status.sent");
}

void InstrumentLoop::send_on_dealer(std::span<const std::byte> bytes) {
  // Never blocks: with no daemon the DEALER queues up to its high-water mark, and past that an
  // ack or heartbeat is worthless by the time anyone could read it.
  if (!sockets_->commands.send(zmq::const_buffer(bytes.data(), bytes.size()),
                               zmq::send_flags::dontwait)) {
    counters_.add("dealer.dropped");
  }
}

}  // namespace edgeloop::sims
