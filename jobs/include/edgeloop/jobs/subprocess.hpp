// Starting programs from a multi-threaded daemon: posix_spawn into a process group of their
// own, and a bounded, timed capture of output for client commands.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgeloop::jobs {

// A full environment, "NAME=value" entries.
using Environment = std::vector<std::string>;

// The calling process's environment, read once (reading environ while another thread calls
// setenv is a data race, so runners take a copy at construction).
Environment current_environment();
// Sets or replaces NAME in `env`.
void set_environment(Environment& env, std::string_view name, std::string_view value);
std::optional<std::string> environment_value(const Environment& env, std::string_view name);

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0]: looked up in PATH when it has no '/'
  Environment environment;
  std::filesystem::path working_dir{};  // empty: the caller's
  std::filesystem::path stdout_path{};  // truncated; empty: /dev/null
  std::filesystem::path stderr_path{};  // truncated; empty: /dev/null
};

// Starts the program as the leader of a new process group (pgid == pid), stdin from
// /dev/null, every descriptor above 2 closed, signal mask and dispositions reset. Throws
// std::system_error naming the program when it cannot be started (not found, not executable,
// bad working directory).
pid_t spawn_process(const SpawnRequest& request);

// True once the group leader `pid` (a child of ours) has exited. It is left a zombie, which
// keeps its pid, and so its process group id, from being reused while the group is signalled.
bool leader_exited(pid_t pid);
// Kills whatever the exited leader left in its group (SIGKILL), then reaps the leader and
// returns its raw wait status.
int reap_group(pid_t pid);

// 0..255 for a normal exit, 128 + signal for a killed process (as a shell reports it).
int decode_wait_status(int raw);

struct CommandResult {
  int exit_code = -1;  // decode_wait_status(); -1 when it could not be started
  std::string out;
  std::string err;
  bool timed_out = false;  // killed after the timeout
  bool truncated = false;  // output beyond the limit was dropped
};

// Runs a client command (sbatch, squeue...) to completion, capturing stdout and stderr (at
// most `max_output` bytes each). After `timeout` its process group gets SIGTERM, then SIGKILL.
// A program that cannot be started gives exit_code -1 and the reason in `err`; never throws
// for the command's own failures.
CommandResult run_command(const std::vector<std::string>& argv, const Environment& environment,
                          std::chrono::milliseconds timeout,
                          std::size_t max_output = std::size_t{16} << 20);

}  // namespace edgeloop::jobs
