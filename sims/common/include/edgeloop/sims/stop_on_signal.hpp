// Turns SIGTERM and SIGINT into a std::stop_source request, so a program's loop ends cleanly
// between commands, without an asynchronous signal handler or a global flag.
#pragma once

#include <atomic>
#include <stop_token>
#include <thread>

namespace edgeloop::sims {

// Blocks SIGTERM and SIGINT in the constructing thread, and so in every thread it creates
// afterwards, and waits for them with sigtimedwait() on a thread of its own; the first one
// requests the stop. Construct it in main()
// before any other thread exists (ZeroMQ's I/O threads included), or those threads could still
// take the signal with its default action.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::stop_source source);
  // Ends the wait within 50 ms and joins the thread. The signals stay blocked: a second SIGTERM
  // during the shutdown that follows must not kill the process half-way.
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  // The signal that requested the stop, 0 while none has.
  int received() const { return received_.load(); }

 private:
  std::stop_source source_;
  std::atomic<bool> closing_{false};
  std::atomic<int> received_{0};
  std::thread waiter_;
};

}  // namespace edgeloop::sims
