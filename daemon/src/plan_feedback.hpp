// The way back from the processing worker to the run's plan: what each processed frame
// measured (only the products the plan asked for), handed to the I/O thread, which feeds the
// plan before it asks for the next steps.
//
// Contract: any number of producers (the processing worker) and one consumer (the I/O
// thread); push never blocks for long (one mutex, no waiting for room) and nothing is
// dropped, since an adaptive plan waits for every observation it is owed. The run's frames
// are bounded by its plan (max_frames), so the queue is too.
#pragma once

#include <deque>
#include <iterator>
#include <mutex>
#include <vector>

#include "edgeloop/controllers/run_plan.hpp"

namespace edgeloop {

class PlanFeedback {
 public:
  void push(PlanObservation observation) {
    const std::lock_guard lock(mutex_);
    pending_.push_back(std::move(observation));
  }
  // Everything pushed so far, in push order.
  std::vector<PlanObservation> take() {
    const std::lock_guard lock(mutex_);
    std::vector<PlanObservation> out(std::make_move_iterator(pending_.begin()),
                                     std::make_move_iterator(pending_.end()));
    pending_.clear();
    return out;
  }

 private:
  std::mutex mutex_;
  std::deque<PlanObservation> pending_;
};

}  // namespace edgeloop
