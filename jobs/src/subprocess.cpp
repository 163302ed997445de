#include "edgeloop/jobs/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

#include "edgeloop/core/clock.hpp"
#include "unique_fd.hpp"

extern char** environ;

namespace edgeloop::jobs {

namespace {

using detail::UniqueFd;

// posix_spawn's attribute and file-action objects, destroyed on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attributes_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attributes() { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
};

void check(int rc, const char* what) {
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

// A clean child: its own process group, no blocked signals, default handlers for the signals
// daemons commonly block or catch (signal-waiting threads block SIGTERM by design).
void prepare_attributes(posix_spawnattr_t* attributes) {
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int signo : {SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, signo);
  }
  check(posix_spawnattr_setsigmask(attributes, &none), "posix_spawnattr_setsigmask");
  check(posix_spawnattr_setsigdefault(attributes, &defaults), "posix_spawnattr_setsigdefault");
  check(posix_spawnattr_setpgroup(attributes, 0), "posix_spawnattr_setpgroup");
  check(posix_spawnattr_setflags(attributes,
                                 static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                                    POSIX_SPAWN_SETPGROUP)),
        "posix_spawnattr_setflags");
}

pid_t spawn(const std::vector<std::string>& argv_in, const Environment& environment,
            SpawnSetup& setup) {
  if (argv_in.empty() || argv_in.front().empty()) {
    throw std::system_error(EINVAL, std::generic_category(), "spawn: no program");
  }
  std::vector<std::string> argv_storage = argv_in;
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = environment;
  std::vector<char*> envp;
  envp.reserve(env_storage.size() + 1);
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  // posix_spawnp searches the PATH of this process; our children's PATH is the same unless a
  // job overrides it, in which case the job's program should be an absolute path.
  pid_t pid = -1;
  const int rc =
      posix_spawnp(&pid, argv[0], setup.actions(), setup.attributes(), argv.data(), envp.data());
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), "cannot start '" + argv_in.front() + "'");
  }
  return pid;
}

void terminate_group(pid_t pid, std::chrono::milliseconds grace) {
  ::kill(-pid, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until && !leader_exited(pid)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  reap_group(pid);
}

}  // namespace

Environment current_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    env.emplace_back(*entry);
  }
  return env;
}

void set_environment(Environment& env, std::string_view name, std::string_view value) {
  std::string entry = std::string(name) + "=" + std::string(value);
  for (auto& existing : env) {
    if (existing.size() > name.size() && existing.compare(0, name.size(), name) == 0 &&
        existing[name.size()] == '=') {
      existing = std::move(entry);
      return;
    }
  }
  env.push_back(std::move(entry));
}

std::optional<std::string> environment_value(const Environment& env, std::string_view name) {
  for (const auto& existing : env) {
    if (existing.size() > name.size() && existing.compare(0, name.size(), name) == 0 &&
        existing[name.size()] == '=') {
      return existing.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

pid_t spawn_process(const SpawnRequest& request) {
  SpawnSetup setup;
  prepare_attributes(setup.attributes());
  auto* actions = setup.actions();
  check(posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "posix_spawn_file_actions_addopen");
  const auto out =
      request.stdout_path.empty() ? std::string("/dev/null") : request.stdout_path.string();
  const auto err =
      request.stderr_path.empty() ? std::string("/dev/null") : request.stderr_path.string();
  check(posix_spawn_file_actions_addopen(actions, STDOUT_FILENO, out.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644),
        "posix_spawn_file_actions_addopen");
  check(posix_spawn_file_actions_addopen(actions, STDERR_FILENO, err.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644),
        "posix_spawn_file_actions_addopen");
  // Descriptors the daemon opened without O_CLOEXEC (sockets, logs) must not leak into jobs.
  check(posix_spawn_file_actions_addclosefrom_np(actions, STDERR_FILENO + 1),
        "posix_spawn_file_actions_addclosefrom_np");
  const std::string dir = request.working_dir.string();
  if (!dir.empty()) {
    check(posix_spawn_file_actions_addchdir_np(actions, dir.c_str()),
          "posix_spawn_file_actions_addchdir_np");
  }
  return spawn(request.argv, request.environment, setup);
}

// True once the leader has exited. WNOWAIT leaves it a zombie, which keeps its pid (and so
// its process group id) from being reused while we signal the group.
bool leader_exited(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;  // not (or no longer) ours: nothing left to wait for
  }
  return info.si_pid == pid;
}

// Kills what the exited leader left in its group, then reaps the leader.
int reap_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return raw;
}

int decode_wait_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

CommandResult run_command(const std::vector<std::string>& argv, const Environment& environment,
                          std::chrono::milliseconds timeout, std::size_t max_output) {
  CommandResult result;
  std::array<int, 2> out_pipe{-1, -1};
  std::array<int, 2> err_pipe{-1, -1};
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  UniqueFd out_read(out_pipe[0]);
  UniqueFd out_write(out_pipe[1]);
  if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  UniqueFd err_read(err_pipe[0]);
  UniqueFd err_write(err_pipe[1]);

  pid_t pid = -1;
  try {
    SpawnSetup setup;
    prepare_attributes(setup.attributes());
    auto* actions = setup.actions();
    check(posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
          "posix_spawn_file_actions_addopen");
    // dup2 clears FD_CLOEXEC on the target, so the pipe ends survive exec as stdout/stderr.
    check(posix_spawn_file_actions_adddup2(actions, out_write.get(), STDOUT_FILENO),
          "posix_spawn_file_actions_adddup2");
    check(posix_spawn_file_actions_adddup2(actions, err_write.get(), STDERR_FILENO),
          "posix_spawn_file_actions_adddup2");
    check(posix_spawn_file_actions_addclosefrom_np(actions, STDERR_FILENO + 1),
          "posix_spawn_file_actions_addclosefrom_np");
    pid = spawn(argv, environment, setup);
  } catch (const std::system_error& e) {
    result.err = e.what();
    return result;
  }
  out_write.reset();
  err_write.reset();

  const std::int64_t deadline = monotonic_ns() + std::chrono::nanoseconds(timeout).count();
  std::array<char, 65536> buffer{};
  bool out_open = true;
  bool err_open = true;
  while (out_open || err_open) {
    const std::int64_t left_ms = (deadline - monotonic_ns()) / 1000000;
    if (left_ms <= 0) {
      result.timed_out = true;
      break;
    }
    std::array<pollfd, 2> fds{
        {{out_open ? out_read.get() : -1, POLLIN, 0}, {err_open ? err_read.get() : -1, POLLIN, 0}}};
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<std::int64_t>(left_ms, 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& sink = i == 0 ? result.out : result.err;
      const std::size_t room = max_output > sink.size() ? max_output - sink.size() : 0;
      const auto count = static_cast<std::size_t>(n);
      if (count > room) result.truncated = true;
      sink.append(buffer.data(), std::min(count, room));
    }
  }
  if (result.timed_out) {
    terminate_group(pid, std::chrono::milliseconds(1000));
    result.exit_code = 128 + SIGKILL;
    return result;
  }
  // Both pipes are closed, so the program is exiting; a grandchild holding them open is not
  // our concern once they are closed.
  while (!leader_exited(pid)) {
    if (monotonic_ns() >= deadline) {
      result.timed_out = true;
      terminate_group(pid, std::chrono::milliseconds(1000));
      result.exit_code = 128 + SIGKILL;
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const int raw = reap_group(pid);
  result.exit_code = decode_wait_status(raw);
  return result;
}

}  // namespace edgeloop::jobs
