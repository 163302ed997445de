// A program started by a test as a separate process, stopped (SIGTERM, then SIGKILL) when
// the handle is destroyed so a failing test never leaves daemons behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace edgeloop::testing {

class ChildProcess {
 public:
  // Starts `program` with `args`; stdout and stderr go to `log_file` when given.
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::filesystem::path& log_file = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int signo) const;
  // Waits for exit; returns the exit status (128 + signal when killed), nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the exit status.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Exit status reported by run_program when the program outlived its timeout (as timeout(1)).
inline constexpr int kTimedOut = 124;

// Runs a program to completion, capturing stdout+stderr; returns {exit status, output}.
struct RunResult {
  int status;
  std::string output;
};
RunResult run_program(const std::filesystem::path& program, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));

}  // namespace edgeloop::testing
