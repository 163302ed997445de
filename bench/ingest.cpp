// End-to-end ingest rate of edgeloopd (issue 4): frames per second from an instrument's PUSH
// socket until the run is sealed (every frame hashed, recorded, processed, published and
// stored, lossless), against a raw ZeroMQ PUSH/PULL baseline of the same frames over the same
// transport (tcp loopback, same high-water marks, the receiver only receiving and dropping) in
// the same run. The ratio end-to-end / raw is the figure of merit; the target is >= 0.9 for
// 256x256 u16 4D-STEM frames on a 2-core machine.
//
// The simulators cannot render at these rates, so each frame set is rendered once by the
// simulator device classes (kinematic 4D-STEM, SAXS) and replayed in a loop, as a detector's
// playback would. The daemon runs in this process with a DaemonConfig built here; this program
// plays the instrument itself (DEALER: status, commands, acks; PUSH: frames) and drives the run
// through the admin socket, so nothing but edgeloopd's own code sits between the sockets.
//
// To say where the time goes, every frame set also runs with storage off, with no stages and
// with neither; each run reports the processing and storage queue depths (sampled from the
// admin status), the stages' latencies, and the CPU time each thread spent per frame (from
// /proc/self/task/*/schedstat), next to the SHA-256 and bitshuffle+LZ4 rates of the same
// frames on one core.
//
// Usage: bench_ingest [--frames N] [--only 96|256|1M] [--queue-capacity N] [--fsync onclose]
//   --frames N           frames per run for every frame set (default: 30000, 10000, 500)
//   --only S             one frame set: 96 (96x96 u16), 256 (256x256 u16), 1M (1024x1024 u32)
//   --queue-capacity N   the daemon's processing queue (ingest.queue_capacity, default 64)
//   --fsync onclose      provenance log synced only when sealed instead of every 200 ms
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_set>
#include <variant>
#include <vector>
#include <zmq.hpp>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/logging.hpp"
#include "edgeloop/core/sha256.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/daemon/daemon.hpp"
#include "edgeloop/daemon/daemon_config.hpp"
#include "edgeloop/formats/bitshuffle_lz4.hpp"
#include "edgeloop/pipeline/kokkos_runtime.hpp"
#include "edgeloop/sims/saxs_config.hpp"
#include "edgeloop/sims/saxs_device.hpp"
#include "edgeloop/sims/stem4d_config.hpp"
#include "edgeloop/sims/stem4d_device.hpp"

