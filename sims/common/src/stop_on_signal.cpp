#include "edgeloop/sims/stop_on_signal.hpp"

#include <pthread.h>
#include <signal.h>

#include <ctime>
#include <system_error>

namespace edgeloop::sims {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

StopOnSignal::StopOnSignal(std::stop_source source) : source_(std::move(source)) {
  const sigset_t set = stop_signals();
  if (const int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
  }
  waiter_ = std::thread([this, set] {
    // Waits in short ticks rather than forever, so the destructor can end the wait by setting
    // a flag instead of sending the thread a signal of its own.
    const timespec tick{0, 50'000'000};
    while (!closing_.load()) {
      const int signo = sigtimedwait(&set, nullptr, &tick);
      if (signo > 0) {
        received_.store(signo);
        source_.request_stop();
        return;
      }
    }
  });
}

StopOnSignal::~StopOnSignal() {
  closing_.store(true);
  waiter_.join();
}

}  // namespace edgeloop::sims
