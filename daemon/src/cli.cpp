#include "edgeloop/daemon/cli.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "edgeloop/core/clock.hpp"
#include "edgeloop/core/config_error.hpp"
#include "edgeloop/core/prov_json.hpp"
#include "edgeloop/core/provenance_reader.hpp"
#include "edgeloop/core/wire.hpp"
#include "edgeloop/core/wire_builders.hpp"
#include "edgeloop/daemon/admin_request.hpp"
#include "edgeloop/daemon/daemon_config.hpp"
#include "plan_registry.hpp"
#include "plan_replay.hpp"

namespace edgeloop {

namespace {

using nlohmann::json;

constexpr int kOk = 0;
constexpr int kCheckFailed = 1;
constexpr int kUsage = 2;
constexpr int kNoDaemon = 3;
constexpr std::string_view kHeartbeatTopic = "daemon/heartbeat";

// One admin request/reply; nullopt when the daemon does not answer in time.
std::optional<json> admin_call(const std::string& endpoint, const json& request, int timeout_ms) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, timeout_ms);
  socket.set(zmq::sockopt::sndtimeo, timeout_ms);
  socket.connect(endpoint);
  const std::string text = request.dump();
  if (!socket.send(zmq::buffer(text), zmq::send_flags::none)) return std::nullopt;
  zmq::message_t reply;
  if (!socket.recv(reply, zmq::recv_flags::none)) return std::nullopt;
  json parsed = json::parse(reply.to_string_view(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return json{{"ok", false}, {"error", "daemon sent a reply that is not a JSON object"}};
  }
  return parsed;
}

int report_admin(const std::string& endpoint, const std::optional<json>& reply, bool as_json,
                 const std::function<void(const json&)>& print) {
  if (!reply) {
    std::cerr << "edgeloop: no answer from edgeloopd at " << endpoint << "\n";
    return kNoDaemon;
  }
  if (!reply->is_object()) {
    std::cerr << "edgeloop: edgeloopd sent a reply that is not a JSON object\n";
    return kCheckFailed;
  }
  if (!reply->value("ok", false)) {
    std::cerr << "edgeloop: " << reply->value("error", std::string("request failed")) << "\n";
    return kCheckFailed;
  }
  if (as_json) {
    std::cout << reply->dump(2) << "\n";
  } else {
    print(*reply);
  }
  return kOk;
}

void print_status(const json& s) {
  const json& d = s["daemon"];
  std::cout << "edgeloopd " << d.value("version", "") << " (git " << d.value("git", "") << "), pid "
            << d.value("pid", 0) << ", up " << d.value("uptime_s", 0.0) << " s\n";
  std::cout << "instruments:\n";
  for (const json& i : s["instruments"]) {
    std::cout << "  " << i.value("name", "") << " [" << i.value("modality", "") << "] "
              << (i.value("connected", false) ? "connected" : "silent") << ", "
              << i.value("state", "") << ", " << i.value("frames_sent", 0) << " frames sent\n";
  }
  for (const char* key : {"run", "last_run"}) {
    const json& r = s[key];
    if (r.is_null()) continue;
    std::cout << (std::string(key) == "run" ? "run " : "last run ") << r.value("id", "") << ": "
              << r.value("state", "") << ", " << r.value("frames_received", 0) << "/"
              << r.value("frames_planned", 0) << " frames, " << r["acks"].value("done", 0)
              << " commands acked, " << r.value("results_published", 0) << " results\n";
  }
  std::cout << "counters:\n";
  for (const auto& [name, value] : s["counters"].items()) {
    std::cout << "  " << name << " = " << value << "\n";
  }
}

// Prints live results of one topic prefix until `count` messages or the timeout.
int subscribe(const std::string& endpoint, const std::string& topic, std::uint64_t count,
              double timeout_s, bool as_json) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::sub);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::subscribe, topic);
  // Heartbeats tell us (and scripts waiting on stderr) that the subscription is live.
  socket.set(zmq::sockopt::subscribe, std::string(kHeartbeatTopic));
  socket.connect(endpoint);
  bool announced = false;
  const std::int64_t until = timeout_s > 0
                                 ? monotonic_ns() + static_cast<std::int64_t>(timeout_s * 1e9)
                                 : std::numeric_limits<std::int64_t>::max();
  std::uint64_t received = 0;
  AlignedScratch scratch;
  while ((count == 0 || received < count) && monotonic_ns() < until) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    zmq::message_t topic_part;
    zmq::message_t body;
    if (!socket.recv(topic_part, zmq::recv_flags::none)) continue;
    if (!topic_part.more() || !socket.recv(body, zmq::recv_flags::none)) continue;
    while (body.more()) {  // an optional array payload is not printed
      zmq::message_t extra;
      if (!socket.recv(extra, zmq::recv_flags::none)) break;
      if (!extra.more()) break;
    }
    if (topic_part.to_string_view() == kHeartbeatTopic) {
      if (!announced) {
        std::cerr << "edgeloop: subscribed to " << endpoint << std::endl;
        announced = true;
      }
      if (std::string_view(kHeartbeatTopic).substr(0, topic.size()) != topic) continue;
    }
    auto decoded = decode<wire::Result>(
        std::span(static_cast<const std::byte*>(body.data()), body.size()), scratch);
    if (auto* error = std::get_if<WireError>(&decoded)) {
      std::cerr << "edgeloop: skipping malformed result on " << topic_part.to_string() << ": "
                << error->detail << "\n";
      continue;
    }
    const wire::Result& r = *std::get<const wire::Result*>(decoded);
    std::vector<double> values;
    if (r.values() != nullptr) values.assign(r.values()->begin(), r.values()->end());
    std::vector<double> position;
    if (r.scan_position() != nullptr)
      position.assign(r.scan_position()->begin(), r.scan_position()->end());
    const std::string product = r.product() ? r.product()->str() : "";
    if (as_json) {
      std::cout << json{{"topic", topic_part.to_string()},
                        {"run_id", from_wire(r.run_id()).str()},
                        {"product", product},
                        {"sequence", r.source_sequence()},
                        {"scan_index", r.scan_index()},
                        {"scan_position", position},
                        {"values", values}}
                       .dump()
                << std::endl;
    } else {
      std::cout << topic_part.to_string_view() << " seq=" << r.source_sequence()
                << " scan=" << r.scan_index() << " " << product << "=" << json(values).dump()
                << std::endl;
    }
    ++received;
  }
  return (count == 0 || received >= count) ? kOk : kCheckFailed;
}