namespace edgeloop {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// A benchmark that cannot keep its promise (a lost frame, a run that never ends) must not print
// a rate: it stops here, loudly.
[[noreturn]] void fail(const std::string& what) {
  std::fflush(stdout);
  fmt::print(stderr, "bench_ingest: {}\n", what);
  std::abort();
}

// ZeroMQ names its threads "<prefix>/ZMQbg/IO/0"; a prefix per context tells the sender's
// background thread from the receiver's in the per-thread CPU accounting. The daemon's own
// context has none.
constexpr int kSenderContext = 1;
constexpr int kReceiverContext = 2;
constexpr int kMonitorContext = 3;

void name_context(zmq::context_t& context, int prefix) {
  if (zmq_ctx_set(context.handle(), ZMQ_THREAD_NAME_PREFIX, prefix) != 0) {
    fail("cannot set a ZeroMQ thread name prefix");
  }
}

void name_this_thread(const char* name) {
  pthread_setname_np(pthread_self(), name);
}

// --- frames ---------------------------------------------------------------------------------

struct FrameSet {
  std::string key;    // what --only selects
  std::string label;  // for the tables
  wire::Modality modality = wire::Modality::Unknown;
  std::string stream;
  wire::DType dtype = wire::DType::Unknown;
  std::vector<std::uint32_t> shape;
  std::size_t element_bytes = 0;
  std::size_t frame_bytes = 0;
  double exposure_s = 0.0;
  std::uint64_t default_frames = 0;
  // Both ends' high-water mark, in messages. 1000 is the daemon's default receive_hwm and
  // ZeroMQ's default sndhwm; for 4 MiB frames that would let 4 GiB pile up at each end, so
  // the 1 Mpx set uses 100 (400 MiB), as a deployment taking such frames would.
  int hwm = 1000;
  // The daemon's max_commands_in_flight: generous, so the command round trip never limits the
  // frame rate (the frames in flight are bounded by the high-water marks instead), yet small
  // enough that no command waits in the instrument's queue behind frames for anywhere near its
  // 5 s deadline. A SAXS point is three commands whose acquire [10] promises 10 frames.
  std::size_t max_commands_in_flight = 256;
  std::vector<std::vector<std::byte>> payloads;  // pre-rendered, replayed in a loop
  double render_s = 0.0;
};

std::vector<std::byte> payload_of(const sims::DataMessage& message, std::size_t expected) {
  if (message.parts.size() != 2 || message.parts[1].size() != expected) {
    fail("the simulator did not produce a [FrameHeader][payload] message of the expected size");
  }
  const auto* begin = message.parts[1].data<std::byte>();
  return {begin, begin + message.parts[1].size()};
}

// Kinematic 4D-STEM patterns at probe positions spread over the whole 1024 x 1024 field (a
// 16 x 16 lattice of 64-pixel steps), so the set holds grains, boundaries, defects and the hole.
FrameSet render_stem(std::uint32_t size, std::size_t distinct, std::uint64_t frames) {
  FrameSet set;
  set.key = std::to_string(size);
  set.label = fmt::format("{0}x{0} u16 4D-STEM (kinematic)", size);
  set.modality = wire::Modality::Stem4D;
  set.stream = std::string(sims::Stem4DDevice::kStream);
  set.dtype = wire::DType::U16;
  set.shape = {size, size};
  set.element_bytes = 2;
  set.frame_bytes = std::size_t{size} * size * 2;
  set.default_frames = frames;
  sims::Stem4DConfig config;
  config.detector_size = size;
  config.model = sims::PatternModelKind::Kinematic;
  set.exposure_s = config.dwell_us * 1e-6;
  sims::Stem4DDevice device(config);
  const auto start = Clock::now();
  for (std::size_t k = 0; k < distinct; ++k) {
    const std::vector<double> position{static_cast<double>(32 + 64 * (k % 16)),
                                       static_cast<double>(32 + 64 * ((k / 16) % 16))};
    if (device.execute("scan_position", position, k + 1).status != wire::AckStatus::Done) {
      fail("the 4D-STEM simulator refused a scan position");
    }
    set.payloads.push_back(payload_of(device.produce(sims::MessageContext{}), set.frame_bytes));
  }
  set.render_s = seconds_between(start, Clock::now());
  return set;
}

// 1 Mpx u32 SAXS frames (the simulator's default detector and geometry), each at another stage
// position so I(q) differs from frame to frame.
FrameSet render_saxs(std::size_t distinct, std::uint64_t frames) {
  FrameSet set;
  set.key = "1M";
  set.modality = wire::Modality::Saxs;
  sims::SaxsConfig config;
  set.label = fmt::format("{}x{} u32 SAXS", config.detector.rows, config.detector.cols);
  set.stream = "saxs/detector";
  set.dtype = wire::DType::U32;
  set.shape = {config.detector.rows, config.detector.cols};
  set.element_bytes = 4;
  set.frame_bytes = std::size_t{config.detector.rows} * config.detector.cols * 4;
  set.exposure_s = config.acquisition.exposure_s;
  set.default_frames = frames;
  set.hwm = 100;
  set.max_commands_in_flight = 15;
  sims::SaxsDevice device(config);
  const auto start = Clock::now();
  for (std::size_t k = 0; k < distinct; ++k) {
    const std::vector<double> x{-10.0 + 0.6 * static_cast<double>(k)};
    if (device.execute("stage_x", x, 2 * k + 1).status != wire::AckStatus::Done ||
        device.execute("acquire", std::vector<double>{1.0}, 2 * k + 2).status !=
            wire::AckStatus::Done) {
      fail("the SAXS simulator refused a command");
    }
    set.payloads.push_back(payload_of(device.produce(sims::MessageContext{}), set.frame_bytes));
  }
  set.render_s = seconds_between(start, Clock::now());
  return set;
}

// --- one core: what hashing and compressing these frames cost ----------------------------------

struct Micro {
  double sha256_mb_s = 0.0;
  double bslz4_mb_s = 0.0;
  double bslz4_ratio = 0.0;  // uncompressed / compressed
};

Micro micro(const FrameSet& set, double budget_s) {
  Micro m;
  unsigned sink = 0;  // keeps the work observable so it is not optimised away
  std::size_t n = 0;
  auto start = Clock::now();
  while (seconds_between(start, Clock::now()) < budget_s || n < 3) {
    sink += Sha256::of(set.payloads[n % set.payloads.size()])[0];
    ++n;
  }
  m.sha256_mb_s =
      static_cast<double>(n * set.frame_bytes) / 1e6 / seconds_between(start, Clock::now());

  std::vector<std::byte> out(
      formats::bslz4_max_compressed_size(set.frame_bytes, set.element_bytes));
  std::size_t compressed = 0;
  n = 0;
  start = Clock::now();
  while (seconds_between(start, Clock::now()) < budget_s || n < 3) {
    compressed +=
        formats::bslz4_compress(set.payloads[n % set.payloads.size()], set.element_bytes, out);
    ++n;
  }
  m.bslz4_mb_s =
      static_cast<double>(n * set.frame_bytes) / 1e6 / seconds_between(start, Clock::now());
  m.bslz4_ratio = static_cast<double>(n * set.frame_bytes) / static_cast<double>(compressed);
  if (sink == 0xFFFFFFFFu) std::puts("");
  return m;
}

// --- per-thread CPU time ------------------------------------------------------------------------

// Nanoseconds on a CPU per thread of this process, with the thread's name.
struct ThreadTime {
  std::string name;
  std::int64_t cpu_ns = 0;
};
using ThreadTimes = std::map<pid_t, ThreadTime>;

ThreadTimes thread_times() {
  ThreadTimes out;
  for (const auto& entry : fs::directory_iterator("/proc/self/task")) {
    const pid_t tid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
    std::ifstream comm(entry.path() / "comm");
    std::ifstream schedstat(entry.path() / "schedstat");
    ThreadTime t;
    if (!std::getline(comm, t.name) || !(schedstat >> t.cpu_ns)) continue;  // it just ended
    out[tid] = t;
  }
  return out;
}

// CPU seconds the whole machine spent busy (not idle, not waiting for I/O) so far, from
// /proc/stat: set against this process's own time it shows whether anything else (another
// build, another tenant) competed for the cores during a measurement.
double host_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  std::array<double, 8> t{};  // user nice system idle iowait irq softirq steal
  in >> cpu;
  for (double& x : t) in >> x;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / ticks;
}

