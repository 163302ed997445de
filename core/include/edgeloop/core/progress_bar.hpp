// A one-line terminal progress bar for long jobs run by hand (training, the demo): redrawn in
// place on a terminal, printed as occasional plain lines when the output is a file or a pipe.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace edgeloop {

class ProgressBar {
 public:
  // `total` steps of `label`; writes to `out` (stderr by default).
  ProgressBar(std::string label, std::uint64_t total, std::FILE* out = stderr);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();

  // Sets the steps done and a short status text (e.g. "loss 0.0123"); draws at most ~10 times
  // a second on a terminal and every 10 % otherwise.
  void update(std::uint64_t done, const std::string& status = {});
  // Draws the final state and ends the line; called by the destructor if not before.
  void finish(const std::string& status = {});

 private:
  void draw(const std::string& status);

  std::string label_;
  std::uint64_t total_;
  std::FILE* out_;
  bool terminal_;
  bool finished_ = false;
  std::uint64_t done_ = 0;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace edgeloop