// Polls status and draws a progress bar on stderr until the run has ended.
int wait_for_run(const std::string& endpoint, const std::string& run_id, int timeout_ms) {
  std::cout << std::flush;  // the run id first, then the progress bar
  for (;;) {
    const auto status = admin_call(endpoint, {{"cmd", "status"}}, timeout_ms);
    if (!status) {
      std::cerr << "\nedgeloop: lost contact with edgeloopd at " << endpoint << "\n";
      return kNoDaemon;
    }
    const json& last = (*status)["last_run"];
    if (!last.is_null() && last.value("id", "") == run_id) {
      std::cerr << "\n";
      std::cout << "run " << run_id << " " << last.value("state", "") << ": "
                << last.value("frames_received", 0) << " frames, "
                << last.value("results_published", 0) << " results, "
                << last["acks"].value("done", 0) << " commands acked ("
                << last["acks"].value("rejected", 0) << " rejected, "
                << last["acks"].value("expired", 0) << " expired), " << last.value("elapsed_s", 0.0)
                << " s\n";
      return last.value("state", "") == "completed" ? kOk : kCheckFailed;
    }
    const json& run = (*status)["run"];
    if (run.is_null() || run.value("id", "") != run_id) {
      // Neither active nor just finished: the daemon restarted or another run followed.
      std::cerr << "\nedgeloop: edgeloopd no longer knows run " << run_id << "\n";
      return kCheckFailed;
    }
    {
      const auto total = std::max<std::uint64_t>(1, run.value("frames_planned", std::uint64_t{1}));
      const auto done = run.value("frames_processed", std::uint64_t{0});
      constexpr int kWidth = 40;
      const auto filled = static_cast<int>(kWidth * std::min(done, total) / total);
      std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
                << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] " << done
                << "/" << total << " frames" << std::flush;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// One line per model of a SISSO job's job_status reply.
void print_sisso(const json& sisso) {
  if (!sisso.is_object()) return;
  for (const json& m : sisso.value("models", json::array())) {
    std::cout << "  D=" << m.value("dimension", 0) << " rmse=" << m.value("rmse", 0.0) << "  "
              << m.value("formula", "") << "\n";
  }
  if (sisso.contains("error")) std::cout << "  no models: " << sisso.value("error", "") << "\n";
}

void print_job(const json& j) {
  std::cout << j.value("job_id", "") << " " << j.value("runner", "") << " " << j.value("state", "")
            << " attempt " << j.value("attempt", 0) << ": " << j.value("message", "") << "\n";
  if (j.contains("sisso")) print_sisso(j["sisso"]);
}

// Polls job_status until the job has ended and, for a SISSO job, its models are read.
int wait_for_job(const std::string& endpoint, const std::string& job_id, int timeout_ms,
                 bool as_json) {
  std::string last_state;
  for (;;) {
    const auto reply = admin_call(endpoint, {{"cmd", "job_status"}, {"job", job_id}}, timeout_ms);
    if (!reply) {
      std::cerr << "edgeloop: lost contact with edgeloopd at " << endpoint << "\n";
      return kNoDaemon;
    }
    if (!reply->value("ok", false)) {
      std::cerr << "edgeloop: " << reply->value("error", std::string("request failed")) << "\n";
      return kCheckFailed;
    }
    const std::string state = reply->value("state", "");
    if (state != last_state) {
      std::cerr << "edgeloop: job " << job_id << " " << state << std::endl;
      last_state = state;
    }
    const bool ended =
        state == "completed" || state == "failed" || state == "cancelled" || state == "timed_out";
    const bool models_read =
        !reply->contains("sisso") || (*reply)["sisso"].value("result", "") != "pending";
    if (ended && models_read) {
      if (as_json) {
        std::cout << reply->dump(2) << "\n";
      } else {
        print_job(*reply);
      }
      return state == "completed" && (!reply->contains("sisso") ||
                                      (*reply)["sisso"].value("result", "") == "models")
                 ? kOk
                 : kCheckFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// A run id, a run directory or a provenance file, resolved to the provenance file.
std::filesystem::path provenance_file(const std::string& run,
                                      const std::filesystem::path& runs_dir) {
  const std::filesystem::path as_path(run);
  if (std::filesystem::is_regular_file(as_path)) return as_path;
  if (std::filesystem::is_directory(as_path)) return as_path / "provenance.elp";
  return runs_dir / run / "provenance.elp";
}

}  // namespace

// A run's verified log, or nullopt after saying on stderr why it cannot be read.
std::optional<std::vector<ProvenanceRecordView>> read_log(const std::filesystem::path& file,
                                                          bool allow_unsealed) {
  try {
    return read_provenance(file, allow_unsealed);
  } catch (const std::exception& e) {
    std::cerr << "edgeloop: " << e.what() << "\n";
    return std::nullopt;
  }
}

// A CURVE key pair for ZeroMQ's encryption and authentication: the public key goes to the
// peers (and the daemon's allow-list), the secret one stays with its owner, readable by it only.
int write_curve_keys(const std::string& prefix) {
  std::array<char, 41> public_key{};
  std::array<char, 41> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    std::cerr << "edgeloop keygen: this libzmq has no CURVE support: " << zmq_strerror(zmq_errno())
              << "\n";
    return 1;
  }
  const std::filesystem::path secret_path = prefix + ".key";
  const std::filesystem::path public_path = prefix + ".pub";
  if (std::filesystem::exists(secret_path) || std::filesystem::exists(public_path)) {
    std::cerr << "edgeloop keygen: " << secret_path.string() << " or " << public_path.string()
              << " exists; not overwriting keys\n";
    return 1;
  }
  {
    // Created with no permissions for others before the secret is written into it.
    const int fd = ::open(secret_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::cerr << "edgeloop keygen: cannot create " << secret_path.string() << ": "
                << std::strerror(errno) << "\n";
      return 1;
    }
    const std::string text = std::string(secret_key.data()) + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!written) {
      std::cerr << "edgeloop keygen: cannot write " << secret_path.string() << "\n";
      return 1;
    }
  }
  std::ofstream(public_path) << public_key.data() << "\n";
  std::cout << public_key.data() << "\n";
  return 0;
}

// `edgeloop train ...` runs the trainers, which live in their own program beside this one so
// the client links neither LibTorch's training code nor the simulators.
int exec_trainer(const std::vector<std::string>& args) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto trainer = (ec ? std::filesystem::path{} : self.parent_path()) / "edgeloop-train";
  std::vector<std::string> argv_text{trainer.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv_ptrs;
  for (auto& a : argv_text) argv_ptrs.push_back(a.data());
  argv_ptrs.push_back(nullptr);
  execv(trainer.c_str(), argv_ptrs.data());
  std::cerr << "edgeloop train: cannot run " << trainer.string() << ": " << std::strerror(errno)
            << "\n";
  return 1;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"edgeloop: client for the edgeloopd daemon"};
  app.require_subcommand(1);
  std::string config_file;
  std::string admin_endpoint;
  std::string results_endpoint;
  std::string runs_dir;
  int timeout_ms = 3000;
  bool as_json = false;
  app.add_option("-c,--config", config_file, "daemon config to take endpoints and data_dir from")
      ->check(CLI::ExistingFile);
  app.add_option("--admin", admin_endpoint, "admin endpoint (default from config)");
  app.add_option("--results", results_endpoint, "results endpoint (default from config)");
  app.add_option("--runs-dir", runs_dir, "run data directory (default from config)");
  app.add_option("--timeout-ms", timeout_ms, "admin reply timeout")->check(CLI::PositiveNumber);
  app.add_flag("--json", as_json, "print JSON instead of text");

  auto* status = app.add_subcommand("status", "show daemon, instruments, run and counters");
  std::uint32_t nx = 0;
  std::uint32_t ny = 0;
  std::string instrument;
  auto* start = app.add_subcommand(
      "start-run",
      "start a run on a connected instrument: a 4D-STEM raster scan (--nx, --ny), "
      "SAXS acquisitions (--point, repeated) or an APT stream (--chunks)");
  std::string modality = "4dstem";
  std::vector<std::string> points;
  std::uint32_t frames_per_point = 1;
  std::uint64_t chunks = 0;
  std::string title;
  start->add_option("--modality", modality, "4dstem (default), saxs or apt")
      ->check(CLI::IsMember({"4dstem", "saxs", "apt"}));
  start->add_option("--nx", nx, "4dstem: scan positions per row")->check(CLI::Range(1, 4096));
  start->add_option("--ny", ny, "4dstem: scan rows")->check(CLI::Range(1, 4096));
  start->add_option("--point", points, "saxs: X_MM,Y_MM[,T_C] (repeat for more points)");
  start->add_option("--frames-per-point", frames_per_point, "saxs: frames at each point")
      ->check(CLI::Range(1, 1000));
  start->add_option("--chunks", chunks, "apt: event chunks to collect")
      ->check(CLI::Range(1, 10000000));
  std::string plan_name;
  std::string plan_spec;
  start->add_option("--plan", plan_name,
                    "the plan by name (4dstem: raster, learned, random, gp_uncertainty, "
                    "raster_subsampled; saxs: acquisitions, bayes; apt: stream)");
  start->add_option("--spec", plan_spec,
                    "the plan's fields as a JSON object, e.g. for bayes '{\"budget\": 12, "
                    "\"bounds\": {...}, \"objective\": {...}}'");
  start->add_option("--title", title, "a title for the run's file");
  start->add_option("--instrument", instrument, "instrument name (default: any of the modality)");
  bool wait = false;
  start->add_flag("--wait", wait, "show progress until the run ends; exit 0 only if it completed");
  auto* stop = app.add_subcommand("stop-run", "abort the active run (its log is sealed)");
  auto* hold = app.add_subcommand(
      "hold-run",
      "stop sending the active run's plan steps; the watchdog then puts the instrument in its "
      "safe state and ends the run as stalled (drills and tests)");

  std::string topic;
  std::uint64_t count = 0;
  double timeout_s = 0;
  auto* sub = app.add_subcommand("subscribe", "print live results whose topic starts with TOPIC");
  sub->add_option("topic", topic, "topic prefix, e.g. run/ or run/<id>/4dstem/frame_sum")
      ->required();
  sub->add_option("-n,--count", count, "stop after this many results (0: never)");
  sub->add_option("--timeout-s", timeout_s, "stop after this many seconds (0: never)");

  auto* submit_sisso =
      app.add_subcommand("submit-sisso", "fit a SISSO formula to a run's frame_sum results");
  std::string sisso_run;
  std::string runner;
  std::string ops;
  int fcomplexity = -1;
  int desc_dim = 0;
  int nf_sis = 0;
  std::uint32_t time_limit_s = 0;
  bool wait_job = false;
  submit_sisso->add_option("--run", sisso_run, "run id (default: the current or last run)");
  submit_sisso->add_option("--runner", runner, "local or slurm (default from the daemon config)")
      ->check(CLI::IsMember({"local", "slurm"}));
  submit_sisso->add_option("--ops", ops, "SISSO operators, e.g. '(+)(-)(*)(/)(exp)'");
  submit_sisso->add_option("--fcomplexity", fcomplexity, "operators per feature")
      ->check(CLI::Range(0, 7));
  submit_sisso->add_option("--desc-dim", desc_dim, "highest model dimension")
      ->check(CLI::Range(1, 8));
  submit_sisso->add_option("--nf-sis", nf_sis, "SIS subspace size")->check(CLI::Range(1, 100000));
  submit_sisso->add_option("--time-limit-s", time_limit_s, "the job's wall-clock limit")
      ->check(CLI::Range(1u, kMaxJobTimeLimitS));
  submit_sisso->add_flag("--wait", wait_job,
                         "wait for the job and print its models; exit 0 only if it has some");
  auto* jobs_cmd = app.add_subcommand("jobs", "list the daemon's offloaded jobs");
  std::string key_prefix;
  auto* keygen = app.add_subcommand(
      "keygen", "make a CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (Z85)");
  keygen->add_option("prefix", key_prefix, "path prefix of the two files")->required();

  auto* provenance = app.add_subcommand("provenance", "work with run provenance logs");
  provenance->require_subcommand(1);
  std::string run;
  bool allow_unsealed = false;
  auto* verify = provenance->add_subcommand("verify", "check a run's hash chain and seal");
  verify->add_option("run", run, "run id, run directory or provenance file")->required();
  verify->add_flag("--allow-unsealed", allow_unsealed, "accept a log whose run is still open");
  auto* replay = provenance->add_subcommand(
      "replay",
      "rebuild a run's plan from its log, feed it the recorded observations and check that it "
      "makes every recorded decision again; exit 0 only if all are reproduced");
  replay->add_option("run", run, "run id, run directory or provenance file")->required();
  replay->add_flag("--allow-unsealed", allow_unsealed, "accept a log whose run is still open");
  std::string export_format = "prov-json";
  auto* export_cmd = provenance->add_subcommand(
      "export", "print a verified log as W3C PROV-JSON (decisions, commands, stages, jobs...)");
  export_cmd->add_option("run", run, "run id, run directory or provenance file")->required();
  export_cmd->add_option("--format", export_format, "prov-json")
      ->check(CLI::IsMember({"prov-json"}));
  export_cmd->add_flag("--allow-unsealed", allow_unsealed, "accept a log whose run is still open");
  std::string kind_filter;
  auto* show = provenance->add_subcommand(
      "show", "print a verified log's records as JSON lines (one object per record)");
  show->add_option("run", run, "run id, run directory or provenance file")->required();
  show->add_option("--kind", kind_filter, "only records of this kind (frame, result, command...)");
  show->add_flag("--allow-unsealed", allow_unsealed, "accept a log whose run is still open");

  auto* train = app.add_subcommand(
      "train",
      "reproduce a shipped model from simulated data: denoiser, classifier or scan-policy "
      "(`edgeloop train <what> --help` lists the options)");
  train->prefix_command();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  }
  if (train->parsed()) return exec_trainer(train->remaining());

  if (*keygen) return write_curve_keys(key_prefix);

  DaemonConfig config;
  try {
    config = config_file.empty() ? load_daemon_config(ConfigTable::parse("", "<defaults>"))
                                 : load_daemon_config_file(config_file);
  } catch (const ConfigError& e) {
    std::cerr << "edgeloop: configuration error: " << e.what() << "\n";
    return kUsage;
  }
  if (admin_endpoint.empty()) admin_endpoint = config.endpoints.admin;
  if (results_endpoint.empty()) results_endpoint = config.endpoints.results;
  const std::filesystem::path runs =
      runs_dir.empty() ? config.data_dir : std::filesystem::path(runs_dir);

  if (*status) {
    return report_admin(admin_endpoint, admin_call(admin_endpoint, {{"cmd", "status"}}, timeout_ms),
                        as_json, print_status);
  }
  if (*start) {
    json request = {{"cmd", "start_run"}, {"modality", modality}};
    const bool custom_plan =
        !plan_name.empty() && plan_name != default_plan_name(modality_from_name(modality));
    if (!plan_spec.empty()) {
      const json spec = json::parse(plan_spec, nullptr, false);
      if (spec.is_discarded() || !spec.is_object()) {
        std::cerr << "edgeloop: --spec must be a JSON object\n";
        return kUsage;
      }
      request.update(spec);
    }
    if (!plan_name.empty()) request["plan"] = plan_name;
    if (custom_plan) {
      if (nx > 0) request["nx"] = nx;
      if (ny > 0) request["ny"] = ny;
    } else if (modality == "4dstem") {
      request["nx"] = nx;
      request["ny"] = ny;
    } else if (modality == "saxs") {
      json list = json::array();
      for (const std::string& p : points) {
        json point = json::array();
        std::stringstream in(p);
        std::string part;
        while (std::getline(in, part, ',')) {
          try {
            point.push_back(std::stod(part));
          } catch (const std::exception&) {
            std::cerr << "edgeloop: --point '" << p << "' is not X,Y[,T]\n";
            return kUsage;
          }
        }
        list.push_back(point);
      }
      request["points"] = list;
      request["frames_per_point"] = frames_per_point;
    } else {
      request["chunks"] = chunks;
    }
    if (!title.empty()) request["title"] = title;
    if (!instrument.empty()) request["instrument"] = instrument;
    const auto reply = admin_call(admin_endpoint, request, timeout_ms);
    const int rc = report_admin(admin_endpoint, reply, as_json,
                                [](const json& r) { std::cout << r.value("run_id", "") << "\n"; });
    if (rc != kOk || !wait) return rc;
    return wait_for_run(admin_endpoint, (*reply)["run_id"].get<std::string>(), timeout_ms);
  }
  if (*stop) {
    return report_admin(
        admin_endpoint, admin_call(admin_endpoint, {{"cmd", "stop_run"}}, timeout_ms), as_json,
        [](const json& r) { std::cout << "stopped " << r.value("run_id", "") << "\n"; });
  }
  if (*hold) {
    return report_admin(
        admin_endpoint, admin_call(admin_endpoint, {{"cmd", "hold_run"}}, timeout_ms), as_json,
        [](const json& r) { std::cout << "held " << r.value("run_id", "") << "\n"; });
  }
  if (*sub) return subscribe(results_endpoint, topic, count, timeout_s, as_json);
  if (*submit_sisso) {
    json request = {{"cmd", "submit_sisso"}};
    if (!sisso_run.empty()) request["run"] = sisso_run;
    if (!runner.empty()) request["runner"] = runner;
    if (!ops.empty()) request["ops"] = ops;
    if (fcomplexity >= 0) request["fcomplexity"] = fcomplexity;
    if (desc_dim > 0) request["desc_dim"] = desc_dim;
    if (nf_sis > 0) request["nf_sis"] = nf_sis;
    if (time_limit_s > 0) request["time_limit_s"] = time_limit_s;
    const auto reply = admin_call(admin_endpoint, request, timeout_ms);
    const int rc = report_admin(admin_endpoint, reply, as_json && !wait_job,
                                [](const json& r) { std::cout << r.value("job_id", "") << "\n"; });
    if (rc != kOk || !wait_job) return rc;
    std::cout << std::flush;
    return wait_for_job(admin_endpoint, (*reply)["job_id"].get<std::string>(), timeout_ms, as_json);
  }
  if (*jobs_cmd) {
    return report_admin(admin_endpoint, admin_call(admin_endpoint, {{"cmd", "jobs"}}, timeout_ms),
                        as_json, [](const json& r) {
                          for (const json& j : r["jobs"]) print_job(j);
                          if (r["jobs"].empty()) std::cout << "no jobs\n";
                        });
  }
  if (*export_cmd) {
    const auto file = provenance_file(run, runs);
    const auto records = read_log(file, allow_unsealed);
    if (!records) return kCheckFailed;
    std::string run_id = file.parent_path().filename().string();
    if (!records->empty() && records->front().attributes.contains("run_id")) {
      run_id = records->front().attributes["run_id"].get<std::string>();
    }
    std::cout << to_prov_json(*records, run_id).dump(1) << "\n";
    return kOk;
  }
  if (*show) {
    const auto read = read_log(provenance_file(run, runs), allow_unsealed);
    if (!read) return kCheckFailed;
    const std::vector<ProvenanceRecordView>& records = *read;
    for (const ProvenanceRecordView& r : records) {
      if (!kind_filter.empty() && record_kind_name(r.kind) != kind_filter) continue;
      json inputs = json::array();
      for (const ProvenanceRef& ref : r.inputs) {
        inputs.push_back({{"role", ref.role},
                          {"id", ref.id},
                          {"sha256", ref.sha256 ? json(to_hex(*ref.sha256)) : json(nullptr)}});
      }
      std::cout << json{{"index", r.index},
                        {"kind", record_kind_name(r.kind)},
                        {"subject", r.subject},
                        {"wall_ns", r.wall_ns},
                        {"sha256", r.sha256 ? json(to_hex(*r.sha256)) : json(nullptr)},
                        {"agent", r.agent},
                        {"inputs", inputs},
                        {"attributes", r.attributes},
                        {"chain_hash", to_hex(r.chain_hash)}}
                       .dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n";
    }
    return kOk;
  }
  if (*replay) {
    const auto file = provenance_file(run, runs);
    const auto read = read_log(file, allow_unsealed);
    if (!read) return kCheckFailed;
    const std::vector<ProvenanceRecordView>& records = *read;
    const ReplayReport report = replay_plan(records, builtin_plan_registry());
    if (as_json) {
      std::cout << json{{"ok", report.ok},
                        {"file", file.string()},
                        {"plan", report.plan},
                        {"steps", report.steps},
                        {"decisions", report.decisions},
                        {"observations", report.observations},
                        {"refusals", report.refusals},
                        {"error", report.error}}
                       .dump(2)
                << "\n";
    } else if (report.ok) {
      std::cout << "REPRODUCED " << file.string() << ": plan " << report.plan << ", "
                << report.decisions << " decisions and " << report.steps << " steps from "
                << report.observations << " observations and " << report.refusals << " refusals\n";
    } else {
      std::cout << "MISMATCH " << file.string() << ": plan " << report.plan << ": " << report.error
                << "\n";
    }
    return report.ok ? kOk : kCheckFailed;
  }
  if (*verify) {
    const auto file = provenance_file(run, runs);
    const VerifyReport report = verify_provenance(file, allow_unsealed);
    if (as_json) {
      std::cout << json{{"ok", report.ok},
                        {"file", file.string()},
                        {"run_id", report.run_id.str()},
                        {"records", report.records},
                        {"sealed", report.sealed},
                        {"head", to_hex(report.head)},
                        {"error", report.error}}
                       .dump(2)
                << "\n";
    } else if (report.ok) {
      std::cout << "OK " << file.string() << ": run " << report.run_id.str() << ", "
                << report.records << " records, " << (report.sealed ? "sealed" : "NOT sealed")
                << ", head " << to_hex(report.head) << "\n";
    } else {
      std::cout << "FAILED " << file.string() << ": " << report.error << "\n";
    }
    return report.ok ? kOk : kCheckFailed;
  }
  return kUsage;
}

}  // namespace edgeloop