// The columns of the CPU table, in order.
enum Role { kSender, kSenderZmq, kReceiverZmq, kReceiver, kProcessing, kStorage, kOther, kRoles };
constexpr const char* kRoleNames[kRoles] = {"sender",  "snd 0MQ", "rcv 0MQ", "I/O/recv",
                                            "process", "storage", "other"};

struct KnownThreads {
  pid_t sender = 0;
  pid_t receiver = 0;  // the daemon's I/O thread, or the baseline's receiving thread
};

using RoleTimes = std::array<double, kRoles>;  // seconds

// Assigns each thread's CPU time between two samples to its role. The daemon's two workers
// are started by its I/O thread and inherit its name; Daemon::run() starts the storage worker
// first, so it has the lower thread id. Should the daemon ever start another thread of its
// own, the split would be a guess: then all of them count as "other".
RoleTimes role_times(const ThreadTimes& before, const ThreadTimes& after, const KnownThreads& k) {
  RoleTimes out{};
  std::vector<pid_t> workers;
  for (const auto& [tid, t] : after) {
    if (t.name == "edgeloopd-io" && tid != k.receiver) workers.push_back(tid);
  }
  std::sort(workers.begin(), workers.end());
  if (workers.size() != 2 && !workers.empty()) {
    fmt::print("  (the daemon ran {} worker threads, not 2: their time counts as other)\n",
               workers.size());
    workers.clear();
  }
  for (const auto& [tid, t] : after) {
    const auto b = before.find(tid);
    const double s =
        static_cast<double>(t.cpu_ns - (b != before.end() ? b->second.cpu_ns : 0)) * 1e-9;
    Role role = kOther;
    if (tid == k.sender) {
      role = kSender;
    } else if (tid == k.receiver) {
      role = kReceiver;
    } else if (t.name.starts_with(std::to_string(kSenderContext) + "/ZMQbg/IO")) {
      role = kSenderZmq;
    } else if (t.name.starts_with("ZMQbg/IO") ||
               t.name.starts_with(std::to_string(kReceiverContext) + "/ZMQbg/IO")) {
      role = kReceiverZmq;
    } else if (!workers.empty() && tid == workers[0]) {
      role = kStorage;
    } else if (!workers.empty() && tid == workers[1]) {
      role = kProcessing;
    }
    out[role] += s;
  }
  return out;
}

// --- sending frames -------------------------------------------------------------------------

// Puts frame `sequence` of a set on a PUSH socket as [FrameHeader][payload], exactly the same
// way for the baseline and for the daemon. The payload goes zero-copy from the pre-rendered
// buffer (ZeroMQ only reads it), as a detector sends from its own frame buffers.
class FramePusher {
 public:
  FramePusher(zmq::context_t& context, const FrameSet& set, const std::string& endpoint)
      : set_(set), push_(context, zmq::socket_type::push) {
    push_.set(zmq::sockopt::sndhwm, set.hwm);
    push_.set(zmq::sockopt::linger, 0);
    // A send blocks while the receiver pushes back (lossless); one that blocks this long means
    // the receiver is gone, and a silently unsent frame would void the measurement.
    push_.set(zmq::sockopt::sndtimeo, 60000);
    push_.connect(endpoint);
  }

  void push(const Uuid& run, std::uint64_t sequence, std::uint64_t command_seq,
            std::vector<double> position) {
    const auto header = build_frame_header({.run_id = run,
                                            .stream = set_.stream,
                                            .modality = set_.modality,
                                            .sequence = sequence,
                                            .scan_position = std::move(position),
                                            .command_seq = command_seq,
                                            .acquired_wall_ns = wall_ns(),
                                            .acquired_mono_ns = monotonic_ns(),
                                            .dtype = set_.dtype,
                                            .shape = set_.shape,
                                            .uncompressed_size = set_.frame_bytes,
                                            .exposure_s = set_.exposure_s});
    const auto& payload = set_.payloads[sequence % set_.payloads.size()];
    zmq::message_t part(const_cast<std::byte*>(payload.data()), payload.size(), nullptr);
    if (!push_.send(zmq::buffer(header.data(), header.size()), zmq::send_flags::sndmore) ||
        !push_.send(part, zmq::send_flags::none)) {
      fail("a frame could not be sent for 60 s");
    }
  }

