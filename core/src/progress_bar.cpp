#include "edgeloop/core/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>

namespace edgeloop {

ProgressBar::ProgressBar(std::string label, std::uint64_t total, std::FILE* out)
    : label_(std::move(label)),
      total_(std::max<std::uint64_t>(total, 1)),
      out_(out),
      terminal_(isatty(fileno(out)) != 0),
      started_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (!finished_) {
    finish();
  }
}

void ProgressBar::update(std::uint64_t done, const std::string& status) {
  done_ = std::min(done, total_);
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    if (now - last_draw_ >= std::chrono::milliseconds(100)) {
      last_draw_ = now;
      draw(status);
    }
    return;
  }
  const int decile = static_cast<int>(done_ * 10 / total_);
  if (decile != last_decile_) {
    last_decile_ = decile;
    draw(status);
  }
}

void ProgressBar::finish(const std::string& status) {
  if (finished_) {
    return;
  }
  draw(status);
  if (terminal_) {
    std::fputc('\n', out_);
  }
  std::fflush(out_);
  finished_ = true;
}

void ProgressBar::draw(const std::string& status) {
  constexpr int kWidth = 30;
  const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * kWidth);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(out_, "%s%s [%s] %3d%% %llu/%llu %.0fs %s%s", terminal_ ? "\r" : "", label_.c_str(),
               bar.c_str(), static_cast<int>(fraction * 100.0),
               static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
               elapsed, status.c_str(), terminal_ ? "\033[K" : "\n");
  std::fflush(out_);
}

}  // namespace edgeloop