 private:
  const FrameSet& set_;
  zmq::socket_t push_;
};

// --- the baseline: raw ZeroMQ PUSH/PULL -----------------------------------------------------

struct Measured {
  double seconds = 0.0;
  std::uint64_t frames = 0;
  RoleTimes cpu{};
  double host_busy_s = 0.0;  // the whole machine's busy CPU seconds over the same interval
  double rate() const { return static_cast<double>(frames) / seconds; }
};

Measured raw_zeromq(const FrameSet& set, std::uint64_t frames) {
  // Two contexts, as instrument and daemon are two programs with their own I/O threads.
  zmq::context_t receiver_context(1);
  name_context(receiver_context, kReceiverContext);
  zmq::context_t sender_context(1);
  name_context(sender_context, kSenderContext);
  zmq::socket_t pull(receiver_context, zmq::socket_type::pull);
  pull.set(zmq::sockopt::rcvhwm, set.hwm);
  pull.set(zmq::sockopt::rcvtimeo, 200);
  pull.bind("tcp://127.0.0.1:*");
  const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);

  std::atomic<pid_t> receiver_tid{0};
  Clock::time_point last_received{};
  std::jthread receiver([&] {
    name_this_thread("bench-recv");
    receiver_tid = ::gettid();
    const auto give_up = Clock::now() + 120s;
    std::uint64_t received = 0;
    zmq::message_t part;
    while (received < frames) {
      if (Clock::now() > give_up) fail("raw ZeroMQ baseline: frames did not arrive");
      if (!pull.recv(part, zmq::recv_flags::none)) continue;
      if (!part.more()) ++received;
    }
    last_received = Clock::now();
  });
  FramePusher pusher(sender_context, set, endpoint);
  // The connection is made before the clock starts, as the daemon's is.
  while (receiver_tid.load() == 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);

  const Uuid run = Uuid::random();
  const KnownThreads known{::gettid(), receiver_tid.load()};
  const ThreadTimes before = thread_times();
  const double host_before = host_busy_seconds();
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < frames; ++i) pusher.push(run, i, i + 1, {});
  receiver.join();
  const ThreadTimes after = thread_times();
  return {seconds_between(start, last_received), frames, role_times(before, after, known),
          host_busy_seconds() - host_before};
}

// --- the daemon -----------------------------------------------------------------------------

// Four ports nobody listens on: held open together so they differ, then released for the
// daemon to bind.
std::vector<int> free_tcp_ports(std::size_t n) {
  std::vector<int> fds;
  std::vector<int> ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(0x7f000001u);  // 127.0.0.1
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      fail("cannot find a free tcp port");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(address.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  return ports;
}

// A REQ client of the admin socket; a request that gets no answer ends the benchmark.
class AdminClient {
 public:
  AdminClient(zmq::context_t& context, const std::string& endpoint)
      : req_(context, zmq::socket_type::req) {
    req_.set(zmq::sockopt::linger, 0);
    req_.set(zmq::sockopt::rcvtimeo, 30000);
    req_.connect(endpoint);
  }
  json request(const json& r) {
    req_.send(zmq::buffer(r.dump()), zmq::send_flags::none);
    zmq::message_t reply;
    if (!req_.recv(reply, zmq::recv_flags::none)) fail("admin request unanswered: " + r.dump());
    return json::parse(reply.to_string_view());
  }

 private:
  zmq::socket_t req_;
};

double number_at(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return std::nan("");
    at = &(*at)[key];
  }
  return at->is_number() ? at->get<double>() : std::nan("");
}

// Samples the admin status while a run is active (queue depths; the stages' metrics, which the
// status shows only while the run exists) and notes when the sealed run appears as last_run:
// the end of the measurement. Polls every 20 ms while frames are being sent, every 2 ms after,
// so the end is seen within a few milliseconds while the polling costs the I/O thread little.
struct RunObservation {
  json last_run;
  json stages = json::array();
  json counters;
  json buffer_pool;
  Clock::time_point ended{};
  std::vector<double> processing_depths;
  std::vector<double> storage_depths;
};

void observe(zmq::context_t& context, const std::string& admin, const std::atomic<bool>& sent_all,
             RunObservation& out, std::atomic<bool>& ended) {
  name_this_thread("bench-monitor");
  AdminClient client(context, admin);
  const auto give_up = Clock::now() + 300s;
  for (;;) {
    const json s = client.request({{"cmd", "status"}});
    if (s.contains("run") && s["run"].is_object()) {
      out.processing_depths.push_back(number_at(s, {"queues", "processing", "depth"}));
      out.storage_depths.push_back(number_at(s, {"queues", "storage", "depth"}));
      if (s.contains("stages") && s["stages"].is_array() && !s["stages"].empty()) {
        out.stages = s["stages"];
      }
    }
    if (s.contains("last_run") && !s["last_run"].is_null()) {
      out.ended = Clock::now();
      out.last_run = s["last_run"];
      out.counters = s.value("counters", json::object());
      out.buffer_pool = s.value("buffer_pool", json::object());
      ended = true;
      return;
    }
    if (Clock::now() > give_up) fail("the run did not end; last status: " + s.dump());
    std::this_thread::sleep_for(sent_all.load() ? 2ms : 20ms);
  }
}

// Plays the instrument: says hello on the DEALER, acks every command Done at once and pushes
// the frames it promises (one per scan position, K per acquire [K]).
class Instrument {
 public:
  static constexpr const char* kName = "bench-instrument";

  Instrument(zmq::context_t& context, const DaemonEndpoints& endpoints, const FrameSet& set)
      : set_(set),
        dealer_(context, zmq::socket_type::dealer),
        pusher_(context, set, endpoints.data) {
    dealer_.set(zmq::sockopt::routing_id, std::string(kName));
    dealer_.set(zmq::sockopt::linger, 0);
    dealer_.connect(endpoints.commands);
  }

  void status(wire::InstrumentState state) {
    const auto m = build_instrument_status({.instrument = kName,
                                            .modality = set_.modality,
                                            .state = state,
                                            .frames_sent = sent_,
                                            .wall_ns = wall_ns()});
    dealer_.send(zmq::buffer(m.data(), m.size()), zmq::send_flags::none);
    last_status_ = Clock::now();
  }

  // Answers commands until `frames` frames are out; returns when the first one was sent.
  Clock::time_point serve(std::uint64_t frames) {
    frames_ = frames;
    const auto give_up = Clock::now() + 300s;
    while (sent_ < frames_) {
      answer(100ms);
      if (Clock::now() > give_up) fail("the daemon stopped sending commands");
    }
    return first_sent_;
  }

  // Waits up to `wait` for commands and answers every one that is waiting.
  void answer(std::chrono::milliseconds wait) {
    zmq::pollitem_t item{dealer_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, wait) > 0) {
      zmq::message_t m;
      while (dealer_.recv(m, zmq::recv_flags::dontwait)) handle(m);
    }
    // The registry forgets an instrument that is silent for 3 s; acks count, but a long
    // stall behind a full PUSH queue must not look like a disconnection.
    if (Clock::now() - last_status_ > 500ms) status(wire::InstrumentState::Busy);
  }

  std::uint64_t retries_seen() const { return retries_; }

 private:
  void handle(const zmq::message_t& m) {
    const auto decoded = decode<wire::Command>(
        std::span(static_cast<const std::byte*>(m.data()), m.size()), scratch_);
    if (!std::holds_alternative<const wire::Command*>(decoded)) fail("undecodable command");
    const wire::Command& c = *std::get<const wire::Command*>(decoded);
    const Uuid run = from_wire(c.run_id());
    const std::string actuator = c.actuator() != nullptr ? c.actuator()->str() : "";
    std::vector<double> target;
    if (c.target() != nullptr) target.assign(c.target()->begin(), c.target()->end());
    const bool first = answered_.insert(c.seq()).second;
    const auto ack = build_ack({.run_id = run,
                                .seq = c.seq(),
                                .status = wire::AckStatus::Done,
                                .readback = target,
                                .completed_wall_ns = wall_ns()});
    dealer_.send(zmq::buffer(ack.data(), ack.size()), zmq::send_flags::none);
    if (!first) {  // a retry: its frames went out with the first answer
      ++retries_;
      return;
    }
    std::uint64_t promised = 0;
    if (actuator == "scan_position") promised = 1;
    if (actuator == "acquire" && !target.empty()) promised = static_cast<std::uint64_t>(target[0]);
    const std::vector<double> position =
        set_.modality == wire::Modality::Stem4D ? target : std::vector<double>{};
    for (std::uint64_t i = 0; i < promised && sent_ < frames_; ++i) {
      if (sent_ == 0) first_sent_ = Clock::now();
      pusher_.push(run, sent_, c.seq(), position);
      ++sent_;
    }
  }

  const FrameSet& set_;
  zmq::socket_t dealer_;
  FramePusher pusher_;
  AlignedScratch scratch_;
  std::unordered_set<std::uint64_t> answered_;
  std::uint64_t frames_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t retries_ = 0;
  Clock::time_point first_sent_{};
  Clock::time_point last_status_{};
};

struct Variant {
  std::string name;
  bool stages = true;
  bool storage = true;
};

struct Options {
  std::optional<std::uint64_t> frames;
  std::optional<std::string> only;
  std::optional<std::size_t> queue_capacity;
  bool fsync_on_close = false;
};

// The stages a run of this set goes through when stages are on: for 4D-STEM the daemon's
// default pipeline (frame_sum and the virtual detectors); for SAXS, whose default is empty
// because the reduction needs the geometry, the azimuthal integration with the simulated
// detector's geometry, as a beamline would configure it.
PipelineConfig full_pipeline(const FrameSet& set) {
  if (set.modality != wire::Modality::Saxs) return default_pipeline(set.modality, "auto");
  const formats::PoniParameters g = sims::default_saxs_geometry(sims::SaxsDetectorSettings{});
  PipelineConfig p;
  p.stages = {"saxs_azimuthal_integration"};
  p.parameters["saxs_azimuthal_integration"] = {
      {"dist", g.dist},     {"poni1", g.poni1},   {"poni2", g.poni2}, {"wavelength", g.wavelength},
      {"pixel1", g.pixel1}, {"pixel2", g.pixel2}, {"rows", g.rows},   {"cols", g.cols}};
  return p;
}

// The admin request that starts a run of `frames` frames of this set: a raster of nx x ny
// positions, or SAXS points of 10 frames each.
json start_request(const FrameSet& set, std::uint64_t frames) {
  if (set.modality == wire::Modality::Stem4D) {
    const std::uint64_t nx = std::min<std::uint64_t>(frames, 100);
    return {{"cmd", "start_run"}, {"modality", "4dstem"}, {"nx", nx}, {"ny", frames / nx}};
  }
  const std::uint64_t k = std::min<std::uint64_t>(frames, 10);
  json points = json::array();
  for (std::uint64_t i = 0; i < frames / k; ++i) {
    points.push_back({-10.0 + 0.1 * static_cast<double>(i % 200), 0.0});
  }
  return {{"cmd", "start_run"}, {"modality", "saxs"}, {"points", points}, {"frames_per_point", k}};
}

// Frames a run of about `frames` really has (whole raster rows, whole SAXS points).
std::uint64_t run_frames(const FrameSet& set, std::uint64_t frames) {
  const std::uint64_t per = set.modality == wire::Modality::Stem4D
                                ? std::min<std::uint64_t>(frames, 100)
                                : std::min<std::uint64_t>(frames, 10);
  return frames / per * per;
}

struct EndToEnd {
  Measured measured;
  RunObservation observed;
  std::uint64_t instrument_retries = 0;
  std::uintmax_t file_bytes = 0;
};

EndToEnd end_to_end(const FrameSet& set, std::uint64_t frames, const Variant& v,
                    const Options& options, const fs::path& work) {
  const fs::path dir = work / "daemon";
  fs::create_directories(dir);
  DaemonConfig c;
  const std::vector<int> ports = free_tcp_ports(4);
  const auto tcp = [](int port) { return "tcp://127.0.0.1:" + std::to_string(port); };
  c.endpoints = {tcp(ports[0]), tcp(ports[1]), tcp(ports[2]), tcp(ports[3])};
  c.data_dir = dir / "runs";
  c.receive_hwm = set.hwm;
  c.max_commands_in_flight = set.max_commands_in_flight;
  if (options.queue_capacity) c.queue_capacity = *options.queue_capacity;
  if (options.fsync_on_close) c.provenance.fsync = FsyncPolicy::OnClose;
  c.storage.enabled = v.storage;
  c.pipelines[set.modality] = v.stages ? full_pipeline(set) : PipelineConfig{};
  c.logging.level = "warn";
  c.logging.file = (dir / "edgeloopd.log").string();

  Daemon daemon(c, make_logger("edgeloopd", c.logging));
  std::atomic<pid_t> io_tid{0};
  std::jthread io([&] {
    name_this_thread("edgeloopd-io");
    io_tid = ::gettid();
    daemon.run();
  });

  zmq::context_t context(1);
  name_context(context, kSenderContext);
  zmq::context_t monitor_context(1);
  name_context(monitor_context, kMonitorContext);
  Instrument instrument(context, c.endpoints, set);
  AdminClient admin(monitor_context, c.endpoints.admin);
  const auto connect_by = Clock::now() + 10s;
  for (;;) {
    instrument.status(wire::InstrumentState::Idle);
    const json s = admin.request({{"cmd", "status"}});
    if (s.contains("instruments") && !s["instruments"].empty()) break;
    if (Clock::now() > connect_by) fail("the instrument never appeared in the daemon's status");
    std::this_thread::sleep_for(5ms);
  }
  const json started = admin.request(start_request(set, frames));
  if (!started.value("ok", false)) fail("start_run refused: " + started.dump());

  std::atomic<bool> sent_all{false};
  std::atomic<bool> ended{false};
  EndToEnd result;
  std::jthread monitor(
      [&] { observe(monitor_context, c.endpoints.admin, sent_all, result.observed, ended); });
  while (io_tid.load() == 0) std::this_thread::sleep_for(1ms);
  const KnownThreads known{::gettid(), io_tid.load()};
  const ThreadTimes before = thread_times();
  const double host_before = host_busy_seconds();
  const Clock::time_point first_sent = instrument.serve(frames);
  sent_all = true;
  // Retries of commands whose acks were late still get their ack until the run is sealed.
  while (!ended.load()) instrument.answer(1ms);
  monitor.join();
  const ThreadTimes after = thread_times();
  result.measured = {seconds_between(first_sent, result.observed.ended), frames,
                     role_times(before, after, known), host_busy_seconds() - host_before};
  result.instrument_retries = instrument.retries_seen();

  // Lossless means every frame sent is received, processed and (when storage is on) stored.
  const json& last = result.observed.last_run;
  const auto count = [&](const char* key) { return last.value(key, std::uint64_t{0}); };
  if (last.value("state", std::string()) != "completed" || count("frames_received") != frames ||
      count("frames_processed") != frames || (v.storage && count("frames_stored") != frames)) {
    fail(fmt::format("{} / {}: {} frames sent, but the run ended {}", set.label, v.name, frames,
                     last.dump()));
  }
  const std::string nexus = last.value("nexus_file", std::string());
  if (v.storage && !nexus.empty() && fs::exists(nexus)) result.file_bytes = fs::file_size(nexus);

  daemon.request_stop();
  io.join();
  fs::remove_all(dir);
  return result;
}

// --- report ---------------------------------------------------------------------------------

double mean_of(const std::vector<double>& v) {
  double sum = 0.0;
  std::size_t n = 0;
  for (const double x : v) {
    if (std::isnan(x)) continue;
    sum += x;
    ++n;
  }
  return n != 0 ? sum / static_cast<double>(n) : std::nan("");
}

double max_of(const std::vector<double>& v) {
  double m = std::nan("");
  for (const double x : v) {
    if (!std::isnan(x) && !(x <= m)) m = x;
  }
  return m;
}

void print_cpu_row(const std::string& name, const Measured& m) {
  fmt::print("  {:<30}", name);
  double total = 0.0;
  for (const double s : m.cpu) {
    fmt::print(" {:>8.1f}", s * 1e6 / static_cast<double>(m.frames));
    total += s;
  }
  fmt::print(" {:>8.1f} {:>6.2f} {:>6.2f}\n", total * 1e6 / static_cast<double>(m.frames),
             total / m.seconds, m.host_busy_s / m.seconds);
}

struct CaseSummary {
  std::string key;
  std::string label;
  double ratio = 0.0;
};

CaseSummary run_case(const FrameSet& set, const Options& options, const fs::path& work) {
  const std::uint64_t frames = run_frames(set, options.frames.value_or(set.default_frames));
  const double mb = static_cast<double>(set.frame_bytes) / 1e6;
  fmt::print(
      "\n== {}: {} B/frame, {} distinct frames rendered in {:.2f} s, {} frames per run, "
      "HWM {} at both ends, {} commands in flight ==\n",
      set.label, set.frame_bytes, set.payloads.size(), set.render_s, frames, set.hwm,
      set.max_commands_in_flight);
  const Micro m = micro(set, 0.3);
  fmt::print(
      "one core: SHA-256 {:.0f} MB/s ({:.1f} us/frame); bitshuffle+LZ4 compress {:.0f} MB/s "
      "({:.1f} us/frame, ratio {:.2f})\n",
      m.sha256_mb_s, mb / m.sha256_mb_s * 1e6, m.bslz4_mb_s, mb / m.bslz4_mb_s * 1e6,
      m.bslz4_ratio);

  // The baseline five times, the median kept: a single short run is at the mercy of the
  // scheduler on two cores.
  std::vector<Measured> raws;
  for (int i = 0; i < 5; ++i) raws.push_back(raw_zeromq(set, frames));
  std::sort(raws.begin(), raws.end(),
            [](const Measured& a, const Measured& b) { return a.rate() < b.rate(); });
  const Measured raw = raws[2];

  const std::vector<Variant> variants = {{"stages + storage", true, true},
                                         {"stages, no storage", true, false},
                                         {"no stages, storage", false, true},
                                         {"no stages, no storage", false, false}};
  std::vector<EndToEnd> runs;
  for (const Variant& v : variants) runs.push_back(end_to_end(set, frames, v, options, work));

  fmt::print("  {:<30} {:>9} {:>8} {:>7}  {:>15}  {:>15}  {:>8}\n", "", "frames/s", "MB/s",
             "vs raw", "proc. queue", "storage queue", "file MB");
  fmt::print("  {:<30} {:>9.0f} {:>8.0f} {:>7.3f}   (median of 5 runs, {:.0f} to {:.0f})\n",
             "raw ZeroMQ PUSH/PULL", raw.rate(), raw.rate() * mb, 1.0, raws.front().rate(),
             raws.back().rate());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunObservation& o = runs[i].observed;
    const double rate = runs[i].measured.rate();
    fmt::print(
        "  {:<30} {:>9.0f} {:>8.0f} {:>7.3f}  {:>6.1f} / {:>5.0f}  {:>6.1f} / {:>5.0f}  {:>8.1f}\n",
        "edgeloopd: " + variants[i].name, rate, rate * mb, rate / raw.rate(),
        mean_of(o.processing_depths), max_of(o.processing_depths), mean_of(o.storage_depths),
        max_of(o.storage_depths), static_cast<double>(runs[i].file_bytes) / 1e6);
  }
  fmt::print("  (queues: mean / max depth sampled every 20 ms; capacities {} and {})\n",
             options.queue_capacity.value_or(64), 64);

  fmt::print(
      "CPU time per frame by thread, us (cores = this process's CPU s / wall s; host = the "
      "whole machine's busy CPU s / wall s):\n");
  fmt::print("  {:<30}", "");
  for (const char* r : kRoleNames) fmt::print(" {:>8}", r);
  fmt::print(" {:>8} {:>6} {:>6}\n", "total", "cores", "host");
  print_cpu_row("raw ZeroMQ PUSH/PULL", raw);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    print_cpu_row("edgeloopd: " + variants[i].name, runs[i].measured);
  }

  fmt::print("stages (stages + storage run; p99 is the upper edge of a log2 bucket):\n");
  for (const json& s : runs[0].observed.stages) {
    fmt::print("  {:<28} processed {:>7}  mean {:>8.1f} us  p99 {:>8.1f} us  max {:>8.1f} us\n",
               s.value("name", std::string("?")), s.value("processed", std::uint64_t{0}),
               s.value("mean_us", 0.0), s.value("p99_us", 0.0), s.value("max_us", 0.0));
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    // Every result and every provenance record is per-frame work of the processing worker
    // (and the I/O thread) whatever the frame's size.
    const json& counters = runs[i].observed.counters;
    const double n = static_cast<double>(frames);
    fmt::print(
        "  {:<30} per frame: {:.1f} results, {:.1f} provenance records; command retries {} "
        "(instrument saw {}), sends blocked {}, pool waits {:.0f}\n",
        variants[i].name, number_at(runs[i].observed.last_run, {"results_published"}) / n,
        number_at(runs[i].observed.last_run, {"provenance_records"}) / n,
        counters.value("commands.retries", std::uint64_t{0}), runs[i].instrument_retries,
        counters.value("commands.send_blocked", std::uint64_t{0}),
        number_at(runs[i].observed.buffer_pool, {"waits"}));
  }
  std::fflush(stdout);
  return {set.key, set.label, runs[0].measured.rate() / raw.rate()};
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--frames" && has_value) {
      o.frames = std::stoull(argv[++i]);
    } else if (arg == "--only" && has_value) {
      o.only = argv[++i];
    } else if (arg == "--queue-capacity" && has_value) {
      o.queue_capacity = std::stoull(argv[++i]);
    } else if (arg == "--fsync" && has_value && std::string(argv[i + 1]) == "onclose") {
      o.fsync_on_close = true;
      ++i;
    } else {
      fmt::print(stderr,
                 "usage: bench_ingest [--frames N] [--only 96|256|1M] [--queue-capacity N] "
                 "[--fsync onclose]\n");
      std::exit(2);
    }
  }
  if (o.only && *o.only != "96" && *o.only != "256" && *o.only != "1M") {
    fmt::print(stderr, "--only takes 96, 256 or 1M\n");
    std::exit(2);
  }
  if (o.frames && *o.frames < 10) {
    fmt::print(stderr, "--frames must be at least 10\n");
    std::exit(2);
  }
  return o;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace
}  // namespace edgeloop

int main(int argc, char** argv) {
  using namespace edgeloop;
  name_this_thread("bench-main");
  const Options options = parse(argc, argv);
  const KokkosRuntime kokkos;  // the frame_sum and virtual-detector stages run on Kokkos

  char pattern[] = "/tmp/edgeloop-bench-ingest-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) fail("cannot create a temporary directory");
  const fs::path work = pattern;
  fmt::print("bench_ingest: {} CPUs ({}), lossless, tcp loopback, data in {}\n",
             std::thread::hardware_concurrency(), cpu_model(), work.string());
  // Other work on the machine takes cores from all the threads measured here: say how much
  // there was just before starting.
  const double idle_busy = host_busy_seconds();
  std::this_thread::sleep_for(1s);
  fmt::print("background load before starting: {:.2f} cores busy\n",
             host_busy_seconds() - idle_busy);

  const auto wanted = [&](const std::string& key) { return !options.only || *options.only == key; };
  std::vector<CaseSummary> summary;
  const auto total_start = Clock::now();
  if (wanted("96")) summary.push_back(run_case(render_stem(96, 256, 30000), options, work));
  if (wanted("256")) summary.push_back(run_case(render_stem(256, 256, 10000), options, work));
  if (wanted("1M")) summary.push_back(run_case(render_saxs(32, 500), options, work));

  fmt::print("\nend-to-end (stages + storage) / raw ZeroMQ:\n");
  for (const CaseSummary& s : summary) {
    fmt::print("  {:<32} {:.3f}{}\n", s.label, s.ratio,
               s.key == "256"
                   ? (s.ratio >= 0.9 ? "  (target >= 0.9: met)" : "  (target >= 0.9: NOT met)")
                   : "");
  }
  fmt::print("total {:.0f} s\n", seconds_between(total_start, Clock::now()));
  fs::remove_all(work);
  return 0;
}
